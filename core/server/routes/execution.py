"""``/api/v2/execution/overview``: what the execution monitor shows, from one snapshot.

The queue with what each task waits for, running and queued Run Now runs with their last
log line, workers, recent runs and rates. A token limited to some projects sees its
projects' queue, runs and counts only; workers are everyone's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from core.domain.runs import ExecutionOverview
from core.server.deps import CallerDep, EngineDep
from core.server.errors import error_responses
from core.server.responses import model_response
from core.server.run_access import within

router = APIRouter(prefix="/execution", tags=["runs"])

Names = Annotated[
    list[str] | None,
    Query(description="Repeatable; one empty value (`?pipeline=`) stands for none at all"),
]


def _names(values: list[str] | None) -> list[str] | None:
    """A repeatable parameter: absent is ``None``, an empty value alone the empty list."""
    if values is None:
        return None
    return [v for v in values if v]


@router.get(
    "/overview",
    response_model=ExecutionOverview,
    responses=error_responses(422),
    summary="The execution monitor's snapshot",
)
async def execution_overview(
    engine: EngineDep,
    caller: CallerDep,
    queue_limit: Annotated[int, Query(description="1 to 500 queued tasks")] = 50,
    recent_limit: Annotated[int, Query(description="1 to 500 finished runs")] = 20,
    max_per_project: Annotated[
        int | None, Query(description="The workers' per-project limit, to explain waits")
    ] = None,
    pipeline: Names = None,
    approved_by: Names = None,
    in_project: Annotated[list[str] | None, Query(description="Project ids (repeatable)")] = None,
) -> Response:
    """The queue in scheduler order, runs, workers and rates, as ``taskyard monitor`` shows.

    ``pipeline`` (the workers' pipelines) and ``approved_by`` (the approvers they accept)
    explain which ready tasks no worker would take, as the workers would decide.
    """
    overview = await engine.execution_overview(
        queue_limit=queue_limit,
        recent_limit=recent_limit,
        max_per_project=max_per_project,
        pipelines=_names(pipeline),
        approved_by=_names(approved_by),
        in_projects=within(caller, in_project),
    )
    return model_response(overview)
