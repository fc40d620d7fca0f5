"""How runs end: success, failure, a deliberate stop, and what each does to the run's task.

* Every end is fenced (``claims.fence``): it names the run and its token and writes nothing
  once the run no longer holds its task.
* Success moves the task to ``in_review``, or ``done`` with auto-approve (dependents follow).
  A successful finish tries the dialect's fast finish first (``claims.ClaimPath``); the
  generic one below handles the rest and refuses lost fences with the precise reason.
* Failure sends the task back to ready per the retry policy (counted, with backoff) or blocks
  it with a ``FailureReason`` once the attempts are used up.
* An interruption (the worker stopped on purpose, or its lease expired: ``lease_ops``) is
  not the task's fault: the task goes back to ready at once (no backoff), ``interruptions``
  and ``retry_count`` both grow by one (attempt numbers stay unique), and the failures the
  retry policy counts are ``attempt - interruptions``. Only a task interrupted
  ``max_interruptions`` times is blocked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, update

from core.domain.models import DependencyReason, FailureReason, TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import Run, RunStatus, decide_retry, interruptions_exhausted
from core.errors import LeaseLostError, NotFoundError
from core.store import tables as t
from core.store.claims import ClaimPath, path_for
from core.store.claims.fence import fenced_run
from core.store.claims.shapes import ended_payload, ended_run, outcome_payload
from core.store.context import TxContext
from core.store.graph_ops import blockers_of, ref_of, set_status, task_event
from core.store.run_ops import end_run, task_row
from core.store.step_ops import clip_summary

T = t.tasks
S = TaskStatus


def _settle(
    conn: Connection,
    ctx: TxContext,
    task: RowMapping,
    blocked: FailureReason | DependencyReason | None,
    message: str,
    payload: dict[str, Any],
    values: dict[str, Any],
    event_type: str | None = None,
) -> None:
    """Move the task on after a run that did not succeed: back to ready, or ``blocked``.

    ``message`` is the move's reason, ``payload`` its event's, ``values`` the further
    columns it sets. Back to ready writes ``event_type`` (``task.retry_scheduled`` by
    default). Blocked, a finer event (``task.lease_expired``) is followed by
    ``task.blocked``: event consumers that know only the spec's vocabulary (webhooks) watch
    ``task.blocked``; the finer event stays for those that tell a lost lease from a failure.
    """
    if blocked is None:
        set_status(
            conn,
            ctx,
            task,
            S.READY,
            reason=message,
            event_type=event_type or "task.retry_scheduled",
            payload=payload,
            extra_values=values,
        )
        return
    set_status(
        conn,
        ctx,
        task,
        S.BLOCKED,
        blocked_reason=blocked,
        reason=message,
        event_type=event_type,
        payload=payload,
        extra_values=values,
    )
    if event_type not in (None, "task.blocked"):
        task_event(
            ctx,
            task,
            "task.blocked",
            {
                "from": S.IN_PROGRESS.value,
                "to": S.BLOCKED.value,
                "reason": message,
                **payload,
                "cause": event_type,
            },
        )


def _waiting_for(conn: Connection, task: RowMapping) -> DependencyReason:
    """Why a task waits again after its run: the blockers reopened while it ran."""
    pending = [b.id for b in blockers_of(conn, task["id"]) if b.status not in (S.DONE, S.CANCELLED)]
    return DependencyReason(blockers=pending)


def _retry_or_block(
    conn: Connection,
    ctx: TxContext,
    task: RowMapping,
    run: RowMapping,
    *,
    message: str,
    exit_code: int | None,
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
    retried = {**common, "retry_count": T.c.retry_count + 1}
    how: dict[str, Any] = {"retry": False, "attempts": decision.attempts}
    blocked: FailureReason | DependencyReason | None
    if not decision.retry:
        blocked = FailureReason(
            step=run["step"],
            message=message,
            attempts=decision.attempts,
            exit_code=exit_code,
            output_tail=output_tail,
        )
        values = common
    elif task["unresolved_blockers"]:  # a blocker was reopened while it ran: wait for it first
        blocked, values = _waiting_for(conn, task), retried
    else:
        not_before = decision.not_before
        blocked, values = None, {**retried, "not_before": not_before}
        how = {
            "retry": True,
            "attempts": decision.attempts,
            "not_before": not_before.isoformat() if not_before else None,
        }
    _settle(conn, ctx, task, blocked, message, {**payload, **how}, values)


def requeue_interrupted(
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
    again = {**common, "retry_count": T.c.retry_count + 1}
    blocked: FailureReason | DependencyReason | None
    if interruptions_exhausted(ctx.settings.retry_policy, interruptions):
        message = (
            f"the runs were interrupted {interruptions} times (worker crashed or stopped); "
            f"the last: {message}"
        )
        blocked = FailureReason(step=run["step"], message=message, attempts=run["attempt"])
        how: dict[str, Any] = {"retry": False, "attempts": run["attempt"]}
        values = {**common, "error": message}
    elif task["unresolved_blockers"]:  # a blocker was reopened while it ran: wait for it first
        blocked, how, values = _waiting_for(conn, task), {"retry": True}, again
    else:
        blocked, how = None, {"retry": True, "not_before": None}
        values = {**again, "not_before": None}
    _settle(conn, ctx, task, blocked, message, {**info, **how}, values, event_type)


def _end(
    conn: Connection,
    ctx: TxContext,
    run_id: str,
    token: str,
    status: RunStatus,
    *,
    summary: str | None,
    exit_code: int | None,
    error: str | None,
) -> tuple[RowMapping, RowMapping, dict[str, Any], Run]:
    """End the run (fenced) and write its ``run.<status>`` event.

    Returns the run and task rows as read before, the payload its task's events carry, and
    the ended run.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: see ``fenced_run``.
    """
    run = fenced_run(conn, ctx, run_id, token)
    task = task_row(conn, ctx, run["task_id"])
    end_run(conn, ctx, run_id, status, summary=summary, exit_code=exit_code, error=error)
    payload = outcome_payload(run_id=run_id, attempt=run["attempt"], exit_code=exit_code)
    ctx.emit(
        f"run.{status.value}",
        task_id=task["id"],
        project_id=task["project_id"],
        payload=ended_payload(
            ref=ref_of(task),
            run_id=run_id,
            attempt=run["attempt"],
            exit_code=exit_code,
            summary=summary,
            error=error,
        ),
    )
    ended = ended_run(
        run, status, finished_at=ctx.now, summary=summary, exit_code=exit_code, error=error
    )
    return run, task, payload, ended


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
    ``requeue_interrupted``); a step still running in the run ends ``interrupted`` too.
    Event ``run.interrupted``, then ``task.retry_scheduled`` (``interrupted: true``).

    Raises:
        NotFoundError: no such run.
        LeaseLostError: see ``fenced_run``.
    """
    status = RunStatus.INTERRUPTED
    run, task, payload, ended = _end(
        conn, ctx, run_id, token, status, summary=summary, exit_code=exit_code, error=reason
    )
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
    if task["status"] == S.IN_PROGRESS.value:
        requeue_interrupted(conn, ctx, task, run, message=reason, event_type=None, payload=payload)
    return ended


