"""``/api/tasks``: list, create, read, change and delete tasks (task-management-api.md §1-5).

Each route maps the old names onto ``TaskEngine`` calls (tasks_shapes has the words, the
status mapping and the views) and answers ``{data, message}`` / ``{data, pagination}``. A
workspace is a project (id, slug or key); a task's VP is the orchestrator its assignee names.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Query
from starlette.responses import Response

from core.domain.commands import SortField, TaskCreate, TaskPatch, TaskQuery, parse
from core.domain.models import Project, Task
from core.domain.orchestrators import Orchestrator
from core.domain.task_change import TaskChange
from core.engine import TaskEngine
from core.errors import InvalidTransitionError, NotFoundError, ValidationError
from core.server.access import visible_project, visible_task
from core.server.auth import Caller
from core.server.compat.framing import json_answer
from core.server.compat.orchestrators import visible_orchestrator
from core.server.compat.tasks_frame import legacy_router
from core.server.compat.tasks_shapes import (
    PRIVATE_KEY,
    LegacyPriority,
    LegacyStatus,
    LegacyTaskCreate,
    LegacyTaskPatch,
    Orchestrators,
    due_date,
    plan_moves,
    states_of,
    task_view,
)
from core.server.deps import CallerDep, EngineDep, WriterDep

router = legacy_router(prefix="/api/tasks", tags=["tasks (task-management API)"])

E = TypeVar("E", bound=StrEnum)

SORTS = {
    "createdAt": SortField.CREATED,
    "updatedAt": SortField.UPDATED,
    "priority": SortField.PRIORITY,
    "dueDate": SortField.DUE,
    "title": SortField.TITLE,
    "status": SortField.STATUS,
}


def values_of(kind: type[E], given: list[str] | None, field: str) -> list[E]:
    """Values given repeated or comma-separated (``status=TODO,IN_PROGRESS``).

    Raises:
        ValidationError: one is not a value of ``kind``.
    """
    found: list[E] = []
    for part in ",".join(given or []).split(","):
        text = part.strip()
        if not text:
            continue
        try:
            found.append(kind(text.upper()))
        except ValueError:
            raise ValidationError(
                f"{field} {text!r} is not one of {', '.join(k.value for k in kind)}.",
                field=field,
                details={"input": text},
            ) from None
    return found


async def workspace(engine: TaskEngine, caller: Caller, ref: str) -> Project:
    """The project a workspace id names (WORKSPACE_NOT_FOUND otherwise)."""
    return await visible_project(engine, caller, ref)


async def orchestrator(
    engine: TaskEngine, caller: Caller, ref: str, project: str | None, *, field: str
) -> Orchestrator:
    """The orchestrator ``ref`` names (by id or name), as VP or as assignee.

    Raises:
        NotFoundError: none the caller may see (``field`` says which role it was named in).
    """
    try:
        return await visible_orchestrator(engine, caller, ref, project)
    except NotFoundError as exc:
        what = "Orchestrator" if field == "orchestrator" else "Assignee"
        raise NotFoundError(
            f"{what} {ref!r} not found in the workspace.",
            hint="Add it with taskyard orchestrator add (or POST /api/v2/orchestrators).",
            details={**exc.details, "field": field},
        ) from exc


async def every_orchestrator(engine: TaskEngine) -> Orchestrators:
    """Every orchestrator, to show each task's VP."""
    return Orchestrators(await engine.list_orchestrators())


def data(content: Any, message: str | None = None, *, status: int = 200) -> Response:
    """The ``{data, message}`` envelope."""
    body: dict[str, Any] = {"data": content}
    if message is not None:
        body["message"] = message
    return json_answer(body, status=status)


