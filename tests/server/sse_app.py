"""A small app serving only the events routes, run under real uvicorn by the stream tests.

``python -m tests.server.sse_app`` opens ``TASKYARD_DB``, starts an ``EventHub`` with the
``StreamSettings`` given as JSON in ``SSE_TEST_SETTINGS``, listens on a free port of
127.0.0.1 and prints ``listening on URL`` once it accepts requests. ``SSE_TEST_SNDBUF`` fixes
the kernel send buffer of its connections: Linux grows an unset one up to 4 MB, which a test
of a stalled client would otherwise have to fill before the server notices anything.

It stands in for the server's own app and auth: the caller's visible projects come from an
``X-Test-Projects`` header (comma-separated project ids; absent means every project), and
``GET /test/hub`` shows the hub's counts. Neither exists in the real server.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from core.bootstrap import open_engine
from core.errors import TaskyardError
from core.server.event_hub import EventHub, StreamSettings
from core.server.routes.events import events_router

SETTINGS_ENV = "SSE_TEST_SETTINGS"
SNDBUF_ENV = "SSE_TEST_SNDBUF"
LISTENING = "listening on "


@dataclass(frozen=True)
class HeaderViewer:
    """The caller as the header describes it."""

    project_ids: frozenset[str] | None


def header_viewer(request: Request) -> HeaderViewer:
    """The caller's projects from ``X-Test-Projects`` (absent: every project)."""
    given = request.headers.get("x-test-projects")
    if given is None:
        return HeaderViewer(None)
    return HeaderViewer(frozenset(p for p in given.split(",") if p))


def create_app(db: str, settings: StreamSettings) -> FastAPI:
    """The events routes under ``/api/v2`` over an engine on ``db``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = await open_engine(db, actor="sse-test-server")
        async with EventHub(engine, settings) as hub:
            app.state.event_hub = hub
            yield
        await engine.close()

    app = FastAPI(lifespan=lifespan)

    async def taskyard_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TaskyardError)
        return JSONResponse({"error": exc.to_dict()}, status_code=exc.http_status)

    app.add_exception_handler(TaskyardError, taskyard_error)
    app.include_router(events_router(header_viewer), prefix="/api/v2")

    @app.get("/test/hub")
    async def hub_stats(request: Request) -> dict[str, Any]:
        return asdict(request.app.state.event_hub.stats())

    return app


async def serve() -> None:
    """Listen on a free port and say where, once requests are accepted."""
    settings = StreamSettings(**json.loads(os.environ.get(SETTINGS_ENV) or "{}"))
    app = create_app(os.environ["TASKYARD_DB"], settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sndbuf := int(os.environ.get(SNDBUF_ENV) or 0):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)  # accepted ones inherit it
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, backlog=4096)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn has no started event
        await asyncio.sleep(0.02)
    if server.started:
        print(f"{LISTENING}http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    await task


if __name__ == "__main__":
    sys.exit(asyncio.run(serve()))
