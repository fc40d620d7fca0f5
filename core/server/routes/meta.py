"""``/api/v2/state-machine``: the transition table and guards in force, for clients and tests.

Not in the API table (``core.api``): the engine answers a plain JSON object, without awaiting,
not a model the table's routes send.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from core.server.api_routes import api_router
from core.server.deps import EngineDep

router = api_router(tags=["meta"])


@router.get(
    "/state-machine",
    response_model=dict[str, Any],
    summary="The state machine in force",
)
async def state_machine(engine: EngineDep) -> Response:
    """States, allowed moves and guards (the auto-approve flag included) as data."""
    return JSONResponse(engine.state_machine())
