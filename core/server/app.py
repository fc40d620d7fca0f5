"""``create_app``: the FastAPI app over one ``TaskEngine``, opened and closed in its lifespan."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from starlette.types import Scope

from core import __version__
from core.engine import TaskEngine
from core.server.auth import current_caller
from core.server.body_limit import BodyLimit, BodyLimitMiddleware
from core.server.errors import error_responses, install_error_handlers
from core.server.event_hub import EventHub
from core.server.idempotency import IdempotencyMiddleware
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

API_PREFIX = "/api/v2"

# FastAPI wraps each request body model as ``Annotated[Model, Body(alias=<parameter name>)]``
# and pydantic 2.14 warns, on the first request of each route, that the alias has no
# effect there. The alias is FastAPI's, not ours, and it changes nothing; every route names
# its body parameter ``body``, so only that warning is silenced.
warnings.filterwarnings(
    "ignore", message="The 'alias' attribute with value 'body' was provided", category=UserWarning
)


def api_router() -> APIRouter:
    """``/api/v2``: every route needs a valid token, and declares the errors any route can give.

    400 and 422 are declared on every route: FastAPI would otherwise document its own
    validation body for them, not the error body the app answers with. 429 too: every
    request counts against its token's rate limit.

    Order matters where paths overlap: ``runs`` (``GET /runs/resolve``) comes before the
    table's routes (``GET /runs/{run_id}``), and those (``GET /tasks/ready``) before
    ``tasks`` (``GET /tasks/{ref}``); ``board`` (``/tasks/board``) too.
    """
    api = APIRouter(
        prefix=API_PREFIX,
        dependencies=[Depends(current_caller)],
        responses=error_responses(400, 401, 403, 422, 429, 503),
    )
    api.include_router(runs.router)
    api.include_router(table.table_router())
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
    for resource in resources:
        api.include_router(resource.router)
    api.include_router(events.events_router(current_caller), responses=error_responses(404))
    return api


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
    app.include_router(api_router())
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
