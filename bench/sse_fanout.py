"""Event stream fan-out: commit → SSE client latency with many clients, and memory per stream.

    .venv/bin/python bench/sse_fanout.py                       # temporary SQLite file
    .venv/bin/python bench/sse_fanout.py --db postgresql://u:p@127.0.0.1/db

Starts this script again as a server (``--serve``): uvicorn on a free port, one
``EventHub`` and the events routes, plus ``POST /bench/tasks`` which creates a task in the
server process (a commit there wakes the hub's follower at once, as a create through the API
does), ``GET /bench/commits`` (when each commit reached the event loop) and ``GET
/bench/hub`` (the hub's counts). Then, in phases:

1. one client, then 100 clients following one project; tasks are created at ``--rate`` per
   second, one at a time, and every client times each event to the moment its ``data`` line
   is read, from two starting points: the commit as the server's event loop learns of it
   (``notify_committed``, which wakes the hub's follower; on SQLite the writer thread
   committed a little earlier), and the event's own ``at`` (set when its write transaction
   began: an upper bound that includes the whole write);
2. 1,000 more clients that follow a quiet project (idle), then phase 1's 100 clients again.

The server's RSS is read from /proc after each phase, and its CPU time over the 100-client
phases gives the server's cost per delivered event. Clients are bare sockets with a
line-level SSE reader (one frame per chunk; no httpx), so the client process adds little to
what is measured. Issue 16's targets: p50 ≤ 10 ms and p99 ≤ 50 ms with 100 clients; RSS ≤
200 MB with 1,000 idle streams.
"""

import argparse  # no postponed annotations: FastAPI reads the local routes' ones
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import ROOT, fmt_row, machine_note, summarize

LISTENING = "listening on "
TICKS = os.sysconf("SC_CLK_TCK")


