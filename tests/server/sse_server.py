"""Real uvicorn for the event stream tests: ``tests.server.sse_app`` in a subprocess.

``httpx.ASGITransport`` buffers a streaming response until it ends, so an endless SSE stream
can only be tested over a socket. Each test module starts one server per database (a SQLite
file, or a PostgreSQL database of its own) and writes to that database from the test process
through an engine of its own, as another process would: the server sees those commits within
its ``poll_interval``.

Clients: ``read_events`` (httpx-sse, as a program would follow the stream) and
``RawStream`` (a bare socket whose reading the test controls: a stalled client, or one of a
thousand idle ones without a thousand httpx clients).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse

from core.domain.commands import ProjectCreate, TaskCreate, TaskImportItem
from core.domain.models import Event, Project
from core.store.engine import SqlTaskEngine
from tests.fixtures.databases import PG_ENV
from tests.fixtures.pg import create_database, drop_database
from tests.server.sse_app import LISTENING, SETTINGS_ENV, SNDBUF_ENV

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
"""Seconds for the server to start (imports and a migration, on a loaded 2-core machine)."""


class SseServer:
    """``python -m tests.server.sse_app`` on ``db_url``; ``url`` once it listens."""

    def __init__(
        self, db_url: str, folder: Path, settings: dict[str, Any], *, sndbuf: int = 0
    ) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TASKYARD_")}
        env.update(
            TASKYARD_DB=db_url,
            TASKYARD_DATA_DIR=str(folder),
            PYTHONPATH=str(ROOT),
            **{SETTINGS_ENV: json.dumps(settings), SNDBUF_ENV: str(sndbuf)},
        )
        self.log = folder / f"sse-server-{uuid.uuid4().hex[:6]}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.server.sse_app"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.url = self._wait_listening()

    def _wait_listening(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith(LISTENING):
            self.stop()
            raise AssertionError(f"the server did not start ({line!r}):\n{self.log_text()}")
        return line[len(LISTENING) :].strip()

    def log_text(self) -> str:
        """What the server wrote to stderr."""
        return self.log.read_text(errors="replace")

    def rss_mb(self) -> float:
        """The server process's resident memory, in MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS line")

    async def stats(self) -> dict[str, Any]:
        """The hub's counts (``HubStats``)."""
        async with httpx.AsyncClient(timeout=30) as client:
            body: dict[str, Any] = (await client.get(f"{self.url}/test/hub")).json()
        return body

    def stop(self) -> int:
        """SIGTERM and wait; the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@dataclass
class Served:
    """A running server and the database it serves."""

    server: SseServer
    db_url: str

    @property
    def url(self) -> str:
        """The base URL."""
        return self.server.url


@pytest.fixture(scope="module")
def pg_url_for_module() -> Iterator[str]:
    """A PostgreSQL database for one module, dropped at its end (skips without a server)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests need a server (.ci/run starts one)")
    name, url = create_database(base, "ty_sse")
    yield url
    drop_database(base, name)


def serve(
    request: pytest.FixtureRequest, folder: Path, settings: dict[str, Any], *, sndbuf: int = 0
) -> Iterator[Served]:
    """A server on a new database of ``request.param``'s kind; stopped cleanly at the end.

    Clean: its log has no error (streams still open end as responses, not cut off), and it
    exits 0 or by the SIGTERM that stopped it (uvicorn shuts down gracefully, then raises
    the signal again).
    """
    if request.param == "postgres":
        db_url = str(request.getfixturevalue("pg_url_for_module"))
    else:
        db_url = f"sqlite:///{folder / 'served.db'}"
    server = SseServer(db_url, folder, settings, sndbuf=sndbuf)
    yield Served(server=server, db_url=db_url)
    code = server.stop()
    assert code in (0, -signal.SIGTERM), server.log_text()
    assert "Traceback" not in server.log_text(), server.log_text()
    assert "ERROR" not in server.log_text(), server.log_text()  # every stream ended cleanly


DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


