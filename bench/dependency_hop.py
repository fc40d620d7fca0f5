"""Dependency hop: parent done -> child claimed by an idle worker, and chains of no-op tasks.

Two workers in one process share an engine with auto-approve (a finished task is done, so its
dependent becomes ready in the same transaction). Each worker waits on ``engine.follow_events``
(idle) until a commit wakes it, then claims one task and finishes it at once (no-op), and goes
back to waiting: it never claims straight after a finish. So every hop goes through the wake-up
path: the parent's commit wakes the idle workers, one of them claims the child.

A hop is measured from the parent's ``finish_run`` returning (committed) to the child's
``claim_tasks`` returning; a chain from its first claim's start to its last finish.

Usage::

    .venv/bin/python bench/dependency_hop.py [--chains 20] [--length 10] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.claims import drop_pg_database, pg_database
from core.domain.commands import TaskCreate
from core.domain.models import TaskStatus
from core.store.engine import SqlTaskEngine

WORKERS = 2


async def measure(url: str, chains: int, length: int) -> tuple[list[float], list[float]]:
    """Hop latencies and chain times, in seconds."""
    engine = await SqlTaskEngine.open(url, actor="bench", auto_approve=True)
    finished_at: dict[str, float] = {}
    claimed_at: dict[str, float] = {}
    parent_of: dict[str, str] = {}
    chain_done = asyncio.Event()
    last_of_chain: set[str] = set()
    stop = False
    try:

        async def worker(n: int) -> None:
            events = engine.follow_events(since=(await engine.events(limit=1))[-1].seq)
            while not stop:
                await anext(events)  # idle until a commit (any worker's, or the chain's) wakes it
                began = time.perf_counter()
                claims = await engine.claim_tasks(f"w{n}", limit=1)
                if not claims:
                    continue
                [claim] = claims
                claimed_at[claim.ref] = time.perf_counter()
                claimed_at.setdefault(f"start:{claim.ref}", began)
                await engine.finish_run(claim.run_id, claim.claim_token, success=True)
                finished_at[claim.ref] = time.perf_counter()
                if claim.ref in last_of_chain:
                    chain_done.set()

        hops: list[float] = []
        chain_times: list[float] = []
        await engine.create_task(TaskCreate(title="warm-up"))
        tasks = [asyncio.create_task(worker(n)) for n in range(WORKERS)]
        await asyncio.sleep(0.1)
        for _ in range(chains):
            # Build the chain parked (backlog), then release its head: building it is not timed.
            refs: list[str] = []
            for i in range(length):
                created = await engine.create_task(
                    TaskCreate(
                        title=f"step {i}",
                        blocked_by=refs[-1:],
                        status=TaskStatus.READY if i else TaskStatus.BACKLOG,
                        when_unblocked=bool(i),
                    )
                )
                if refs:
                    parent_of[created.task.ref] = refs[-1]
                refs.append(created.task.ref)
            chain_done.clear()
            last_of_chain.add(refs[-1])
            await engine.transition_task(refs[0], TaskStatus.READY)
            await asyncio.wait_for(chain_done.wait(), 30)
            chain_times.append(finished_at[refs[-1]] - claimed_at[f"start:{refs[0]}"])
            hops.extend(claimed_at[r] - finished_at[parent_of[r]] for r in refs[1:])
        stop = True
        await engine.create_task(TaskCreate(title="wake the workers to stop"))
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        return hops, chain_times
    finally:
        await engine.close()


def report(kind: str, hops: list[float], chains: list[float]) -> None:
    cuts = statistics.quantiles(hops, n=100)
    print(
        f"{kind}: hop p50 {statistics.median(hops) * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms "
        f"({len(hops)} hops); chain p50 "
        f"{statistics.median(chains) * 1000:.0f} ms, max {max(chains) * 1000:.0f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chains", type=int, default=20)
    parser.add_argument("--length", type=int, default=10)
    parser.add_argument("--pg", default=os.environ.get("TASKYARD_TEST_PG_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        hops, chains = await measure(f"sqlite:///{Path(tmp) / 'hop.db'}", args.chains, args.length)
    report(f"sqlite, chains of {args.length}", hops, chains)
    if args.pg:
        url = await pg_database(args.pg)
        try:
            hops, chains = await measure(url, args.chains, args.length)
        finally:
            await drop_pg_database(url)
        report(f"postgres, chains of {args.length}", hops, chains)


if __name__ == "__main__":
    asyncio.run(main())
