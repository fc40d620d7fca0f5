"""``/api/v2/orchestrators``, ``/api/v2/task-changes``, ``/api/v2/tasks/{ref}/changes``.

The v2 side of the older task API: v2 routes (v2's error body, ``Items`` lists, the domain
models as JSON) for the ``TaskEngine`` methods the ``/api/tasks`` shim is built on, so
``HttpTaskEngine`` can carry them too: ``create/list/get/remove_orchestrator``,
``changed_tasks`` and ``change_task``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Header, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from core.api.schemas import Items
from core.domain.commands import TaskQuery, parse
from core.domain.models import Priority, Task, TaskStatus
from core.domain.orchestrators import Orchestrator, OrchestratorCreate, TaskChanges
from core.domain.task_change import TaskChange
from core.engine import TaskEngine
from core.errors import NotFoundError, ValidationError
from core.server.access import check_all_visible, check_visible, project_filter
from core.server.api_routes import api_router
from core.server.auth import Caller
from core.server.deps import CallerDep, EngineDep, WriterDep
from core.server.errors import documented, error_responses
from core.server.responses import if_match_version, model_response, task_response

router = api_router(tags=["orchestrators"])

ProjectParam = Annotated[str | None, Query(description="Project id, slug or key")]


async def visible_orchestrator(
    engine: TaskEngine, caller: Caller, ref: str, project: str | None = None
) -> Orchestrator:
    """The orchestrator ``ref`` names, if the caller may see its project.

    Raises:
        NotFoundError: none, or one in a project the caller may not see.
    """
    await project_filter(engine, caller, project)
    if project is None and caller.restricted and len(caller.project_slugs) == 1:
        project = caller.project_slugs[0]  # a name is then looked up in its project only
    found = await engine.get_orchestrator(ref, project=project)
    if not caller.sees(found.project_id):
        raise NotFoundError(
            f"No orchestrator {ref!r}.",
            hint="Check the reference; this token sees only its own projects.",
            details={"field": "orchestrator", "input": ref, "suggestions": []},
        )
    return found


@router.post(
    "/orchestrators",
    **documented(
        Orchestrator,
        404,
        409,
        status=201,
        summary="Add an orchestrator (an agent identity) to a project",
    ),
)
async def create_orchestrator(
    body: OrchestratorCreate, engine: EngineDep, caller: WriterDep
) -> Response:
    """A new orchestrator; its name is the assignee of the tasks it works."""
    await project_filter(engine, caller, body.project)
    made = await engine.create_orchestrator(body)
    return model_response(
        made, status=201, headers={"Location": f"/api/v2/orchestrators/{made.id}"}
    )


@router.get("/orchestrators", **documented(Items[Orchestrator], 404, summary="List orchestrators"))
async def list_orchestrators(
    engine: EngineDep, caller: CallerDep, project: ProjectParam = None
) -> Response:
    """Orchestrators by name, of one project or of every project the token sees."""
    await project_filter(engine, caller, project)
    found = [o for o in await engine.list_orchestrators(project) if caller.sees(o.project_id)]
    return model_response(Items[Orchestrator](items=found))


@router.get(
    "/orchestrators/{orchestrator}",
    **documented(Orchestrator, 404, summary="Read an orchestrator by id or name"),
)
async def get_orchestrator(
    orchestrator: str, engine: EngineDep, caller: CallerDep, project: ProjectParam = None
) -> Response:
    """The orchestrator; a name used in several projects needs ``project``."""
    return model_response(await visible_orchestrator(engine, caller, orchestrator, project))


@router.delete(
    "/orchestrators/{orchestrator}",
    **documented(Orchestrator, 404, summary="Remove an orchestrator"),
)
async def remove_orchestrator(
    orchestrator: str, engine: EngineDep, caller: WriterDep, project: ProjectParam = None
) -> Response:
    """Remove it and answer with what it was; its tasks keep their assignee."""
    found = await visible_orchestrator(engine, caller, orchestrator, project)
    return model_response(await engine.remove_orchestrator(found.id))


MAX_CHANGES = 1000


class ChangeFilters(BaseModel):
    """The query of ``GET /task-changes``: a cursor, a page size and the task list's filters."""

    since: str = Field(
        default="0",
        max_length=64,
        description="A previous answer's cursor (0: from the start), or a time",
    )
    limit: int = Field(default=100, ge=1, le=MAX_CHANGES)
    project: str | None = Field(default=None, description="Project id, slug or key")
    milestone: str | None = Field(default=None, description="Milestone (needs project)")
    status: list[TaskStatus] = Field(default_factory=list, description="Repeatable")
    priority: list[Priority] = Field(default_factory=list, description="Repeatable")
    label: list[str] = Field(default_factory=list, description="Repeatable; all must match")
    assignee: str | None = Field(default=None, max_length=100)
    q: str | None = Field(default=None, description="Search ref, title and description")
    include_completed: bool = Field(default=True, description="Done and cancelled too")

    def task_query(self, caller: Caller) -> TaskQuery:
        """The engine's query, within the caller's projects."""
        return parse(
            TaskQuery,
            dict(
                project=self.project,
                milestone=self.milestone,
                statuses=self.status,
                priorities=self.priority,
                labels=self.label,
                assignee=self.assignee,
                text=self.q,
                include_completed=self.include_completed,
                in_projects=caller.visible(),
            ),
        )


@router.get(
    "/task-changes",
    response_model=TaskChanges,
    responses=error_responses(404),
    summary="Tasks changed after a cursor (commit-ordered: nothing committed late is missed)",
)
async def changed_tasks(
    filters: Annotated[ChangeFilters, Query()], engine: EngineDep, caller: CallerDep
) -> Response:
    """Tasks whose latest change is after ``since``, oldest change first.

    The filters are the task list's; done and cancelled tasks are included unless
    ``include_completed=false``. Ask again from the answer's ``cursor``: it stops below any
    change still being committed, so a change that commits after a later one is not
    stepped over. A time (ISO 8601) compares with ``updated_at``, which a late commit can
    slip under.
    """
    await project_filter(engine, caller, filters.project)
    changes = await engine.changed_tasks(
        filters.task_query(caller), since=parse_since(filters.since), limit=filters.limit
    )
    return model_response(changes)


def parse_since(text: str) -> int | datetime:
    """A poll's ``since``: a cursor (a whole number) or an ISO 8601 time with its zone.

    Raises:
        ValidationError: neither.
    """
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValidationError(
            f"since must be a cursor from a previous answer or a time with its zone, not {text!r}.",
            field="since",
            hint="Send back the cursor of the last answer, e.g. since=1234.",
            details={"input": text},
        )
    return when


@router.post(
    "/tasks/{ref}/changes",
    **documented(
        Task, 404, 409, 412, summary="Change a task's fields, blockers and state in one transaction"
    ),
)
async def change_task(
    ref: str,
    body: TaskChange,
    engine: EngineDep,
    caller: WriterDep,
    if_match: Annotated[str | None, Header(description='The ETag you read ("v7")')] = None,
) -> Response:
    """Apply every part or none: the fields, the whole new blocker set, then the moves.

    ``If-Match`` refuses (409) if the task changed since the version read.
    """
    await check_visible(engine, caller, ref)
    await check_all_visible(engine, caller, body.blocked_by or [], field="blocked_by")
    expected = if_match_version(if_match)
    return task_response(await engine.change_task(ref, body, expected_version=expected))
