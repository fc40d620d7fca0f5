"""``LogFeedScreen``: the base of screens that show a run's live output in a ``RunLog``."""

from __future__ import annotations

from textual import on, work
from textual.screen import Screen

from core.errors import TaskyardError
from tui.context import taskyard_app
from tui.widgets.run_log import RunLog


class LogFeedScreen(Screen[None]):
    """A screen that reads the output its ``RunLog`` shows, so the log never reaches the engine.

    The log says whose output it shows (``RunLog.Following``); one exclusive worker reads that
    owner's chunks as they are written and hands them down, and following someone else (or
    nobody) cancels it.
    """

    @on(RunLog.Following)
    def _log_following(self, event: RunLog.Following) -> None:
        event.stop()
        self.follow_log(event.run_log, event.owner_id)

    @work(exclusive=True, group="follow_log", exit_on_error=False)
    async def follow_log(self, run_log: RunLog, owner_id: str | None) -> None:
        if owner_id is None:
            return  # starting this worker cancelled the one following the previous owner
        app = taskyard_app(self)
        try:
            engine = await app.engine()
            async for chunk in engine.follow_log(owner_id, since=run_log.last_seq):
                if owner_id != run_log.owner_id:
                    return
                run_log.add_chunks([chunk])
        except TaskyardError as exc:
            app.report_error(exc, title="Cannot read the output")