# -- the server (``--serve``) -----------------------------------------------------------------
def serve(db: str) -> None:
    import uvicorn
    from fastapi import FastAPI, Request

    from core.bootstrap import open_engine
    from core.domain.commands import TaskCreate
    from core.server.event_hub import EventHub, StreamSettings
    from core.server.routes.events import events_router

    @dataclass(frozen=True)
    class Viewer:
        project_ids: frozenset[str] | None = None

    def everyone() -> Viewer:
        return Viewer()

    commits: list[float] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        engine = await open_engine(db, actor="bench")
        # When each commit reaches the event loop (where it wakes the hub's follower).
        runner = engine._runner  # type: ignore[attr-defined]
        wake = runner.notify_committed

        def notify_committed() -> None:
            commits.append(time.time())
            wake()

        runner.notify_committed = notify_committed
        async with EventHub(engine, StreamSettings()) as hub:
            app.state.event_hub = hub
            yield
        await engine.close()

    app = FastAPI(lifespan=lifespan)
    app.include_router(events_router(everyone), prefix="/api/v2")

    @app.post("/bench/tasks")
    async def create(request: Request, project: str) -> dict[str, Any]:
        hub: EventHub = request.app.state.event_hub
        await hub.engine.create_task(TaskCreate(title="bench", project=project))
        return {}

    @app.post("/bench/projects")
    async def new_project(request: Request, name: str) -> dict[str, Any]:
        from core.domain.commands import ProjectCreate

        hub: EventHub = request.app.state.event_hub
        made = await hub.engine.create_project(ProjectCreate(name=name))
        return {"id": made.id, "slug": made.slug}

    @app.get("/bench/commits")
    async def commit_times(last: int) -> list[float]:
        return commits[-last:]

    @app.get("/bench/hub")
    async def stats(request: Request) -> dict[str, Any]:
        return asdict(request.app.state.event_hub.stats())

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, backlog=4096)
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():  # noqa: ASYNC110 - no started event
            await asyncio.sleep(0.02)
        print(f"{LISTENING}http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
        await task

    asyncio.run(run())


# -- the clients ---------------------------------------------------------------------------
@dataclass
class Client:
    """One stream on a bare socket, timing each event it reads."""

    port: int
    query: str
    received: list[float] = field(default_factory=list)
    """When each event's ``data`` line was read (wall clock)."""
    stamped: list[float] = field(default_factory=list)
    """Each event's own ``at`` (set in its write transaction)."""
    seqs: list[int] = field(default_factory=list)
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, limit=1 << 20
        )
        self.writer.write(
            f"GET /api/v2/events/stream?{self.query} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head

    async def read(self, count: int) -> None:
        """Read until ``count`` events arrived (one frame per chunk: ``data`` lines suffice)."""
        assert self.reader is not None
        while len(self.seqs) < count:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("the server closed the stream")
            if line.startswith(b"data: "):
                self.received.append(time.time())
                event = json.loads(line[6:])
                self.stamped.append(datetime.fromisoformat(event["at"]).timestamp())
                self.seqs.append(event["seq"])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class Phase:
    from_commit: dict[str, float]
    """Commit seen on the server's event loop → client (ms summary)."""
    from_at: dict[str, float]
    """The event's ``at`` (its transaction's start) → client: an upper bound."""
    cpu: float
    """Server CPU seconds over the phase."""

    def report(self, name: str, extra_deliveries: int, base: "Phase | None" = None) -> None:
        """Print the latencies; with ``base`` (one client), the CPU each extra delivery took."""
        print(fmt_row(f"commit -> client, {name}", self.from_commit, target_ms=10))
        print(fmt_row(f"event.at -> client, {name}", self.from_at))
        if base is None:
            print(f"  server CPU {self.cpu:.2f} s (the creates, and one delivery each)")
        else:
            per = (self.cpu - base.cpu) / extra_deliveries * 1e6
            print(f"  server CPU {self.cpu:.2f} s: {per:.0f} µs per delivery beyond the first")


class Bench:
    def __init__(self, db: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.server = subprocess.Popen(
            [sys.executable, __file__, "--serve", "--db", db],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.server.stdout is not None
        line = self.server.stdout.readline()
        assert line.startswith(LISTENING), line
        self.url = line[len(LISTENING) :].strip()
        self.port = int(self.url.rsplit(":", 1)[1])

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.server.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    async def post(self, path: str) -> dict[str, Any]:
        import httpx

        async with httpx.AsyncClient(base_url=self.url, timeout=60) as api:
            response = await api.post(path)
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            return body

    async def stats(self) -> dict[str, Any]:
        import httpx

        async with httpx.AsyncClient(base_url=self.url, timeout=60) as api:
            body: dict[str, Any] = (await api.get("/bench/hub")).json()
            return body

    async def wait_live(self, count: int) -> None:
        while (await self.stats())["live"] < count:  # noqa: ASYNC110 - another process
            await asyncio.sleep(0.1)

    async def phase(
        self, clients: int, events: int, rate: float, project: dict[str, Any]
    ) -> "Phase":
        """``clients`` streams on ``project``; ``events`` creates at ``rate``/s; all latencies."""
        idle_before = (await self.stats())["live"]
        streams = [Client(self.port, f"project={project['id']}") for _ in range(clients)]
        for i in range(0, clients, 50):
            await asyncio.gather(*(s.open() for s in streams[i : i + 50]))
        await self.wait_live(idle_before + clients)
        readers = [asyncio.create_task(s.read(events)) for s in streams]
        cpu_start = self.cpu_s()
        import httpx

        async with httpx.AsyncClient(base_url=self.url, timeout=60) as api:
            for _ in range(events):
                started = time.monotonic()
                (
                    await api.post("/bench/tasks", params={"project": project["slug"]})
                ).raise_for_status()
                await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
        await asyncio.wait_for(asyncio.gather(*readers), 120)
        cpu = self.cpu_s() - cpu_start
        first = streams[0].seqs
        assert all(s.seqs == first for s in streams), "a client missed or repeated an event"
        assert first == sorted(set(first)), "events out of order or repeated"
        assert len(first) == events
        for s in streams:
            s.close()
        async with httpx.AsyncClient(base_url=self.url, timeout=60) as api:
            commits = (await api.get("/bench/commits", params={"last": events})).json()
        # One create at a time, one commit and one event each: the i-th commit is the i-th event.
        from_commit = [r - c for s in streams for r, c in zip(s.received, commits, strict=True)]
        from_at = [r - a for s in streams for r, a in zip(s.received, s.stamped, strict=True)]
        return Phase(summarize(from_commit), summarize(from_at), cpu)

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)


async def run(args: argparse.Namespace) -> None:
    db = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='sse-bench-')) / 'bench.db'}"
    bench = Bench(db)
    try:
        print(f"# sse_fanout: {machine_note()}")
        print(f"# database: {'PostgreSQL' if db.startswith('postgres') else 'SQLite'}")
        busy = await bench.post(f"/bench/projects?name=busy-{time.time_ns()}")
        quiet = await bench.post(f"/bench/projects?name=quiet-{time.time_ns()}")
        rss0 = bench.rss_mb()
        print(f"server RSS, no streams: {rss0:.1f} MB")
        one = await bench.phase(1, args.events, args.rate, busy)
        one.report(f"1 client, {args.rate:g}/s", 0)
        many = await bench.phase(args.clients, args.events, args.rate, busy)
        extra = (args.clients - 1) * args.events
        many.report(f"{args.clients} clients", extra, one)
        rss_streams = bench.rss_mb()
        idle = [Client(bench.port, f"project={quiet['id']}") for _ in range(args.idle)]
        for i in range(0, args.idle, 100):
            await asyncio.gather(*(c.open() for c in idle[i : i + 100]))
        await bench.wait_live(args.idle)
        await asyncio.sleep(1)
        rss_idle = bench.rss_mb()
        print(
            f"server RSS, {args.idle} idle streams: {rss_idle:.1f} MB "
            f"({(rss_idle - rss_streams) * 1024 / args.idle:.1f} KB per stream)  target <= 200 MB: "
            f"{'PASS' if rss_idle <= 200 else 'FAIL'}"
        )
        loaded = await bench.phase(args.clients, args.events, args.rate, busy)
        loaded.report(f"{args.clients} + {args.idle} idle", extra, one)
        print(f"server RSS after: {bench.rss_mb():.1f} MB; hub: {await bench.stats()}")
        for c in idle:
            c.close()
    finally:
        bench.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="creates per second")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
