"""Keyset task pages at 100k tasks: every page at any depth, in-process (the server's lists).

    .venv/bin/python bench/seed_realistic.py --tasks 100000 --out /tmp/taskyard-bench/real-100k.db
    .venv/bin/python bench/server_lists.py --db /tmp/taskyard-bench/real-100k.db
    .venv/bin/python bench/server_lists.py --url postgresql+asyncpg://...  (seeded the same way)

For each list shape (the default, every filter, every sort, and some of them combined) it
follows ``next_cursor`` through up to ``--pages`` pages of 50 and times every page through
the public async API (``SqlTaskEngine.list_tasks_keyset``), so the deepest page is measured,
not extrapolated. The filter values come from the data: the largest and smallest project,
the most and least used label and assignee. Each shape is read once before it is timed
(warm: the database's pages are in memory, as on a server that has been running).
The offset list (``list_tasks``) at a few depths is the reference: what the CLI's pages cost.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from pathlib import Path
from typing import Any

from _common import fmt_row, machine_note, summarize

TARGET_MS = 10.0


async def walk(engine: Any, query: Any, pages: int) -> tuple[list[float], list[float], int]:
    """Wall and CPU time of each page while following the cursor, and how many tasks were seen.

    CPU time is the process's (the page runs on a reader thread): on a machine shared with
    other work it is what the page costs, where wall time also counts waiting for a core.
    """
    cursor = None
    times: list[float] = []
    cpu: list[float] = []
    seen = 0
    for _ in range(pages):
        t0, c0 = time.perf_counter(), time.process_time()
        page = await engine.list_tasks_keyset(query, cursor=cursor)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        seen += len(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    return times, cpu, seen


async def run(args: argparse.Namespace) -> None:
    from core.domain.commands import SortField, TaskQuery
    from core.store.engine import SqlTaskEngine

    if args.url is None:
        if not args.db.exists():
            raise SystemExit(f"{args.db} does not exist; build it with bench/seed_realistic.py")
        url = f"sqlite:///{args.db}"
    else:
        url = args.url
    print(f"machine: {machine_note()}")
    engine = await SqlTaskEngine.open(url, actor="bench")
    picks = await engine._runner.read(_picks)
    print("picked from the data:", picks)
    big, small = picks["projects"]
    common, rare = picks["labels"]
    busy, idle = picks["assignees"]
    shapes: list[tuple[str, dict[str, Any]]] = [
        ("default (open tasks, newest first)", {}),
        ("include_completed", {"include_completed": True}),
        ("oldest first", {"descending": False}),
        (f"project={big} (largest)", {"project": big}),
        (f"project={small} (smallest)", {"project": small}),
        ("status=backlog", {"statuses": ["backlog"]}),
        ("status=in_review (sparse)", {"statuses": ["in_review"]}),
        ("priority=critical", {"priorities": ["critical"]}),
        (f"label={common} (most used)", {"labels": [common]}),
        (f"label={rare} (least used)", {"labels": [rare]}),
        (f"labels={common}+{rare}", {"labels": [common, rare]}),
        (f"assignee={busy} (busiest)", {"assignee": busy}),
        (f"assignee={idle} (least busy)", {"assignee": idle}),
        ("text=migrate", {"text": "migrate"}),
        ("in_projects=[smallest] (a limited token)", {"in_projects": [picks["small_id"]]}),
        ("in_projects=[largest, smallest]", {"in_projects": picks["both_ids"]}),
        *((f"sort={s.value}", {"sort": s}) for s in SortField if s != SortField.CREATED),
        *(
            (f"sort={s.value} ascending", {"sort": s, "descending": False})
            for s in (SortField.DUE, SortField.TITLE, SortField.PRIORITY)
        ),
        ("sort=updated, project=smallest", {"sort": SortField.UPDATED, "project": small}),
        ("sort=due, label=least used", {"sort": SortField.DUE, "labels": [rare]}),
        ("sort=priority, assignee=busiest", {"sort": SortField.PRIORITY, "assignee": busy}),
        ("sort=status, include_completed", {"sort": SortField.STATUS, "include_completed": True}),
        ("sort=title, status=ready", {"sort": SortField.TITLE, "statuses": ["ready"]}),
    ]
    if args.only:
        shapes = [(n, f) for n, f in shapes if any(o in n for o in args.only)]
    try:
        for name, fields in shapes:
            query = TaskQuery(limit=50, **fields)
            await engine.list_tasks_keyset(query)  # warm up
            gc.collect()
            times, cpu, seen = await walk(engine, query, args.pages)
            stats = summarize(times)
            cpu_ms = statistics.median(cpu) * 1000
            print(fmt_row(f"{name} ({seen})", stats, TARGET_MS), f" cpu median {cpu_ms:6.2f}")
        print("reference: offset pages (list_tasks, counts every match):")
        for page in (1, 100, 1000):
            query = TaskQuery(limit=50, page=page, include_completed=True)
            t0 = time.perf_counter()
            await engine.list_tasks(query)
            took = (time.perf_counter() - t0) * 1000
            print(f"  list_tasks(page={page}, include_completed)  {took:8.2f} ms")
    finally:
        await engine.close()


def _picks(conn: Any) -> dict[str, Any]:
    """Filter values at both ends of each distribution (largest and smallest, ...)."""
    from sqlalchemy import func, select

    from core.store import tables as t

    def ends(column: Any, *where: Any) -> list[Any]:
        rows = conn.execute(
            select(column, func.count().label("n"))
            .where(*where)
            .group_by(column)
            .order_by(func.count().desc(), column)
        ).all()
        return [rows[0][0], rows[-1][0]]

    by_project = ends(t.tasks.c.project_id)
    slugs = dict(conn.execute(select(t.projects.c.id, t.projects.c.slug)).all())
    return {
        "projects": [slugs[i] for i in by_project],
        "small_id": by_project[1],
        "both_ids": by_project,
        "labels": ends(t.task_labels.c.label),
        "assignees": ends(t.tasks.c.assignee, t.tasks.c.assignee.is_not(None)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="a SQLite file")
    where.add_argument("--url", help="a database URL (PostgreSQL)")
    ap.add_argument("--only", nargs="*", help="shapes whose name contains one of these")
    ap.add_argument("--pages", type=int, default=100, help="pages followed per list shape")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
