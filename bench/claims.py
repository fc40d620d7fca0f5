"""Claim + finish throughput: SQLite (engine vs stdlib sqlite3, same run) and PostgreSQL.

* SQLite, one process, 8 claimers (asyncio tasks on one engine), no-op work: each claimer
  claims one task and finishes it (two write transactions per task). The reference does the
  same two transactions with stdlib ``sqlite3`` on its own file, in the same run.
  The reference uses the same schema (the file is made by the engine) and writes the same rows
  and events with their payloads.
* PostgreSQL, 8 claimers: unbatched (``limit=1`` + ``finish_run``) and batched (``limit=N``,
  N <= 50, + one ``finish_runs`` per batch).
* ``--latency``: claim p50 with 1,000 tasks against 100,000 (90% of them done), per dialect.

Usage::

    .venv/bin/python bench/claims.py --tasks 4000 [--pg URL] [--batch 50] [--latency]
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
from core.domain.outcomes import RunOutcome
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


def stdlib_reference(path: Path, tasks: int) -> float:
    """The same two transactions per task with stdlib sqlite3 on one connection; tasks/s.

    Same schema (the file is made and seeded by the engine, so every index is there), same
    rows and the same events with their payloads; one ``BEGIN IMMEDIATE`` ... ``COMMIT`` per
    claim and per finish, as a program without taskyard would write them.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=10000")

    def fmt(value: datetime) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")

    event = (
        "INSERT INTO events (id, type, task_id, project_id, actor, at, payload) "
        "VALUES (?, ?, ?, ?, 'bench', ?, ?)"
    )
    start = time.perf_counter()
    for _ in range(tasks):
        now = fmt(datetime.now(UTC))
        conn.execute("BEGIN IMMEDIATE")
        task_id, project_id, number, retry_count, key = conn.execute(
            "SELECT t.id, t.project_id, t.number, t.retry_count, p.key "
            "FROM tasks AS t INDEXED BY ix_tasks_claim_order "
            "JOIN projects AS p ON p.id = t.project_id "
            "WHERE t.status = 'ready' AND t.unresolved_blockers = 0 "
            "AND (t.not_before IS NULL OR t.not_before <= ?) "
            "ORDER BY t.priority_rank, t.created_at, t.number LIMIT 1",
            (now,),
        ).fetchone()
        conn.execute(
            "UPDATE tasks SET status = 'in_progress', current_agent_id = 'w', "
            "current_step = NULL, not_before = NULL, version = version + 1, updated_at = ? "
            "WHERE id = ? AND status = 'ready'",
            (now, task_id),
        )
        run_id, token, ref = str(uuid.uuid4()), str(uuid.uuid4()), f"{key}-{number}"
        lease = fmt(datetime.now(UTC) + timedelta(seconds=15))
        conn.execute(
            "INSERT INTO runs (id, task_id, attempt, worker_id, claim_token, lease_expires_at, "
            "status, started_at) VALUES (?, ?, ?, 'w', ?, ?, 'running', ?)",
            (run_id, task_id, retry_count + 1, token, lease, now),
        )
        payload = {"ref": ref, "from": "ready", "to": "in_progress", "run_id": run_id,
                   "worker_id": "w", "attempt": retry_count + 1}  # fmt: skip
        conn.execute(
            event,
            (str(uuid.uuid4()), "task.claimed", task_id, project_id, now, json.dumps(payload)),
        )
        conn.execute("COMMIT")
        now = fmt(datetime.now(UTC))
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(
            "SELECT r.claim_token, r.status, r.lease_expires_at, t.status FROM runs AS r "
            "JOIN tasks AS t ON t.id = r.task_id WHERE r.id = ?",
            (run_id,),
        ).fetchone()
        if (row[0], row[1]) != (token, "running") or row[2] <= now:
            raise AssertionError(f"the fence failed: {row}")
        conn.execute(
            "UPDATE runs SET status = 'succeeded', finished_at = ?, summary = NULL, "
            "exit_code = NULL, error = NULL WHERE id = ?",
            (now, run_id),
        )
        conn.execute(
            "UPDATE tasks SET status = 'in_review', version = version + 1, updated_at = ?, "
            "blocked_reason = NULL, current_agent_id = NULL, current_step = NULL, error = NULL "
            "WHERE id = ? AND status = 'in_progress'",
            (now, task_id),
        )
        common = {"ref": ref, "run_id": run_id, "attempt": retry_count + 1, "exit_code": None}
        conn.executemany(
            event,
            [
                (str(uuid.uuid4()), "run.succeeded", task_id, project_id, now,
                 json.dumps({**common, "summary": None, "error": None})),
                (str(uuid.uuid4()), "task.status_changed", task_id, project_id, now,
                 json.dumps({**common, "from": "in_progress", "to": "in_review", "reason": None})),
            ],
        )  # fmt: skip
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return tasks / elapsed


async def drain_batched(url: str, batch: int) -> tuple[int, float]:
    """Claim ``batch`` at a time and finish each batch with one ``finish_runs``."""
    engine = await SqlTaskEngine.open(url, actor="bench")
    done = 0
    try:

        async def claimer(n: int) -> None:
            nonlocal done
            while claims := await engine.claim_tasks(f"w{n}", limit=batch):
                outcomes = [
                    RunOutcome(run_id=c.run_id, token=c.claim_token, success=True) for c in claims
                ]
                finished = await engine.finish_runs(outcomes)
                done += len(finished)  # after the await: `done += len(await ...)` loses updates

        start = time.perf_counter()
        await asyncio.gather(*(claimer(n) for n in range(CLAIMERS)))
        return done, time.perf_counter() - start
    finally:
        await engine.close()


