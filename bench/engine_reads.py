"""In-process read latency of the engine on a seeded database (see bench/seed.py).

    .venv/bin/python bench/seed.py --tasks 100000 --out /tmp/taskyard-bench/100k.db
    .venv/bin/python bench/engine_reads.py --db /tmp/taskyard-bench/100k.db --runs 50

Each operation is warmed up, then timed ``--runs`` times through the public async API
(``SqlTaskEngine``, stdlib-sqlite3 ThreadRunner: one thread hop per call). With ``--layers`` it
also times the same query function called directly on a SQLAlchemy connection (no thread hop,
no asyncio) and the equivalent hand-written SQL through stdlib sqlite3, to show where the time
goes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _common import PROJECT_KEY, fmt_row, machine_note, summarize

TARGETS_MS = {"ready_tasks(limit=50)": 10.0, "board(BoardQuery())": 50.0}


async def time_async(fn: Callable[[], Awaitable[Any]], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        await fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


def time_sync(fn: Callable[[], Any], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


async def run(args: argparse.Namespace) -> None:
    from core.domain.commands import BoardQuery, TaskQuery
    from core.domain.models import TaskStatus
    from core.store import queries
    from core.store.engine import SqlTaskEngine

    db: Path = args.db
    if not db.exists():  # noqa: ASYNC240
        raise SystemExit(f"{db} does not exist; build it with bench/seed.py first")
    print(f"machine: {machine_note()}")
    t0 = time.perf_counter()
    engine = await SqlTaskEngine.open(f"sqlite:///{db}", actor="bench")
    print(f"SqlTaskEngine.open: {(time.perf_counter() - t0) * 1000:.1f} ms")
    raw = sqlite3.connect(db)
    n_tasks = raw.execute("SELECT count(*) FROM tasks").fetchone()[0]
    n_edges = raw.execute("SELECT count(*) FROM task_dependencies").fetchone()[0]
    counts = dict(raw.execute("SELECT status, count(*) FROM tasks GROUP BY status").fetchall())
    print(f"database: {db} — {n_tasks} tasks, {n_edges} edges, by status {counts}")
    mid = max(1, n_tasks // 2)
    ref = f"{PROJECT_KEY}-{mid}"
    deep = max(0, counts.get("done", 0) - 100)
    gc.collect()

    board_q = BoardQuery()
    ops: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("ready_tasks(limit=50)", lambda: engine.ready_tasks(limit=50)),
        ("ready_tasks(limit=50, project=bench)",
         lambda: engine.ready_tasks(limit=50, project="bench")),
        ("board(BoardQuery())", lambda: engine.board(board_q)),
        ("board(project=bench)", lambda: engine.board(BoardQuery(project="bench"))),
        ("board_column(backlog, offset=0, 50)",
         lambda: engine.board_column(board_q, TaskStatus.BACKLOG, offset=0, limit=50)),
        ("board_column(backlog, offset=10000, 50)",
         lambda: engine.board_column(board_q, TaskStatus.BACKLOG, offset=10_000, limit=50)),
        (f"board_column(done, offset={deep // 2}, 50)",
         lambda: engine.board_column(board_q, TaskStatus.DONE, offset=deep // 2, limit=50)),
        (f"board_column(done, offset={deep}, 50)",
         lambda: engine.board_column(board_q, TaskStatus.DONE, offset=deep, limit=50)),
        (f"get_task({ref!r})", lambda: engine.get_task(ref)),
        ("list_tasks(text='migrate', limit=50)",
         lambda: engine.list_tasks(TaskQuery(text="migrate", limit=50))),
        ("list_tasks(text='no-such-word', limit=50)",
         lambda: engine.list_tasks(TaskQuery(text="no-such-word", limit=50))),
        (f"list_tasks(text={ref!r})", lambda: engine.list_tasks(TaskQuery(text=ref, limit=50))),
        ("list_tasks(default, limit=50)", lambda: engine.list_tasks(TaskQuery(limit=50))),
    ]  # fmt: skip
    only = set(args.only.split(",")) if args.only else None
    results: dict[str, dict[str, float]] = {}
    print(
        f"\nthrough SqlTaskEngine (async API, thread hop), {args.runs} runs, {args.warmup} warm-up"
    )
    for name, fn in ops:
        if only and not any(o in name for o in only):
            continue
        s = summarize(await time_async(fn, args.runs, args.warmup))
        results[name] = s
        print(fmt_row(name, s, TARGETS_MS.get(name)))

    if args.layers:
        # Same work, one layer at a time: the store's query function on a connection (no
        # thread hop), and hand-written SQL on stdlib sqlite3 (no SQLAlchemy, no pydantic).
        from core.store.dialects.sqlite import make_engines

        _, reader = make_engines(f"sqlite:///{db}")
        conn = reader.connect()

        def in_tx(fn: Callable[[Any], Any]) -> Callable[[], Any]:
            def call() -> Any:
                with conn.begin():
                    return fn(conn)

            return call

        print("\nstore query functions on one SQLAlchemy connection (no thread hop, no asyncio)")
        layer_ops = [
            ("queries.ready_queue(limit=50)",
             in_tx(lambda c: queries.ready_queue(c, limit=50, project=None))),
            ("queries.board(BoardQuery())", in_tx(lambda c: queries.board(c, board_q))),
            ("queries.get_task", in_tx(lambda c: queries.get_task(c, ref))),
        ]  # fmt: skip
        for name, fn in layer_ops:
            print(fmt_row(name, summarize(time_sync(fn, args.runs, args.warmup))))
        conn.close()
        reader.dispose()

        print("\nhand-written SQL, stdlib sqlite3 (rows as tuples, no models)")
        card_sql = (
            "SELECT t.id, t.project_id, t.number, t.title, t.task_type, t.priority, t.status, "
            "t.labels, t.assignee, t.milestone_id, t.due_date, t.unresolved_blockers, "
            "t.version, t.created_at, t.updated_at, p.key FROM tasks t "
            "JOIN projects p ON p.id = t.project_id WHERE t.status = ? "
            "ORDER BY t.priority_rank, t.created_at, t.id LIMIT ? OFFSET ?"
        )

        def sql_ready() -> Any:
            return raw.execute(card_sql, ("ready", 50, 0)).fetchall()

        def sql_board() -> Any:
            raw.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
            c = dict(raw.execute("SELECT status, count(*) FROM tasks GROUP BY status").fetchall())
            return [raw.execute(card_sql, (s, 50, 0)).fetchall() for s in c]

        for name, fn in [("sqlite3 ready (50 cards)", sql_ready), ("sqlite3 board", sql_board)]:
            print(fmt_row(name, summarize(time_sync(fn, args.runs, args.warmup))))
        plan = raw.execute("EXPLAIN QUERY PLAN SELECT status, count(*) FROM tasks GROUP BY status")
        print("plan of the board's count query:", [r[3] for r in plan.fetchall()])
    raw.close()
    await engine.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, default=Path("/tmp/taskyard-bench/seed-100000-42.db"))
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated name fragments to run")
    ap.add_argument("--layers", action="store_true", help="also time without the engine layers")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
