"""Runs as people start, retry and stop them, the helpers every run write shares, and reads.

* Run Now (``run_now``) starts a task ahead of the queue: its run waits ``queued`` until a
  worker adopts it (``step_ops.adopt_forced_runs``).
* ``retry`` puts a failed or cancelled task back in the queue, counted; ``cancel`` ends its
  active run.
* Claims are the claim package's (``claims``), the ends of runs ``finish_ops``', workers and
  lease expiry ``lease_ops``'.
* A partial unique index (``uq_runs_task_id_active``) makes two active runs of one task
  impossible even if the code here were wrong.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from core.domain.models import TaskStatus
from core.domain.runs import MANUAL_WORKER_ID, Run, RunStatus
from core.domain.states import plan_transition
from core.errors import CommandNotApprovedError, InvalidTransitionError
from core.store import tables as t
from core.store.claims import lease_until
from core.store.claims.fence import ACTIVE, no_such_run
from core.store.claims.shapes import new_run_row
from core.store.context import TxContext
from core.store.graph_ops import blockers_of, ref_of, set_status
from core.store.lookup import find_task
from core.store.rows import run_from_row, select_tasks

T, R = t.tasks, t.runs
S = TaskStatus


def task_row(conn: Connection, ctx: TxContext, task_id: str) -> RowMapping:
    """The task a run belongs to, with its project key; locked on PostgreSQL."""
    query = select_tasks().where(T.c.id == task_id)
    if ctx.dialect == "postgresql":
        query = query.with_for_update(of=T)
    return conn.execute(query).mappings().one()


def active_run(conn: Connection, ctx: TxContext, task_id: str) -> RowMapping | None:
    """The task's active run (there is at most one), locked on PostgreSQL."""
    query = select(R).where(R.c.task_id == task_id, R.c.status.in_(ACTIVE))
    if ctx.dialect == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def end_run(
    conn: Connection, ctx: TxContext, run_id: str, status: RunStatus, **values: Any
) -> None:
    """Close the run with ``status`` now; ``values``: further columns to set."""
    conn.execute(
        update(R).where(R.c.id == run_id).values(status=status.value, finished_at=ctx.now, **values)
    )


# ------------------------------------------------------------------------------ manual paths
def run_now(conn: Connection, ctx: TxContext, ref: str, lease_seconds: float | None) -> Run:
    """Start the task now, ahead of the queue (the force path); idempotent while it runs.

    The task moves to ``in_progress`` at once and its run is ``queued`` (worker ``manual``)
    until a worker adopts it.

    Raises:
        NotFoundError: no such task.
        DependencyBlockedError: blockers are unresolved (the message names them).
        InvalidTransitionError: the task is not in backlog or ready.
        CommandNotApprovedError: its command is not approved.
    """
    task = find_task(conn, ref, lock=ctx.dialect == "postgresql")
    current = active_run(conn, ctx, task["id"])
    if current is not None:
        return run_from_row(current)
    status = TaskStatus(task["status"])
    if task["command_hash"] is not None and task["command_hash"] != task["command_approved_hash"]:
        raise CommandNotApprovedError(
            f"{ref_of(task)}'s command is not approved: taskyard approve {ref_of(task)}",
            hint=f"Read it first (taskyard task show {ref_of(task)}); approving lets every "
            "worker run it.",
            details={"ref": ref_of(task)},
        )
    if status not in (S.BACKLOG, S.READY):
        raise InvalidTransitionError(
            f"{ref_of(task)} is {status.label}: Run Now starts tasks in backlog or ready.",
            hint="Retry a blocked or cancelled task first; a task in review or done has run.",
            details={"ref": ref_of(task), "from": status.value, "to": S.IN_PROGRESS.value},
        )
    # The dependency guard, exactly as a claim would meet it.
    plan_transition(
        ref=ref_of(task),
        current=S.READY,
        requested=S.IN_PROGRESS,
        blockers=blockers_of(conn, task["id"]),
        force=True,
    )
    # Queued until a worker (or `taskyard run --wait`) adopts it with a fresh token and lease
    # (step_ops.adopt_forced_runs); the lease sweep leaves queued runs alone.
    run = new_run_row(
        ctx,
        task_id=task["id"],
        attempt=task["retry_count"] + 1,
        worker_id=MANUAL_WORKER_ID,
        lease_until=lease_until(ctx, lease_seconds),
        status=RunStatus.QUEUED,
    )
    set_status(
        conn,
        ctx,
        task,
        S.IN_PROGRESS,
        reason="Run Now",
        event_type="task.claimed",
        payload={
            "forced": True,
            "run_id": run["id"],
            "worker_id": MANUAL_WORKER_ID,
            "attempt": run["attempt"],
        },
        extra_values={
            "current_agent_id": MANUAL_WORKER_ID,
            "current_step": None,
            "not_before": None,
        },
    )
    conn.execute(insert(R), [run])
    return run_from_row(run)


