"""Claim + finish throughput: SQLite (engine vs stdlib sqlite3, same run) and PostgreSQL.

* SQLite, one process, 8 claimers (asyncio tasks on one engine), no-op work: each claimer
  claims one task and finishes it (two write transactions per task). The reference does the
  same two transactions with stdlib ``sqlite3`` on its own file, in the same run.
* PostgreSQL, 8 claimers: unbatched (``limit=1``) and batched (``limit=N``, N <= 50); the
  finishes are one transaction per task either way.

Usage::

    .venv/bin/python bench/claims.py --tasks 4000 [--pg URL] [--batch 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.domain.commands import TaskImportItem
from core.domain.models import TaskStatus
from core.store.engine import SqlTaskEngine

CLAIMERS = 8


async def seed(url: str, tasks: int) -> None:
    engine = await SqlTaskEngine.open(url, actor="bench")
    try:
        items = [TaskImportItem(title=f"t{i}", status=TaskStatus.READY) for i in range(tasks)]
        await engine.import_tasks(items)
    finally:
        await engine.close()


async def drain(url: str, batch: int) -> tuple[int, float]:
    """Claim and finish every ready task with 8 claimers; (tasks, seconds)."""
    engine = await SqlTaskEngine.open(url, actor="bench")
    done = 0
    try:

        async def claimer(n: int) -> None:
            nonlocal done
            while claims := await engine.claim_tasks(f"w{n}", limit=batch):
                for claim in claims:
                    await engine.finish_run(claim.run_id, claim.claim_token, success=True)
                    done += 1

        start = time.perf_counter()
        await asyncio.gather(*(claimer(n) for n in range(CLAIMERS)))
        return done, time.perf_counter() - start
    finally:
        await engine.close()


def stdlib_reference(tasks: int, folder: Path) -> float:
    """The same two transactions per task with stdlib sqlite3 (one connection); tasks/s."""
    path = folder / "ref.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(
        """
        CREATE TABLE tasks (id TEXT PRIMARY KEY, number INT, status TEXT, priority_rank INT,
            created_at TEXT, retry_count INT DEFAULT 0, unresolved_blockers INT DEFAULT 0,
            current_agent_id TEXT, version INT DEFAULT 1, updated_at TEXT, not_before TEXT);
        CREATE INDEX ix_claim ON tasks(priority_rank, created_at, number) WHERE status='ready';
        CREATE TABLE runs (id TEXT PRIMARY KEY, task_id TEXT, attempt INT, worker_id TEXT,
            claim_token TEXT, lease_expires_at TEXT, status TEXT, started_at TEXT,
            finished_at TEXT);
        CREATE UNIQUE INDEX uq_active ON runs(task_id) WHERE status IN ('queued','running');
        CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT, type TEXT, task_id TEXT,
            at TEXT, payload TEXT);
        """
    )
    now = datetime.now(UTC).isoformat()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO tasks (id, number, status, priority_rank, created_at, updated_at) "
        "VALUES (?, ?, 'ready', 2, ?, ?)",
        [(str(uuid.uuid4()), i, now, now) for i in range(tasks)],
    )
    conn.execute("COMMIT")
    start = time.perf_counter()
    for _ in range(tasks):
        now = datetime.now(UTC)
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(
            "SELECT id, retry_count FROM tasks WHERE status='ready' AND unresolved_blockers=0 "
            "AND (not_before IS NULL OR not_before <= ?) "
            "ORDER BY priority_rank, created_at, number LIMIT 1",
            (now.isoformat(),),
        ).fetchone()
        conn.execute(
            "UPDATE tasks SET status='in_progress', current_agent_id='w', version=version+1, "
            "updated_at=? WHERE id=? AND status='ready'",
            (now.isoformat(), row[0]),
        )
        run_id, token = str(uuid.uuid4()), str(uuid.uuid4())
        conn.execute(
            "INSERT INTO runs VALUES (?, ?, ?, 'w', ?, ?, 'running', ?, NULL)",
            (run_id, row[0], row[1] + 1, token, (now + timedelta(seconds=15)).isoformat(),
             now.isoformat()),
        )  # fmt: skip
        conn.execute(
            "INSERT INTO events (id, type, task_id, at, payload) VALUES (?, 'task.claimed', ?, ?, "
            "'{}')",
            (str(uuid.uuid4()), row[0], now.isoformat()),
        )
        conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")
        run = conn.execute(
            "SELECT task_id, status, claim_token, lease_expires_at FROM runs WHERE id=?", (run_id,)
        ).fetchone()
        assert run[2] == token
        conn.execute("UPDATE runs SET status='succeeded', finished_at=? WHERE id=?", (now, run_id))
        conn.execute(
            "UPDATE tasks SET status='in_review', version=version+1, updated_at=? "
            "WHERE id=? AND status='in_progress'",
            (now.isoformat(), run[0]),
        )
        conn.executemany(
            "INSERT INTO events (id, type, task_id, at, payload) VALUES (?, ?, ?, ?, '{}')",
            [(str(uuid.uuid4()), k, run[0], now.isoformat()) for k in ("run.succeeded", "x")],
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return tasks / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--pg", default=os.environ.get("TASKYARD_TEST_PG_URL"))
    args = parser.parse_args()
    engine_rates, ref_rates = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            await seed(url, args.tasks)
            done, seconds = await drain(url, 1)
            assert done == args.tasks
            engine_rates.append(done / seconds)
            ref_rates.append(stdlib_reference(args.tasks, Path(tmp)))
    eng, ref = statistics.median(engine_rates), statistics.median(ref_rates)
    print(f"sqlite engine, 8 claimers, claim(1)+finish: {eng:,.0f} tasks/s (median of {args.runs})")
    print(f"stdlib sqlite3, same two transactions:     {ref:,.0f} tasks/s; ratio {eng / ref:.2f}")
    if args.pg:
        from sqlalchemy import text  # noqa: F401

        for batch in (1, args.batch):
            rates = []
            for _ in range(args.runs):
                name = f"ty_bench_{uuid.uuid4().hex[:8]}"
                await _pg_admin(args.pg, f'CREATE DATABASE "{name}"')
                url = args.pg.rsplit("/", 1)[0] + "/" + name
                try:
                    await seed(url, args.tasks)
                    done, seconds = await drain(url, batch)
                    rates.append(done / seconds)
                finally:
                    await _pg_admin(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(
                f"postgres, 8 claimers, claim({batch})+finish each: "
                f"{statistics.median(rates):,.0f} tasks/s (median of {args.runs})"
            )


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
