"""Engine calls on one task for the screens that offer them, each saying how it went.

Run now, approve the command, retry, cancel, delete (after asking), remove a dependency and
read an attachment: a refusal is said on the screen's status line and kept in the message
log (``attempt``), and so is what was done. ``read_history`` reads the events a task page lists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

from core.domain.models import Attachment, Event, Task, TaskCard
from core.domain.runs import Run
from core.errors import TaskyardError
from tui.context import HasStatusLine, attempt, report_done, taskyard_app

if TYPE_CHECKING:
    from textual.screen import Screen

    from core.engine import TaskEngine

HISTORY_PAGE = 500
HISTORY_PAGES = 20
"""At most this many pages of events are read for a task's history (10,000 events)."""


async def run_now(screen: HasStatusLine, task: Task | TaskCard) -> bool:
    """Start ``task`` now, ahead of the queue, and say which worker will take it."""

    def started(run: Run) -> str:
        pool = taskyard_app(cast("DOMNode", screen)).pool
        if pool is None:
            where = (
                "Embedded workers are off: turn them on in the execution monitor, or start "
                "`taskyard worker`."
            )
        elif pool.paused:
            where = "Embedded workers are paused: resume them in the execution monitor."
        else:
            where = "A worker of this app picks it up now."
        return f"{task.ref} attempt {run.attempt} is {run.status.value}. {where}"

    run = await attempt(
        screen,
        lambda engine: engine.run_now(task.ref),
        refused="Run now refused",
        title=f"{task.ref} not started",
        done=started,
    )
    return run is not None


async def approve_command(screen: HasStatusLine, ref: str, expected_hash: str) -> bool:
    """Approve ``ref``'s command, as long as it is still the one shown (``expected_hash``)."""
    approved = await attempt(
        screen,
        lambda engine: engine.approve_commands([ref], expected_hashes={ref: expected_hash}),
        refused="Not approved",
        title=f"{ref}'s command not approved",
        done=lambda _: f"{ref}'s command is approved; workers may run it.",
    )
    return approved is not None


async def retry(screen: HasStatusLine, task: Task) -> bool:
    """Put ``task`` back in ready for another attempt."""
    retried = await attempt(
        screen,
        lambda engine: engine.retry(task.ref),
        refused="Not retried",
        title=f"{task.ref} not retried",
        done=lambda t: f"{t.ref} is back in {t.status.label} for attempt {t.retry_count + 1}.",
    )
    return retried is not None


async def cancel_with_reason(screen: HasStatusLine, ref: str, reason: str) -> bool:
    """Cancel task ``ref`` (its running step is stopped by its worker); says how it went."""
    cancelled = await attempt(
        screen,
        lambda engine: engine.cancel(ref, reason),
        refused="Not cancelled",
        title=f"{ref} not cancelled",
        done=lambda _: f"{ref} cancelled ({reason}).",
    )
    return cancelled is not None


def ask_to_delete(
    screen: Screen[None], ref: str, title: str, deleted: Callable[[str], None]
) -> None:
    """Delete a task once the user says so ("Keep it" is what enter alone picks).

    ``screen`` (one with a status line) says a refusal; ``deleted`` gets the sentence saying
    what was deleted, for the screen the user is left on.
    """
    from tui.modals.confirm import ConfirmModal

    async def delete() -> None:
        result = await attempt(
            cast("HasStatusLine", screen),
            lambda engine: engine.delete_task(ref),
            refused=f"{ref} not deleted",
            title=f"{ref} not deleted",
        )
        if result is not None:
            deleted(f"{result} deleted.")

    def answered(yes: bool | None) -> None:
        if yes:
            screen.run_worker(delete(), group="delete_task", exit_on_error=False)

    question = (
        f"Delete {ref} “{title}”? Its dependencies and attachments go with it, and "
        "tasks waiting for it stop waiting. This cannot be undone (cancel keeps a task, in "
        "cancelled)."
    )
    screen.app.push_screen(ConfirmModal(question, yes=f"Delete {ref}", no="Keep it"), answered)


async def remove_dependency(screen: HasStatusLine, waiting: str, blocker: str) -> bool:
    """Make ``waiting`` stop waiting for ``blocker``."""
    app = taskyard_app(cast("DOMNode", screen))
    engine = await app.engine()
    try:
        app.connection.check_write()
        await engine.remove_dependency(waiting, blocker)
    except TaskyardError as exc:
        text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
        screen.set_status(f"Dependency not removed. {text}", error=True)
        app.report(text, severity="error", title="Dependency not removed")
        return False
    report_done(screen, f"{waiting} no longer waits for {blocker}.")
    return True


async def read_attachment(
    screen: HasStatusLine, attachment: Attachment
) -> tuple[Attachment, bytes] | None:
    """The attachment's metadata and bytes; ``None`` when it cannot be read (said why)."""
    app = taskyard_app(cast("DOMNode", screen))
    engine = await app.engine()
    try:
        return await engine.get_attachment(attachment.id)
    except TaskyardError as exc:
        text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
        screen.set_status(f"Cannot read {attachment.name}. {text}", error=True)
        app.report(text, severity="error", title="Attachment")
        return None


async def read_history(engine: TaskEngine, task_id: str) -> list[Event]:
    """The task's events, oldest first (at most ``HISTORY_PAGES`` pages).

    Raises:
        TaskyardError: the engine could not read them.
    """
    events: list[Event] = []
    since = 0
    for _ in range(HISTORY_PAGES):
        page = await engine.events(since=since, limit=HISTORY_PAGE, task=task_id)
        events.extend(page)
        if len(page) < HISTORY_PAGE:
            break
        since = page[-1].seq
    return events
