"""``/api/v2/tasks/board``, ``/tasks/ready``, card positions: the board's and the queue's reads.

Included before ``routes.tasks``: ``GET /tasks/board`` and ``/tasks/ready`` would otherwise
be taken for a task named "board" or "ready" by ``GET /tasks/{ref}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from core.api.schemas import CardPosition, Items
from core.domain.commands import BoardQuery, parse
from core.domain.models import Priority, TaskCard, TaskStatus
from core.domain.views import BoardColumn, BoardView
from core.server.access import project_filter, visible_task
from core.server.deps import CallerDep, EngineDep
from core.server.errors import error_responses
from core.server.responses import model_response

router = APIRouter(prefix="/tasks", tags=["board"])

Project = Annotated[str | None, Query(description="Project id, slug or key")]


@dataclass(frozen=True)
class BoardFilters:
    """The board's filters, as every board route takes them from the query string."""

    project: str | None
    milestone: str | None
    priority: list[Priority] | None
    label: list[str] | None
    assignee: str | None
    q: str | None

    async def query(
        self,
        engine: EngineDep,
        caller: CallerDep,
        *,
        status: list[TaskStatus] | None = None,
        per_column: int = 0,
    ) -> BoardQuery:
        """The engine's query, within the caller's projects (404 for one it cannot see)."""
        await project_filter(engine, caller, self.project)
        fields: dict[str, Any] = {
            "project": self.project,
            "milestone": self.milestone,
            "priorities": self.priority or [],
            "labels": self.label or [],
            "assignee": self.assignee,
            "text": self.q,
            "per_column": per_column,
            "in_projects": caller.visible(),
        }
        if status:
            fields["statuses"] = status
        return parse(BoardQuery, fields)


async def board_filters(
    project: Project = None,
    milestone: Annotated[str | None, Query(description="Milestone (needs project)")] = None,
    priority: Annotated[list[Priority] | None, Query(description="Repeatable")] = None,
    label: Annotated[list[str] | None, Query(description="Repeatable; all must match")] = None,
    assignee: str | None = None,
    q: Annotated[str | None, Query(description="Search ref, title and description")] = None,
) -> BoardFilters:
    """FastAPI dependency: the filters from the query string."""
    return BoardFilters(project, milestone, priority, label, assignee, q)


FiltersDep = Annotated[BoardFilters, Depends(board_filters)]
Statuses = Annotated[list[TaskStatus] | None, Query(description="Columns shown (repeatable)")]


@router.get(
    "/board",
    response_model=BoardView,
    responses=error_responses(404, 422),
    summary="The board: counts and the first cards of each column",
)
async def board(
    engine: EngineDep,
    caller: CallerDep,
    filters: FiltersDep,
    status: Statuses = None,
    per_column: Annotated[int, Query(ge=0, le=200)] = 50,
) -> Response:
    """Per-state counts and up to ``per_column`` cards of each column, in scheduler order.

    ``last_event_seq`` is where to follow the event log from to keep the board current.
    """
    query = await filters.query(engine, caller, status=status, per_column=per_column)
    return model_response(await engine.board(query))


@router.get(
    "/board/{column}",
    response_model=BoardColumn,
    responses=error_responses(404, 422),
    summary="A window of one board column",
)
async def board_column(
    column: TaskStatus,
    engine: EngineDep,
    caller: CallerDep,
    filters: FiltersDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """The column's count and ``limit`` cards from ``offset`` (a deep offset costs no more)."""
    query = await filters.query(engine, caller)
    return model_response(await engine.board_column(query, column, offset=offset, limit=limit))


@router.get(
    "/ready",
    response_model=Items[TaskCard],
    responses=error_responses(404, 422),
    summary="The ready queue, in the order workers claim it",
)
async def ready(
    engine: EngineDep,
    caller: CallerDep,
    project: Project = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Ready tasks by priority, then age: what a worker claims next comes first."""
    await project_filter(engine, caller, project)
    cards = await engine.ready_tasks(limit=limit, project=project, in_projects=caller.visible())
    return model_response(Items[TaskCard](items=cards))


@router.get(
    "/{ref}/card-position",
    response_model=CardPosition,
    responses=error_responses(404, 422),
    summary="Where a task's card is on a board with these filters",
)
async def card_position(
    ref: str,
    engine: EngineDep,
    caller: CallerDep,
    filters: FiltersDep,
    status: Statuses = None,
) -> Response:
    """The card's column and index in it; both ``null`` when the filters leave it out."""
    await visible_task(engine, caller, ref, links=False)
    found = await engine.card_position(await filters.query(engine, caller, status=status), ref)
    position = (
        CardPosition(status=None, index=None)
        if found is None
        else CardPosition(status=found[0], index=found[1])
    )
    return model_response(position)
