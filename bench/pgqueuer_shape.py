"""pgqueuer's benchmark shape on PostgreSQL: taskyard's engine against pgqueuer, same run.

The shape of pgqueuer's ``tools/benchmark.py`` throughput mode (its defaults): one enqueuer
adding 10 jobs per call in a loop, five dequeuers taking up to 10 at a time, no-op work, for
``--seconds``; the rate is jobs finished per second. Both sides run in this one process on
their own fresh database, alternately, so they see the same machine load.

* taskyard: the enqueuer calls ``import_tasks`` with 10 ready tasks; each dequeuer calls
  ``claim_tasks(limit=10)`` and ``finish_runs`` (fenced, events written), and when nothing is
  ready waits for the engine's next commit (the in-process wake-up, as pgqueuer's NOTIFY).
* pgqueuer: ``Queries.enqueue`` of 10 jobs; five ``PgQueuer`` consumers on their own asyncpg
  connections, ``run(batch_size=10)`` with a counting entrypoint.

pgqueuer is not a taskyard dependency: install it into the venv for this bench only
(``.venv/bin/pip install pgqueuer==1.6.0``).

Usage::

    .venv/bin/python bench/pgqueuer_shape.py [--pg URL] [--seconds 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from claims import drop_pg_database, pg_database

from core.domain.commands import TaskImportItem
from core.domain.models import TaskStatus
from core.domain.outcomes import RunOutcome
from core.store.engine import SqlTaskEngine

DEQUEUERS = 5
BATCH = 10


async def taskyard_rate(url: str, seconds: float) -> float:
    """Jobs finished per second by the engine in pgqueuer's shape."""
    engine = await SqlTaskEngine.open(url, actor="bench")
    stop = asyncio.Event()
    finished = 0
    number = 0
    try:

        async def enqueuer() -> None:
            nonlocal number
            while not stop.is_set():
                items = [
                    TaskImportItem(title=f"t{number + i}", status=TaskStatus.READY)
                    for i in range(BATCH)
                ]
                number += BATCH
                await engine.import_tasks(items)

        async def dequeuer(n: int) -> None:
            nonlocal finished
            runner = engine._runner
            while not stop.is_set():
                signal = runner.commit_signal()
                claims = await engine.claim_tasks(f"w{n}", limit=BATCH)
                if not claims:
                    await runner.wait_for_commit(0.1, signal)
                    continue
                done = await engine.finish_runs(
                    [RunOutcome(run_id=c.run_id, token=c.claim_token, success=True) for c in claims]
                )
                finished += len(done)

        start = time.perf_counter()
        workers = [asyncio.create_task(dequeuer(n)) for n in range(DEQUEUERS)]
        workers.append(asyncio.create_task(enqueuer()))
        await asyncio.sleep(seconds)
        counted, elapsed = finished, time.perf_counter() - start
        stop.set()
        await asyncio.gather(*workers)
        return counted / elapsed
    finally:
        await engine.close()


async def pgqueuer_rate(url: str, seconds: float) -> float:
    """Jobs finished per second by pgqueuer 1.6 in its own benchmark's default shape."""
    import asyncpg
    from pgqueuer import AsyncpgDriver, PgQueuer, Queries

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    setup = await asyncpg.connect(dsn)
    await Queries(AsyncpgDriver(setup)).install()
    stop = asyncio.Event()
    finished = 0
    consumers = []
    for _ in range(DEQUEUERS):
        pgq = PgQueuer(AsyncpgDriver(await asyncpg.connect(dsn)))

        @pgq.entrypoint("fetch")
        async def fetch(_job: object) -> None:
            nonlocal finished
            finished += 1

        consumers.append(pgq)
    producer = Queries(AsyncpgDriver(await asyncpg.connect(dsn)))

    async def enqueuer() -> None:
        while not stop.is_set():
            await producer.enqueue(["fetch"] * BATCH, [None] * BATCH, [0] * BATCH)

    start = time.perf_counter()
    tasks = [asyncio.create_task(pgq.run(batch_size=BATCH)) for pgq in consumers]
    tasks.append(asyncio.create_task(enqueuer()))
    await asyncio.sleep(seconds)
    counted, elapsed = finished, time.perf_counter() - start
    stop.set()
    for pgq in consumers:
        pgq.shutdown.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await setup.close()
    return counted / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", default=os.environ.get("TASKYARD_TEST_PG_URL"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.pg:
        raise SystemExit("needs --pg or TASKYARD_TEST_PG_URL")
    ours, theirs = [], []
    for _ in range(args.runs):  # alternated: both see the same machine load
        for rates, measure in ((theirs, pgqueuer_rate), (ours, taskyard_rate)):
            url = await pg_database(args.pg)
            try:
                rates.append(await measure(url, args.seconds))
            finally:
                await drop_pg_database(url)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"pgqueuer 1 enqueuer x {BATCH}, {DEQUEUERS} dequeuers x {BATCH}: {b:,.0f} jobs/s "
          f"({[round(r) for r in theirs]})")  # fmt: skip
    print(f"taskyard, same shape, engine path:        {a:,.0f} tasks/s "
          f"({[round(r) for r in ours]}); ratio {a / b:.2f}")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
