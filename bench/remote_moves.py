"""A move's round trip through a server vs on the engine itself, without the TUI.

    .venv/bin/python bench/remote_moves.py --db /tmp/rp/10000.db --moves 40

``HttpTaskEngine`` on a ``taskyard serve`` subprocess over one copy of the seed,
``SqlTaskEngine`` on another copy, in this process. Each round moves the first ready task to
BACKLOG and back (``transition_task``, ``--moves`` moves) and reads it once after each move
(``get_task``: the same HTTP hop without a write), on the local engine, then on the remote
one; ``--rounds`` rounds. Per engine: the move's wall time, this process's CPU time during it
(for the remote engine, the client's share: building the request, reading the answer into a
``Task``) and the read's wall time. ``tui_keys.py --moves`` measures the same call from the
board, where it also waits for the app's event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import machine_note
from _server import BenchServer, bench_env, issue_token


async def moves(engine: Any, ref: str, count: int) -> tuple[list[float], list[float], list[float]]:
    from core.domain.models import TaskStatus

    walls, cpus, reads = [], [], []
    for i in range(count):
        status = TaskStatus.BACKLOG if i % 2 == 0 else TaskStatus.READY
        t0, c0 = time.perf_counter(), time.process_time()
        await engine.transition_task(ref, status)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        t0 = time.perf_counter()
        await engine.get_task(ref)
        reads.append(time.perf_counter() - t0)
    return walls, cpus, reads


async def run(url: str, token: str, local: Path, count: int, rounds: int) -> None:
    from core.remote.engine import HttpTaskEngine
    from core.store.engine import SqlTaskEngine

    sql = await SqlTaskEngine.open(f"sqlite:///{local}", actor="bench")
    http = await HttpTaskEngine.open(url, token)
    try:
        ref = (await sql.ready_tasks(limit=1))[0].ref
        await moves(http, ref, 2)  # warm-up: the connection, the server's first write
        await moves(sql, ref, 2)
        for i in range(rounds):
            for name, engine in (("local ", sql), ("remote", http)):
                walls, cpus, reads = await moves(engine, ref, count)
                print(
                    f"round {i + 1} {name} {ref}: move p50 "
                    f"{statistics.median(walls) * 1000:6.2f} ms "
                    f"(max {max(walls) * 1000:6.2f}, this process's CPU "
                    f"{statistics.median(cpus) * 1000:5.2f}), "
                    f"get_task p50 {statistics.median(reads) * 1000:6.2f} ms",
                    flush=True,
                )
    finally:
        await http.close()
        await sql.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, required=True, help="a bench/seed.py database")
    ap.add_argument("--moves", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(f"machine: {machine_note()}")
    tmp = Path(tempfile.mkdtemp(prefix="remote-moves-"))
    try:
        served, local = tmp / "served.db", tmp / "local.db"
        shutil.copy2(args.db, served)
        shutil.copy2(args.db, local)
        env = bench_env(tmp)
        token = issue_token(served, env, scope="write")
        with BenchServer(served, env, tmp / "server.log") as server:
            asyncio.run(run(server.url, token, local, args.moves, args.rounds))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"machine at end: {machine_note()}")


if __name__ == "__main__":
    main()
