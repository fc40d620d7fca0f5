"""The dependencies routes declare: who asks, with what scope, and the engine to ask.

Routes take these as ``Annotated`` parameters (``engine: EngineDep``) and make one engine
call; the rules live in the engine, the access checks in ``core.server.access``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from core.domain.access import IdempotencyAttempt, TokenScope
from core.engine import TaskEngine
from core.server.auth import Caller, current_caller, require_scope
from core.server.state import server_state

require_write = require_scope(TokenScope.WRITE)
require_admin = require_scope(TokenScope.ADMIN)

CallerDep = Annotated[Caller, Depends(current_caller)]
"""The authenticated token (any scope)."""
WriterDep = Annotated[Caller, Depends(require_write)]
"""The authenticated token, with scope write or admin."""


async def require_token_admin(caller: Annotated[Caller, Depends(require_admin)]) -> Caller:
    """An admin token for every project (403 otherwise): token management needs one."""
    caller.require_every_project("managing tokens")
    return caller


TokenAdminDep = Annotated[Caller, Depends(require_token_admin)]
"""The authenticated token, an admin one for every project."""


async def request_engine(request: Request) -> TaskEngine:
    """The engine as the caller: its changes name the token, its writes fence its key.

    Commands an admin token sets count as approved by it; a write token's wait for an
    approval, as a script's do when ``TASKYARD_APPROVE_OWN_COMMANDS=0``. Async: FastAPI runs
    a plain ``def`` dependency on a worker thread, a thread hop on every request. The caller
    is asked of ``current_caller`` here rather than declared as a ``CallerDep``: the router
    has checked the token already (it is kept in the request's state), and FastAPI solves
    each declared dependency again on every request.
    """
    caller = await current_caller(request)
    state: dict[str, Any] = request.scope.setdefault("state", {})
    attempt = state.get("idempotency")
    return server_state(request.app).engine.acting_as(
        caller.name,
        approve_own_commands=caller.scope is TokenScope.ADMIN,
        idempotency=attempt if isinstance(attempt, IdempotencyAttempt) else None,
    )


EngineDep = Annotated[TaskEngine, Depends(request_engine)]
"""The engine, acting as the request's token."""
