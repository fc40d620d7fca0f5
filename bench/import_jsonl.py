"""Bulk import: N tasks with ~1.1 N edges from JSON Lines, through the CLI and in-process.

    .venv/bin/python bench/import_jsonl.py --tasks 10000 --runs 3

Writes a deterministic JSONL file (external ids ``ext-0 …``, ``blocked_by`` naming earlier
external ids, realistic statuses/priorities/labels; see bench/_common.py), then per run:

* CLI: ``python -m core.cli --db NEW.db --json task import FILE`` in a subprocess, wall time.
  NEW.db is a copy of an empty, already-initialised database (schema at head), so the number
  is the import, not the first-run migration; the first-run cost (``init`` on a missing file)
  is timed separately.
* in-process: read + ``json.loads`` + ``TaskImportItem`` validation, then
  ``SqlTaskEngine.import_tasks`` on a fresh copy of the same empty database.

``--profile`` adds a cProfile of the import transaction body run on one thread (top functions
by cumulative time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, edge_count, generate_items, machine_note

PY = sys.executable
TARGET_S = 3.0


async def make_empty(path: Path) -> None:
    from core.store.engine import SqlTaskEngine

    engine = await SqlTaskEngine.open(f"sqlite:///{path}", actor="bench")
    await engine.close()


async def in_process(jsonl: Path, db: Path) -> tuple[float, float, int, int]:
    from core.domain.commands import TaskImportItem
    from core.store.engine import SqlTaskEngine

    t0 = time.perf_counter()
    items = [
        TaskImportItem.model_validate(json.loads(line))
        for line in jsonl.read_text().splitlines()  # noqa: ASYNC240
        if line.strip()
    ]
    t1 = time.perf_counter()
    engine = await SqlTaskEngine.open(f"sqlite:///{db}", actor="bench")
    try:
        t2 = time.perf_counter()
        result = await engine.import_tasks(items)
        t3 = time.perf_counter()
    finally:
        await engine.close()
    return t1 - t0, t3 - t2, len(result.created), result.edges


def profile_sync(jsonl: Path, db: Path) -> None:
    """cProfile of the transaction body itself, run on this thread (no writer-thread hop)."""
    from core.domain.commands import TaskImportItem
    from core.store import bulk_import
    from core.store.context import StoreSettings, TxContext
    from core.store.dialects.sqlite import make_engines
    from core.store.events import flush_events

    items = [TaskImportItem.model_validate(json.loads(x)) for x in jsonl.read_text().splitlines()]
    writer, _ = make_engines(f"sqlite:///{db}")
    from datetime import UTC, datetime

    ctx = TxContext(now=datetime.now(UTC), actor="bench", dialect="sqlite",
                    settings=StoreSettings())  # fmt: skip
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    with writer.begin() as conn:
        prof.enable()
        bulk_import.import_tasks(conn, ctx, items, None)
        flush_events(conn, ctx)
        prof.disable()
    dt = time.perf_counter() - t0
    writer.dispose()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(25)
    print(f"\ncProfile: bulk_import.import_tasks + flush_events on one thread: {dt:.2f} s "
          "(profiler overhead included); top by cumulative time:")  # fmt: skip
    lines = buf.getvalue().splitlines()
    start = next(i for i, x in enumerate(lines) if "ncalls" in x)
    print("\n".join(lines[start : start + 27]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--edge-ratio", type=float, default=1.1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mode", choices=["both", "cli", "engine"], default="both")
    ap.add_argument("--profile", action="store_true", help="cProfile one in-process import")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()

    print(f"machine: {machine_note()}")
    tmp = Path(tempfile.mkdtemp(prefix="taskyard-import-"))
    jsonl = tmp / "tasks.jsonl"
    items = generate_items(args.tasks, edge_ratio=args.edge_ratio, seed=args.seed)
    with jsonl.open("w") as f:
        for it in items:
            f.write(json.dumps(it) + "\n")
    print(f"file: {jsonl} — {len(items)} tasks, {edge_count(items)} edges, "
          f"{jsonl.stat().st_size / 1e6:.1f} MB")  # fmt: skip
    empty = tmp / "empty.db"
    asyncio.run(make_empty(empty))

    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # like an installed taskyard: cached bytecode
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    cli = [PY, "-m", "core.cli"]
    subprocess.run([*cli, "--version"], cwd=ROOT, env=env, check=True, capture_output=True)

    def cli_import(db: Path) -> float:
        t0 = time.perf_counter()
        p = subprocess.run([*cli, "--db", str(db), "--json", "task", "import", str(jsonl)],
                           cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"CLI import failed ({p.returncode}): {p.stderr[-1500:]}")
        out = json.loads(p.stdout)
        created = len(out.get("created", []))
        if created != len(items) or out.get("edges") != edge_count(items):
            raise SystemExit(f"CLI import created {created} tasks, {out.get('edges')} edges")
        return dt

    cli_times: list[float] = []
    eng_times: list[tuple[float, float]] = []
    for run in range(args.runs):
        if args.mode in ("both", "cli"):
            db = tmp / f"cli-{run}.db"
            shutil.copy2(empty, db)
            cli_times.append(cli_import(db))
            print(f"run {run + 1}: CLI task import {cli_times[-1]:.2f} s wall", flush=True)
        if args.mode in ("both", "engine"):
            db = tmp / f"eng-{run}.db"
            shutil.copy2(empty, db)
            parse_s, import_s, created, edges = asyncio.run(in_process(jsonl, db))
            if created != len(items) or edges != edge_count(items):
                raise SystemExit(f"in-process import made {created} tasks, {edges} edges")
            eng_times.append((parse_s, import_s))
            print(f"run {run + 1}: in-process parse+validate {parse_s:.2f} s, "
                  f"engine.import_tasks {import_s:.2f} s", flush=True)  # fmt: skip
    # First run on a missing database file: the migration (alembic) is part of the cost.
    fresh = tmp / "fresh.db"
    t0 = time.perf_counter()
    subprocess.run([*cli, "--db", str(fresh), "--json", "init"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    init_s = time.perf_counter() - t0

    def med(v: list[float]) -> float:
        s = sorted(v)
        return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2

    print(f"\nsummary ({args.runs} runs; target <= {TARGET_S:g} s):")
    if cli_times:
        m = med(cli_times)
        print(f"  CLI `taskyard --json task import FILE` wall: median {m:.2f} s, "
              f"min {min(cli_times):.2f} s, max {max(cli_times):.2f} s  "
              f"{'PASS' if m <= TARGET_S else 'FAIL'}")  # fmt: skip
    if eng_times:
        p = [a for a, _ in eng_times]
        i = [b for _, b in eng_times]
        t = [a + b for a, b in eng_times]
        print(f"  in-process parse+validate: median {med(p):.2f} s; engine.import_tasks: "
              f"median {med(i):.2f} s (min {min(i):.2f}); total median {med(t):.2f} s  "
              f"{'PASS' if med(t) <= TARGET_S else 'FAIL'}")  # fmt: skip
    print(f"  for reference: `taskyard --db MISSING.db init` (creates + migrates): {init_s:.2f} s")
    if args.profile:
        db = tmp / "prof.db"
        shutil.copy2(empty, db)
        profile_sync(jsonl, db)
    if not args.keep:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
