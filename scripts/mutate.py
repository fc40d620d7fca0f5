"""Mutation check: do the tests catch the one-line breakages that matter most?

Each mutant below is one exact text edit to a critical line (from the code-quality review's
mutation table: claims and fences, leases, event order, versions, the state machine, the
board's windowed lists, screen-reader announcements) and the tests that must catch it. For
each, the edit is applied to a temporary copy of the tree (never the working tree), the named
tests run with ``-x -q``, and the result is recorded: **killed** (a test failed or timed out),
**survived** (every test passed) or **error** (the edit no longer applies: the line moved or
changed, so update this list). The file is restored before the next mutant.

A small script instead of mutmut: mutmut mutates every line it can reach and reruns whole
test files per mutant, which on this codebase (subprocesses, Textual apps, PostgreSQL) takes
hours and reports hundreds of equivalent mutants; these are the few that guard a real rule,
each with the tests that exist for it, in a few minutes.

    make mutate                       # every mutant
    .venv/bin/python scripts/mutate.py E1 B2   # only these

Exit status 1 when a mutant marked must-kill survives or no longer applies. Set
``TASKYARD_TEST_PG_URL`` (``.ci/run`` does) or the PostgreSQL-only tests skip and E1's
behavioural test cannot kill it (its SQLite statement check still does).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 600
"""Seconds per mutant: a mutant that makes a test hang past it counts as killed."""


@dataclass(frozen=True)
class Mutant:
    id: str
    behaviour: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    """pytest arguments: files, node ids, ``-k`` expressions."""
    must_kill: bool = True
    """False for a mutant known to survive, with the reason in ``behaviour``."""


CLAIMS = "tests/store/test_claims_contract.py"
SQLITE_ONLY = ("-k", "not aiosqlite and not postgres")

MUTANTS = (
    Mutant(
        "S1",
        "a refused move: anything may jump to done",
        "core/domain/states.py",
        "    if requested not in allowed:\n",
        "    if requested not in allowed and requested != S.DONE:\n",
        ("tests/domain/test_states.py",),
    ),
    Mutant(
        "D1",
        "dependency guard: a move ignores the blockers",
        "core/store/task_ops.py",
        'blockers=blockers_of(conn, row["id"]),',
        "blockers=[],",
        ("tests/store/test_engine_contract.py", *SQLITE_ONLY),
    ),
    Mutant(
        "D2",
        "dependency guard on Run Now (in progress)",
        "core/domain/states.py",
        "frozenset({S.READY, S.IN_PROGRESS})",
        "frozenset({S.READY})",
        ("tests/domain/test_states.py",),
    ),
    Mutant(
        "D3",
        "claim SQL's blocker filter (equivalent while 'no ready task waits' holds)",
        "core/store/claims/sqlite.py",
        "WHERE t.status = 'ready' AND t.unresolved_blockers = 0",
        "WHERE t.status = 'ready'",
        (CLAIMS, "tests/store/test_claims_fast.py", *SQLITE_ONLY),
        must_kill=False,
    ),
    Mutant(
        "I1",
        "idempotent create by external id",
        "core/store/task_create.py",
        "        if existing is not None:\n            return str(existing.id), False\n",
        "        if False:\n            return str(existing.id), False\n",
        ("tests/store/test_engine_contract.py", *SQLITE_ONLY),
    ),
    Mutant(
        "C1",
        "claim exactly once: a batch may pick a task twice",
        "core/store/claims/__init__.py",
        "skip_ids=tuple(c.id for c in picked)",
        "skip_ids=()",
        (CLAIMS, "tests/store/test_claims_fast.py", *SQLITE_ONLY),
    ),
    Mutant(
        "C2",
        "finish exactly once: a closed run's late success (the fence of every path but PG's)",
        "core/store/claims/fence.py",
        '    if status not in ACTIVE:\n        return f"the run has ended ({status})"\n',
        "",
        (f"{CLAIMS}::test_a_closed_run_cannot_finish_the_task_another_worker_now_runs",),
    ),
    Mutant(
        "C3",
        "finish exactly once on PostgreSQL: the finish statement's fence (holds_sql)",
        "core/store/claims/fence.py",
        'return f"({run}.status IN ({states}) AND {run}.lease_expires_at > {now}) IS TRUE"',
        'return f"({run}.lease_expires_at > {now}) IS TRUE"',
        ("tests/store/test_claim_paths.py", "-k", "fence_in_sql or closed_run"),
    ),
    Mutant(
        "L1",
        "lease fence boundary (the fence of every path but PG's)",
        "core/store/claims/fence.py",
        "    if lease_expires_at <= now:\n",
        "    if lease_expires_at < now:\n",
        (CLAIMS, *SQLITE_ONLY),
    ),
    Mutant(
        "L2",
        "lease sweep boundary: a lease that ends now is swept now",
        "core/store/lease_ops.py",
        "R.c.lease_expires_at <= cutoff)",
        "R.c.lease_expires_at < cutoff)",
        (CLAIMS, "tests/store/test_server_time.py", *SQLITE_ONLY),
    ),
    Mutant(
        "L3",
        "a heartbeat must not revive an expired lease",
        "core/store/lease_ops.py",
        "            R.c.lease_expires_at > ctx.now,\n",
        "",
        (CLAIMS, *SQLITE_ONLY),
    ),
    Mutant(
        "P2",
        "the CLI's PRD preview writes nothing",
        "core/cli/commands/imports.py",
        "    if not a.commit:\n        return s.out.result(",
        "    if a.commit is None:\n        return s.out.result(",
        ("tests/cli/test_prd_import_cli.py",),
    ),
    Mutant(
        "E1",
        "events are read in seq order",
        "core/store/events.py",
        ".order_by(t.events.c.seq).limit(limit)",
        ".limit(limit)",
        ("tests/store/test_event_order.py",),
    ),
    Mutant(
        "V1",
        "version conflict on update",
        "core/store/task_ops.py",
        'row["version"] != expected_version:\n'
        "        raise _stale(conn, row, expected_version)\n    changes = patch.changes()",
        'row["version"] < expected_version:\n'
        "        raise _stale(conn, row, expected_version)\n    changes = patch.changes()",
        ("tests/store/test_engine_contract.py", *SQLITE_ONLY),
    ),
    Mutant(
        "V2",
        "the form sends its version (normal saves detect a conflict)",
        "tui/modals/task_form.py",
        "expected = overwrite_version if overwrite_version is not None else self.version",
        "expected = overwrite_version",
        ("tests/tui/test_task_form.py", "-k", "conflict"),
    ),
    Mutant(
        "R1",
        "screen reader: a move made elsewhere is announced",
        "tui/board_words.py",
        '{"task.status_changed", ',
        "{",
        ("tests/tui/test_announcements.py",),
    ),
    Mutant(
        "R2",
        "screen reader: a deletion made elsewhere is announced",
        "tui/board_words.py",
        'if kind == "task.deleted":',
        'if kind == "task.removed":',
        ("tests/tui/test_announcements.py",),
    ),
    Mutant(
        "R3",
        "screen reader: no toasts",
        "tui/app.py",
        "        if not self.settings.screen_reader:\n            self.notify(",
        "        if True:\n            self.notify(",
        ("tests/tui/test_announcements.py",),
    ),
    Mutant(
        "B1",
        "board windows: a far line asks for its window's offset",
        "tui/widgets/task_list.py",
        "        offset = (index // PAGE) * PAGE\n        if offset in self._pending:",
        "        offset = index // PAGE\n        if offset in self._pending:",
        ("tests/tui/test_board_windows.py",),
    ),
    Mutant(
        "B2",
        "board windows: drop the window furthest from the cursor",
        "tui/widgets/task_list.py",
        "far = max(self._pages, key=",
        "far = min(self._pages, key=",
        ("tests/tui/test_board_windows.py",),
    ),
    Mutant(
        "B3",
        "board windows: load the window asked for",
        "tui/screens/board.py",
        "offset=offset, limit=limit)",
        "offset=0, limit=limit)",
        ("tests/tui/test_board_windows.py",),
    ),
    Mutant(
        "B4",
        "the early board read is used only for its own query",
        "tui/app.py",
        "if early is None or not same_query(early.query, query):",
        "if early is None:",
        ("tests/tui/test_board.py", "-k", "early_read"),
    ),
)


@dataclass(frozen=True)
class Result:
    mutant: Mutant
    status: str
    seconds: float
    detail: str = ""


def copy_tree(target: Path) -> None:
    """The working tree's files (tracked and new, not ignored) under ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def run_mutant(tree: Path, mutant: Mutant) -> Result:
    path = tree / mutant.path
    original = path.read_text(encoding="utf-8")
    found = original.count(mutant.old)
    if found != 1:
        return Result(mutant, "error", 0.0, f"the old text occurs {found} times in {mutant.path}")
    path.write_text(original.replace(mutant.old, mutant.new), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p"]
    command += ["no:cacheprovider", "-n", "0", *mutant.tests]
    start = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=tree, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        status, detail = "killed", f"timed out after {TIMEOUT} s"
    else:
        lines = done.stdout.strip().splitlines()
        detail = lines[-1] if lines else done.stderr.strip()[-200:]
        # 0: every test passed; 1: a test failed; anything else (no tests, usage): an error.
        status = {0: "survived", 1: "killed"}.get(done.returncode, "error")
    finally:
        path.write_text(original, encoding="utf-8")
    return Result(mutant, status, time.monotonic() - start, detail)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", help="only these mutants (default: all)")
    args = parser.parse_args(argv)
    wanted = [m for m in MUTANTS if not args.ids or m.id in args.ids]
    if not wanted:
        parser.error(f"no such mutant; known: {' '.join(m.id for m in MUTANTS)}")
    if not os.environ.get("TASKYARD_TEST_PG_URL"):
        print("TASKYARD_TEST_PG_URL is not set: PostgreSQL-only tests will skip.", file=sys.stderr)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="taskyard-mutate-") as tmp:
        tree = Path(tmp)
        copy_tree(tree)
        for mutant in wanted:
            result = run_mutant(tree, mutant)
            results.append(result)
            print(
                f"{mutant.id:<3} {result.status:<8} {result.seconds:6.1f} s  {mutant.behaviour}",
                flush=True,
            )
    print()
    print(f"| {'ID':<3} | {'must kill':<9} | {'result':<8} | {'time':>7} | where / tests run |")
    print(f"|{'-' * 5}|{'-' * 11}|{'-' * 10}|{'-' * 9}|{'-' * 19}|")
    for r in results:
        m = r.mutant
        print(
            f"| {m.id:<3} | {'yes' if m.must_kill else 'no':<9} | {r.status:<8} | "
            f"{r.seconds:5.1f} s | {m.path}: {' '.join(m.tests)} ({r.detail}) |"
        )
    must = [r for r in results if r.mutant.must_kill]
    killed = sum(r.status == "killed" for r in must)
    print()
    print(
        f"Score: {killed}/{len(must)} must-kill mutants killed; "
        f"{sum(r.status == 'killed' for r in results)}/{len(results)} in all."
    )
    failed = [r.mutant.id for r in must if r.status != "killed"]
    if failed:
        print(f"Not killed (must be): {' '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