def finish_run(
    conn: Connection, ctx: TxContext, outcome: RunOutcome, path: ClaimPath | None = None
) -> Run:
    """End the run ``outcome`` names (fenced) and move its task on.

    Success: ``in_review``, or ``done`` with auto-approve (dependents follow), through
    ``path``'s fast finish when it takes it (the dialect's path unless named). Failure: back
    to ready per the retry policy (``retry_count + 1``, not before the backoff), or
    ``blocked`` with a ``FailureReason`` once the attempts are used up.

    Raises:
        NotFoundError: no such run.
        LeaseLostError: see ``fenced_run``.
    """
    target = S.DONE if ctx.settings.auto_approve else S.IN_REVIEW
    path = path_for(ctx.dialect) if path is None else path
    if outcome.success:
        fast = path.finish_success(conn, ctx, outcome, target)
        if fast is not None:
            return fast
    summary, exit_code, error = outcome.summary, outcome.exit_code, outcome.error
    status = RunStatus.SUCCEEDED if outcome.success else RunStatus.FAILED
    run, task, payload, ended = _end(
        conn,
        ctx,
        outcome.run_id,
        outcome.token,
        status,
        summary=summary,
        exit_code=exit_code,
        error=error,
    )
    if task["status"] != S.IN_PROGRESS.value:  # pragma: no cover - runs close when tasks move
        return ended
    if outcome.success:
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
        _retry_or_block(
            conn,
            ctx,
            task,
            run,
            message=error or summary or _exit_text(exit_code),
            exit_code=exit_code,
            payload=payload,
            output_tail=summary if error else None,  # else the summary is the message
        )
    return ended


def _exit_text(exit_code: int | None) -> str:
    """What a failure says when it gave neither an error nor a summary."""
    return "failed" if exit_code is None else f"exit code {exit_code}"


def finish_runs(
    conn: Connection, ctx: TxContext, outcomes: Sequence[RunOutcome], path: ClaimPath | None = None
) -> dict[str, Run]:
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
            done[outcome.run_id] = finish_run(conn, ctx, outcome, path)
        except (LeaseLostError, NotFoundError):
            savepoint.rollback()
            del ctx.pending_events[events:]
        else:
            savepoint.commit()
    return done
