"""``/api/v2/runs/{run_id}/...``: a worker's writes to a run it claimed, each fenced by the claim.

Every body carries the claim's ``token``. The engine checks it in the same transaction as the
write: once the claim is lost (its lease expired, the run was cancelled or finished, the
task was moved by hand) the write is refused with 409 ``lease_lost`` and nothing is
written, so a worker on another machine, slow or cut off for a while, can never overwrite
the work of the worker that took the task over. On that answer a worker stops the run's
process and writes nothing more for it.

These routes need scope write; a token limited to some projects reaches only its projects'
runs (others are "not found").
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from core.api.run_schemas import (
    LogAppend,
    LogSeq,
    LostOutput,
    RunBlock,
    RunFinish,
    RunInterrupt,
    StepFinish,
    StepStart,
)
from core.domain.runs import Run
from core.server.deps import EngineDep, WriterDep
from core.server.errors import ErrorBody, error_responses
from core.server.responses import model_response
from core.server.run_access import check_run

router = APIRouter(prefix="/runs", tags=["runs"])


def fenced_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The errors of a fenced write: the usual ones, and 409 saying what a lost claim means."""
    return {
        **error_responses(*statuses),
        409: {
            "model": ErrorBody,
            "description": "lease_lost: the claim token no longer holds the run's task (lease "
            "expired, run cancelled or finished, task moved by hand); nothing was written, "
            "stop working on it. invalid_transition: no such step is running.",
        },
    }


@router.post(
    "/{run_id}/steps",
    response_model=Run,
    responses=fenced_responses(404, 422),
    summary="Start a step of a claimed run",
)
async def start_step(
    run_id: str, body: StepStart, engine: EngineDep, caller: WriterDep
) -> Response:
    """The run begins ``step`` (event ``task.step_started``)."""
    await check_run(engine, caller, run_id)
    run = await engine.start_step(
        run_id, body.token, body.step, index=body.index, total=body.total, profile=body.profile
    )
    return model_response(run)


@router.post(
    "/{run_id}/steps/finish",
    response_model=Run,
    responses=fenced_responses(404, 422),
    summary="Finish the running step",
)
async def finish_step(
    run_id: str, body: StepFinish, engine: EngineDep, caller: WriterDep
) -> Response:
    """How the running step ``step`` ended (event ``task.step_completed``); the run goes on."""
    await check_run(engine, caller, run_id)
    run = await engine.finish_step(
        run_id,
        body.token,
        body.step,
        success=body.success,
        exit_code=body.exit_code,
        summary=body.summary,
    )
    return model_response(run)


@router.post(
    "/{run_id}/log",
    response_model=LogSeq,
    responses=fenced_responses(404, 422),
    summary="Append output to a run's log",
)
async def append_log(
    run_id: str, body: LogAppend, engine: EngineDep, caller: WriterDep
) -> Response:
    """Add a chunk of output; the answer is its number in the log (per run, from 1).

    Send an ``Idempotency-Key`` with each chunk: a retry after a timeout then cannot write
    the same output twice.
    """
    await check_run(engine, caller, run_id)
    seq = await engine.append_log(run_id, body.token, body.text, stream=body.stream, step=body.step)
    return model_response(LogSeq(seq=seq))


@router.post(
    "/{run_id}/lost-output",
    response_model=LogSeq,
    responses=fenced_responses(404, 422),
    summary="Record output that could not be stored",
)
async def record_lost_output(
    run_id: str, body: LostOutput, engine: EngineDep, caller: WriterDep
) -> Response:
    """Mark in the log where ``lost_bytes`` of output are missing, and why; the marker's number."""
    await check_run(engine, caller, run_id)
    seq = await engine.record_lost_output(
        run_id, body.token, lost_bytes=body.lost_bytes, reason=body.reason, step=body.step
    )
    return model_response(LogSeq(seq=seq))


@router.post(
    "/{run_id}/block",
    response_model=Run,
    responses=fenced_responses(404, 422),
    summary="End a run and block its task",
)
async def block_run(run_id: str, body: RunBlock, engine: EngineDep, caller: WriterDep) -> Response:
    """End the run failed without a retry (the task cannot run as configured); task blocked."""
    await check_run(engine, caller, run_id)
    return model_response(
        await engine.block_run(run_id, body.token, reason=body.reason, step=body.step)
    )


@router.post(
    "/{run_id}/interrupt",
    response_model=Run,
    responses=fenced_responses(404, 422),
    summary="End a run interrupted",
)
async def interrupt_run(
    run_id: str, body: RunInterrupt, engine: EngineDep, caller: WriterDep
) -> Response:
    """The worker stopped on purpose: the task goes back to ready without using an attempt."""
    await check_run(engine, caller, run_id)
    run = await engine.interrupt_run(
        run_id, body.token, reason=body.reason, exit_code=body.exit_code, summary=body.summary
    )
    return model_response(run)


@router.post(
    "/{run_id}/finish",
    response_model=Run,
    responses=fenced_responses(404, 422),
    summary="Finish a run",
)
async def finish_run(
    run_id: str, body: RunFinish, engine: EngineDep, caller: WriterDep
) -> Response:
    """End the run and move its task on: in review (or done) on success, else the retry policy.

    ``step`` names the running step, finished with the run in one transaction.
    """
    await check_run(engine, caller, run_id)
    run = await engine.finish_run(
        run_id,
        body.token,
        success=body.success,
        summary=body.summary,
        exit_code=body.exit_code,
        error=body.error,
        step=body.step,
    )
    return model_response(run)
