"""``/api/v2/runs``: read runs and steps, resolve short ids, finish runs in bulk, sweep leases.

Reads need any token; a token limited to some projects sees only its projects' runs (others
are "not found"). The writes here are workers' (scope write): ``finish`` many runs at once,
each fenced by its own claim token, and the lease sweep every worker makes on its beat.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from core.api.run_schemas import ExpiredTasks, LeaseSweep, RunId, RunsFinish
from core.api.schemas import Items
from core.domain.outcomes import RunOutcome
from core.domain.runs import Run, RunStep
from core.engine import TaskEngine
from core.errors import NotFoundError, ValidationError
from core.server.auth import Caller
from core.server.deps import CallerDep, EngineDep, WriterDep
from core.server.errors import error_responses
from core.server.responses import model_response
from core.server.run_access import check_run, resolve_run_id, sees_run, visible_run

router = APIRouter(prefix="/runs", tags=["runs"])


@router.get(
    "/resolve",
    response_model=RunId,
    responses=error_responses(404, 422),
    summary="The full id a run id prefix names",
)
async def resolve(
    engine: EngineDep,
    caller: CallerDep,
    prefix: Annotated[str, Query(description="At least 4 characters of the id")],
    kind: Literal["any", "run", "quick"] = "any",
) -> Response:
    """The run (or quick run) whose id starts with ``prefix``, as git finds a short hash.

    Several matches are a 422 listing them (``details.candidates``).
    """
    return model_response(RunId(id=await resolve_run_id(engine, caller, prefix, kind)))


@router.get(
    "/{run_id}",
    response_model=Run,
    responses=error_responses(404),
    summary="Read a run",
)
async def get_run(run_id: str, engine: EngineDep, caller: CallerDep) -> Response:
    """One run: its state, worker, step, lease and how it ended."""
    return model_response(await visible_run(engine, caller, run_id))


@router.get(
    "/{run_id}/steps",
    response_model=Items[RunStep],
    responses=error_responses(404),
    summary="A run's steps",
)
async def run_steps(run_id: str, engine: EngineDep, caller: CallerDep) -> Response:
    """The run's steps in pipeline order (a step left running by an ended run reads as ended)."""
    await check_run(engine, caller, run_id)
    return model_response(Items[RunStep](items=await engine.run_steps(run_id)))


@router.post(
    "/finish",
    response_model=Items[Run],
    responses=error_responses(422),
    summary="Finish many runs at once",
)
async def finish_runs(body: RunsFinish, engine: EngineDep, caller: WriterDep) -> Response:
    """Finish each run as ``POST /runs/{id}/finish`` would, each fenced by its own token.

    The answer lists the runs finished, in the order given; a run that no longer holds its
    task (lease lost, cancelled, finished, unknown, or not the token's to see) is left out
    and nothing is written for it.
    """
    outcomes = await _visible_outcomes(engine, caller, body.outcomes)
    runs = await engine.finish_runs(outcomes) if outcomes else []
    return model_response(Items[Run](items=runs))


async def _visible_outcomes(
    engine: TaskEngine, caller: Caller, outcomes: list[RunOutcome]
) -> list[RunOutcome]:
    if not caller.restricted:
        return outcomes
    return [o for o in outcomes if await sees_run(engine, caller, o.run_id)]


@router.post(
    "/expire-leases",
    response_model=ExpiredTasks,
    responses=error_responses(422),
    summary="Expire the leases that ended",
)
async def expire_leases(body: LeaseSweep, engine: EngineDep, caller: WriterDep) -> Response:
    """Expire runs whose lease ended by ``now`` (the server's clock when ``null``).

    Workers call it on every heartbeat, so a crashed worker's tasks go back to ready
    without a separate daemon. ``now`` may not be later than the server's clock: leases end
    by the server's time, not a client's. The answer names the tasks concerned (for a
    limited token, only those of its projects).
    """
    if body.now is not None and body.now > datetime.now(UTC):
        raise ValidationError(
            "now may not be later than the server's clock: leases end by the server's time.",
            field="now",
            hint="Leave now out (null) to expire what has ended by now.",
            details={"input": body.now.isoformat()},
        )
    refs = await engine.expire_leases(body.now)
    if caller.restricted:
        refs = [ref for ref in refs if await _sees_task(engine, caller, ref)]
    return model_response(ExpiredTasks(refs=refs))


async def _sees_task(engine: TaskEngine, caller: Caller, ref: str) -> bool:
    try:
        task = await engine.get_task(ref, links=False)
    except NotFoundError:
        return False
    return caller.sees(task.project_id)
