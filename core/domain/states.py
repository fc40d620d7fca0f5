"""The task state machine: the transition table of the spec as data, and the guards around it.

Every refusal is an error with a code, a message that names the task, the states and (for the
dependency guard) each unresolved blocker with its state, and a hint that says how to get there.

Rules (unified-task-orchestration.md section 4, DESIGN.md):

* ``TRANSITIONS`` is the spec's table; ``FEATURE_PRD_AUTO_APPROVE_REVIEW`` adds
  ``in_progress -> done``. ``RETRY_TRANSITIONS`` lists the moves of the retry action
  (``blocked -> ready`` and ``cancelled -> ready``): retry is the only way a cancelled task
  goes straight back to ready; by hand it goes through backlog.
* Dependency guard: a task cannot enter ``ready`` or ``in_progress`` while a blocker is
  unresolved; a blocker is resolved when it is ``done`` or ``cancelled``.
* Claim guard: ``in_progress`` is entered only by a worker's claim or the explicit force path
  (Run Now, ``task move --force``). ``task move --force`` marks a task as being worked on by
  a person: it opens no run and no lease, so no worker runs it and no lease sweep moves it;
  it stays in progress until someone moves it on. Run Now (``taskyard run``) is the way to
  have a worker start it ahead of the queue.
* Queue when unblocked: asking for ``ready`` with ``when_unblocked`` while blockers are unresolved
  parks the task in ``blocked`` with a dependency reason; the store moves it to ``ready`` by
  itself once the last blocker resolves. The table is checked against the state asked for
  (``ready``), because ``blocked`` is only where the request waits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.domain.graph import path_between
from core.domain.models import DependencyReason, ManualReason, TaskLink, TaskStatus
from core.errors import (
    ClaimRequiredError,
    DependencyBlockedError,
    InvalidTransitionError,
)

S = TaskStatus

TRANSITIONS: Mapping[TaskStatus, frozenset[TaskStatus]] = {
    S.BACKLOG: frozenset({S.READY, S.CANCELLED}),
    S.READY: frozenset({S.IN_PROGRESS, S.BLOCKED, S.BACKLOG, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.IN_REVIEW, S.BLOCKED, S.READY, S.CANCELLED}),
    S.IN_REVIEW: frozenset({S.DONE, S.IN_PROGRESS, S.BLOCKED}),
    S.BLOCKED: frozenset({S.READY, S.BACKLOG, S.CANCELLED}),
    S.DONE: frozenset({S.READY}),
    S.CANCELLED: frozenset({S.BACKLOG}),
}
"""Allowed manual and automatic moves, exactly as the spec's table."""

RETRY_TRANSITIONS: Mapping[TaskStatus, frozenset[TaskStatus]] = {
    S.BLOCKED: frozenset({S.READY}),
    S.CANCELLED: frozenset({S.READY}),
}
"""Extra moves of the retry action only (a task blocked by a failure, or cancelled, goes back
to ready, counted as the next attempt); a manual move keeps to ``TRANSITIONS``."""

AUTO_APPROVE_TRANSITIONS: Mapping[TaskStatus, frozenset[TaskStatus]] = {
    S.IN_PROGRESS: frozenset({S.DONE}),
}
"""Extra moves when ``FEATURE_PRD_AUTO_APPROVE_REVIEW`` is on (no human review)."""

RESOLVED_STATES: frozenset[TaskStatus] = frozenset({S.DONE, S.CANCELLED})
"""A blocker in one of these no longer holds its dependents back."""

GUARDED_STATES: frozenset[TaskStatus] = frozenset({S.READY, S.IN_PROGRESS})
"""States a task may not enter while any blocker is unresolved."""


def is_resolved(status: TaskStatus) -> bool:
    """Whether a blocker in ``status`` counts as resolved."""
    return status in RESOLVED_STATES