async def claim_latency(url: str, total: int, samples: int) -> float:
    """Median seconds of one ``claim_tasks(limit=1)`` with ``total`` tasks, 90% of them done."""
    engine = await SqlTaskEngine.open(url, actor="bench")
    try:
        for start in range(0, total, 10_000):
            await engine.import_tasks(
                [
                    TaskImportItem(
                        title=f"t{i}", status=TaskStatus.READY if i % 10 == 0 else TaskStatus.DONE
                    )
                    for i in range(start, min(total, start + 10_000))
                ]
            )
        if engine._runner.dialect == "postgresql":
            await engine._runner.read(lambda c: c.exec_driver_sql("ANALYZE tasks"))
        times = []
        for _ in range(samples):
            began = time.perf_counter()
            [claim] = await engine.claim_tasks("w", limit=1)
            times.append(time.perf_counter() - began)
            await engine.finish_run(claim.run_id, claim.claim_token, success=True)
        return statistics.median(times)
    finally:
        await engine.close()


async def pg_database(base: str) -> str:
    """A new empty database on the server of ``base``; its URL."""
    name = f"ty_bench_{uuid.uuid4().hex[:8]}"
    await _pg_admin(base, f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


async def drop_pg_database(url: str) -> None:
    """Drop a bench database, waiting out an autovacuum worker (FORCE may not end it)."""
    base, name = url.rsplit("/", 1)
    for attempt in range(20):
        try:
            await _pg_admin(base + "/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except Exception as exc:  # report and move on: the numbers are taken
            if attempt == 19:
                print(f"could not drop {name}: {exc}", file=sys.stderr)
            await asyncio.sleep(0.5)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--pg", default=os.environ.get("TASKYARD_TEST_PG_URL"))
    parser.add_argument("--latency", action="store_true", help="claim latency, 1k vs 100k tasks")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL figures only")
    args = parser.parse_args()
    if not args.no_sqlite:
        engine_rates, ref_rates = [], []
        for _ in range(args.runs):  # engine and reference interleaved: same machine load
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                await seed(url, args.tasks)
                done, seconds = await drain(url, 1)
                assert done == args.tasks
                engine_rates.append(done / seconds)
                await seed(f"sqlite:///{Path(tmp) / 'ref.db'}", args.tasks)
                ref_rates.append(stdlib_reference(Path(tmp) / "ref.db", args.tasks))
        eng, ref = statistics.median(engine_rates), statistics.median(ref_rates)
        print(
            f"sqlite engine, 8 claimers, claim(1)+finish: {eng:,.0f} tasks/s "
            f"(median of {args.runs})"
        )
        print(
            f"stdlib sqlite3, same two transactions:     {ref:,.0f} tasks/s; ratio {eng / ref:.2f}"
        )
        print(
            f"  per run: engine {[round(r) for r in engine_rates]}, "
            f"ref {[round(r) for r in ref_rates]}"
        )
    if args.pg:
        for batch in (1, args.batch):
            rates = []
            for _ in range(args.runs):
                url = await pg_database(args.pg)
                try:
                    await seed(url, args.tasks)
                    if batch == 1:
                        done, seconds = await drain(url, 1)
                    else:
                        done, seconds = await drain_batched(url, batch)
                    if done != args.tasks:
                        raise AssertionError(f"finished {done} of {args.tasks} tasks")
                    rates.append(done / seconds)
                finally:
                    await drop_pg_database(url)
            how = "finish_run each" if batch == 1 else "finish_runs per batch"
            print(
                f"postgres, 8 claimers, claim({batch}) + {how}: "
                f"{statistics.median(rates):,.0f} tasks/s (median of {args.runs}; "
                f"{[round(r) for r in rates]})"
            )
    if args.latency:
        kinds = ([] if args.no_sqlite else ["sqlite"]) + (["postgres"] if args.pg else [])
        for kind in kinds:
            medians: dict[int, float] = {}
            runs: dict[int, list[float]] = {1_000: [], 100_000: []}
            for _ in range(args.runs):  # 1k and 100k interleaved: same machine load
                for total in (1_000, 100_000):
                    if kind == "sqlite":
                        with tempfile.TemporaryDirectory() as tmp:
                            url = f"sqlite:///{Path(tmp) / 'lat.db'}"
                            runs[total].append(await claim_latency(url, total, 100))
                    else:
                        url = await pg_database(args.pg)
                        try:
                            runs[total].append(await claim_latency(url, total, 100))
                        finally:
                            await drop_pg_database(url)
            for total, values in runs.items():
                medians[total] = statistics.median(values)
            print(f"{kind} claim p50 per run, ms: " + ", ".join(
                f"{total}: {[round(v * 1000, 2) for v in values]}" for total, values in runs.items()
            ))  # fmt: skip
            small, big = medians[1_000], medians[100_000]
            print(
                f"{kind} claim p50: 1k tasks {small * 1000:.2f} ms, 100k tasks (90% done) "
                f"{big * 1000:.2f} ms; ratio {big / small:.2f}"
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
