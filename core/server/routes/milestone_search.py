"""``/api/v2/projects/{project}/milestones/search``: a project's milestones by slug or name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from core.api.schemas import Items
from core.domain.models import Milestone
from core.server.access import visible_project
from core.server.deps import CallerDep, EngineDep
from core.server.errors import error_responses
from core.server.responses import model_response

router = APIRouter(prefix="/projects/{project}/milestones", tags=["milestones"])

MAX_FOUND = 500


@router.get(
    "/search",
    response_model=Items[Milestone],
    responses=error_responses(404),
    summary="Find a project's milestones by slug or name",
)
async def find_milestones(
    project: str,
    engine: EngineDep,
    caller: CallerDep,
    slug: Annotated[str | None, Query(max_length=200)] = None,
    name: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FOUND)] = 10,
) -> Response:
    """Milestones whose slug or name matches, case-insensitively; an empty list for none."""
    found = await visible_project(engine, caller, project)
    milestones = await engine.find_milestones(found.id, slug=slug, name=name, limit=limit)
    return model_response(Items[Milestone](items=milestones))
