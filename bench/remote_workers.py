"""Remote workers' no-op throughput through one server, against the same workers on the database.

PostgreSQL. Worker processes (4 by default) each run claimers (4) that claim in batches
(``claim_tasks(limit=50)``) and end each batch with one ``finish_runs``, until the queue is
empty. The same child code runs twice per round on a fresh batch of ready tasks:

* ``direct``: each process opens ``SqlTaskEngine`` on the database;
* ``remote``: each process opens ``HttpTaskEngine`` on one ``taskyard serve`` process over
  that database (its token in ``TASKYARD_TOKEN``, as a worker gets it).

The clock runs from the moment every process has opened its engine and registered (each
then waits for a line on its stdin) until the last one exits. The two modes alternate
within each round, so the ratio compares minutes of the same machine load; the load average
is printed at the start and the end.

Usage::

    .venv/bin/python bench/remote_workers.py --pg "$TASKYARD_TEST_PG_URL" [--tasks 10000]
        [--runs 3] [--processes 4] [--claimers 4] [--batch 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine_note
from claims import drop_pg_database, pg_database, seed

from core.domain.access import TokenCreate, TokenScope
from core.domain.outcomes import RunOutcome
from core.engine import TaskEngine
from core.store.engine import SqlTaskEngine

LISTENING = "taskyard server listening on "


async def child(mode: str, where: str, worker_id: str, claimers: int, batch: int) -> int:
    """One worker process: claim and finish until the queue is empty; tasks finished."""
    engine: TaskEngine
    if mode == "remote":
        from core.remote.engine import HttpTaskEngine

        engine = await HttpTaskEngine.open(where, os.environ["TASKYARD_TOKEN"])
    else:
        engine = await SqlTaskEngine.open(where, actor=worker_id, lease_seconds=300)
    done = 0
    try:
        await engine.register_worker(worker_id, host="bench", pid=os.getpid(), slots=claimers)
        print("ready", flush=True)  # the parent releases every process at once
        await asyncio.to_thread(sys.stdin.readline)  # "go"

        async def claimer(n: int) -> None:
            nonlocal done
            me = f"{worker_id}-{n}"
            while claims := await engine.claim_tasks(me, limit=batch, lease_seconds=300):
                outcomes = [RunOutcome(run_id=c.run_id, token=c.claim_token, success=True)
                            for c in claims]  # fmt: skip
                await engine.finish_runs(outcomes)
                done += len(claims)

        await asyncio.gather(*(claimer(n) for n in range(claimers)))
    finally:
        await engine.close()
    return done


def drain(mode: str, where: str, args: argparse.Namespace, token: str) -> float:
    """Start the worker processes, release them together, wait; seconds from go to the end."""
    env = {**os.environ, "TASKYARD_TOKEN": token, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--child", mode, where, f"{mode}{i}",
             str(args.claimers), str(args.batch)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(args.processes)
    ]  # fmt: skip
    # Every child says "ready" on stdout once its engine is open and registered.
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise SystemExit(f"a {mode} worker did not start: {line!r}")
    began = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    finished = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise SystemExit(f"a {mode} worker failed ({proc.returncode})")
        finished += int(out.split()[-1])
    elapsed = time.perf_counter() - began
    if finished != args.tasks:
        raise SystemExit(f"{mode}: {finished} tasks finished of {args.tasks}")
    return elapsed


def start_server(db_url: str, folder: Path) -> tuple[subprocess.Popen[str], str]:
    """``taskyard --db URL serve`` as a user starts it (rate limits off); its URL."""
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "--db", db_url, "serve", "--port", "0",
         "--rate-limit", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(LISTENING):
            return proc, line[len(LISTENING) :].strip()
    raise SystemExit(f"the server did not start; see {folder / 'server.log'}")


async def admin_token(db_url: str) -> str:
    """An admin token on the (new, so now migrated) database; its secret."""
    engine = await SqlTaskEngine.open(db_url, actor="bench")
    try:
        issued = await engine.create_token(TokenCreate(name="bench", scope=TokenScope.ADMIN))
        return issued.secret
    finally:
        await engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", default=os.environ.get("TASKYARD_TEST_PG_URL"))
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--claimers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    if not args.pg:
        raise SystemExit("give --pg URL or set TASKYARD_TEST_PG_URL")
    print(machine_note())
    print(
        f"{args.processes} processes x {args.claimers} claimers, claim({args.batch}) + "
        f"finish_runs, {args.tasks} no-op tasks per drain, PostgreSQL"
    )
    db_url = asyncio.run(pg_database(args.pg))
    rates: dict[str, list[float]] = {"direct": [], "remote": []}
    with tempfile.TemporaryDirectory(prefix="taskyard-remote-workers-") as tmp:
        folder = Path(tmp)
        token = asyncio.run(admin_token(db_url))
        server, url = start_server(db_url, folder)
        try:
            for n in range(args.runs):
                order = ("direct", "remote") if n % 2 == 0 else ("remote", "direct")
                for mode in order:
                    asyncio.run(seed(db_url, args.tasks))
                    where = url if mode == "remote" else db_url
                    rate = args.tasks / drain(mode, where, args, token)
                    rates[mode].append(rate)
                    print(f"round {n + 1} {mode:>6}: {rate:8,.0f} tasks/s")
        finally:
            server.terminate()
            server.wait(timeout=30)
            asyncio.run(drop_pg_database(db_url))
    direct, remote = (statistics.median(rates[m]) for m in ("direct", "remote"))
    ratios = [r / d for r, d in zip(rates["remote"], rates["direct"], strict=True)]
    print(f"median: direct {direct:,.0f} tasks/s, remote {remote:,.0f} tasks/s")
    print(f"remote/direct per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.2f}")  # fmt: skip
    print(machine_note())


def child_main(argv: list[str]) -> None:
    mode, where, worker_id, claimers, batch = argv
    done = asyncio.run(child(mode, where, worker_id, int(claimers), int(batch)))
    print(done, flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child_main(sys.argv[2:])
    else:
        main()