def allowed_targets(
    status: TaskStatus, *, auto_approve: bool = False, via_retry: bool = False
) -> frozenset[TaskStatus]:
    """The states the table allows from ``status`` (before the guards).

    ``via_retry``: the moves of the retry action (``RETRY_TRANSITIONS``) instead of a manual
    move's.
    """
    if via_retry:
        return RETRY_TRANSITIONS.get(status, frozenset())
    targets = TRANSITIONS[status]
    if auto_approve:
        targets = targets | AUTO_APPROVE_TRANSITIONS.get(status, frozenset())
    return targets


def shortest_route(
    source: TaskStatus, target: TaskStatus, *, auto_approve: bool = False
) -> list[TaskStatus] | None:
    """The fewest moves from ``source`` to ``target`` through the table, both ends included."""
    return path_between(
        source, target, lambda state: sorted(allowed_targets(state, auto_approve=auto_approve))
    )


def describe_blockers(blockers: Iterable[TaskLink]) -> str:
    """``TY-1 "Design" (in progress), TY-2 "API" (backlog)``: blockers as a person reads them."""
    return ", ".join(f'{b.ref} "{b.title}" ({b.status.label})' for b in blockers)


@dataclass(frozen=True)
class TransitionPlan:
    """What a permitted transition does: the state to write and the blocked reason to keep."""

    target: TaskStatus
    """The state the task ends in (``blocked`` when a ready request waits for blockers)."""
    requested: TaskStatus
    blocked_reason: DependencyReason | ManualReason | None
    parked: bool
    """True when the request for ``ready`` was parked in ``blocked`` (queue when unblocked)."""


def plan_transition(
    *,
    ref: str,
    current: TaskStatus,
    requested: TaskStatus,
    blockers: Sequence[TaskLink],
    reason: str | None = None,
    auto_approve: bool = False,
    force: bool = False,
    via_claim: bool = False,
    via_retry: bool = False,
    when_unblocked: bool = False,
) -> TransitionPlan:
    """Decide a move, or refuse it with the reason and the way out.

    Args:
        ref: The task's ref, for messages.
        current: Its state now.
        requested: The state asked for.
        blockers: Every blocker of the task with its current state.
        reason: Free text from the person moving it (kept as a manual blocked reason when the
            target is ``blocked``).
        auto_approve: The ``FEATURE_PRD_AUTO_APPROVE_REVIEW`` override.
        force: The explicit force path into ``in_progress`` (Run Now).
        via_claim: The move is a worker's atomic claim.
        via_retry: The move is the retry action (``RETRY_TRANSITIONS`` instead of the table).
        when_unblocked: Park a ``ready`` request in ``blocked`` while blockers are unresolved.

    Returns:
        The plan to write.

    Raises:
        InvalidTransitionError: The table does not allow the move (or the task is already there).
        ClaimRequiredError: ``in_progress`` asked for without a claim or ``force``.
        DependencyBlockedError: ``ready``/``in_progress`` asked for with unresolved blockers.
    """
    _check_table(ref, current, requested, auto_approve=auto_approve, via_retry=via_retry)
    if requested == S.IN_PROGRESS and not (force or via_claim):
        raise ClaimRequiredError(
            f"{ref} cannot be moved to in progress by hand: a worker claims ready tasks and "
            "starts them.",
            hint="Leave it in ready for a worker to pick up, start it now on a worker with "
            "Run Now (CLI: taskyard run REF), or mark it as worked on by hand, which no worker "
            "runs (CLI: task move REF in_progress --force).",
            details={"ref": ref, "from": current.value, "to": requested.value},
        )
    unresolved = [b for b in blockers if not is_resolved(b.status)]
    if requested in GUARDED_STATES and unresolved:
        if requested == S.READY and when_unblocked:
            return TransitionPlan(
                target=S.BLOCKED,
                requested=requested,
                blocked_reason=DependencyReason(blockers=[b.id for b in unresolved]),
                parked=True,
            )
        raise _dependency_error(ref, current, requested, unresolved)
    blocked_reason: DependencyReason | ManualReason | None = None
    if requested == S.BLOCKED:
        blocked_reason = ManualReason(message=reason or "Blocked by hand.")
    return TransitionPlan(
        target=requested, requested=requested, blocked_reason=blocked_reason, parked=False
    )


