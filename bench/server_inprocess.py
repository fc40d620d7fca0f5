"""CPU per request of the server's routes in-process: the whole ASGI app, no HTTP, no network.

    .venv/bin/python bench/server_inprocess.py --db /tmp/taskyard-bench/rand-100k.db
    .venv/bin/python bench/server_inprocess.py --db ... task ready50   # some routes only

``bench/server_http.py`` measures what a client sees, but on a shared two-core machine its
rates move with the host (``/healthz`` has ranged 2,700-4,600 requests/s between runs of one
day). This calls the app itself (the middlewares, routing, FastAPI's dependencies, the
engine, the response) with a real token on a copy of the database, and reports the process's
CPU time per request: the number a change to the server's own code moves, steadier than
wall time. uvicorn and h11 add ~0.17 ms to every request over HTTP on top of this.

Routes: ``/healthz``, ``/api/v2/state-machine`` (a token checked, no database), a task by ref
(a random one of 2,000), the head of the ready queue (50 cards), a page of 50 full tasks at a
random depth (one of 100 cursors) and the board column ``ready`` with its count. Medians (and
minimums) of ``--rounds`` rounds of ``--calls`` requests each, after 300 to warm up. The access
log is written to a file, as a server writes it to its log.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _common import machine_note
from server_http import prepare

from core.bootstrap import open_engine
from core.engine import TaskEngine
from core.server.app import create_app
from core.server.settings import ServerSettings


async def measure(db: Path, routes: list[str], rounds: int, calls: int) -> None:
    with tempfile.TemporaryDirectory(prefix="taskyard-inprocess-") as tmp:
        folder = Path(tmp)
        served = folder / "served.db"
        shutil.copyfile(db, served)
        url = f"sqlite:///{served}"
        data = await prepare(url)
        engine = await open_engine(url, actor="taskyard-server")

        async def opened() -> TaskEngine:
            return engine

        app = create_app(opened, ServerSettings(rate_limit=0))
        access = logging.getLogger("taskyard.access")
        access.setLevel(logging.INFO)
        access.addHandler(logging.FileHandler(folder / "access.log"))
        access.propagate = False
        auth = f"Bearer {data['token']}".encode()
        refs: list[str] = data["refs"]
        cursors: list[str] = data["cursors"]

        async def call(path: str, query: bytes = b"") -> None:
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "root_path": "",
                "query_string": query,
                "headers": [(b"host", b"bench"), (b"authorization", auth)],
                "client": ("127.0.0.1", 50000),
                "server": ("127.0.0.1", 8765),
            }
            sent: list[dict[str, Any]] = []

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)

            await app(scope, receive, send)
            if sent[0]["status"] != 200:
                raise SystemExit(f"{path}: answered {sent[0]['status']}")

        table: dict[str, Callable[[int], Awaitable[None]]] = {
            "healthz": lambda i: call("/healthz"),
            "state-machine": lambda i: call("/api/v2/state-machine"),
            "task": lambda i: call("/api/v2/tasks/" + refs[i % len(refs)]),
            "ready50": lambda i: call("/api/v2/tasks/ready", b"limit=50"),
            # A page at a random depth (one of 100 cursors), not the first page over and over.
            "page50": lambda i: call(
                "/api/v2/tasks", b"limit=50&cursor=" + cursors[i % len(cursors)].encode()
            ),
            "column50": lambda i: call("/api/v2/tasks/board/ready", b"limit=50"),
        }
        print(f"machine: {machine_note()}")
        print(f"{calls} requests x {rounds} rounds, CPU time per request")
        async with app.router.lifespan_context(app):
            for name in routes or list(table):
                route = table[name]
                for i in range(300):
                    await route(i)
                per_call = []
                for _ in range(rounds):
                    started = time.process_time()
                    for i in range(calls):
                        await route(i)
                    per_call.append((time.process_time() - started) / calls * 1000)
                print(f"{name:14s} {statistics.median(per_call):.3f} ms (min {min(per_call):.3f})")
        await engine.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="a seeded SQLite file (copied)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument(
        "routes", nargs="*", help="healthz, state-machine, task, ready50, page50, column50"
    )
    args = ap.parse_args()
    asyncio.run(measure(args.db, args.routes, args.rounds, args.calls))


if __name__ == "__main__":
    main()
