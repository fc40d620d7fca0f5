"""Build a SQLite benchmark database: N tasks and ~1.1 N dependency edges, deterministically.

    .venv/bin/python bench/seed.py --tasks 100000 --out /tmp/taskyard-bench/100k.db

Goes through the public engine (``SqlTaskEngine.import_tasks``), so the rows, counters and
events are exactly what taskyard itself writes. Edges only point from later tasks to earlier
ones (no cycles). The same ``--seed`` always produces the same tasks (ids are uuid4, so they
differ, but titles, statuses, priorities, labels and the graph shape are identical).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from pathlib import Path

from _common import PROJECT_KEY, edge_count, generate_items, machine_note


async def seed(path: Path, n: int, edge_ratio: float, seed_value: int, chunk: int) -> None:
    from core.domain.commands import ProjectCreate, TaskImportItem
    from core.store.engine import SqlTaskEngine

    if path.exists():  # noqa: ASYNC240
        raise SystemExit(f"{path} exists; remove it or pick another --out")
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    raw = generate_items(n, edge_ratio=edge_ratio, seed=seed_value)
    t1 = time.perf_counter()
    items = [TaskImportItem.model_validate(d) for d in raw]
    t2 = time.perf_counter()
    engine = await SqlTaskEngine.open(f"sqlite:///{path}", actor="bench")
    try:
        await engine.create_project(ProjectCreate(name="Bench", slug="bench", key=PROJECT_KEY))
        t3 = time.perf_counter()
        created = edges = 0
        # Blockers named by an external id from an earlier call resolve against the stored
        # task, so any --chunk works; the default is one call (one transaction).
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            result = await engine.import_tasks(part, project="bench")
            created += len(result.created)
            edges += result.edges
        t4 = time.perf_counter()
    finally:
        await engine.close()
    statuses = Counter(d["status"] for d in raw)
    print(f"machine: {machine_note()}")
    size_mb = path.stat().st_size / 1e6  # noqa: ASYNC240
    print(f"wrote {path} ({size_mb:.1f} MB)")
    print(f"tasks created: {created}   edges: {edges} (generated {edge_count(raw)})")
    print("requested statuses:", dict(statuses.most_common()))
    print(
        f"generate {t1 - t0:.2f} s | validate {t2 - t1:.2f} s | open+project {t3 - t2:.2f} s | "
        f"import_tasks {t4 - t3:.2f} s | total {t4 - t0:.2f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=100_000, help="number of tasks (default 100000)")
    ap.add_argument("--edge-ratio", type=float, default=1.1, help="edges per task (default 1.1)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--chunk", type=int, default=0, help="tasks per import call (0 = one call)")
    ap.add_argument("--out", type=Path, default=None, help="database file to create")
    ap.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    args = ap.parse_args()
    out = args.out or Path(f"/tmp/taskyard-bench/seed-{args.tasks}-{args.seed}.db")
    if args.force:
        for suffix in ("", "-wal", "-shm"):
            Path(str(out) + suffix).unlink(missing_ok=True)
    asyncio.run(seed(out, args.tasks, args.edge_ratio, args.seed, args.chunk or args.tasks))


if __name__ == "__main__":
    main()
