"""``create_app``: the FastAPI app over one ``TaskEngine``, opened and closed in its lifespan."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.types import Scope

from core import __version__
from core.engine import TaskEngine
from core.heap import frozen_heap
from core.server.api_routes import add_api_routes, api_router
from core.server.auth import current_caller
from core.server.body_limit import BodyLimit, BodyLimitMiddleware
from core.server.compat import compat_router, orchestrators
from core.server.errors import install_error_handlers
from core.server.event_hub import EventHub
from core.server.idempotency import IdempotencyMiddleware
from core.server.mcp_mount import mount_mcp
from core.server.middleware import RequestContextMiddleware
from core.server.rate_limit import RateLimitMiddleware, TokenBuckets
from core.server.routes import (
    attachments,
    board,
    events,
    health,
    imports,
    logs,
    meta,
    milestones,
    quick_runs,
    runs,
    table,
    task_actions,
    task_import,
    task_runs,
    tasks,
)
from core.server.settings import ServerSettings
from core.server.state import ServerState

EngineOpener = Callable[[], Awaitable[TaskEngine]]
"""Opens the engine the app serves (in the app's event loop, when it starts)."""

# FastAPI wraps each request body model as ``Annotated[Model, Body(alias=<parameter name>)]``
# and pydantic 2.14 warns, on the first request of each route, that the alias has no
# effect there. The alias is FastAPI's, not ours, and it changes nothing; every route names
# its body parameter ``body``, so only that warning is silenced.
warnings.filterwarnings(
    "ignore", message="The 'alias' attribute with value 'body' was provided", category=UserWarning
)


def api_routers() -> list[APIRouter]:
    """The ``/api/v2`` routers, in matching order.

    Order matters where paths overlap: ``runs`` (``GET /runs/resolve``) comes before the
    table's routes (``GET /runs/{run_id}``), and those (``GET /tasks/ready``) before
    ``tasks`` (``GET /tasks/{ref}``); ``board`` (``/tasks/board``) too.
    """
    resources = (
        milestones,
        board,
        task_runs,
        tasks,
        task_actions,
        attachments,
        imports,
        task_import,
        quick_runs,
        meta,
        logs,
    )
    return [
        runs.router,
        table.table_router(),
        *(resource.router for resource in resources),
        events.events_router(current_caller, api_router(tags=["events"], errors=(404,))),
        orchestrators.router,
    ]


def create_app(open_engine: EngineOpener, settings: ServerSettings | None = None) -> FastAPI:
    """The server app; ``open_engine`` is awaited when it starts, and the engine closed at exit.

    Args:
        open_engine: Opens the engine to serve (``core.bootstrap.open_engine`` for a
            database, or a test's own).
        settings: Rate limits and body sizes (the defaults when ``None``).
    """
    settings = settings or ServerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = await open_engine()
        app.state.taskyard = ServerState(engine=engine)
        # The process's one follower of the event log, feeding every live stream.
        hub = EventHub(engine)
        await hub.start()
        app.state.event_hub = hub
        try:
            # What start-up built lives as long as the process: out of full collections.
            async with mcp_sessions:
                with frozen_heap(collect=True):
                    yield
        finally:
            await hub.stop()
            await engine.close()

    app = FastAPI(
        title="taskyard",
        version=__version__,
        summary="Tasks, board, queue and runs of a taskyard database, for teams and workers.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    # Added last = outermost: the request id wraps everything; a request over its token's
    # rate is refused before its body is read, and a body over its limit before the
    # idempotency middleware reads it; idempotency wraps the routes.
    buckets = TokenBuckets(settings.rate_limit, settings.burst) if settings.rate_limit else None
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit_for=body_limits(settings))
    app.add_middleware(RateLimitMiddleware, buckets=buckets)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    add_api_routes(app, api_routers())
    app.include_router(compat_router(settings))
    mcp_sessions = mount_mcp(app, settings)
    return app


def body_limits(settings: ServerSettings) -> Callable[[Scope], BodyLimit]:
    """The body limit of each request: an attachment upload's file, or any other body."""
    files = BodyLimit(
        settings.attachment_max_bytes, "an attachment", "[limits] attachment_max_bytes"
    )
    bodies = BodyLimit(settings.request_max_bytes, "a request body", "[server] request_max_bytes")

    def limit_for(scope: Scope) -> BodyLimit:
        if scope.get("method") == "POST" and attachments.UPLOAD_PATH.match(scope["path"]):
            return files
        return bodies

    return limit_for
