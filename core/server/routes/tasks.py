"""``/api/v2/tasks``: create, list (keyset pages), read and change tasks.

Reads carry ``ETag: "v{version}"``; ``If-None-Match`` answers 304 when the client's copy is
current, and ``If-Match`` on a change refuses (412) to overwrite a newer version.

Not in the API table (``core.api``), which holds delete: these headers, a create answering
201 or 200 as the task is new or found by ``external_id`` (its project settled for a limited
token), and a list whose query string is a ``TaskQuery`` under other names.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Header, Query
from starlette.responses import Response

from core.domain.commands import SortField, TaskCreate, TaskPatch, TaskQuery, parse
from core.domain.models import Priority, Task, TaskStatus
from core.domain.views import CursorPage
from core.engine import TaskEngine
from core.errors import ValidationError
from core.server.access import check_all_visible, check_visible, project_filter, visible_task
from core.server.api_routes import api_router
from core.server.auth import Caller
from core.server.deps import CallerDep, EngineDep, WriterDep
from core.server.errors import documented, error_responses
from core.server.responses import (
    if_match_version,
    model_response,
    none_match,
    not_modified,
    task_response,
)
from core.server.versions import guarded

router = api_router("/tasks", tags=["tasks"])

MAX_PAGE = 200
"""Tasks per page at most: a page carries every field of each task."""

IfMatch = Annotated[
    str | None,
    Header(description='The ETag of the version you read ("v7"): refuse (412) if it changed.'),
]


@router.post(
    "",
    **documented(
        Task,
        404,
        409,
        422,
        status=201,
        existing="A task with this external_id already existed.",
        summary="Create a task (idempotent by external_id)",
    ),
)
async def create_task(body: TaskCreate, engine: EngineDep, caller: WriterDep) -> Response:
    """A new task (201), or the project's existing task with the same ``external_id`` (200).

    A token limited to one project may leave ``project`` out: its project is meant.
    """
    body = await _within_callers_projects(body, engine, caller)
    result = await engine.create_task(body)
    task = result.task
    if not result.created:
        return task_response(task)
    return task_response(task, status=201, headers={"Location": f"/api/v2/tasks/{task.ref}"})


async def _within_callers_projects(
    body: TaskCreate, engine: TaskEngine, caller: Caller
) -> TaskCreate:
    """The request with its project settled, once the caller may see everything it names."""
    if not caller.restricted:
        return body
    if body.project is None:
        if len(caller.project_slugs) != 1:
            raise ValidationError(
                "This token is limited to projects "
                f"{', '.join(caller.project_slugs)}: say which one the task belongs to.",
                field="project",
                hint="Give project (its slug, key or id).",
            )
        body = body.model_copy(update={"project": caller.project_slugs[0]})
    await project_filter(engine, caller, body.project)
    await check_all_visible(engine, caller, body.blocked_by, field="blocked_by")
    if body.parent is not None:
        await check_visible(engine, caller, body.parent, field="parent")
    return body


@router.get("", **documented(CursorPage[Task], 404, 422, summary="List tasks (keyset pages)"))
async def list_tasks(
    engine: EngineDep,
    caller: CallerDep,
    project: Annotated[str | None, Query(description="Project id, slug or key")] = None,
    milestone: Annotated[str | None, Query(description="Milestone (needs project)")] = None,
    status: Annotated[list[TaskStatus] | None, Query(description="Repeatable")] = None,
    priority: Annotated[list[Priority] | None, Query(description="Repeatable")] = None,
    label: Annotated[list[str] | None, Query(description="Repeatable; all must match")] = None,
    assignee: str | None = None,
    q: Annotated[str | None, Query(description="Search ref, title and description")] = None,
    include_completed: Annotated[bool, Query(description="Include done and cancelled")] = False,
    sort: SortField = SortField.CREATED,
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    total: Annotated[bool, Query(description="Also count every match (slower)")] = False,
) -> Response:
    """A page of tasks in full, newest first by default.

    Follow ``next_cursor`` for the next page (``null`` after the last one); keep the other
    parameters unchanged meanwhile. Done and cancelled tasks are left out unless
    ``include_completed`` or ``status`` names them.
    """
    await project_filter(engine, caller, project)
    query = parse(
        TaskQuery,
        {
            "project": project,
            "milestone": milestone,
            "statuses": status or [],
            "priorities": priority or [],
            "labels": label or [],
            "assignee": assignee,
            "text": q,
            "include_completed": include_completed,
            "sort": sort,
            "descending": order == "desc",
            "limit": limit,
            "in_projects": caller.visible(),
        },
    )
    page = await engine.list_tasks_keyset(query, cursor=cursor, with_total=total)
    return model_response(page)


@router.get(
    "/{ref}",
    response_model=Task,
    responses={
        304: {"description": "If-None-Match names the current version."},
        **error_responses(404),
    },
    summary="Read a task by id or ref",
)
async def get_task(
    ref: str,
    engine: EngineDep,
    caller: CallerDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The task in full, with ``ETag``; 304 if ``If-None-Match`` names its version."""
    if if_none_match is not None:
        head = await visible_task(engine, caller, ref, links=False)
        if none_match(if_none_match, head.version):
            return not_modified(head.version)
    return task_response(await visible_task(engine, caller, ref))


@router.patch(
    "/{ref}", **documented(Task, 400, 404, 409, 412, 422, summary="Change a task's fields")
)
async def update_task(
    ref: str, body: TaskPatch, engine: EngineDep, caller: WriterDep, if_match: IfMatch = None
) -> Response:
    """Change the fields given (``null`` clears a nullable one); 412 if ``If-Match`` is stale."""
    expected = if_match_version(if_match)
    await check_visible(engine, caller, ref)
    if body.parent is not None:
        await check_visible(engine, caller, body.parent, field="parent")
    task = await guarded(
        engine, ref, expected, engine.update_task(ref, body, expected_version=expected)
    )
    return task_response(task)
