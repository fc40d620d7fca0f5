"""Keyset task pages at 100k tasks: every page at any depth, in-process (the server's lists).

    .venv/bin/python bench/seed.py --tasks 100000 --out /tmp/taskyard-bench/100k.db --chunk 5000
    .venv/bin/python bench/server_lists.py --db /tmp/taskyard-bench/100k.db

For each list shape (the default, filters, every sort) it follows ``next_cursor`` through up
to ``--pages`` pages of 50 and times every page through the public async API
(``SqlTaskEngine.list_tasks_keyset``), so the deepest page is measured, not extrapolated.
The offset list (``list_tasks``) at a few depths is the reference: what the CLI's pages cost.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from pathlib import Path
from typing import Any

from _common import fmt_row, machine_note, summarize

TARGET_MS = 10.0


async def walk(engine: Any, query: Any, pages: int) -> tuple[list[float], int]:
    """Times of each page while following the cursor, and how many tasks were seen."""
    cursor = None
    times: list[float] = []
    seen = 0
    for _ in range(pages):
        t0 = time.perf_counter()
        page = await engine.list_tasks_keyset(query, cursor=cursor)
        times.append(time.perf_counter() - t0)
        seen += len(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    return times, seen


async def run(args: argparse.Namespace) -> None:
    from core.domain.commands import SortField, TaskQuery
    from core.store.engine import SqlTaskEngine

    db: Path = args.db
    if not db.exists():  # noqa: ASYNC240
        raise SystemExit(f"{db} does not exist; build it with bench/seed.py first")
    print(f"machine: {machine_note()}")
    engine = await SqlTaskEngine.open(f"sqlite:///{db}", actor="bench")
    shapes: list[tuple[str, dict[str, Any]]] = [
        ("default (open tasks, newest first)", {}),
        ("include_completed", {"include_completed": True}),
        ("oldest first", {"descending": False}),
        ("project=bench", {"project": "bench"}),
        ("status=backlog", {"statuses": ["backlog"]}),
        ("status=in_review (sparse)", {"statuses": ["in_review"]}),
        ("priority=critical", {"priorities": ["critical"]}),
        ("label=api", {"labels": ["api"]}),
        ("assignee=alice", {"assignee": "alice"}),
        ("text=migrate", {"text": "migrate"}),
        *((f"sort={s.value}", {"sort": s}) for s in SortField if s != SortField.CREATED),
    ]
    try:
        for name, fields in shapes:
            query = TaskQuery(limit=50, **fields)
            await engine.list_tasks_keyset(query)  # warm up
            gc.collect()
            times, seen = await walk(engine, query, args.pages)
            stats = summarize(times)
            print(fmt_row(f"{name} ({seen} tasks)", stats), f"  worst {stats['max']:.2f} ms")
        print("reference: offset pages (list_tasks, counts every match):")
        for page in (1, 100, 1000):
            query = TaskQuery(limit=50, page=page, include_completed=True)
            t0 = time.perf_counter()
            await engine.list_tasks(query)
            took = (time.perf_counter() - t0) * 1000
            print(f"  list_tasks(page={page}, include_completed)  {took:8.2f} ms")
    finally:
        await engine.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--pages", type=int, default=200, help="pages followed per list shape")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
