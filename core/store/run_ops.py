"""Claims, leases and runs: the orchestrator's writes, each one transaction with its events.

* A claim moves ready tasks to ``in_progress`` in scheduler order (priority, creation time,
  number) and opens one run per task with a fresh claim token and a lease. On SQLite the whole
  claim runs inside the writer's ``BEGIN IMMEDIATE`` transaction (one writer: nothing can
  interleave); on PostgreSQL the candidates are locked with ``FOR UPDATE SKIP LOCKED``, so
  concurrent claimers never wait for each other and never get the same row.
* Every later write by the worker is *fenced*: it names the run and its token, and is refused
  with ``LeaseLostError`` (writing nothing) unless the run is still active, the token matches
  and the lease has not expired.
* ``expire_leases`` is the recovery: any worker calls it on its heartbeat, so no separate daemon
  is needed. A run that lost its lease, like one its worker stopped on purpose
  (``interrupt_run``), is *interrupted*, which is not the task's fault: the task goes back to
  ready at once (no backoff), ``interruptions`` and ``retry_count`` both grow by one (attempt
  numbers stay unique), and the failures the retry policy counts are ``attempt -
  interruptions``. Only a task interrupted ``max_interruptions`` times is blocked.
* A partial unique index (``uq_runs_task_id_active``) makes two active runs of one task
  impossible even if the code here were wrong.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    and_,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from core.domain.models import (
    DependencyReason,
    FailureReason,
    Priority,
    TaskStatus,
)
from core.domain.outcomes import RunOutcome
from core.domain.runs import (
    ACTIVE_RUN_STATES,
    MANUAL_WORKER_ID,
    Claim,
    Run,
    RunStatus,
    Worker,
    WorkerStatus,
    decide_retry,
    interruptions_exhausted,
    worker_status,
)
from core.domain.states import plan_transition
from core.errors import (
    CommandNotApprovedError,
    InvalidTransitionError,
    LeaseLostError,
    NotFoundError,
    ValidationError,
)
from core.store import claim_sql
from core.store import tables as t
from core.store.context import TxContext
from core.store.graph_ops import adjust_dependents, blockers_of, ref_of, set_status
from core.store.lookup import find_task
from core.store.rows import run_from_row, select_tasks

T, P, R, W = t.tasks, t.projects, t.runs, t.workers
S = TaskStatus
ACTIVE = sorted(s.value for s in ACTIVE_RUN_STATES)

#: ``status = 'ready'`` as a literal, not a bound parameter: only then can SQLite's planner
#: (and PostgreSQL's generic plans) prove the query matches the partial claim-order index.
READY_LITERAL: ColumnElement[str] = literal_column("'ready'")

#: ``runs.status IN ('queued', 'running')`` with literal values: the predicate of the runs'
#: partial indexes (heartbeat, lease sweep, one active run per task), which a planner can
#: only match when the query spells it (migration 0008).
IS_ACTIVE_RUN: ColumnElement[bool] = R.c.status.in_(
    [literal_column(f"'{state}'") for state in ACTIVE]
)

MAX_CLAIM_BATCH = 500


def may_run(pipelines: Sequence[str]) -> ColumnElement[bool]:
    """Tasks a worker with ``pipelines`` can run: a command, a template, or a piped type.

    A command is ``metadata.command`` (``command_hash`` is set); a description's text never
    runs. The hand-written claims spell the same test with ``claim_sql.may_carry_command_sql``.
    """
    terms: list[ColumnElement[bool]] = [
        T.c.pipeline_template.is_not(None),
        T.c.command_hash.is_not(None),
    ]
    if pipelines:
        terms.append(T.c.task_type.in_(list(pipelines)))
    return or_(*terms)


def command_cleared(approved_by: Sequence[str] | None = None) -> ColumnElement[bool]:
    """Tasks whose command a worker may run: none, or its approved text (by ``approved_by``).

    Every claim applies it (``claim_sql.command_cleared_sql`` by hand).
    """
    approved = T.c.command_hash == T.c.command_approved_hash
    if approved_by is not None:
        approved = and_(approved, T.c.command_approved_by.in_(list(approved_by)))
    return or_(T.c.command_hash.is_(None), approved)


def _lease_until(ctx: TxContext, lease_seconds: float | None) -> datetime:
    seconds = ctx.settings.lease_seconds if lease_seconds is None else lease_seconds
    if seconds <= 0:
        raise ValidationError("A lease must last longer than 0 seconds.", field="lease_seconds")
    return ctx.now + timedelta(seconds=seconds)


def _task_row(conn: Connection, ctx: TxContext, task_id: str) -> RowMapping:
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


def _insert_run(conn: Connection, ctx: TxContext, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(R), list(rows))


def _new_run(
    ctx: TxContext, *, task_id: str, attempt: int, worker_id: str, lease_until: datetime
) -> dict[str, Any]:
    return {
        "id": ctx.new_id(),
        "task_id": task_id,
        "attempt": attempt,
        "worker_id": worker_id,
        "claim_token": str(uuid.uuid4()),
        "lease_expires_at": lease_until,
        "status": RunStatus.RUNNING.value,
        "step": None,
        "started_at": ctx.now,
        "finished_at": None,
        "exit_code": None,
        "error": None,
        "summary": None,
    }


# ------------------------------------------------------------------------------ workers
def register_worker(
    conn: Connection,
    ctx: TxContext,
    worker_id: str,
    *,
    host: str,
    pid: int,
    slots: int,
) -> Worker:
    """Record a worker process (again, after a restart: same id, fresh start time).

    Raises:
        ValidationError: an empty id or fewer than one slot.
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
    values = {
        "host": host,
        "pid": pid,
        "slots": slots,
        "started_at": ctx.now,
        "last_heartbeat_at": ctx.now,
        "status": WorkerStatus.ACTIVE.value,
    }
    updated = conn.execute(update(W).where(W.c.id == worker_id).values(**values)).rowcount
    if not updated:
        conn.execute(insert(W).values(id=worker_id, **values))
    ctx.emit(
        "worker.registered",
        payload={"worker_id": worker_id, "host": host, "pid": pid, "slots": slots},
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
    seen = conn.execute(
        update(W)
        .where(W.c.id == worker_id)
        .values(last_heartbeat_at=ctx.now, status=WorkerStatus.ACTIVE.value)
    ).rowcount
    if not seen:
        raise NotFoundError(
            f"No worker {worker_id!r} is registered.",
            hint="Register the worker before it heartbeats.",
            details={"field": "worker_id", "input": worker_id, "suggestions": []},
        )
    if leases is not None and not leases:
        return []
    query = (
        update(R)
        .where(
            R.c.worker_id == worker_id,
            IS_ACTIVE_RUN,
            R.c.lease_expires_at > ctx.now,
        )
        .values(lease_expires_at=_lease_until(ctx, lease_seconds))
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
        raise NotFoundError(
            f"No worker {worker_id!r} is registered.",
            hint="Only a registered worker can stop.",
            details={"field": "worker_id", "input": worker_id, "suggestions": []},
        )
    ctx.emit("worker.stopped", payload={"worker_id": worker_id})
    return Worker(
        id=row["id"],
        host=row["host"],
        pid=row["pid"],
        slots=row["slots"],
        started_at=row["started_at"],
        last_heartbeat_at=row["last_heartbeat_at"],
        status=WorkerStatus.STOPPED,
    )


def list_workers(conn: Connection, now: datetime, *, lost_after: float) -> list[Worker]:
    """Every registered worker, with ``lost`` for the silent ones."""
    out = []
    for r in conn.execute(select(W).order_by(W.c.started_at, W.c.id)).mappings():
        status = worker_status(
            WorkerStatus(r["status"]), r["last_heartbeat_at"], now, lost_after=lost_after
        )
        out.append(
            Worker(
                id=r["id"],
                host=r["host"],
                pid=r["pid"],
                slots=r["slots"],
                started_at=r["started_at"],
                last_heartbeat_at=r["last_heartbeat_at"],
                status=status,
            )
        )
    return out


# ------------------------------------------------------------------------------ claim
def _candidates(
    conn: Connection,
    ctx: TxContext,
    *,
    limit: int,
    project_id: str | None,
    skip_projects: set[str],
    skip_ids: Sequence[str],
    runnable: Sequence[str] | None = None,
    approved_by: Sequence[str] | None = None,
    in_projects: Sequence[str] | None = None,
) -> list[RowMapping]:
    query = (
        select(
            T.c.id,
            T.c.project_id,
            T.c.number,
            T.c.title,
            T.c.task_type,
            T.c.priority,
            T.c.retry_count,
        )
        .where(
            T.c.status == READY_LITERAL,
            T.c.unresolved_blockers == 0,
            or_(T.c.not_before.is_(None), T.c.not_before <= ctx.now),
            command_cleared(approved_by),
        )
        .order_by(T.c.priority_rank, T.c.created_at, T.c.number)
        .limit(limit)
    )
    if project_id is not None:
        query = query.where(T.c.project_id == project_id)
    if in_projects is not None:
        query = query.where(T.c.project_id.in_(list(in_projects)))
    if runnable is not None:
        query = query.where(may_run(runnable))
    if skip_projects:
        query = query.where(T.c.project_id.not_in(sorted(skip_projects)))
    if skip_ids:
        query = query.where(T.c.id.not_in(list(skip_ids)))
    if ctx.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(conn.execute(query).mappings())


def _field(row: Any, name: str) -> Any:
    """A column of a candidate: a ``RowMapping`` (PostgreSQL) or a ``Candidate`` (SQLite)."""
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def _running_per_project(
    conn: Connection, ctx: TxContext, project_id: str | None
) -> dict[str, int]:
    """Tasks in progress per project, after locking the project rows (PostgreSQL).

    The lock serializes claimers that enforce a per-project limit, so two of them cannot both
    see "one slot left" and both take it.
    """
    if ctx.dialect == "postgresql":
        lock = select(P.c.id).order_by(P.c.id).with_for_update()
        if project_id is not None:
            lock = lock.where(P.c.id == project_id)
        conn.execute(lock).all()
    query = (
        select(T.c.project_id, func.count())
        .where(T.c.status == S.IN_PROGRESS.value)
        .group_by(T.c.project_id)
    )
    if project_id is not None:
        query = query.where(T.c.project_id == project_id)
    return {r[0]: int(r[1]) for r in conn.execute(query)}


def check_claim(
    ctx: TxContext, limit: int, lease_seconds: float | None, max_per_project: int | None
) -> datetime:
    """Validate a claim's arguments; the end of its lease.

    Raises:
        ValidationError: a bad limit, lease or per-project limit.
    """
    if not 1 <= limit <= MAX_CLAIM_BATCH:
        raise ValidationError(
            f"A claim takes 1 to {MAX_CLAIM_BATCH} tasks, not {limit}.", field="limit"
        )
    if max_per_project is not None and max_per_project < 1:
        raise ValidationError("max_per_project must be at least 1.", field="max_per_project")
    return _lease_until(ctx, lease_seconds)


def claim_tasks(
    conn: Connection,
    ctx: TxContext,
    worker_id: str,
    *,
    limit: int,
    project: str | None,
    lease_seconds: float | None,
    max_per_project: int | None,
    runnable: Sequence[str] | None = None,
    approved_by: Sequence[str] | None = None,
    in_projects: Sequence[str] | None = None,
) -> list[Claim]:
    """Claim up to ``limit`` ready tasks whose blockers are all resolved, in scheduler order.

    Never a task whose command is not approved; with ``approved_by`` only commands those
    actors approved (``command_cleared``). ``runnable``: only tasks a worker with these
    pipelines can run (``may_run``). ``in_projects``: only those projects' tasks (ids).

    Raises:
        ValidationError: a bad limit or lease.
        NotFoundError: no such project.
    """
    lease_until = check_claim(ctx, limit, lease_seconds, max_per_project)
    project_id: str | None = None
    if project is not None:
        from core.store.lookup import find_project

        project_id = find_project(conn, project)["id"]
    if in_projects is not None and not in_projects:
        return []
    sqlite = ctx.dialect == "sqlite"
    candidates: Any = claim_sql.sqlite_candidates if sqlite else _candidates
    if max_per_project is None:
        picked = candidates(
            conn,
            ctx,
            limit=limit,
            project_id=project_id,
            skip_projects=set(),
            skip_ids=(),
            runnable=runnable,
            approved_by=approved_by,
            in_projects=in_projects,
        )
    else:
        running = _running_per_project(conn, ctx, project_id)
        full = {p for p, n in running.items() if n >= max_per_project}
        picked = []
        while len(picked) < limit:
            rows = candidates(
                conn,
                ctx,
                limit=limit - len(picked),
                project_id=project_id,
                skip_projects=full,
                skip_ids=[_field(r, "id") for r in picked],
                runnable=runnable,
                approved_by=approved_by,
                in_projects=in_projects,
            )
            if not rows:
                break
            for r in rows:
                p = _field(r, "project_id")
                if p in full:
                    continue
                picked.append(r)
                running[p] = running.get(p, 0) + 1
                if running[p] >= max_per_project:
                    full.add(p)
    if sqlite:
        return claim_sql.sqlite_claim(conn, ctx, worker_id, picked, lease_until)
    if not picked:
        return []
    ids = [r["id"] for r in picked]
    changed = conn.execute(
        update(T)
        .where(T.c.id.in_(ids), T.c.status == S.READY.value)
        .values(
            status=S.IN_PROGRESS.value,
            current_agent_id=worker_id,
            current_step=None,
            not_before=None,
            version=T.c.version + 1,
            updated_at=ctx.now,
        )
    ).rowcount
    if changed != len(ids):  # pragma: no cover - the lock (or the single writer) forbids it
        raise InvalidTransitionError("A claimed task changed state during its claim.")
    keys = {
        r.id: r.key
        for r in conn.execute(
            select(P.c.id, P.c.key).where(P.c.id.in_(sorted({r["project_id"] for r in picked})))
        )
    }
    runs = []
    claims = []
    for r in picked:
        attempt = r["retry_count"] + 1
        run = _new_run(
            ctx, task_id=r["id"], attempt=attempt, worker_id=worker_id, lease_until=lease_until
        )
        runs.append(run)
        ref = f"{keys[r['project_id']]}-{r['number']}"
        claims.append(
            Claim(
                run_id=run["id"],
                task_id=r["id"],
                ref=ref,
                project_id=r["project_id"],
                title=r["title"],
                task_type=r["task_type"],
                priority=Priority(r["priority"]),
                attempt=attempt,
                worker_id=worker_id,
                claim_token=run["claim_token"],
                lease_expires_at=lease_until,
            )
        )
        ctx.emit(
            "task.claimed",
            task_id=r["id"],
            project_id=r["project_id"],
            payload={
                "ref": ref,
                "from": S.READY.value,
                "to": S.IN_PROGRESS.value,
                "run_id": run["id"],
                "worker_id": worker_id,
                "attempt": attempt,
            },
        )
    _insert_run(conn, ctx, runs)
    return claims


# ------------------------------------------------------------------------------ fenced writes
def fenced_run(conn: Connection, ctx: TxContext, run_id: str, token: str) -> RowMapping:
    """The run, if this token still holds it; locked on PostgreSQL.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: the token is not the run's, the run has ended, or its lease expired.
    """
    query = select(R).where(R.c.id == run_id)
    if ctx.dialect == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFoundError(
            f"No run {run_id!r}.",
            hint="Use the run id a claim returned.",
            details={"field": "run_id", "input": run_id, "suggestions": []},
        )
    status = RunStatus(row["status"])
    why = None
    if row["claim_token"] != token:
        why = "the claim token is not this run's (another claim holds the task)"
    elif not status.active:
        why = f"the run has ended ({status.value})"
    elif row["lease_expires_at"] <= ctx.now:
        why = f"its lease expired at {row['lease_expires_at'].isoformat()}"
    if why is not None:
        raise LeaseLostError(
            f"Run {run_id} no longer holds its task: {why}. Nothing was written.",
            hint="Stop working on this task; it is back in the queue or finished elsewhere. "
            "Heartbeat more often than the lease lasts to keep a claim.",
            details={"run_id": run_id, "task_id": row["task_id"], "run_status": status.value},
        )
    return row


def start_step(
    conn: Connection,
    ctx: TxContext,
    run_id: str,
    token: str,
    step: str,
    *,
    index: int | None = None,
    total: int | None = None,
    profile: str = "shell",
) -> Run:
    """Record that the run began ``step`` (fenced), with its ``run_steps`` row.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: see ``fenced_run``.
        ValidationError: an empty or too long step name, or a bad index or total.
    """
    from core.store import step_ops

    if not step.strip() or len(step) > 100:
        raise ValidationError("A step name is 1 to 100 characters.", field="step")
    run = fenced_run(conn, ctx, run_id, token)
    task = _task_row(conn, ctx, run["task_id"])
    index, total = step_ops.open_step(conn, ctx, run, step, index, total, profile)
    conn.execute(
        update(R)
        .where(R.c.id == run_id)
        .values(step=step, status=RunStatus.RUNNING.value, step_index=index, step_count=total)
    )
    conn.execute(
        update(T)
        .where(T.c.id == task["id"])
        .values(current_step=step, version=T.c.version + 1, updated_at=ctx.now)
    )
    ctx.emit(
        "task.step_started",
        task_id=task["id"],
        project_id=task["project_id"],
        payload={
            "ref": ref_of(task),
            "run_id": run_id,
            "step": step,
            "attempt": run["attempt"],
            "index": index,
            "total": total,
            "profile": profile,
        },
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


def _end_run(
    conn: Connection, ctx: TxContext, run_id: str, status: RunStatus, **values: Any
) -> None:
    conn.execute(
        update(R).where(R.c.id == run_id).values(status=status.value, finished_at=ctx.now, **values)
    )


def _retry_or_block(
    conn: Connection,
    ctx: TxContext,
    task: RowMapping,
    run: RowMapping,
    *,
    message: str,
    exit_code: int | None,
    event_type: str | None,
    payload: dict[str, Any],
    output_tail: str | None = None,
) -> None:
    """After a failed attempt: back to ready (counted, with backoff) or blocked.

    A blocked task's reason carries ``output_tail``, the attempt's last lines of output,
    beside the message, so screens show them apart. The policy counts failures only: runs
    before this one that were interrupted (``interruptions``) are not held against the task.
    """
    failures = max(1, run["attempt"] - task["interruptions"])
    decision = decide_retry(ctx.settings.retry_policy, failures, ctx.now)
    common: dict[str, Any] = {"current_agent_id": None, "current_step": None, "error": message}
    if decision.retry and task["unresolved_blockers"] == 0:
        set_status(
            conn,
            ctx,
            task,
            S.READY,
            reason=message,
            event_type=event_type or "task.retry_scheduled",
            payload={
                **payload,
                "retry": True,
                "attempts": decision.attempts,
                "not_before": decision.not_before.isoformat() if decision.not_before else None,
            },
            extra_values={
                **common,
                "retry_count": T.c.retry_count + 1,
                "not_before": decision.not_before,
            },
        )
        return
    if decision.retry:  # a blocker was reopened while it ran: wait for it first
        pending = [
            b.id for b in blockers_of(conn, task["id"]) if b.status not in (S.DONE, S.CANCELLED)
        ]
        reason: Any = DependencyReason(blockers=pending)
        extra: dict[str, Any] = {**common, "retry_count": T.c.retry_count + 1}
    else:
        reason = FailureReason(
            step=run["step"],
            message=message,
            attempts=decision.attempts,
            exit_code=exit_code,
            output_tail=output_tail,
        )
        extra = common
    _block(
        conn,
        ctx,
        task,
        reason,
        message=message,
        event_type=event_type,
        payload={**payload, "retry": False, "attempts": decision.attempts},
        extra_values=extra,
    )


def _block(
    conn: Connection,
    ctx: TxContext,
    task: RowMapping,
    blocked_reason: Any,
    *,
    message: str,
    event_type: str | None,
    payload: dict[str, Any],
    extra_values: dict[str, Any],
) -> None:
    """Block the task; a finer event (``task.lease_expired``) is followed by ``task.blocked``.

    Event consumers that know only the spec's vocabulary (webhooks) watch ``task.blocked``;
    the finer event stays for those that tell a lost lease from a failure.
    """
    set_status(
        conn,
        ctx,
        task,
        S.BLOCKED,
        blocked_reason=blocked_reason,
        reason=message,
        event_type=event_type,
        payload=payload,
        extra_values=extra_values,
    )
    if event_type not in (None, "task.blocked"):
        ctx.emit(
            "task.blocked",
            task_id=task["id"],
            project_id=task["project_id"],
            payload={
                "ref": ref_of(task),
                "from": S.IN_PROGRESS.value,
                "to": S.BLOCKED.value,
                "reason": message,
                **payload,
                "cause": event_type,
            },
        )


def _requeue_interrupted(
    conn: Connection,
    ctx: TxContext,
    task: RowMapping,
    run: RowMapping,
    *,
    message: str,
    event_type: str | None,
    payload: dict[str, Any],
) -> None:
    """After a run that ended through no fault of the task (lease lost, worker stopped).

    Back to ready at once: no backoff, and the retry policy's failures are not touched
    (``interruptions`` grows with ``retry_count``). The task's ``error`` (the last failure's,
    which the next attempt's prompt quotes) is left as it was. Once ``max_interruptions``
    runs were interrupted, the task is blocked with a ``FailureReason`` saying so.

    ``event_type``: the task's event (``task.lease_expired``); ``None`` for a stop, which
    emits ``task.retry_scheduled`` (or ``task.blocked``).
    """
    interruptions = task["interruptions"] + 1
    info = {**payload, "interrupted": True, "interruptions": interruptions}
    common: dict[str, Any] = {
        "current_agent_id": None,
        "current_step": None,
        "interruptions": T.c.interruptions + 1,
    }
    if interruptions_exhausted(ctx.settings.retry_policy, interruptions):
        text = (
            f"the runs were interrupted {interruptions} times (worker crashed or stopped); "
            f"the last: {message}"
        )
        reason = FailureReason(step=run["step"], message=text, attempts=run["attempt"])
        _block(
            conn,
            ctx,
            task,
            reason,
            message=text,
            event_type=event_type,
            payload={**info, "retry": False, "attempts": run["attempt"]},
            extra_values={**common, "error": text},
        )
        return
    if task["unresolved_blockers"]:  # a blocker was reopened while it ran: wait for it first
        pending = [
            b.id for b in blockers_of(conn, task["id"]) if b.status not in (S.DONE, S.CANCELLED)
        ]
        _block(
            conn,
            ctx,
            task,
            DependencyReason(blockers=pending),
            message=message,
            event_type=event_type,
            payload={**info, "retry": True},
            extra_values={**common, "retry_count": T.c.retry_count + 1},
        )
        return
    set_status(
        conn,
        ctx,
        task,
        S.READY,
        reason=message,
        event_type=event_type or "task.retry_scheduled",
        payload={**info, "retry": True, "not_before": None},
        extra_values={**common, "retry_count": T.c.retry_count + 1, "not_before": None},
    )


def interrupt_run(
    conn: Connection,
    ctx: TxContext,
    run_id: str,
    token: str,
    *,
    reason: str,
    exit_code: int | None,
    summary: str | None,
) -> Run:
    """End the run ``interrupted`` (fenced) because its worker stopped on purpose.

    The task goes back to ready at once without using a failed attempt (see
    ``_requeue_interrupted``); a step still running in the run ends ``interrupted`` too.
    Event ``run.interrupted``, then ``task.retry_scheduled`` (``interrupted: true``).

    Raises:
        NotFoundError: no such run.
        LeaseLostError: see ``fenced_run``.
    """
    from core.store.step_ops import clip_summary

    run = fenced_run(conn, ctx, run_id, token)
    task = _task_row(conn, ctx, run["task_id"])
    status = RunStatus.INTERRUPTED
    conn.execute(
        update(t.run_steps)
        .where(
            t.run_steps.c.run_id == run_id,
            t.run_steps.c.status == RunStatus.RUNNING.value,
        )
        .values(
            status=status.value,
            finished_at=ctx.now,
            exit_code=exit_code,
            summary=clip_summary(summary),
        )
    )
    _end_run(conn, ctx, run_id, status, summary=summary, exit_code=exit_code, error=reason)
    payload = {"run_id": run_id, "attempt": run["attempt"], "exit_code": exit_code}
    ctx.emit(
        "run.interrupted",
        task_id=task["id"],
        project_id=task["project_id"],
        payload={"ref": ref_of(task), **payload, "summary": summary, "error": reason},
    )
    if task["status"] == S.IN_PROGRESS.value:
        _requeue_interrupted(conn, ctx, task, run, message=reason, event_type=None, payload=payload)
    return run_from_row(
        {
            **run,
            "status": status.value,
            "finished_at": ctx.now,
            "summary": summary,
            "exit_code": exit_code,
            "error": reason,
        }
    )


def finish_run(
    conn: Connection,
    ctx: TxContext,
    run_id: str,
    token: str,
    *,
    success: bool,
    summary: str | None,
    exit_code: int | None,
    error: str | None,
) -> Run:
    """End the run (fenced) and move its task on.

    Success: ``in_review``, or ``done`` with auto-approve (dependents follow). Failure: back to
    ready per the retry policy (``retry_count + 1``, not before the backoff), or ``blocked``
    with a ``FailureReason`` once the attempts are used up.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: see ``fenced_run``.
    """
    if success and ctx.dialect == "sqlite":
        target = S.DONE if ctx.settings.auto_approve else S.IN_REVIEW
        finished = claim_sql.sqlite_finish_success(
            conn,
            ctx,
            run_id,
            token,
            target=target,
            summary=summary,
            exit_code=exit_code,
            error=error,
        )
        if finished is not None:
            if target == S.DONE and finished.has_dependents:
                adjust_dependents(conn, ctx, finished.task_id, -1, cause=finished.ref)
            return finished.run
        # Unknown run, lost lease, or a task moved elsewhere: the generic path below decides
        # (and refuses with the precise reason); nothing was written yet.
    run = fenced_run(conn, ctx, run_id, token)
    task = _task_row(conn, ctx, run["task_id"])
    status = RunStatus.SUCCEEDED if success else RunStatus.FAILED
    _end_run(conn, ctx, run_id, status, summary=summary, exit_code=exit_code, error=error)
    payload = {"run_id": run_id, "attempt": run["attempt"], "exit_code": exit_code}
    ctx.emit(
        f"run.{status.value}",
        task_id=task["id"],
        project_id=task["project_id"],
        payload={"ref": ref_of(task), **payload, "summary": summary, "error": error},
    )
    if task["status"] != S.IN_PROGRESS.value:  # pragma: no cover - runs close when tasks move
        return run_from_row({**run, "status": status.value, "finished_at": ctx.now})
    if success:
        target = S.DONE if ctx.settings.auto_approve else S.IN_REVIEW
        set_status(
            conn,
            ctx,
            task,
            target,
            reason=summary,
            payload=payload,
            extra_values={"current_agent_id": None, "current_step": None, "error": None},
        )
    else:
        message = (
            error or summary or (f"exit code {exit_code}" if exit_code is not None else "failed")
        )
        _retry_or_block(
            conn,
            ctx,
            task,
            run,
            message=message,
            exit_code=exit_code,
            event_type=None,
            payload=payload,
            output_tail=summary if error else None,  # else the summary is the message
        )
    return run_from_row(
        {
            **run,
            "status": status.value,
            "finished_at": ctx.now,
            "summary": summary,
            "exit_code": exit_code,
            "error": error,
        }
    )


def finish_run_outcome(conn: Connection, ctx: TxContext, outcome: RunOutcome) -> Run:
    """``finish_run`` with the arguments of a ``RunOutcome``."""
    return finish_run(
        conn,
        ctx,
        outcome.run_id,
        outcome.token,
        success=outcome.success,
        summary=outcome.summary,
        exit_code=outcome.exit_code,
        error=outcome.error,
    )


def finish_runs(conn: Connection, ctx: TxContext, outcomes: Sequence[RunOutcome]) -> dict[str, Run]:
    """Finish each run as ``finish_run`` would, in this one transaction; the runs by id.

    A run that no longer holds its task (or does not exist) is skipped and absent from the
    answer: each outcome runs under its own savepoint, so a refusal writes nothing of it and
    leaves the others alone.
    """
    done: dict[str, Run] = {}
    for outcome in outcomes:
        events = len(ctx.pending_events)
        savepoint = conn.begin_nested()
        try:
            done[outcome.run_id] = finish_run_outcome(conn, ctx, outcome)
        except (LeaseLostError, NotFoundError):
            savepoint.rollback()
            del ctx.pending_events[events:]
        else:
            savepoint.commit()
    return done


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
        task = _task_row(conn, ctx, run["task_id"])
        refs.append(ref_of(task))
        if task["status"] != S.IN_PROGRESS.value:  # pragma: no cover - runs close when tasks move
            continue
        _requeue_interrupted(
            conn,
            ctx,
            task,
            run,
            message=f"the lease of run {run['id']} (worker {run['worker_id']}) expired",
            event_type="task.lease_expired",
            payload={"run_id": run["id"], "worker_id": run["worker_id"], "attempt": run["attempt"]},
        )
    return refs


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
    run = _new_run(
        ctx,
        task_id=task["id"],
        attempt=task["retry_count"] + 1,
        worker_id=MANUAL_WORKER_ID,
        lease_until=_lease_until(ctx, lease_seconds),
    )
    # Queued until a worker (or `taskyard run --wait`) adopts it with a fresh token and lease
    # (step_ops.adopt_forced_runs); the lease sweep leaves queued runs alone.
    run["status"] = RunStatus.QUEUED.value
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
    _insert_run(conn, ctx, [run])
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
        _end_run(conn, ctx, run["id"], RunStatus.CANCELLED, error=f"cancelled: {reason}")
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
        raise NotFoundError(
            f"No run {run_id!r}.",
            hint="See a task's runs with runs_of(ref).",
            details={"field": "run_id", "input": run_id, "suggestions": []},
        )
    return run_from_row(row)
