"""What would the CLI's start-up cost with lazier imports? A what-if, measured on a copy.

    .venv/bin/python bench/startup_experiment.py --runs 11

Copies ``core/`` into a temporary folder, applies a cumulative series of small source patches
there (the repository is never modified) and times the real CLI from each copy with the
bytecode cache enabled (``PYTHONPYCACHEPREFIX``). Each patch is a plain text replacement; one
that no longer applies (because core/ changed) is reported and skipped.

Steps 1-3 (and more: the PostgreSQL insert in store/lookup.py, GC off during start-up) are in
core/ since 2026-11-30, so those patches now report "text not found" and the steps time the
same code; the script is kept for its floors and as the record of how the change was chosen.

Steps (cumulative):
  0 baseline            core/ as it is
  1 lazy-asyncio-ext    sqlalchemy.ext.asyncio (which drags in sqlalchemy.orm) imported only
                        when an async engine is built (dialects/postgresql.py, runner.py)
  2 lazy-jsonb          the JSON column type picks JSONB in load_dialect_impl, so
                        sqlalchemy.dialects.postgresql (+ asyncpg/psycopg dialect modules) is
                        not imported for SQLite (store/types.py)
  3 pydantic-defer      ConfigDict(defer_build=True) on the domain models, views and requests:
                        validators are built on first use instead of at import
  4 lazy-store-ops      SqlTaskEngine imports bulk_import/graph_ops/project_ops/task_ops/
                        queries inside the methods that use them
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine_note, percentile

PY = sys.executable

Patch = tuple[str, str, str]  # file under core/, old text, new text (all occurrences)

STEPS: list[tuple[str, list[Patch]]] = [
    ("baseline", []),
    ("lazy-asyncio-ext", [
        ("store/dialects/postgresql.py",
         "from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine\n",
         "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
         "    from sqlalchemy.ext.asyncio import AsyncEngine\n"),
        ("store/dialects/postgresql.py",
         "    return create_async_engine(",
         "    from sqlalchemy.ext.asyncio import create_async_engine\n\n"
         "    return create_async_engine("),
        ("store/runner.py",
         "from sqlalchemy.ext.asyncio import AsyncEngine\n",
         "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
         "    from sqlalchemy.ext.asyncio import AsyncEngine\n"),
    ]),
    ("lazy-jsonb", [
        ("store/types.py", "from sqlalchemy.dialects.postgresql import JSONB\n", ""),
        ("store/types.py",
         '    return JSON().with_variant(JSONB(), "postgresql")',
         "    return _Json()\n\n\n"
         "class _Json(TypeDecorator[Any]):\n"
         "    impl = JSON\n"
         "    cache_ok = True\n\n"
         "    def load_dialect_impl(self, dialect: Dialect) -> Any:\n"
         '        if dialect.name == "postgresql":\n'
         "            from sqlalchemy.dialects.postgresql import JSONB\n\n"
         "            return dialect.type_descriptor(JSONB())\n"
         "        return dialect.type_descriptor(JSON())"),
    ]),
    ("pydantic-defer", [
        ("domain/models.py", "ConfigDict(frozen=True)",
         "ConfigDict(frozen=True, defer_build=True)"),
        ("domain/views.py", "ConfigDict(frozen=True)",
         "ConfigDict(frozen=True, defer_build=True)"),
        ("domain/commands.py", 'ConfigDict(extra="forbid", str_strip_whitespace=True)',
         'ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)'),
    ]),
    ("lazy-store-ops", [
        ("store/engine.py",
         "from core.store import bulk_import, graph_ops, migrate, project_ops, queries, task_ops\n",
         "from core.store import migrate\n"),
    ]),
]  # fmt: skip

# lazy-store-ops: the names are used as ``module.function`` inside method bodies, so a small
# proxy per name imports the module on first attribute access without touching every method.
LAZY_PROXIES = """

class _LazyModule:  # lazy-store-ops experiment
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(f"core.store.{self._name}"), attr)