async def new_project(engine: SqlTaskEngine) -> Project:
    """A project of the test's own, so tests sharing a server keep apart."""
    return await engine.create_project(ProjectCreate(name=f"P {uuid.uuid4().hex[:8]}"))


async def create_tasks(
    engine: SqlTaskEngine,
    project: Project,
    count: int,
    *,
    title: str = "Task",
    per_commit: int = 1,
) -> None:
    """``count`` tasks (each one ``task.created`` event), ``per_commit`` to a transaction."""
    if per_commit == 1:
        for i in range(count):
            await engine.create_task(TaskCreate(title=f"{title} {i}", project=project.slug))
        return
    for first in range(0, count, per_commit):
        last = min(first + per_commit, count)
        items = [TaskImportItem(title=f"{title} {i}") for i in range(first, last)]
        await engine.import_tasks(items, project=project.slug)


async def project_events(engine: SqlTaskEngine, project: Project, since: int) -> list[Event]:
    """The project's events after ``since``, as the database has them."""
    found: list[Event] = []
    while page := await engine.events(since=since, limit=500):
        found += [e for e in page if e.project_id == project.id]
        since = page[-1].seq
    return found


async def hub_count(
    served: Served, name: str, *, at_least: int = 0, at_most: int | None = None
) -> bool:
    """Whether the hub's count ``name`` is within the bounds now."""
    value = int((await served.server.stats())[name])
    return value >= at_least and (at_most is None or value <= at_most)


@dataclass
class Received:
    """What a client got from one or more connections to the stream."""

    events: list[dict[str, Any]] = field(default_factory=list)
    """Each event's data (the event as JSON), in arrival order."""
    ids: list[str] = field(default_factory=list)
    """Each event's SSE ``id`` field, in arrival order."""
    resyncs: list[int] = field(default_factory=list)
    """The ``since`` of each ``resync`` event."""
    connections: int = 0

    @property
    def seqs(self) -> list[int]:
        """The events' sequence numbers, in arrival order."""
        return [int(e["seq"]) for e in self.events]

    @property
    def last_id(self) -> str | None:
        """The last ``id`` received (what a reconnect sends as ``Last-Event-ID``)."""
        return self.ids[-1] if self.ids else None


async def read_events(
    url: str,
    received: Received,
    *,
    count: int,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    read_timeout: float = 15.0,
) -> None:
    """Read ``count`` more events over one connection (``Last-Event-ID`` from ``received``).

    Returns early when the server ends the stream (after a ``resync``).
    """
    sent = dict(headers or {})
    if received.last_id is not None:
        sent["Last-Event-ID"] = received.last_id
    goal = len(received.events) + count
    received.connections += 1
    async with (
        httpx.AsyncClient(timeout=read_timeout) as client,
        aconnect_sse(
            client, "GET", f"{url}/api/v2/events/stream", params=params, headers=sent
        ) as source,
    ):
        source.response.raise_for_status()
        async for sse in source.aiter_sse():
            received.ids.append(sse.id)
            if sse.event == "resync":
                received.resyncs.append(int(json.loads(sse.data)["since"]))
                return
            data = json.loads(sse.data)
            assert sse.event == data["type"]
            assert sse.id == str(data["seq"])
            received.events.append(data)
            if len(received.events) >= goal:
                return


class RawStream:
    """A stream request on a bare socket; the test decides when (and whether) to read."""

    def __init__(self, url: str, *, path: str = "/api/v2/events/stream", recv_buffer: int = 0):
        host, port = url.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.path = path
        self.recv_buffer = recv_buffer
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self, headers: dict[str, str] | None = None) -> None:
        """Connect, send the request and read the response head (200 expected)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.recv_buffer:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.recv_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, self.address)
        self.reader, self.writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
        lines = [f"GET {self.path} HTTP/1.1", f"Host: {self.address[0]}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head

    async def read_all(self) -> bytes:
        """Everything until the server closes the connection (chunked framing left in)."""
        assert self.reader is not None
        return await self.reader.read(-1)

    def close(self) -> None:
        """Drop the connection."""
        if self.writer is not None:
            self.writer.close()
