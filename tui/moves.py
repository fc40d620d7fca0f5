"""Moving a task through the state machine from any screen, with the same words everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.models import Task, TaskStatus
from core.errors import TaskyardError
from tui.app import TaskyardApp


@dataclass(frozen=True)
class MoveOutcome:
    """What happened, in the sentence the screen shows under its content."""

    text: str
    task: Task | None
    """The moved task, or ``None`` when the move was refused."""


async def move_task(
    app: TaskyardApp,
    ref: str,
    status: TaskStatus,
    *,
    when_unblocked: bool = False,
    expected_version: int | None = None,
) -> MoveOutcome:
    """Ask the engine for the move; a refusal is reported (message log) with its reason.

    A success is not announced here: screen-reader mode hears every change once, from the
    event feed, whoever made it.
    """
    engine = await app.engine()
    try:
        task = await engine.transition_task(
            ref, status, when_unblocked=when_unblocked, expected_version=expected_version
        )
    except TaskyardError as exc:
        reason = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
        app.report(reason, severity="error", title=f"{ref} not moved")
        return MoveOutcome(f"{ref} not moved: {reason}", None)
    if task.status == status:
        return MoveOutcome(f"{task.ref} moved to {task.status.label}.", task)
    return MoveOutcome(
        f"{task.ref} is waiting in {task.status.label}: it moves to {status.label} by itself "
        "when its blockers are done or cancelled.",
        task,
    )
