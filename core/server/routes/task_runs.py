"""``POST /api/v2/tasks/{ref}/run``: Run Now (a task's runs, retry, cancel: ``core.api``).

What a person does to a task's execution: read its runs, Run Now, retry, cancel, and
approve the commands workers may run. Run Now is idempotent in the engine: while the task
has an active run, asking again returns that run; the answer's status says which happened
(201 a run was started, 200 the task was already running).

Approving a command is what lets every worker run it, so it needs an admin token (the
scope whose own commands count as approved); the approval is recorded under the token's
name, which is what workers started with ``--approved-by`` match.

Only Run Now is written out here: its status depends on the task before and the run after.
A task's runs, retry, cancel and approvals are entries of the API table (``core.api``).
"""

from __future__ import annotations

from starlette.responses import Response

from core.domain.models import TaskStatus
from core.domain.runs import MANUAL_WORKER_ID, Run, RunStatus
from core.server.access import visible_task
from core.server.api_routes import api_router
from core.server.deps import EngineDep, WriterDep
from core.server.errors import documented
from core.server.responses import model_response

router = api_router("/tasks", tags=["runs"])

STARTABLE = frozenset({TaskStatus.BACKLOG, TaskStatus.READY})
"""Where Run Now starts a task from; from anywhere else it answers the task's active run."""


@router.post(
    "/{ref}/run",
    **documented(
        Run,
        404,
        409,
        status=201,
        existing="The task was already running: its active run.",
        summary="Run Now: start a task ahead of the queue",
    ),
)
async def run_now(ref: str, engine: EngineDep, caller: WriterDep) -> Response:
    """Start the task now (queued for the next worker to adopt): 201 with the new run.

    Idempotent: while the task has an active run (a Run Now not yet adopted, or a worker's
    claim), asking again answers that run with 200 and starts nothing. Refused (409) for a
    task with unresolved blockers, outside backlog and ready, or whose command is not
    approved.
    """
    before = await visible_task(engine, caller, ref, links=False)
    run = await engine.run_now(ref)
    started = (
        before.status in STARTABLE
        and run.status is RunStatus.QUEUED
        and run.worker_id == MANUAL_WORKER_ID
    )
    if not started:
        return model_response(run)
    return model_response(run, status=201, headers={"Location": f"/api/v2/runs/{run.id}"})
