"""``RunPanel``: a task's runs (one numbered line each), the steps of the selected run and its
live output.

The screen hands the runs down (``show``) whenever it reloads the task; the panel keeps the
run the user highlighted across reloads (the newest one while they are on the newest: a retry
shows its new attempt), asks its screen for that run's steps (``StepsNeeded``, handed
down with ``show_steps``) and shows its output (``RunLog``).

Elapsed times of active runs tick once a second from the app's clock without reading the
database again; in screen-reader mode they do not tick (a line that changes every second is
read out every second), and the reload after each step brings them up to date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.domain.runs import Run, RunStep
from tui.run_words import run_line, step_line
from tui.widgets.choice_list import ChoiceList
from tui.widgets.run_log import RunLog


class RunPanel(Vertical):
    """Runs of one task, newest first, with the selected run's steps and output."""

    DEFAULT_CSS = """
    RunPanel {
        height: auto;
        & #runs-steps { color: $text-muted; padding-left: 2; }
        & #runs-log-heading { margin-top: 1; text-style: bold; }
        & RunLog { height: 12; }
    }
    """

    @dataclass
    class StepsNeeded(Message):
        """The highlighted run changed: its screen reads the run's steps (``show_steps``)."""

        panel: RunPanel
        run_id: str

        @property
        def control(self) -> RunPanel:
            return self.panel

    def __init__(
        self, *, clock: Callable[[], datetime], spoken: bool = False, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        """The app's clock: elapsed times are counted to it."""
        self.spoken = spoken
        """Screen-reader mode: elapsed times do not tick."""
        self.runs: list[Run] = []
        """The task's runs, newest first (as shown)."""
        self.steps: list[RunStep] = []
        """The steps of the selected run."""
        self._ticker: Timer | None = None
        self._steps_asked: str | None = None
        """The run whose steps were asked for since the last ``show``: the highlight that
        ``show`` itself moves does not ask twice."""

    def compose(self) -> ComposeResult:
        # The heading carries the page's section class, which the screen styles.
        yield Static("Runs", id="detail-runs-heading", classes="detail-section")
        yield Static(id="runs-actions", markup=False)
        yield Static(id="runs-empty", markup=False)
        yield ChoiceList(id="runs-list")
        yield Static(id="runs-steps", markup=False)
        yield Static(id="runs-log-heading", markup=False)
        yield RunLog(id="runs-log")

    def on_mount(self) -> None:
        self._set_has_runs(False)
        self.query_one("#runs-empty", Static).update("No runs yet.")

    @property
    def run_list(self) -> ChoiceList:
        return self.query_one("#runs-list", ChoiceList)

    @property
    def output(self) -> RunLog:
        return self.query_one(RunLog)

    @property
    def selected_run(self) -> Run | None:
        index = self.run_list.highlighted
        if not self.runs or index is None or not 0 <= index < len(self.runs):
            return None
        return self.runs[index]

    def _set_has_runs(self, has: bool) -> None:
        for selector in ("#runs-list", "#runs-steps", "#runs-log-heading", "RunLog"):
            self.query_one(selector).display = has
        self.query_one("#runs-empty").display = not has

    def show(self, runs: list[Run], actions: str) -> None:
        """Show ``runs`` (any order) and the line about Run now / Retry / Cancel."""
        heading = f"Runs ({len(runs)})"
        active = next((r for r in runs if r.status.active), None)
        if active is not None:
            heading += f": attempt {active.attempt} is {active.status.value}"
        self.query_one("#detail-runs-heading", Static).update(heading)
        self.query_one("#runs-actions", Static).update(actions)
        # A new attempt (a retry) takes the output pane unless the user picked an older run.
        picked = self.selected_run
        keep = picked.id if picked and self.runs and picked.id != self.runs[0].id else None
        self.runs = sorted(runs, key=lambda r: (r.attempt, r.started_at), reverse=True)
        now = self.clock()
        choice_list = self.run_list
        choice_list.set_options(
            Option(f"{n}. {run_line(run, now)}", id=run.id)
            for n, run in enumerate(self.runs, start=1)
        )
        self._set_has_runs(bool(self.runs))
        if not self.runs:
            if choice_list.has_focus or self.output.has_focus:
                self.screen.focus_next()
            return
        ids = [r.id for r in self.runs]
        choice_list.highlighted = ids.index(keep) if keep in ids else 0
        self._steps_asked = None
        self._selected_changed()
        self._set_ticking(any(r.status.active for r in self.runs) and not self.spoken)

    @on(OptionList.OptionHighlighted, "#runs-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._selected_changed()

    @on(OptionList.OptionSelected, "#runs-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter on a run: read its output."""
        event.stop()
        self.output.focus()

    def _selected_changed(self) -> None:
        run = self.selected_run
        if run is None:
            return
        self.query_one("#runs-log-heading", Static).update(
            f"Output of attempt {run.attempt}"
            + (" (live)" if run.status.active else f" ({run.status.value})")
        )
        self.output.show(run.id)
        if run.id != self._steps_asked:
            self._steps_asked = run.id
            self.post_message(self.StepsNeeded(self, run.id))

    def show_steps(self, run_id: str, steps: list[RunStep]) -> None:
        """The steps of run ``run_id``, as read for ``StepsNeeded`` (ignored once another run
        is highlighted)."""
        selected = self.selected_run
        if selected is None or selected.id != run_id:
            return
        self.steps = steps
        self._show_steps()

    def steps_unread(self, why: str) -> None:
        """The steps could not be read: say why where they would be."""
        self.query_one("#runs-steps", Static).update(f"Steps not read: {why}")

    def _show_steps(self) -> None:
        now = self.clock()
        lines = [step_line(s, now) for s in self.steps]
        run = self.selected_run
        if run is not None and run.step_count and len(self.steps) < run.step_count:
            left = run.step_count - len(self.steps)
            lines.append(f"{left} more step" + ("" if left == 1 else "s") + " to come")
        text = "\n".join(lines) if lines else "No step has started yet."
        steps = self.query_one("#runs-steps", Static)
        if str(steps.render()) != text:
            steps.update(text)

    def _set_ticking(self, on: bool) -> None:
        if on and self._ticker is None:
            self._ticker = self.set_interval(1.0, self.tick)
        elif not on and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def tick(self, now: datetime | None = None) -> None:
        """Bring the elapsed times of active runs up to date, without a database read."""
        now = now or self.clock()
        choice_list = self.run_list
        for index, run in enumerate(self.runs):
            if run.status.active:
                choice_list.replace_option_prompt_at_index(
                    index, f"{index + 1}. {run_line(run, now)}"
                )
        if any(s.finished_at is None for s in self.steps):
            self._show_steps()
