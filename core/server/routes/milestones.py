"""``/api/v2/projects/{project}/milestones``: a project's milestones."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from core.api.schemas import Items, MilestoneBody
from core.domain.commands import MilestoneCreate, parse
from core.domain.models import Milestone
from core.server.access import visible_project
from core.server.deps import CallerDep, EngineDep, WriterDep
from core.server.errors import error_responses
from core.server.responses import model_response

router = APIRouter(prefix="/projects/{project}/milestones", tags=["milestones"])


@router.post(
    "",
    status_code=201,
    response_model=Milestone,
    responses=error_responses(404, 409, 422),
    summary="Create a milestone in a project",
)
async def create_milestone(
    project: str, body: MilestoneBody, engine: EngineDep, caller: WriterDep
) -> Response:
    """A new milestone; its slug comes from the name unless given."""
    found = await visible_project(engine, caller, project)
    request = parse(
        MilestoneCreate,
        {
            "project": found.id,
            "name": body.name,
            "slug": body.slug,
            "due_date": body.due,
            "start_date": body.start,
        },
    )
    milestone = await engine.create_milestone(request)
    return model_response(milestone, status=201)


@router.get(
    "",
    response_model=Items[Milestone],
    responses=error_responses(404),
    summary="List a project's milestones",
)
async def list_milestones(project: str, engine: EngineDep, caller: CallerDep) -> Response:
    """The project's milestones by due date."""
    found = await visible_project(engine, caller, project)
    return model_response(Items[Milestone](items=await engine.list_milestones(found.id)))
