"""A task in words, for the detail screen and its widgets: dates, links, events, what holds it.

Also the questions those words and the detail's keys both ask about a task (may it be
retried, queued until unblocked, where may it move), so the text and the keys never
disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from core.domain.models import (
    DependencyReason,
    FailureReason,
    Task,
    TaskCard,
    TaskLink,
    TaskStatus,
)
from core.domain.runs import Run
from core.domain.states import allowed_targets, is_resolved
from tui.widgets.card_words import blocked_words

BOARD_ORDER = tuple(TaskStatus)
"""The states in board order: moves are offered in this order."""

KeyName = Callable[[str], str]
"""The key that runs an action on the screen (``"moves"`` → ``"m"``), as the footer shows it."""


def when(value: datetime | date | None) -> str:
    """An absolute date or time (UTC), never "x minutes ago": the same on every machine."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    return value.isoformat()


def link_words(link: TaskLink) -> str:
    """``WEB-1 “Design the login page”, done (resolved)``: the other task and its state."""
    state = link.status.label
    if is_resolved(link.status):
        state += " (resolved)"
    return f"{link.ref} “{link.title}”, {state}"


def unresolved_blockers(task: Task) -> list[TaskLink]:
    """The tasks ``task`` waits for that are neither done nor cancelled."""
    return [b for b in task.blocked_by if not is_resolved(b.status)]


def blocked_lines(task: Task) -> list[str]:
    """Why the task cannot move on, in words; empty when nothing holds it back."""
    unresolved = unresolved_blockers(task)
    reason = task.blocked_reason
    if task.status == TaskStatus.BLOCKED:
        if isinstance(reason, DependencyReason):
            waiting = unresolved or [b for b in task.blocked_by if b.id in set(reason.blockers)]
            names = "; ".join(link_words(b) for b in waiting) or "its blockers"
            return [
                f"⊘ Blocked: waiting for {names}.",
                "It becomes ready by itself once they are done or cancelled.",
            ]
        if isinstance(reason, FailureReason):
            lines = [f"⊘ Blocked: {reason.headline()}"]
            if reason.output_tail:
                lines.append("Last output:")
                lines.extend(f"  {line}" for line in reason.output_tail.splitlines()[-10:])
            return lines
        if reason is not None:
            return [f"⊘ Blocked by hand: {reason.message}"]
        return ["⊘ Blocked."]
    if unresolved:
        names = "; ".join(link_words(b) for b in unresolved)
        return [f"⊘ {blocked_words(len(unresolved)).capitalize()}: {names}."]
    return []


def card_of(task: Task) -> TaskCard:
    """The card form of a task (what the move dialog shows)."""
    return TaskCard.model_validate(task.model_dump(include=set(TaskCard.model_fields)))


def move_targets(status: TaskStatus, *, auto_approve: bool) -> list[TaskStatus]:
    """The states a task in ``status`` may move to, in board order."""
    allowed = allowed_targets(status, auto_approve=auto_approve)
    return [s for s in BOARD_ORDER if s in allowed]


def can_retry(task: Task) -> bool:
    """Retry applies: the task is cancelled, or blocked by a failure."""
    return task.status == TaskStatus.CANCELLED or (
        task.status == TaskStatus.BLOCKED and isinstance(task.blocked_reason, FailureReason)
    )


def can_queue(task: Task, targets: list[TaskStatus]) -> bool:
    """Queue when unblocked makes sense: blockers remain and it is not queued already."""
    parked = task.status == TaskStatus.BLOCKED and isinstance(task.blocked_reason, DependencyReason)
    return bool(task.unresolved_blocker_count) and not parked and TaskStatus.READY in targets


def run_now_refusal(task: Task, runs: list[Run], key: KeyName) -> str | None:
    """Why Run now does not apply to the task; ``None`` when it does."""
    if any(r.status.active for r in runs):
        return "it is running already."
    if task.status not in (TaskStatus.BACKLOG, TaskStatus.READY):
        return f"it is {task.status.label}; Run now starts tasks in backlog or ready."
    if task.command is not None and not task.command.approved:
        return (
            f"its command is not approved; {key('approve_command')} approves it after showing it."
        )
    unresolved = unresolved_blockers(task)
    if unresolved:
        names = "; ".join(link_words(b) for b in unresolved)
        return f"it waits for {names}."
    return None


def run_action_lines(
    task: Task,
    runs: list[Run],
    *,
    targets: list[TaskStatus],
    runs_as: list[str],
    key: KeyName,
) -> list[str]:
    """What Run now, Retry and Cancel would do here, or why they do not apply.

    ``runs_as`` are the lines saying what a worker would start, step by step, shown under
    Run now so it holds no surprise.
    """
    refusal = run_now_refusal(task, runs, key)
    run_key = key("run_now")
    lines = [
        f"Run now ({run_key}): starts it now, ahead of the queue."
        if refusal is None
        else f"Run now ({run_key}): not now, {refusal}"
    ]
    lines += runs_as
    retry_key = key("retry")
    if can_retry(task):
        lines.append(f"Retry ({retry_key}): back to ready for another attempt.")
    else:
        lines.append(f"Retry ({retry_key}): only for a task blocked by a failure or cancelled.")
    cancel_key = key("cancel_task")
    if TaskStatus.CANCELLED in targets:
        lines.append(f"Cancel ({cancel_key}): asks why, then stops it.")
    else:
        lines.append(
            f"Cancel ({cancel_key}): not from {task.status.label}; the state machine does "
            "not allow it."
        )
    return lines
