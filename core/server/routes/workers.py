"""``/api/v2/workers``: worker processes register, heartbeat, claim, adopt Run Now runs, stop.

A worker on another machine does over HTTP exactly what a local one does through the
engine (``core.orchestrator.pool``): register, then on each beat renew its leases (a run
missing from the answer is lost: stop it), adopt queued Run Now runs, claim ready tasks,
and say goodbye when it stops. Every claim hands out a fresh claim token; the run routes
(``routes.run_writes``) refuse any write that does not carry it.

Worker operations need scope write (or admin). A token limited to some projects claims and
adopts only its projects' tasks, and renews only the leases it names. A worker id may hold a
slash (``taskyard worker --id``), so the routes read it as a path.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from core.api.run_schemas import (
    AdoptBody,
    ClaimBody,
    HeartbeatBody,
    Renewed,
    WorkerRegistration,
)
from core.api.schemas import Items
from core.domain.runs import Claim, Worker
from core.errors import PermissionDeniedError
from core.server.access import project_filter
from core.server.deps import CallerDep, EngineDep, WriterDep
from core.server.errors import error_responses
from core.server.responses import model_response
from core.server.run_access import within

router = APIRouter(prefix="/workers", tags=["workers"])


@router.post(
    "",
    response_model=Worker,
    responses=error_responses(422),
    summary="Register a worker process",
)
async def register_worker(
    body: WorkerRegistration, engine: EngineDep, caller: WriterDep
) -> Response:
    """Record the worker (again after a restart: same id, a fresh start time)."""
    worker = await engine.register_worker(body.id, host=body.host, pid=body.pid, slots=body.slots)
    return model_response(worker)


@router.get("", response_model=Items[Worker], summary="List workers")
async def list_workers(engine: EngineDep, caller: CallerDep) -> Response:
    """Every registered worker; one silent for two lease periods shows as ``lost``.

    Workers are shared by every project (they claim from all the projects their tokens
    see), so every token sees them.
    """
    return model_response(Items[Worker](items=await engine.list_workers()))


@router.post(
    "/{worker_id:path}/heartbeat",
    response_model=Renewed,
    responses=error_responses(404, 422),
    summary="Renew a worker's leases",
)
async def heartbeat(
    worker_id: str, body: HeartbeatBody, engine: EngineDep, caller: WriterDep
) -> Response:
    """Renew the leases named (run id to claim token); the answer lists those renewed.

    A run missing from ``renewed`` was lost (expired, cancelled, moved by hand): stop its
    work, nothing more it writes will be accepted. ``leases: null`` renews every run of the
    worker; a token limited to some projects must name its leases.
    """
    if body.leases is None and caller.restricted:
        raise PermissionDeniedError(
            f"The token {caller.name!r} is limited to some projects: a heartbeat with it "
            "renews only the leases it names.",
            hint="Send leases: {run id: claim token} for each run the worker holds.",
            details={"field": "leases"},
        )
    renewed = await engine.heartbeat(worker_id, body.leases, lease_seconds=body.lease_seconds)
    return model_response(Renewed(renewed=renewed))


@router.post(
    "/{worker_id:path}/stop",
    response_model=Worker,
    responses=error_responses(404),
    summary="Say a worker's goodbye",
)
async def stop_worker(worker_id: str, engine: EngineDep, caller: WriterDep) -> Response:
    """Mark the worker stopped (the monitor shows it stopped, not lost); runs are left alone."""
    return model_response(await engine.stop_worker(worker_id))


@router.post(
    "/{worker_id:path}/claims",
    response_model=Items[Claim],
    responses=error_responses(404, 422),
    summary="Claim ready tasks",
)
async def claim_tasks(
    worker_id: str, body: ClaimBody, engine: EngineDep, caller: WriterDep
) -> Response:
    """Atomically claim up to ``limit`` ready tasks in scheduler order (maybe none).

    Each claim opens a run with its own claim token and lease: keep the token, every write
    to the run must carry it. Two workers never get the same task. A token limited to some
    projects claims only their tasks.
    """
    await project_filter(engine, caller, body.project)
    claims = await engine.claim_tasks(
        worker_id,
        limit=body.limit,
        project=body.project,
        lease_seconds=body.lease_seconds,
        max_per_project=body.max_per_project,
        pipelines=body.pipelines,
        approved_by=body.approved_by,
        in_projects=within(caller, body.in_projects),
    )
    return model_response(Items[Claim](items=claims))


@router.post(
    "/{worker_id:path}/adoptions",
    response_model=Items[Claim],
    responses=error_responses(422),
    summary="Take over queued Run Now runs",
)
async def adopt_forced_runs(
    worker_id: str, body: AdoptBody, engine: EngineDep, caller: WriterDep
) -> Response:
    """Adopt queued Run Now runs, oldest first, each with a fresh claim token and lease.

    Workers ask before claiming; ``run_id`` adopts that run only. A token limited to some
    projects adopts only their runs.
    """
    claims = await engine.adopt_forced_runs(
        worker_id,
        limit=body.limit,
        lease_seconds=body.lease_seconds,
        run_id=body.run_id,
        in_projects=within(caller, body.in_projects),
    )
    return model_response(Items[Claim](items=claims))
