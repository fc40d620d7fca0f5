"""Pipeline steps of a run, adopting Run Now runs, and ending a run that cannot succeed.

Every write here is fenced like the rest of a worker's writes (``claims.fence.fenced_run``):
it names the run and its claim token and writes nothing once the lease is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from core.domain.models import FailureReason, TaskStatus
from core.domain.runs import MANUAL_WORKER_ID, Claim, Run, RunStatus, RunStep
from core.errors import InvalidTransitionError, ValidationError
from core.store import tables as t
from core.store.claims import MAX_CLAIM_BATCH, lease_until
from core.store.claims.fence import IS_ACTIVE_RUN, fenced_run
from core.store.claims.shapes import Candidate, claim_of
from core.store.context import TxContext, new_uuid
from core.store.graph_ops import ref_of, set_status, task_event, touch_task
from core.store.rows import run_from_row
from core.store.run_ops import end_run, get_run, task_row

R, RS, T = t.runs, t.run_steps, t.tasks

MAX_SUMMARY = 4000
"""Longest step or run summary kept (the last lines of output; longer ones keep their end)."""


def clip_summary(summary: str | None) -> str | None:
    """``summary`` cut to ``MAX_SUMMARY`` characters, keeping its end (the latest output)."""
    if summary is None or len(summary) <= MAX_SUMMARY:
        return summary
    return "…" + summary[-(MAX_SUMMARY - 1) :]


def open_step(
    conn: Connection,
    ctx: TxContext,
    run: RowMapping,
    step: str,
    index: int | None,
    total: int | None,
    profile: str,
) -> tuple[int, int | None]:
    """Write the ``run_steps`` row of a starting step; returns its index and the step count.

    Without ``index`` the step follows the run's last one; without ``total`` the run's count
    is kept. Starting an index again (a step re-run) resets its row.

    Raises:
        ValidationError: a bad index, total or profile name.
    """
    if not profile.strip() or len(profile) > 100:
        raise ValidationError("A profile name is 1 to 100 characters.", field="profile")
    if index is None:
        last = conn.execute(
            select(func.max(RS.c.position)).where(RS.c.run_id == run["id"])
        ).scalar()
        index = int(last or 0) + 1
    if index < 1:
        raise ValidationError(f"A step index starts at 1, not {index}.", field="index")
    if total is None:
        total = run.get("step_count")
    if total is not None and not 1 <= index <= total:
        raise ValidationError(
            f"Step {index} of {total} does not exist: the index must be 1 to {total}.",
            field="total",
        )
    values = {
        "name": step,
        "profile": profile,
        "status": RunStatus.RUNNING.value,
        "started_at": ctx.now,
        "finished_at": None,
        "exit_code": None,
        "summary": None,
    }
    again = conn.execute(
        update(RS).where(RS.c.run_id == run["id"], RS.c.position == index).values(**values)
    ).rowcount
    if not again:
        conn.execute(insert(RS).values(run_id=run["id"], position=index, **values))
    return index, total


def start_step(
    conn: Connection,
    ctx: TxContext,
    run_id: str,
    token: str,
    step: str,
    *,
    index: int | None,
    total: int | None,
    profile: str,
) -> Run:
    """Record that the run began ``step`` (fenced), with its ``run_steps`` row.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: see ``fenced_run``.
        ValidationError: an empty or too long step name, or a bad index or total.
    """
    if not step.strip() or len(step) > 100:
        raise ValidationError("A step name is 1 to 100 characters.", field="step")
    run = fenced_run(conn, ctx, run_id, token)
    task = task_row(conn, ctx, run["task_id"])
    index, total = open_step(conn, ctx, run, step, index, total, profile)
    conn.execute(
        update(R)
        .where(R.c.id == run_id)
        .values(step=step, status=RunStatus.RUNNING.value, step_index=index, step_count=total)
    )
    touch_task(
        conn,
        ctx,
        task,
        "task.step_started",
        {
            "run_id": run_id,
            "step": step,
            "attempt": run["attempt"],
            "index": index,
            "total": total,
            "profile": profile,
        },
        current_step=step,
    )
    return run_from_row(
        {
            **run,
            "step": step,
            "status": RunStatus.RUNNING.value,
            "step_index": index,
            "step_count": total,
        }
    )


def finish_step(
    conn: Connection,
    ctx: TxContext,
    run_id: str,
    token: str,
    step: str,
    *,
    success: bool,
    exit_code: int | None,
    summary: str | None,
) -> Run:
    """Record how the run's running step ``step`` ended (fenced); event ``task.step_completed``.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: the token no longer holds the task.
        InvalidTransitionError: no step of that name is running in this run.
    """
    run = fenced_run(conn, ctx, run_id, token)
    row = (
        conn.execute(
            select(RS)
            .where(
                RS.c.run_id == run_id,
                RS.c.name == step,
                RS.c.status == RunStatus.RUNNING.value,
            )
            .order_by(RS.c.position.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise InvalidTransitionError(
            f"Run {run_id} has no running step {step!r} to finish.",
            hint="Call start_step for the step first (its name must match).",
            details={"run_id": run_id, "step": step},
        )
    summary = clip_summary(summary)
    status = RunStatus.SUCCEEDED if success else RunStatus.FAILED
    conn.execute(
        update(RS)
        .where(RS.c.run_id == run_id, RS.c.position == row["position"])
        .values(status=status.value, finished_at=ctx.now, exit_code=exit_code, summary=summary)
    )
    task = task_row(conn, ctx, run["task_id"])
    task_event(
        ctx,
        task,
        "task.step_completed",
        {
            "run_id": run_id,
            "step": step,
            "index": row["position"],
            "total": run["step_count"],
            "attempt": run["attempt"],
            "success": success,
            "exit_code": exit_code,
            "summary": summary,
        },
    )
    return run_from_row(run)


def block_run(
    conn: Connection,
    ctx: TxContext,
    run_id: str,
    token: str,
    *,
    reason: str,
    step: str | None,
) -> Run:
    """End the run failed without a retry and block its task with a ``FailureReason``.

    For a task that cannot succeed as configured (no command and no pipeline, an unknown
    profile): trying again would fail the same way, so the policy's attempts are not spent.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: the token no longer holds the task.
        ValidationError: an empty reason.
    """
    if not reason.strip():
        raise ValidationError("Say why the task is blocked.", field="reason")
    run = fenced_run(conn, ctx, run_id, token)
    task = task_row(conn, ctx, run["task_id"])
    end_run(conn, ctx, run_id, RunStatus.FAILED, error=reason)
    payload: dict[str, Any] = {"run_id": run_id, "attempt": run["attempt"], "exit_code": None}
    ctx.emit(
        "run.failed",
        task_id=task["id"],
        project_id=task["project_id"],
        payload={"ref": ref_of(task), **payload, "summary": None, "error": reason},
    )
    if task["status"] == TaskStatus.IN_PROGRESS.value:
        set_status(
            conn,
            ctx,
            task,
            TaskStatus.BLOCKED,
            blocked_reason=FailureReason(
                step=step or run["step"], message=reason, attempts=run["attempt"]
            ),
            reason=reason,
            payload={**payload, "retry": False, "attempts": run["attempt"]},
            extra_values={"current_agent_id": None, "current_step": None, "error": reason},
        )
    return run_from_row({**run, "status": RunStatus.FAILED.value, "finished_at": ctx.now})


def adopt_forced_runs(
    conn: Connection,
    ctx: TxContext,
    worker_id: str,
    *,
    limit: int,
    lease_seconds: float | None,
    run_id: str | None = None,
    in_projects: Sequence[str] | None = None,
) -> list[Claim]:
    """Take over queued Run Now runs, oldest first: fresh token and lease, status running.

    On PostgreSQL the queued runs are locked with ``SKIP LOCKED``, so two workers adopting at
    once never get the same run; on SQLite the single writer serializes them.
    ``in_projects``: only runs of those projects' tasks (ids).

    Raises:
        ValidationError: a bad limit, lease or worker id.
    """
    if not 1 <= limit <= MAX_CLAIM_BATCH:
        raise ValidationError(
            f"An adoption takes 1 to {MAX_CLAIM_BATCH} runs, not {limit}.", field="limit"
        )
    if worker_id == MANUAL_WORKER_ID or not worker_id.strip():
        raise ValidationError(
            f"Runs are adopted by a worker, not by {worker_id!r}.", field="worker_id"
        )
    until = lease_until(ctx, lease_seconds)
    query = (
        select(R.c.id, R.c.task_id, R.c.attempt)
        .where(IS_ACTIVE_RUN, R.c.status == RunStatus.QUEUED.value)
        .order_by(R.c.started_at, R.c.id)
        .limit(limit)
    )
    if run_id is not None:
        query = query.where(R.c.id == run_id)
    if in_projects is not None:
        query = query.where(
            R.c.task_id.in_(select(T.c.id).where(T.c.project_id.in_(list(in_projects))))
        )
    if ctx.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    picked = list(conn.execute(query).mappings())
    claims = []
    for run in picked:
        token = new_uuid()
        conn.execute(
            update(R)
            .where(R.c.id == run["id"], R.c.status == RunStatus.QUEUED.value)
            .values(
                status=RunStatus.RUNNING.value,
                worker_id=worker_id,
                claim_token=token,
                lease_expires_at=until,
            )
        )
        task = task_row(conn, ctx, run["task_id"])
        touch_task(
            conn,
            ctx,
            task,
            "run.adopted",
            {"run_id": run["id"], "worker_id": worker_id, "attempt": run["attempt"]},
            current_agent_id=worker_id,
        )
        claims.append(
            claim_of(
                Candidate.from_row(task),
                run_id=run["id"],
                token=token,
                attempt=run["attempt"],
                worker_id=worker_id,
                lease_until=until,
            )
        )
    return claims


#: A step left ``running`` by a run that ended another way (cancelled, expired, lost) reads as
#: the run ended.
_STALE_STEP = {
    RunStatus.CANCELLED: RunStatus.CANCELLED,
    RunStatus.EXPIRED: RunStatus.FAILED,
    RunStatus.INTERRUPTED: RunStatus.INTERRUPTED,
    RunStatus.FAILED: RunStatus.FAILED,
    RunStatus.SUCCEEDED: RunStatus.SUCCEEDED,
}


def run_steps(conn: Connection, run_id: str) -> list[RunStep]:
    """The run's steps in pipeline order.

    Raises:
        NotFoundError: no such run.
    """
    run = get_run(conn, run_id)
    rows = conn.execute(select(RS).where(RS.c.run_id == run_id).order_by(RS.c.position))
    steps = []
    for r in rows.mappings():
        status = RunStatus(r["status"])
        finished_at = r["finished_at"]
        if status == RunStatus.RUNNING and not run.status.active:
            status = _STALE_STEP.get(run.status, RunStatus.CANCELLED)
            finished_at = run.finished_at
        steps.append(
            RunStep(
                run_id=run_id,
                index=r["position"],
                name=r["name"],
                profile=r["profile"],
                status=status,
                started_at=r["started_at"],
                finished_at=finished_at,
                exit_code=r["exit_code"],
                summary=r["summary"],
            )
        )
    return steps
