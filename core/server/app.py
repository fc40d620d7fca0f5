"""``create_app``: the FastAPI app over one ``TaskEngine``, opened and closed in its lifespan."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from core import __version__
from core.engine import TaskEngine
from core.server.auth import current_caller
from core.server.errors import error_responses, install_error_handlers
from core.server.event_hub import EventHub
from core.server.idempotency import IdempotencyMiddleware
from core.server.middleware import RequestContextMiddleware
from core.server.routes import (
    board,
    events,
    execution,
    health,
    logs,
    meta,
    milestones,
    projects,
    run_writes,
    runs,
    task_actions,
    task_runs,
    tasks,
    workers,
)
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
    validation body for them, not the error body the app answers with.

    Order matters where paths overlap: ``board`` (``/tasks/board``, ``/tasks/ready``) and
    ``task_runs`` (``/tasks/approve``) come before ``tasks`` (``/tasks/{ref}``).
    """
    api = APIRouter(
        prefix=API_PREFIX,
        dependencies=[Depends(current_caller)],
        responses=error_responses(400, 401, 403, 422, 503),
    )
    resources = (projects, milestones, board, task_runs, tasks, task_actions, meta)
    execution_resources = (workers, runs, run_writes, logs, execution)
    for resource in resources + execution_resources:
        api.include_router(resource.router)
    api.include_router(events.events_router(current_caller), responses=error_responses(404))
    return api


def create_app(open_engine: EngineOpener) -> FastAPI:
    """The server app; ``open_engine`` is awaited when it starts, and the engine closed at exit.

    Args:
        open_engine: Opens the engine to serve (``core.bootstrap.open_engine`` for a
            database, or a test's own).
    """

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
    # Added last = outermost: the request id wraps everything, idempotency the routes.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    app.include_router(api_router())
    return app
