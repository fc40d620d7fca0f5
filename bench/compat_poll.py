"""The older task API's poll and list at 100k tasks, in-process (issue 18's targets).

    .venv/bin/python bench/seed_realistic.py --tasks 100000 --out /tmp/taskyard-bench/real-100k.db
    cp /tmp/taskyard-bench/real-100k.db /tmp/poll.db   # the bench writes to its copy
    .venv/bin/python bench/compat_poll.py --db /tmp/poll.db

It takes the poll's cursor, changes 1 % of the tasks (1,000 title edits through the engine),
then times ``changed_tasks`` from that cursor a page of 100 at a time until the changes are
read, over every project and for one assignee (an orchestrator's tasks); then ``/api/tasks``'
list (``list_tasks``, offset pages of 20) over every task and over the open ones (the API's
default), at pages 1, 10, 100, 1000, the middle and the last, and the last again after a
write (its total is counted afresh). Targets: a page of 100 changes ≤ 10 ms; a list page ≤ 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from pathlib import Path
from typing import Any

from _common import machine_note

TARGET_MS = 10.0


CPU: list[float] = []
"""The process's CPU milliseconds of every timed call: on a shared machine, what it costs."""


async def timed(call: Any) -> tuple[float, Any]:
    """Wall milliseconds of one awaited call, and its result (its CPU time goes to ``CPU``)."""
    t0, c0 = time.perf_counter(), time.process_time()
    result = await call
    CPU.append((time.process_time() - c0) * 1000)
    return (time.perf_counter() - t0) * 1000, result


async def run(args: argparse.Namespace) -> None:
    from core.domain.commands import TaskPatch, TaskQuery
    from core.store.engine import SqlTaskEngine

    engine = await SqlTaskEngine.open(f"sqlite:///{args.db}", actor="bench")
    print(f"machine: {machine_note()}")
    cursor = await engine.latest_event_seq()
    if args.since is None:
        ids = await engine._runner.read(_ids)
        changed = random.Random(7).sample(ids, len(ids) // 100)
        t0 = time.perf_counter()
        for task_id in changed:
            patch = TaskPatch(title=f"edited {task_id[:8]}")
            await engine.update_task(task_id, patch, expected_version=None)
        print(f"changed {len(changed)} tasks in {time.perf_counter() - t0:.1f} s")
    else:
        cursor = args.since
    print(f"polling from cursor {cursor} (--since {cursor} repeats this without changing)")
    busiest = await engine._runner.read(_busiest_assignee)
    for label, query in (
        ("every project", TaskQuery(include_completed=True)),
        (f"assignee={busiest}", TaskQuery(include_completed=True, assignee=busiest)),
    ):
        await engine.changed_tasks(query, since=cursor, limit=100)  # warm
        since, times, seen = cursor, [], 0
        CPU.clear()
        while True:
            ms, page = await timed(engine.changed_tasks(query, since=since, limit=100))
            times.append(ms)
            seen += len(page.items)
            since = page.cursor
            if not page.has_more:
                break
        print(
            f"poll since ({label}): {len(times)} pages, {seen} tasks, median "
            f"{statistics.median(times):.1f} ms (CPU {statistics.median(CPU):.1f}), max "
            f"{max(times):.1f} ms (target {TARGET_MS})"
        )
    await _list_pages(engine, "every task", include_completed=True)
    await _list_pages(engine, "open tasks, the API's default", include_completed=False)
    await engine.close()


async def _list_pages(engine: Any, label: str, *, include_completed: bool) -> None:
    """Pages 1, 10, 100, 1000, the middle and the last of 20 tasks, five calls each (the
    middle walks furthest); then the last with a one-task write before each call (its total
    is counted afresh)."""
    from core.domain.commands import TaskPatch, TaskQuery

    def query(page: int) -> TaskQuery:
        return TaskQuery(limit=20, page=page, include_completed=include_completed)

    last = -(-(await engine.list_tasks(query(1))).total // 20)
    print(f"list ({label}): {last} pages of 20")
    for page in sorted({1, 10, 100, 1000, (last + 1) // 2, last}):
        await engine.list_tasks(query(page))
        CPU.clear()
        runs = [(await timed(engine.list_tasks(query(page))))[0] for _ in range(5)]
        print(
            f"list page {page} of 20: median {statistics.median(runs):.1f} ms "
            f"(CPU {statistics.median(CPU):.1f})"
        )
    some = (await engine.list_tasks(query(1))).items[0]
    CPU.clear()
    runs = []
    for n in range(5):
        await engine.update_task(
            some.id, TaskPatch(title=f"{some.title} {n}"), expected_version=None
        )
        runs.append((await timed(engine.list_tasks(query(last))))[0])
    print(
        f"list page {last} after a write: median {statistics.median(runs):.1f} ms "
        f"(CPU {statistics.median(CPU):.1f})"
    )


def _ids(conn: Any) -> list[str]:
    from sqlalchemy import select

    from core.store import tables as t

    return [r.id for r in conn.execute(select(t.tasks.c.id))]


def _busiest_assignee(conn: Any) -> str:
    from sqlalchemy import func, select

    from core.store import tables as t

    T = t.tasks
    query = (
        select(T.c.assignee)
        .where(T.c.assignee.is_not(None))
        .group_by(T.c.assignee)
        .order_by(func.count().desc())
        .limit(1)
    )
    return str(conn.execute(query).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a copy of a seeded database")
    parser.add_argument(
        "--since", type=int, help="poll from this cursor and change nothing (a repeated run)"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
