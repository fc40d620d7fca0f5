"""``POST /api/v2/tasks/{ref}/transition`` and ``/tasks/assign``: moving tasks.

Not in the API table (``core.api``), which holds the dependency routes: a move takes
``If-Match`` (or ``if_version``) and a stale version is a 412 saying what changed
(``versions.guarded``); an assignment fails, in place, each task a limited token cannot see.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header
from starlette.responses import Response

from core.api.schemas import AssignBody, TransitionBody
from core.domain.models import Task
from core.domain.views import BulkItemResult, BulkResult
from core.errors import BadRequestError, NotFoundError
from core.server.access import check_visible, visible_task
from core.server.api_routes import api_router
from core.server.deps import EngineDep, WriterDep
from core.server.errors import documented
from core.server.responses import if_match_version, model_response, task_response
from core.server.versions import guarded

router = api_router("/tasks", tags=["tasks"])


@router.post(
    "/{ref}/transition",
    **documented(Task, 400, 404, 409, 412, 422, summary="Move a task to another state"),
)
async def transition(
    ref: str,
    body: TransitionBody,
    engine: EngineDep,
    caller: WriterDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Move the task as the state machine allows (409 with the reason otherwise).

    ``If-Match`` or ``if_version`` refuse the move (412) if the task changed since it was
    read: a stale board cannot undo someone else's move.
    """
    expected = if_match_version(if_match)
    if expected is not None and body.if_version is not None and expected != body.if_version:
        raise BadRequestError(
            f"If-Match names version {expected} but if_version says {body.if_version}.",
            hint="Send one of them, or the same version in both.",
        )
    expected = expected if expected is not None else body.if_version
    await check_visible(engine, caller, ref)
    move = engine.transition_task(
        ref,
        body.to,
        reason=body.reason,
        force=body.force,
        when_unblocked=body.when_unblocked,
        expected_version=expected,
    )
    return task_response(await guarded(engine, ref, expected, move))


@router.post(
    "/assign", **documented(BulkResult, 422, summary="Set or clear the assignee of many tasks")
)
async def assign(body: AssignBody, engine: EngineDep, caller: WriterDep) -> Response:
    """One result per reference, in the order given; a missing task fails alone."""
    hidden: dict[str, BulkItemResult] = {}
    if caller.restricted:
        for ref in dict.fromkeys(body.refs):
            try:
                await visible_task(engine, caller, ref, links=False)
            except NotFoundError as exc:
                error = {**exc.to_dict(), "hint": None, "details": {"input": ref}}
                hidden[ref] = BulkItemResult(ref=ref, ok=False, error=error)
    allowed = [ref for ref in body.refs if ref not in hidden]
    done = await engine.assign_tasks(allowed, body.assignee) if allowed else BulkResult(items=[])
    by_ref = iter(done.items)
    items = [hidden[ref] if ref in hidden else next(by_ref) for ref in body.refs]
    return model_response(BulkResult(items=items))
