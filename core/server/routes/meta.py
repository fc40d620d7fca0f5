"""``/api/v2/state-machine`` and ``/api/v2/me``: what a client asks before anything else.

Not in the API table (``core.api``): neither is a ``TaskEngine`` method. The engine answers the
state machine as a plain JSON object, without awaiting; who a token is lives in the server
(the request's ``Caller``), not in the engine.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse, Response

from core.domain.access import TokenScope
from core.server.api_routes import api_router
from core.server.deps import CallerDep, EngineDep

router = api_router(tags=["meta"])


class TokenIdentity(BaseModel):
    """The token a request came with, as the server sees it."""

    model_config = ConfigDict(frozen=True)

    name: str
    """The actor every change made with it names."""
    scope: TokenScope
    projects: list[str]
    """Slugs of the projects it is limited to; empty: every project."""


@router.get(
    "/state-machine",
    response_model=dict[str, Any],
    summary="The state machine in force",
)
async def state_machine(engine: EngineDep) -> Response:
    """States, allowed moves and guards (the auto-approve flag included) as data."""
    return JSONResponse(engine.state_machine())


@router.get("/me", response_model=TokenIdentity, summary="Who the token is")
async def me(caller: CallerDep) -> TokenIdentity:
    """The token's name, scope and projects: what `taskyard login` and `taskyard status` show.

    Any valid token may ask, whatever its scope; it learns nothing it was not given.
    """
    return TokenIdentity(name=caller.name, scope=caller.scope, projects=list(caller.project_slugs))