def pagination(page: int, limit: int, total: int) -> dict[str, Any]:
    """The old API's ``pagination`` object."""
    pages = max(1, -(-total // limit))
    return {
        "page": page,
        "limit": limit,
        "totalCount": total,
        "totalPages": pages,
        "hasNextPage": page < pages,
        "hasPreviousPage": page > 1,
    }


Listed = Annotated[list[str] | None, Query(description="Repeat it, or separate with commas")]


@router.get("", summary="List tasks (task-management API)")
async def list_tasks(
    engine: EngineDep,
    caller: CallerDep,
    vpId: Annotated[str | None, Query(max_length=200)] = None,
    workspaceId: Annotated[str | None, Query(max_length=200)] = None,
    status: Listed = None,
    priority: Listed = None,
    search: Annotated[str | None, Query(max_length=500)] = None,
    tags: Listed = None,
    assignedToId: Annotated[str | None, Query(max_length=200)] = None,
    includeCompleted: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    sortBy: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$")] = "createdAt",
    sortOrder: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
) -> Response:
    """A page of tasks, newest first unless ``sortBy``/``sortOrder`` say otherwise."""
    project = (await workspace(engine, caller, workspaceId)).id if workspaceId else None
    assignee = None
    if vpId is not None:
        vp = await orchestrator(engine, caller, vpId, project, field="orchestrator")
        project, assignee = vp.project_id, vp.name
    if assignedToId is not None:
        assignee = await assignee_name(engine, caller, assignedToId, project)
    query = parse(
        TaskQuery,
        {
            "project": project,
            "statuses": states_of(values_of(LegacyStatus, status, "status")),
            "priorities": [p.engine for p in values_of(LegacyPriority, priority, "priority")],
            "labels": [t for t in ",".join(tags or []).split(",") if t.strip()],
            "assignee": assignee,
            "text": search,
            "include_completed": includeCompleted,
            "sort": SORTS[sortBy],
            "descending": sortOrder == "desc",
            "page": page,
            "limit": limit,
            "in_projects": caller.visible(),
        },
    )
    found = await engine.list_tasks(query)
    vps = await every_orchestrator(engine)
    return json_answer(
        {
            "data": [task_view(t, vps) for t in found.items],
            "pagination": pagination(page, limit, found.total),
        }
    )


async def assignee_name(engine: TaskEngine, caller: Caller, ref: str, project: str | None) -> str:
    """The assignee an ``assignedToId`` names: an orchestrator's name (by id or name).

    Raises:
        NotFoundError: no orchestrator by that id or name (ASSIGNEE_NOT_FOUND).
    """
    return (await orchestrator(engine, caller, ref, project, field="assignee")).name


async def sort_tasks(
    engine: TaskEngine, caller: Caller, refs: list[str], project_id: str
) -> tuple[list[str], list[str], list[str]]:
    """``refs`` split three ways: no task the caller sees, another project's, ``project_id``'s.

    Dependencies must be in the task's project, and an orchestrator works only on its own.
    """
    missing: list[str] = []
    elsewhere: list[str] = []
    kept: list[str] = []
    for ref in refs:
        try:
            task = await visible_task(engine, caller, ref, links=False)
        except NotFoundError:
            missing.append(ref)
            continue
        (kept if task.project_id == project_id else elsewhere).append(ref)
    return missing, elsewhere, kept


async def unresolved_dependencies(
    engine: TaskEngine, caller: Caller, refs: list[str], project_id: str
) -> list[str]:
    """The ``dependsOn`` entries that name no task of the project (all of them, at once)."""
    missing, elsewhere, _ = await sort_tasks(engine, caller, refs, project_id)
    return [ref for ref in refs if ref in missing or ref in elsewhere]


def dependency_error(missing: list[str]) -> ValidationError:
    """DEPENDENCY_VIOLATION naming every missing dependency."""
    return ValidationError(
        "Invalid task dependencies",
        field="blocked_by",
        details={"unresolved": missing, "circular": []},
    )


@router.post("", status_code=201, summary="Create a task (task-management API)")
async def create_task(body: LegacyTaskCreate, engine: EngineDep, caller: WriterDep) -> Response:
    """A new TODO task of an orchestrator (its VP), checked for its dependencies."""
    project = await workspace(engine, caller, body.workspaceId)
    vp = await orchestrator(engine, caller, body.vpId, project.id, field="orchestrator")
    if body.assignedToId is not None:
        other = await orchestrator(engine, caller, body.assignedToId, project.id, field="assignee")
        if other.id != vp.id:
            raise ValidationError(
                "assignedToId names another orchestrator than vpId; a task has one assignee.",
                field="assignedToId",
                hint="Leave assignedToId out, or give the same orchestrator as vpId.",
            )
    if body.status is not LegacyStatus.TODO:
        raise ValidationError(
            f"A new task is TODO, not {body.status.value}.",
            field="status",
            hint="Create it, then PATCH its status.",
        )
    if missing := await unresolved_dependencies(engine, caller, body.dependsOn, project.id):
        raise dependency_error(missing)
    private = {"createdById": caller.name, "channelId": body.channelId}
    request = parse(
        TaskCreate,
        {
            "title": body.title,
            "description": body.description or "",
            "priority": body.priority.engine,
            "project": project.id,
            "assignee": vp.name,
            "effort_estimate": body.estimatedHours,
            "due_date": due_date(body.dueDate),
            "labels": body.tags,
            "blocked_by": body.dependsOn,
            "metadata": {**body.metadata, PRIVATE_KEY: private},
        },
    )
    made = await engine.create_task(request)
    vps = Orchestrators([vp])
    return data(task_view(made.task, vps), "Task created successfully", status=201)


@router.get("/{task_id}", summary="Read a task (task-management API)")
async def get_task(task_id: str, engine: EngineDep, caller: CallerDep) -> Response:
    """The task."""
    task = await visible_task(engine, caller, task_id)
    return data(task_view(task, await every_orchestrator(engine)))


@router.patch("/{task_id}", summary="Change a task (task-management API)")
async def update_task(
    task_id: str, body: LegacyTaskPatch, engine: EngineDep, caller: WriterDep
) -> Response:
    """Change the fields given, the status and the dependencies, all or nothing."""
    task = await visible_task(engine, caller, task_id)
    fields = await _patch(body, task, engine, caller)
    blocked_by = body.dependsOn
    if blocked_by is not None and (
        missing := await unresolved_dependencies(engine, caller, blocked_by, task.project_id)
    ):
        raise dependency_error(missing)
    moves = []
    if body.status is not None:
        waiting = await _unfinished(engine, task, blocked_by)
        if waiting and body.status in (LegacyStatus.IN_PROGRESS, LegacyStatus.DONE):
            verb = "start" if body.status is LegacyStatus.IN_PROGRESS else "complete"
            raise InvalidTransitionError(
                f"Cannot {verb} task. Unfinished dependencies: {', '.join(waiting)}",
                details={"unfinished": waiting},
            )
        moves = plan_moves(task, body.status, unresolved=bool(waiting))
    change = TaskChange(fields=fields, blocked_by=blocked_by, moves=moves)
    changed = await engine.change_task(task.id, change, expected_version=task.version)
    return data(task_view(changed, await every_orchestrator(engine)), "Task updated successfully")


async def _patch(
    body: LegacyTaskPatch, task: Task, engine: TaskEngine, caller: Caller
) -> TaskPatch | None:
    given = body.model_fields_set
    fields: dict[str, Any] = {}
    if "title" in given:
        fields["title"] = body.title
    if "description" in given:
        fields["description"] = body.description or ""
    if "priority" in given and body.priority is not None:
        fields["priority"] = body.priority.engine
    if "estimatedHours" in given:
        fields["effort_estimate"] = body.estimatedHours
    if "dueDate" in given:
        fields["due_date"] = due_date(body.dueDate)
    if "tags" in given:
        fields["labels"] = body.tags or []
    if "assignedToId" in given:
        fields["assignee"] = (
            None
            if body.assignedToId is None
            else await assignee_name(engine, caller, body.assignedToId, task.project_id)
        )
    if "metadata" in given:
        kept = task.metadata.get(PRIVATE_KEY)
        fields["metadata"] = {**(body.metadata or {}), **({PRIVATE_KEY: kept} if kept else {})}
    return parse(TaskPatch, fields) if fields else None


async def _unfinished(engine: TaskEngine, task: Task, blocked_by: list[str] | None) -> list[str]:
    """The titles of the task's dependencies not done or cancelled (the new set if given)."""
    if blocked_by is None:
        links = [(b.title, b.status) for b in task.blocked_by]
    else:
        found = [await engine.get_task(ref, links=False) for ref in blocked_by]
        links = [(t.title, t.status) for t in found]
    return [title for title, status in links if status.value not in ("done", "cancelled")]


@router.delete("/{task_id}", summary="Delete a task (task-management API)")
async def delete_task(task_id: str, engine: EngineDep, caller: WriterDep) -> Response:
    """Delete the task (not while it is in progress: cancel it first)."""
    task = await visible_task(engine, caller, task_id, links=False)
    await engine.delete_task(task.id)
    return data(None, "Task deleted successfully")
