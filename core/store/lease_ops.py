"""Workers and their leases: registration, heartbeats, goodbyes, and the lease sweep.

* A worker registers on start and heartbeats while it lives; one heartbeat renews every lease
  it still holds in one statement (shared/CLAIMS.md B5).
* ``expire_leases`` is the recovery: any worker calls it on its heartbeat, so no separate
  daemon is needed. A run that lost its lease is *interrupted*, which is not the task's
  fault: the task goes back to ready at once (``finish_ops.requeue_interrupted``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from core.domain.models import TaskStatus
from core.domain.runs import MANUAL_WORKER_ID, RunStatus, Worker, WorkerStatus, worker_status
from core.errors import NotFoundError, ValidationError
from core.store import tables as t
from core.store.claims import check_lease, lease_until
from core.store.claims.fence import IS_ACTIVE_RUN
from core.store.context import TxContext
from core.store.finish_ops import requeue_interrupted
from core.store.graph_ops import ref_of
from core.store.run_ops import task_row

R, W = t.runs, t.workers


def _worker(row: Mapping[Any, Any], status: WorkerStatus) -> Worker:
    """A ``Worker`` from a ``workers`` row, with ``status`` as the monitor shows it."""
    return Worker.model_validate({**row, "status": status})


def _no_worker(worker_id: str, hint: str) -> NotFoundError:
    return NotFoundError(
        f"No worker {worker_id!r} is registered.",
        hint=hint,
        details={"field": "worker_id", "input": worker_id, "suggestions": []},
    )


def register_worker(
    conn: Connection,
    ctx: TxContext,
    worker_id: str,
    *,
    host: str,
    pid: int,
    slots: int,
    lease_seconds: float | None = None,
) -> Worker:
    """Record a worker process (again, after a restart: same id, fresh start time).

    ``lease_seconds`` is the lease the worker runs with (``None``: the reader's own), kept
    so that whoever lists workers judges its silence by it.

    Raises:
        ValidationError: an empty id, fewer than one slot, or a lease out of range.
    """
    if not worker_id.strip() or len(worker_id) > 100:
        raise ValidationError("A worker id is 1 to 100 characters.", field="worker_id")
    if worker_id == MANUAL_WORKER_ID:
        raise ValidationError(
            f"{MANUAL_WORKER_ID!r} is reserved for Run Now.",
            field="worker_id",
            hint="Pick another id.",
        )
    if slots < 1:
        raise ValidationError("A worker needs at least one slot.", field="slots")
    if lease_seconds is not None:
        check_lease(lease_seconds)
    values = {
        "host": host,
        "pid": pid,
        "slots": slots,
        "started_at": ctx.now,
        "last_heartbeat_at": ctx.now,
        "status": WorkerStatus.ACTIVE.value,
        "lease_seconds": lease_seconds,
    }
    updated = conn.execute(update(W).where(W.c.id == worker_id).values(**values)).rowcount
    if not updated:
        conn.execute(insert(W).values(id=worker_id, **values))
    ctx.emit(
        "worker.registered",
        payload={
            "worker_id": worker_id,
            "host": host,
            "pid": pid,
            "slots": slots,
            "lease_seconds": lease_seconds,
        },
    )
    return Worker(id=worker_id, **values)


def heartbeat(
    conn: Connection,
    ctx: TxContext,
    worker_id: str,
    leases: Mapping[str, str] | None,
    lease_seconds: float | None,
) -> list[str]:
    """Renew the worker's leases in one statement; returns the ids of the runs renewed.

    Only active, unexpired runs of this worker whose token matches are renewed: a run missing
    from the answer was lost (expired, cancelled, finished) and its work must stop.

    Raises:
        NotFoundError: the worker never registered.
    """
    until = lease_until(ctx, lease_seconds)
    beat: dict[str, Any] = {"last_heartbeat_at": ctx.now, "status": WorkerStatus.ACTIVE.value}
    if lease_seconds is not None:
        beat["lease_seconds"] = lease_seconds
    seen = conn.execute(update(W).where(W.c.id == worker_id).values(**beat)).rowcount
    if not seen:
        raise _no_worker(worker_id, "Register the worker before it heartbeats.")
    if leases is not None and not leases:
        return []
    query = (
        update(R)
        .where(
            R.c.worker_id == worker_id,
            IS_ACTIVE_RUN,
            R.c.lease_expires_at > ctx.now,
        )
        .values(lease_expires_at=until)
        .returning(R.c.id)
    )
    if leases is not None:
        query = query.where(R.c.id.in_(list(leases)), R.c.claim_token.in_(list(leases.values())))
        renewed = [r.id for r in conn.execute(query)]
        # Token and run must match as a pair, not only as two sets (a reused token never
        # happens with uuid4, but the fence should not rest on that).
        return sorted(r for r in renewed if r in leases)
    return sorted(r.id for r in conn.execute(query))


def stop_worker(conn: Connection, ctx: TxContext, worker_id: str) -> Worker:
    """Mark the worker stopped (its goodbye); event ``worker.stopped``.

    Raises:
        NotFoundError: the worker never registered.
    """
    row = (
        conn.execute(
            update(W)
            .where(W.c.id == worker_id)
            .values(status=WorkerStatus.STOPPED.value, last_heartbeat_at=ctx.now)
            .returning(*W.c)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise _no_worker(worker_id, "Only a registered worker can stop.")
    ctx.emit("worker.stopped", payload={"worker_id": worker_id})
    return _worker(row, WorkerStatus.STOPPED)


def list_workers(conn: Connection, now: datetime, *, lease_seconds: float) -> list[Worker]:
    """Every registered worker, with ``lost`` for the silent ones.

    A worker is lost once silent for two of its own lease periods (its runs' leases have
    then expired); ``lease_seconds`` stands in for a worker that did not say its own.
    """
    rows = conn.execute(select(W).order_by(W.c.started_at, W.c.id)).mappings()
    return [
        _worker(
            r,
            worker_status(
                WorkerStatus(r["status"]),
                r["last_heartbeat_at"],
                now,
                lost_after=2 * (r["lease_seconds"] or lease_seconds),
            ),
        )
        for r in rows
    ]


def expire_leases(
    conn: Connection, ctx: TxContext, now: datetime | None = None, limit: int = 1000
) -> list[str]:
    """Expire active runs whose lease ended at or before ``now``; returns their tasks' refs.

    A lost lease is an interruption, not a failure: each task goes back to ready at once,
    without backoff and without using a failed attempt (event ``task.lease_expired``), or is
    blocked once ``max_interruptions`` of its runs were interrupted (``task.lease_expired``
    then ``task.blocked``). ``now`` (the transaction's time by default) only decides which
    leases are over; what is written is stamped with the transaction's time.
    """
    cutoff = ctx.now if now is None else now
    # Only running runs: a queued Run Now run waits for a worker to adopt it, however long.
    query = (
        select(R.c.id)
        .where(IS_ACTIVE_RUN, R.c.status == RunStatus.RUNNING.value, R.c.lease_expires_at <= cutoff)
        .order_by(R.c.lease_expires_at, R.c.id)
        .limit(limit)
    )
    if ctx.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = [r.id for r in conn.execute(query)]
    if not ids:
        return []
    expired = list(
        conn.execute(
            update(R)
            .where(R.c.id.in_(ids), R.c.status == RunStatus.RUNNING.value)
            .values(
                status=RunStatus.EXPIRED.value,
                finished_at=ctx.now,
                error="lease expired: the worker stopped heartbeating",
            )
            .returning(*R.c)
        ).mappings()
    )
    refs = []
    for run in sorted(expired, key=lambda r: r["task_id"]):
        task = task_row(conn, ctx, run["task_id"])
        refs.append(ref_of(task))
        if (
            task["status"] != TaskStatus.IN_PROGRESS.value
        ):  # pragma: no cover - runs close when tasks move
            continue
        requeue_interrupted(
            conn,
            ctx,
            task,
            run,
            message=f"the lease of run {run['id']} (worker {run['worker_id']}) expired",
            event_type="task.lease_expired",
            payload={"run_id": run["id"], "worker_id": run["worker_id"], "attempt": run["attempt"]},
        )
    return refs
