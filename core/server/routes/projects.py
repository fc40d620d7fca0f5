"""``/api/v2/projects``: create, list and read projects."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from core.api.schemas import Items
from core.domain.commands import ProjectCreate
from core.domain.models import Project
from core.server.access import visible_project
from core.server.deps import CallerDep, EngineDep, WriterDep
from core.server.errors import error_responses
from core.server.responses import model_response

router = APIRouter(prefix="/projects", tags=["projects"])


@router.post(
    "",
    status_code=201,
    response_model=Project,
    responses=error_responses(409, 422),
    summary="Create a project",
)
async def create_project(body: ProjectCreate, engine: EngineDep, caller: WriterDep) -> Response:
    """A new project; its slug and key come from the name unless given.

    A token limited to some projects cannot create one (403).
    """
    caller.require_every_project("creating a project")
    project = await engine.create_project(body)
    return model_response(
        project, status=201, headers={"Location": f"/api/v2/projects/{project.slug}"}
    )


@router.get("", response_model=Items[Project], summary="List projects")
async def list_projects(engine: EngineDep, caller: CallerDep) -> Response:
    """Every project the token may see, by slug."""
    projects = [p for p in await engine.list_projects() if caller.sees(p.id)]
    return model_response(Items[Project](items=projects))


@router.get(
    "/{project}",
    response_model=Project,
    responses=error_responses(404),
    summary="Read a project by id, slug or key",
)
async def get_project(project: str, engine: EngineDep, caller: CallerDep) -> Response:
    """One project (case-insensitive slug or key, or its id)."""
    return model_response(await visible_project(engine, caller, project))
