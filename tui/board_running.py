"""A running card says it is running: the step, how long, and which worker.

Cards carry no run data (``TaskCard`` is cheap to read 100,000 times), so after each board
load with cards in In progress the board reads the runs in flight from the execution overview
and hands their words to that column. The elapsed time is in minutes and re-said every
``TICK`` seconds, never a ticking second counter; in screen-reader mode it is the start time
instead, which never needs rewriting (a rewritten line is read out again).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.domain.models import TaskStatus
from core.domain.runs import Run, RunStatus
from core.errors import TaskyardError
from tui.context import taskyard_app
from tui.run_words import progress_words, worker_words

if TYPE_CHECKING:
    from textual.timer import Timer

    from tui.screens.board import BoardScreen

TICK = 30.0
"""Seconds between re-saying the elapsed minutes of running cards (not in screen-reader mode)."""


def running_words(run: Run, now: datetime, *, spoken: bool) -> tuple[str, ...]:
    """How the run is going, longest first: a card shows the longest that fits its width.

    ``▶ running, step 2 of 3 implement · 10 min · worker w-1`` down to ``▶ running 10 min``.
    Spoken, one sentence with the start time instead of the minutes:
    ``running, step 2 of 3 implement, started 12:00:48, worker w-1``.
    """
    progress = progress_words(run) + (f" {run.step}" if run.step else "")
    worker = worker_words(run.worker_id)
    if spoken:
        return (f"{progress}, started {run.started_at:%H:%M:%S}, {worker}",)
    minutes = int((now - run.started_at).total_seconds()) // 60
    took = "under 1 min" if minutes < 1 else f"{minutes} min"
    if run.status != RunStatus.RUNNING:  # Run Now, waiting for a worker to adopt it
        return (f"▶ {progress} · {took}", f"▶ {run.status.value} {took}")
    steps = f"{run.step_index}/{run.step_count}" if run.step_index and run.step_count else ""
    short = f"▶ running {took}" + (f" · {steps}" if steps else "")
    return (
        f"▶ {progress} · {took} · {worker}",
        f"{short} · {run.worker_id}",
        short,
        f"▶ running {took}",
    )


class RunningCards:
    """Keeps the In progress column's running cards saying how their run is going."""

    def __init__(self, board: BoardScreen) -> None:
        self.board = board
        self._runs: dict[str, Run] = {}
        """Task id -> its run in flight, as last read."""
        self._timer: Timer | None = None

    def reload(self) -> None:
        """Read the runs in flight again (after a board load); none to read in an empty
        In progress column."""
        column = self.board.column(TaskStatus.IN_PROGRESS)
        if column is None or column.count == 0:
            self._runs = {}
            self.show()
            return
        self.board.run_worker(
            self._read(), group="board-running", exclusive=True, exit_on_error=False
        )

    async def _read(self) -> None:
        app = taskyard_app(self.board)
        try:
            overview = await (await app.engine()).execution_overview(queue_limit=1, recent_limit=1)
        except TaskyardError:
            return  # the cards stay as they were; the monitor (x) says what is wrong
        runs = [*overview.running, *overview.queued_forced]
        self._runs = {active.run.task_id: active.run for active in runs}
        self.show()

    def show(self) -> None:
        """Hand the column the words for each running card, from the app's clock."""
        column = self.board.column(TaskStatus.IN_PROGRESS)
        if column is None:
            return
        spoken = self.board.spoken
        now = taskyard_app(self.board).clock()
        column.task_list.set_running(
            {task_id: running_words(run, now, spoken=spoken) for task_id, run in self._runs.items()}
        )
        if self._runs and not spoken and self._timer is None:
            self._timer = self.board.set_interval(TICK, self.show)
        elif not self._runs and self._timer is not None:
            self._timer.stop()
            self._timer = None
