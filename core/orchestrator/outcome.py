"""What happens next to a task after a run ended, in the words a worker prints.

A failure is retried ("retry 2/3 in 5 s") or blocks the task ("blocked after 3 attempts
(taskyard retry TY-5)"); a success goes to review, where its dependents wait, or to done.
The numbers are read from the task the store wrote (its failed attempts, its blocked
reason), so the words follow the store's accounting instead of repeating it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from core.domain.models import FailureReason, Task, TaskCard, TaskStatus
from core.domain.runs import RetryPolicy, next_attempt_at
from core.domain.states import is_resolved
from core.orchestrator.idle import NOTHING_TO_RUN, idle_card
from core.orchestrator.prompt import task_command

__all__ = [
    "NOTHING_TO_RUN",
    "after_failure",
    "after_success",
    "card_has_nothing_to_run",
    "nothing_to_run",
    "nothing_to_run_fix",
]


def nothing_to_run(task: Task, pipelines: Collection[str]) -> str | None:
    """Why no worker with ``pipelines`` would run ``task``, or ``None`` when one would.

    A task runs when it carries a command (``metadata.command``; a code block in the
    description is not one), names a pipeline, or has a type with a pipeline; anything else
    waits in ready for a person.
    """
    if task.pipeline_template or task.task_type in pipelines or task_command(task):
        return None
    return NOTHING_TO_RUN.format(task_type=task.task_type)


def card_has_nothing_to_run(card: TaskCard, pipelines: Collection[str] | None) -> bool:
    """Whether no worker with ``pipelines`` would run this ready card (``idle.idle_card``)."""
    return idle_card(card.status, card.has_command_or_pipeline, card.task_type, pipelines)


def nothing_to_run_fix(ref: str, task_type: str) -> str:
    """The commands that give a task something to run."""
    return (
        f'Give it a command (taskyard task edit {ref} --command "make test"), a pipeline '
        f"(--pipeline NAME), or add [pipelines.{task_type}] to taskyard.toml."
    )


def after_failure(task: Task, policy: RetryPolicy, now: datetime) -> str:
    """What the task does after a failed run: ``retry 2/3 in 5 s`` or ``blocked after …``.

    Args:
        task: The task as read after the run ended.
        policy: The retry policy in force (for the number of attempts and the wait).
        now: When the run ended, about.
    """
    if task.status == TaskStatus.READY:
        failed = max(task.retry_count - task.interruptions, 1)
        at = next_attempt_at(policy, failed, now)
        wait = f" in {max((at - now).total_seconds(), 0):g} s" if at is not None else ""
        return f"retry {failed + 1}/{policy.max_attempts}{wait}"
    if task.status == TaskStatus.BLOCKED:
        reason = task.blocked_reason
        if isinstance(reason, FailureReason):
            n = reason.attempts
            attempts = f" after {n} attempt{'' if n == 1 else 's'}" if n else ""
            return f"blocked{attempts} (taskyard retry {task.ref})"
        return "blocked: it waits for a blocker that was reopened while it ran"
    return task.status.label


def after_success(task: Task) -> str:
    """Where a succeeded task went: ``in review; 2 tasks wait for it`` or ``done``.

    Args:
        task: The task as read (with its links) after the run ended.
    """
    waiting = [link for link in task.blocks if not is_resolved(link.status)]
    if task.status == TaskStatus.IN_REVIEW and waiting:
        n = len(waiting)
        return (
            f"in review; {n} task{'' if n == 1 else 's'} wait{'s' if n == 1 else ''} for it "
            f"(approve: taskyard task move {task.ref} done)"
        )
    return task.status.label