def retry(conn: Connection, ctx: TxContext, ref: str) -> str:
    """Put a task blocked by a failure, or a cancelled one, back in ready (counted).

    A manual retry grants one more attempt: ``retry_count`` grows by one, so the next failure
    past the policy's attempts blocks it again.

    Raises:
        NotFoundError: no such task.
        InvalidTransitionError: the task is not blocked by a failure nor cancelled.
        DependencyBlockedError: blockers are unresolved.
    """
    task = find_task(conn, ref, lock=ctx.dialect == "postgresql")
    status = TaskStatus(task["status"])
    reason = task["blocked_reason"] or {}
    if not (status == S.CANCELLED or (status == S.BLOCKED and reason.get("kind") == "failure")):
        raise InvalidTransitionError(
            f"{ref_of(task)} is {status.label}"
            + (f" ({reason.get('kind')})" if status == S.BLOCKED else "")
            + ": Retry applies to tasks blocked by a failure or cancelled.",
            hint="Move it by hand instead (task move).",
            details={"ref": ref_of(task), "from": status.value, "to": S.READY.value},
        )
    plan_transition(
        ref=ref_of(task),
        current=status,
        requested=S.READY,
        blockers=blockers_of(conn, task["id"]),
        via_retry=True,
    )
    set_status(
        conn,
        ctx,
        task,
        S.READY,
        reason="retry",
        event_type="task.retried",
        payload={"manual": True, "retry_count": task["retry_count"] + 1},
        extra_values={"retry_count": T.c.retry_count + 1, "not_before": None, "error": None},
    )
    return str(task["id"])


def cancel(conn: Connection, ctx: TxContext, ref: str, reason: str) -> str:
    """Cancel the task; its active run (if any) ends ``cancelled`` and records why.

    Raises:
        NotFoundError: no such task.
        InvalidTransitionError: the task cannot be cancelled from its state.
    """
    task = find_task(conn, ref, lock=ctx.dialect == "postgresql")
    plan_transition(
        ref=ref_of(task),
        current=TaskStatus(task["status"]),
        requested=S.CANCELLED,
        blockers=(),
        reason=reason,
    )
    run = active_run(conn, ctx, task["id"])
    payload: dict[str, Any] = {}
    if run is not None:
        end_run(conn, ctx, run["id"], RunStatus.CANCELLED, error=f"cancelled: {reason}")
        payload = {"run_id": run["id"]}
        ctx.emit(
            "run.cancelled",
            task_id=task["id"],
            project_id=task["project_id"],
            payload={"ref": ref_of(task), "run_id": run["id"], "reason": reason},
        )
    set_status(
        conn,
        ctx,
        task,
        S.CANCELLED,
        reason=reason,
        payload=payload,
        extra_values={"current_agent_id": None, "current_step": None, "not_before": None},
    )
    return str(task["id"])


def close_active_run(conn: Connection, ctx: TxContext, task_id: str, why: str) -> None:
    """End the task's active run because the task left ``in_progress`` by another path."""
    conn.execute(
        update(R)
        .where(R.c.task_id == task_id, R.c.status.in_(ACTIVE))
        .values(status=RunStatus.CANCELLED.value, finished_at=ctx.now, error=why)
    )


# ------------------------------------------------------------------------------ reads
def runs_of(conn: Connection, ref: str) -> list[Run]:
    """The task's runs, oldest first.

    Raises:
        NotFoundError: no such task.
    """
    task_id = find_task(conn, ref)["id"]
    query = select(R).where(R.c.task_id == task_id).order_by(R.c.attempt, R.c.started_at)
    return [run_from_row(r) for r in conn.execute(query).mappings()]


def get_run(conn: Connection, run_id: str) -> Run:
    """One run.

    Raises:
        NotFoundError: no such run.
    """
    row = conn.execute(select(R).where(R.c.id == run_id)).mappings().first()
    if row is None:
        raise no_such_run(run_id, "See a task's runs with runs_of(ref).")
    return run_from_row(row)
