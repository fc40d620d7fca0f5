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

    A success is not announced here: the screen says the outcome. In screen-reader mode the
    event feed then leaves this move's event unsaid (``TaskyardApp.said_already``), so the
    change is heard once; it is expected before the engine call because the feed can deliver
    the event before that call returns.
    """
    engine = await app.engine()
    if app.settings.screen_reader:
        app.own_moves[ref] += 1
    try:
        app.connection.check_write()
        task = await engine.transition_task(
            ref, status, when_unblocked=when_unblocked, expected_version=expected_version
        )
    except TaskyardError as exc:
        _unexpect(app, ref)
        reason = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
        app.report(reason, severity="error", title=f"{ref} not moved")
        app.connection.saw_error(exc)
        return MoveOutcome(f"{ref} not moved: {reason}", None)
    if task.status == status:
        return MoveOutcome(f"{task.ref} moved to {task.status.label}.", task)
    _unexpect(app, ref)  # parked to wait: the feed's line says where it went
    return MoveOutcome(
        f"{task.ref} is waiting in {task.status.label}: it moves to {status.label} by itself "
        "when its blockers are done or cancelled.",
        task,
    )


def _unexpect(app: TaskyardApp, ref: str) -> None:
    """The feed may say this move after all (refused, or parked to wait)."""
    if app.own_moves[ref] > 0:
        app.own_moves[ref] -= 1
