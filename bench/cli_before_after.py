"""CLI wall time of this checkout against an older commit, interleaved so load hits both alike.

    .venv/bin/python bench/cli_before_after.py --rev fed65ea --runs 15

On this shared 2-vCPU VM the load average moves between 0 and 5 within minutes, which moves
absolute CLI timings by ±50 %; a before/after comparison is only fair when the two are timed in
the same minutes. This script exports ``core/`` and ``tui/`` of ``--rev`` with ``git archive``
into a temporary folder and runs, round-robin, one process of each command per round:

* before: ``python -m core.cli`` from the exported tree (``--version``, ``--json ready --limit
  20``, ``task add``; global options before the command, the only form old revisions take);
* after: this checkout's ``taskyard`` console script (``taskyard --db X ready --json --limit 20``
  as the issue writes it, ``task add``, ``--version``);
* the floor any store command pays (importing asyncio, pydantic and SQLAlchemy, nothing of
  taskyard's) and ``python -c pass``.

Bytecode is cached (``PYTHONPYCACHEPREFIX``) as for an installed taskyard. The databases are
copies of the 10,000-task seed (bench/seed.py); each ``task add`` goes into its own copy.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine_note, percentile

PY = sys.executable


def export(rev: str, dest: Path) -> None:
    archive = subprocess.run(["git", "archive", rev, "core", "tui"], cwd=ROOT, check=True,
                             capture_output=True).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rev", default="fed65ea", help="the 'before' commit (default: fed65ea)")
    ap.add_argument("--db", type=Path, default=Path("/tmp/taskyard-bench/seed-10000-42.db"))
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()
    if not args.db.exists():
        raise SystemExit(f"{args.db} missing: run bench/seed.py --tasks 10000 first")
    script = Path(PY).with_name("taskyard")
    if not script.exists():
        raise SystemExit(f"no taskyard console script next to {PY}: run make .venv/.installed")
    tmp = Path(tempfile.mkdtemp(prefix="taskyard-before-after-"))
    before = tmp / "before"
    export(args.rev, before)
    dbs = {}
    for name in ("before-read", "before-write", "after-read", "after-write"):
        dbs[name] = tmp / f"{name}.db"
        shutil.copy2(args.db, dbs[name])
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    old = [PY, "-m", "core.cli"]
    new = [str(script)]
    commands: dict[str, tuple[list[str], Path | None]] = {
        f"before ({args.rev}): --version": ([*old, "--version"], before),
        f"before ({args.rev}): --json ready --limit 20":
            ([*old, "--db", str(dbs["before-read"]), "--json", "ready", "--limit", "20"], before),
        f"before ({args.rev}): task add":
            ([*old, "--db", str(dbs["before-write"]), "task", "add", "{n}", "--project", "bench"],
             before),
        "after: taskyard --version": ([*new, "--version"], None),
        "after: taskyard ready --json --limit 20":
            ([*new, "--db", str(dbs["after-read"]), "ready", "--json", "--limit", "20"], None),
        "after: taskyard task add":
            ([*new, "--db", str(dbs["after-write"]), "task", "add", "{n}", "--project", "bench"],
             None),
        "floor: import asyncio, pydantic, sqlalchemy(+sqlite)":
            ([PY, "-c", "import asyncio, pydantic, sqlalchemy, sqlalchemy.dialects.sqlite"], None),
        "python -c pass": ([PY, "-c", "pass"], None),
    }  # fmt: skip
    print(f"machine: {machine_note()}")
    times: dict[str, list[float]] = {name: [] for name in commands}
    n = 0
    for round_ in range(args.warmup + args.runs):
        for name, (argv, cwd) in commands.items():
            n += 1
            run_env = dict(env)
            # The old tree must shadow the editable install of this checkout.
            run_env["PYTHONPATH"] = str(cwd) if cwd else ""
            cmd = [a.replace("{n}", f"before-after task {n}") for a in argv]
            t0 = time.perf_counter()
            p = subprocess.run(cmd, cwd=cwd or ROOT, env=run_env, capture_output=True)
            dt = (time.perf_counter() - t0) * 1000
            if p.returncode != 0:
                raise SystemExit(f"{cmd} failed: {p.stderr.decode()[-500:]}")
            if round_ >= args.warmup:
                times[name].append(dt)
    print(f"{args.runs} rounds after {args.warmup} warm-up, round-robin; ms")
    for name, values in times.items():
        print(f"{name:<56} median {statistics.median(values):7.1f}  min {min(values):7.1f}  "
              f"p90 {percentile(values, 90):7.1f}")  # fmt: skip
    print(f"load after: {machine_note()}")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
