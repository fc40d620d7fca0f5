"""``POST /api/v2/projects/{project}/milestones``: not in the API table (``core.api``).

The body says ``due`` and ``start`` where ``MilestoneCreate`` says ``due_date`` and
``start_date``, and the project comes from the path, as its id once the caller may see it.
"""

from __future__ import annotations

from starlette.responses import Response

from core.api.schemas import MilestoneBody
from core.domain.commands import MilestoneCreate, parse
from core.domain.models import Milestone
from core.server.access import visible_project
from core.server.api_routes import api_router
from core.server.deps import EngineDep, WriterDep
from core.server.errors import documented
from core.server.responses import model_response

router = api_router("/projects/{project}/milestones", tags=["milestones"])


@router.post(
    "",
    **documented(Milestone, 404, 409, 422, status=201, summary="Create a milestone in a project"),
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