def _check_table(
    ref: str,
    current: TaskStatus,
    requested: TaskStatus,
    *,
    auto_approve: bool,
    via_retry: bool,
) -> None:
    """Refuse a move the table does not have (or one to the state the task is in)."""
    if requested == current:
        raise InvalidTransitionError(
            f"{ref} is already {current.label}.",
            hint=_moves_hint(current, auto_approve),
            details={"ref": ref, "from": current.value, "to": requested.value},
        )
    allowed = allowed_targets(current, auto_approve=auto_approve, via_retry=via_retry)
    if requested not in allowed:
        raise InvalidTransitionError(
            f"{ref} cannot move from {current.label} to {requested.label}: "
            f"from {current.label} it can go to {_join(allowed)}.",
            hint=_route_hint(current, requested, auto_approve),
            details={
                "ref": ref,
                "from": current.value,
                "to": requested.value,
                "allowed": sorted(s.value for s in allowed),
            },
        )


def _dependency_error(
    ref: str, current: TaskStatus, requested: TaskStatus, unresolved: Sequence[TaskLink]
) -> DependencyBlockedError:
    """The refusal of the dependency guard, naming each unresolved blocker and its state."""
    noun = "blocker is" if len(unresolved) == 1 else "blockers are"
    return DependencyBlockedError(
        f"{ref} cannot move to {requested.label}: {len(unresolved)} {noun} not done or "
        f"cancelled: {describe_blockers(unresolved)}.",
        hint=(
            "Finish or cancel "
            + ", ".join(b.ref for b in unresolved)
            + " first, remove the dependency, or queue it to become ready by itself when "
            "they resolve (board: m, then Ready when unblocked; CLI: --when-unblocked)."
        ),
        details={
            "ref": ref,
            "from": current.value,
            "to": requested.value,
            "blockers": [b.model_dump(mode="json") for b in unresolved],
        },
    )


def _join(states: Iterable[TaskStatus]) -> str:
    names = [s.label for s in sorted(states)]
    if len(names) <= 1:
        return "".join(names) or "nowhere"
    return ", ".join(names[:-1]) + " or " + names[-1]


def _moves_hint(current: TaskStatus, auto_approve: bool) -> str:
    targets = allowed_targets(current, auto_approve=auto_approve)
    return f"From {current.label} it can go to {_join(targets)}."


def _route_hint(current: TaskStatus, requested: TaskStatus, auto_approve: bool) -> str:
    route = shortest_route(current, requested, auto_approve=auto_approve)
    if route is None:  # pragma: no cover - the table is strongly connected
        return _moves_hint(current, auto_approve)
    steps = " → ".join(s.label for s in route)
    return f"Move it step by step: {steps}."


def state_machine_metadata(*, auto_approve: bool = False) -> dict[str, object]:
    """The table and guards as data, for clients and contract tests (spec section 10)."""
    return {
        "states": [s.value for s in TaskStatus],
        "transitions": {
            s.value: sorted(t.value for t in allowed_targets(s, auto_approve=auto_approve))
            for s in TaskStatus
        },
        "resolved_states": sorted(s.value for s in RESOLVED_STATES),
        "guarded_states": sorted(s.value for s in GUARDED_STATES),
        "retry_transitions": {
            s.value: sorted(t.value for t in targets) for s, targets in RETRY_TRANSITIONS.items()
        },
        "claim_required": [S.IN_PROGRESS.value],
        "auto_approve": auto_approve,
        "initial_state": S.BACKLOG.value,
    }
