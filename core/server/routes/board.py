"""``GET /api/v2/tasks/{ref}/card-position``: where a task's card is on a board with filters.

Not in the API table (``core.api``): the task is read first, for any token, so a missing one
is "not found" rather than a card that no filter shows; and the engine's pair becomes a
``CardPosition``. The board's own reads (``/tasks/board``) are table entries.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.responses import Response

from core.api.board_schemas import CardParams
from core.api.schemas import CardPosition
from core.server.access import project_filter, visible_task
from core.server.api_routes import api_router
from core.server.deps import CallerDep, EngineDep
from core.server.errors import documented
from core.server.responses import model_response
from core.server.routes.table import query_dependency

router = api_router("/tasks", tags=["board"])

CardQuery = Annotated[CardParams, Depends(query_dependency(CardParams))]


@router.get(
    "/{ref}/card-position",
    **documented(
        CardPosition, 404, 422, summary="Where a task's card is on a board with these filters"
    ),
)
async def card_position(
    ref: str, engine: EngineDep, caller: CallerDep, params: CardQuery
) -> Response:
    """The card's column and index in it; both ``null`` when the filters leave it out."""
    await visible_task(engine, caller, ref, links=False)
    await project_filter(engine, caller, params.project)
    values = {**params.model_dump(), "in_projects": caller.visible()}
    found = await engine.card_position(CardParams.engine_arguments(values)["query"], ref)
    position = (
        CardPosition(status=None, index=None)
        if found is None
        else CardPosition(status=found[0], index=found[1])
    )
    return model_response(position)
