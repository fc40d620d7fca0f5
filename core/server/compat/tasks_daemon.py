"""``/api/tasks/assign``, ``/api/tasks/poll`` and ``/api/orchestrators/{id}/backlog``.

What an orchestrator's daemon uses: hand tasks to an orchestrator, poll for its tasks (with
a commit-ordered cursor, so a change committed late is never missed), and read its backlog
with counts per status. task-management-api.md §6-8.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query, Request
from starlette.responses import Response

from core.domain.commands import BoardQuery, SortField, TaskQuery, parse
from core.domain.models import TaskStatus
from core.server.compat.framing import json_answer
from core.server.compat.orchestrators import parse_since
from core.server.compat.tasks_api import Listed, orchestrator, pagination, sort_tasks, values_of
from core.server.compat.tasks_frame import legacy_router, spend_poll
from core.server.compat.tasks_shapes import (
    SHOWN_AS,
    AssignBody,
    LegacyPriority,
    LegacyStatus,
    Orchestrators,
    PollBody,
    at_or_above,
    card_view,
    states_of,
    task_view,
)
from core.server.deps import CallerDep, EngineDep, WriterDep

router = legacy_router(tags=["tasks (task-management API)"])

BACKLOG_SORTS = {
    "priority": SortField.PRIORITY,
    "dueDate": SortField.DUE,
    "createdAt": SortField.CREATED,
    "status": SortField.STATUS,
}


@router.post(
    "/api/tasks/assign",
    summary="Assign tasks to an orchestrator",
    responses={207: {"description": "Some tasks were not assigned: see failed and notFound."}},
)
async def assign(body: AssignBody, engine: EngineDep, caller: WriterDep) -> Response:
    """200 when every task was assigned, 207 with what failed and what was not found.

    ``reason`` and ``metadata`` are accepted and not kept: the assignment's event names who
    assigned what to whom.
    """
    vp = await orchestrator(engine, caller, body.assigneeId, None, field="assignee")
    not_found, elsewhere, refs = await sort_tasks(engine, caller, body.taskIds, vp.project_id)
    failed: list[dict[str, Any]] = [
        {"taskId": ref, "success": False, "error": "Task is in another workspace."}
        for ref in elsewhere
    ]
    assigned = []
    if refs:
        result = await engine.assign_tasks(refs, vp.name)
        vps = Orchestrators([vp])
        for item in result.items:
            if item.ok and item.task is not None:
                assigned.append(
                    {"taskId": item.ref, "success": True, "data": card_view(item.task, vps)}
                )
            elif item.error and item.error.get("code") == "not_found":
                not_found.append(item.ref)
            else:
                message = str((item.error or {}).get("message", "Not assigned."))
                failed.append({"taskId": item.ref, "success": False, "error": message})
    complete = not failed and not not_found
    body_out = {
        "data": {"assigned": assigned, "failed": failed, "notFound": not_found},
        "summary": {
            "total": len(body.taskIds),
            "successful": len(assigned),
            "failed": len(failed),
            "notFound": len(not_found),
        },
        "message": "Tasks assigned successfully" if complete else "Partial assignment completed",
    }
    return json_answer(body_out, status=200 if complete else 207)


@router.post("/api/tasks/poll", summary="Poll an orchestrator's tasks (deltas with since)")
async def poll(body: PollBody, request: Request, engine: EngineDep, caller: CallerDep) -> Response:
    """The orchestrator's tasks, or those changed since ``since``, most urgent first.

    Send ``metadata.cursor`` back as ``since``: it is commit-ordered, so no change is missed
    even when writers commit out of order. A time in ``since`` compares with the tasks'
    ``updatedAt``, which a change that commits late can slip under.
    """
    vp = await orchestrator(engine, caller, body.vpId, body.workspaceId, field="orchestrator")
    spend_poll(request, vp.id)
    query = parse(
        TaskQuery,
        {
            "project": vp.project_id,
            "assignee": vp.name,
            "statuses": states_of(body.status),
            "priorities": at_or_above(body.minPriority),
            "include_completed": body.since is not None,
            "sort": SortField.PRIORITY,
            "descending": False,
            "limit": body.limit,
            "in_projects": caller.visible(),
        },
    )
    polled_at = datetime.now(UTC)
    if body.since is None:
        cursor = await engine.latest_event_seq()
        page = await engine.list_tasks(query)
        tasks, more = page.items, page.has_next
    else:
        changes = await engine.changed_tasks(query, since=parse_since(body.since), limit=body.limit)
        tasks, more, cursor = changes.items, changes.has_more, changes.cursor
    vps = Orchestrators([vp])
    metadata = {
        "vpId": vp.id,
        "workspaceId": vp.project_id,
        "polledAt": polled_at.isoformat().replace("+00:00", "Z"),
        "since": body.since,
        "tasksReturned": len(tasks),
        "hasMore": more,
        "cursor": str(cursor),
    }
    return json_answer({"data": [task_view(t, vps) for t in tasks], "metadata": metadata})


@router.get("/api/orchestrators/{vp_id}/backlog", summary="An orchestrator's backlog and metrics")
async def backlog(
    vp_id: str,
    engine: EngineDep,
    caller: CallerDep,
    status: Listed = None,
    priority: Listed = None,
    includeCompleted: bool = False,
    sortBy: Annotated[str, Query(pattern="^(" + "|".join(BACKLOG_SORTS) + ")$")] = "priority",
    sortOrder: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Response:
    """A page of the orchestrator's tasks, and counts of all of them by status.

    The counts cover every task of the orchestrator whatever the filters; they and the
    page are two reads, so a change between them can show in one and not the other.
    """
    vp = await orchestrator(engine, caller, vp_id, None, field="orchestrator")
    query = parse(
        TaskQuery,
        {
            "project": vp.project_id,
            "assignee": vp.name,
            "statuses": states_of(values_of(LegacyStatus, status, "status")),
            "priorities": [p.engine for p in values_of(LegacyPriority, priority, "priority")],
            "include_completed": includeCompleted,
            "sort": BACKLOG_SORTS[sortBy],
            "descending": sortOrder == "desc",
            "page": page,
            "limit": limit,
        },
    )
    found = await engine.list_tasks(query)
    board = await engine.board(BoardQuery(project=vp.project_id, assignee=vp.name, per_column=0))
    counts = {column.status: column.count for column in board.columns}
    by_status = {s: 0 for s in LegacyStatus}
    for state, count in counts.items():
        by_status[SHOWN_AS[TaskStatus(state)]] += count
    total = sum(by_status.values())
    done = by_status[LegacyStatus.DONE]
    metrics = {
        "vpId": vp.id,
        "total": total,
        "byStatus": {
            "todo": by_status[LegacyStatus.TODO],
            "inProgress": by_status[LegacyStatus.IN_PROGRESS],
            "blocked": by_status[LegacyStatus.BLOCKED],
            "done": done,
            "cancelled": by_status[LegacyStatus.CANCELLED],
        },
        "completionRate": f"{(100 * done / total) if total else 0:.2f}",
    }
    vps = Orchestrators([vp])
    return json_answer(
        {
            "data": [task_view(t, vps) for t in found.items],
            "pagination": pagination(page, limit, found.total),
            "metrics": metrics,
        }
    )
