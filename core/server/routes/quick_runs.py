"""``/api/v2/quick-runs``: one-off actions recorded with their output, and promoted to tasks.

A quick action runs where the person typed it (their TUI or terminal); the server records
it: created ``running``, its output appended as it comes, finished with the outcome, and
turned into exactly one task if someone promotes it. Quick runs belong to no project, so a
token limited to projects sees only the quick runs it made itself, and promotes only into
its projects.

Most quick-run routes are entries of the API table (``core.api``). Written out here: the
output page (``read_log`` is served at ``/logs`` too, with another page shape), and promote,
whose project is settled for a limited token and whose "already promoted" error may not
name a task that token cannot see.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from starlette.responses import Response

from core.api.quick_run_schemas import LogPage, PromoteBody
from core.domain.models import Task
from core.domain.runs import QuickRun
from core.engine import TaskEngine
from core.errors import DuplicateError, NotFoundError
from core.server.access import hidden
from core.server.api_routes import api_router
from core.server.auth import Caller
from core.server.deps import CallerDep, EngineDep, WriterDep
from core.server.errors import documented
from core.server.responses import model_response, task_response
from core.server.routes.logs import MAX_PAGE
from core.server.scoping import settled_project

router = api_router("/quick-runs", tags=["quick runs"])


@router.get("/{quick_run_id}/log", **documented(LogPage, 404, summary="Read a quick run's output"))
async def read_log(
    quick_run_id: str,
    engine: EngineDep,
    caller: CallerDep,
    since: Annotated[int, Query(ge=0, description="The last seq already read")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
) -> Response:
    """Chunks after ``since``, oldest first."""
    await _visible(engine, caller, quick_run_id)
    chunks = await engine.read_log(quick_run_id, since=since, limit=limit)
    return model_response(LogPage(items=chunks, next_since=chunks[-1].seq if chunks else since))


@router.post(
    "/{quick_run_id}/promote",
    **documented(Task, 404, 409, status=201, summary="Turn a finished quick run into a task"),
)
async def promote(
    quick_run_id: str, engine: EngineDep, caller: WriterDep, body: PromoteBody | None = None
) -> Response:
    """The one task it becomes (409 while it runs, or if it was promoted already).

    A shell quick run's prompt becomes the task's command, approved only when an admin
    token promotes it.
    """
    await _visible(engine, caller, quick_run_id)
    project = await settled_project(engine, caller, body.project if body else None)
    try:
        task = await engine.promote_quick_run(quick_run_id, project=project)
    except DuplicateError as exc:
        raise await _without_hidden_task(exc, engine, caller) from None
    return task_response(task, status=201, headers={"Location": f"/api/v2/tasks/{task.ref}"})


async def _visible(engine: TaskEngine, caller: Caller, quick_run_id: str) -> QuickRun:
    """The quick run, if the caller may see it (a limited token: only its own).

    Raises:
        NotFoundError: no such quick run, or one the caller may not see.
    """
    run = await engine.get_quick_run(quick_run_id)
    if caller.restricted and run.actor != caller.name:
        raise hidden("quick_run_id", quick_run_id, "quick run")
    return run


async def _without_hidden_task(
    exc: DuplicateError, engine: TaskEngine, caller: Caller
) -> DuplicateError:
    """The "already promoted to REF" error, without the ref when the caller cannot see it."""
    task_id = exc.details.get("task_id")
    if not caller.restricted or not isinstance(task_id, str):
        return exc
    try:
        task: Task | None = await engine.get_task(task_id, links=False)
    except NotFoundError:
        task = None
    if task is not None and caller.sees(task.project_id):
        return exc
    quick_run_id = exc.details.get("quick_run_id")
    return DuplicateError(
        f"Quick run {quick_run_id} was already promoted.", details={"quick_run_id": quick_run_id}
    )