bulk_import = _LazyModule("bulk_import")
graph_ops = _LazyModule("graph_ops")
project_ops = _LazyModule("project_ops")
queries = _LazyModule("queries")
task_ops = _LazyModule("task_ops")
"""


def apply(dst: Path, patches: list[Patch], step: str) -> list[str]:
    problems = []
    for rel, old, new in patches:
        path = dst / "core" / rel
        text = path.read_text()
        if old not in text:
            problems.append(f"{step}: {rel}: text not found, patch skipped")
            continue
        path.write_text(text.replace(old, new))
    if step == "lazy-store-ops" and not problems:
        path = dst / "core" / "store" / "engine.py"
        path.write_text(path.read_text() + LAZY_PROXIES)
    return problems


def timed(argv: list[str], cwd: Path, env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(argv, cwd=cwd, env=env, capture_output=True)
        out.append(time.perf_counter() - t0)
        if p.returncode != 0:
            raise RuntimeError(f"{argv} failed: {p.stderr.decode()[-800:]}")
    return out


def med(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return (s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, default=Path("/tmp/taskyard-bench/seed-10000-42.db"))
    ap.add_argument("--runs", type=int, default=11)
    args = ap.parse_args()
    if not args.db.exists():
        raise SystemExit(f"{args.db} missing: run bench/seed.py --tasks 10000 first")
    print(f"machine: {machine_note()}")
    tmp = Path(tempfile.mkdtemp(prefix="taskyard-startup-"))
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    db = tmp / "bench.db"
    shutil.copy2(args.db, db)
    # One folder per step, patches cumulative; all timed round-robin so that background load
    # (other processes on this 2-core VM) hits every step alike.
    dirs: dict[str, Path] = {}
    prev: Path | None = None
    for step, patches in STEPS:
        work = tmp / f"src-{len(dirs)}-{step}"
        shutil.copytree((prev / "core") if prev else ROOT / "core", work / "core",
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        for msg in apply(work, patches, step):
            print("  " + msg)
        dirs[step] = prev = work
    cli = [PY, "-m", "core.cli", "--db", str(db)]
    ready = [*cli, "--json", "ready", "--limit", "20"]
    imp = [PY, "-c", "import core.store.engine"]
    for step, work in dirs.items():  # prime each variant's bytecode cache, check it works
        timed(ready, work, env, 2)
        timed([*cli, "task", "add", f"prime {step}", "--project", "bench"], work, env, 1)
    res: dict[str, dict[str, list[float]]] = {s: {"ready": [], "add": [], "imp": []} for s in dirs}
    n = 0
    for _ in range(args.runs):
        for step, work in dirs.items():
            n += 1
            res[step]["ready"] += timed(ready, work, env, 1)
            res[step]["add"] += timed([*cli, "task", "add", f"exp {n}", "--project", "bench"],
                                      work, env, 1)  # fmt: skip
            res[step]["imp"] += timed(imp, work, env, 1)
    print(f"{'step (cumulative)':<18} {'ready':>8} {'task add':>9} {'import engine':>14}  "
          f"{'orm?':>5} {'pg?':>4} {'ready p90':>10}   median ms of {args.runs}, "
          "round-robin")  # fmt: skip
    for step, work in dirs.items():
        probe = subprocess.run(
            [PY, "-c", "import sys, core.store.engine; "
             "print(int('sqlalchemy.orm' in sys.modules), "
             "int('sqlalchemy.dialects.postgresql' in sys.modules))"],
            cwd=work, env=env, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        r = res[step]
        print(f"{step:<18} {med(r['ready']):8.1f} {med(r['add']):9.1f} {med(r['imp']):14.1f}  "
              f"{'yes' if probe[0] == '1' else 'no':>5} {'yes' if probe[1] == '1' else 'no':>4} "
              f"{percentile([v * 1000 for v in r['ready']], 90):10.1f}")  # fmt: skip
    print(f"load after: {machine_note()}")

    # Floors: what no amount of lazy importing inside core/ can go below.
    floors = {
        "python -c pass": [PY, "-c", "pass"],
        "import asyncio, pydantic, sqlalchemy (+sqlite dialect)": [
            PY, "-c", "import asyncio, pydantic, sqlalchemy, sqlalchemy.dialects.sqlite"],
        "stdlib-only ready: sqlite3 query + json.dumps": [PY, "-c", STDLIB_READY, str(db)],
    }  # fmt: skip
    print("\nfloors (median ms):")
    for name, argv in floors.items():
        timed(argv, work, env, 2)
        print(f"  {name:<52} {med(timed(argv, work, env, args.runs)):8.1f}")
    shutil.rmtree(tmp)


STDLIB_READY = """
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = c.execute(
    "SELECT t.id, p.key || '-' || t.number, t.title, t.task_type, t.priority, t.status, "
    "t.labels, t.assignee, t.created_at FROM tasks t JOIN projects p ON p.id = t.project_id "
    "WHERE t.status = 'ready' ORDER BY t.priority_rank, t.created_at, t.id LIMIT 20").fetchall()
print(json.dumps({"schemaVersion": 1, "kind": "ready", "items": [list(r) for r in rows]}))
"""


if __name__ == "__main__":
    main()
