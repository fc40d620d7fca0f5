"""``ExecutionMonitorScreen``: what the workers are doing, live (the ``monitor`` mode).

The queue in scheduler order (position, priority, how long each task has waited and why it
waits), the running tasks (ref, title, "step 2 of 6", worker, elapsed, last output line),
Run now requests waiting for a worker, the workers (active / lost / stopped, heartbeat age,
slots), recent completions and failures, throughput, and the live output of the selected
run. The embedded workers can be paused, resumed, or switched off and on here.

Data flow: one ``engine.execution_overview()`` read per refresh, in an exclusive worker.
Engine events schedule a refresh, coalesced to at most ``1 / MIN_INTERVAL`` per second so a
burst of claims and steps causes neither flicker nor a storm of reads; a slow timer
(``SLOW_REFRESH``) catches heartbeats, which are not events. Elapsed times and heartbeat
ages tick once a second from the app's clock without reading the database. Widgets are
updated only where their text changed, so an idle monitor writes nothing.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.domain.models import Event
from core.domain.runs import (
    ActiveRun,
    ExecutionOverview,
    QueueEntry,
    RunStatus,
    Worker,
    WorkerStatus,
)
from core.errors import TaskyardError
from tui.context import taskyard_app
from tui.run_words import (
    STATUS_MARK,
    age_text,
    clock_text,
    elapsed,
    first_line,
    progress_words,
    spoken_step,
    worker_line,
    worker_words,
)
from tui.screens.log_feed import LogFeedScreen
from tui.task_commands import cancel_with_reason
from tui.widgets.card_words import PRIORITY_GLYPH
from tui.widgets.choice_list import ChoiceList
from tui.widgets.footer import KeyFooter
from tui.widgets.run_log import RunLog

MIN_INTERVAL = 0.25
"""Seconds between two overview reads at most (4 refreshes a second)."""
SLOW_REFRESH = 5.0
"""Seconds between reads when no event arrives (heartbeats and lost workers are not events)."""
QUEUE_LIMIT = 50
RECENT_LIMIT = 20
STOPPED_LISTED = 600.0
"""Seconds a stopped worker stays listed: every board session that ran workers leaves one
behind, so older ones are counted in one line instead."""


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


class ExecutionMonitorScreen(LogFeedScreen):
    """The execution monitor.

    | Key | Action |
    | :- | :- |
    | tab / shift+tab | Queue, running, recent, output |
    | up / down, digits, enter | Move in a list; enter opens the task |
    | l | Go to the output of the selected run |
    | p | Pause or resume the embedded workers |
    | w | Switch the embedded workers on or off |
    | c | Cancel the selected running task (asks why) |
    | a | Quick action |
    | r | Read everything again |
    | escape | Back to the board |
    """

    CSS_PATH = "monitor.tcss"
    AUTO_FOCUS = "#monitor-running"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "show_board", "Board", id="monitor.back", tooltip="Back to the board"),
        Binding(
            "p",
            "toggle_pause",
            "Pause/resume",
            id="monitor.pause",
            tooltip="Pause the embedded workers (running steps go on) or resume them",
        ),
        Binding(
            "w",
            "toggle_workers",
            "Workers on/off",
            id="monitor.workers",
            tooltip="Switch the embedded workers of this app on or off",
        ),
        Binding(
            "c",
            "cancel_task",
            "Cancel task",
            id="monitor.cancel",
            tooltip="Cancel the selected running task, saying why; its process ends",
        ),
        Binding(
            "l",
            "focus_output",
            "Output",
            show=False,
            id="monitor.output",
            tooltip="Go to the output of the selected run",
        ),
        Binding(
            "a",
            "quick_action",
            "Quick action",
            id="monitor.quick-action",
            tooltip="A one-off run of a command or prompt",
        ),
        Binding(
            "r", "reload_overview", "Reload", show=False, id="monitor.reload", tooltip="Read again"
        ),
    ]

    HELP = """
## Execution monitor

**Queue**: the ready tasks in the order workers take them, with how long each has waited
and why it waits ("next up", "retry backoff until 12:04:31", "waiting for a free worker
slot"). **Running**: each running task with its step ("step 2 of 6"), worker, elapsed time
and last line of output, then Run now requests waiting for a worker. **Workers**: health
(active, lost, stopped), heartbeat and slots. **Recent**: finished runs, newest first.

Highlight a running or recent run to see its output below; **enter** opens the task.
**p** pauses the embedded workers (running steps finish, nothing new starts) or resumes
them; **w** switches them off or on.
"""

    def __init__(self) -> None:
        super().__init__()
        self.overview: ExecutionOverview | None = None
        """The overview as last read."""
        self._refresh_timer: Timer | None = None
        self._last_refresh = 0.0
        self._rows: dict[str, list[str]] = {}
        """List id -> task ref of each row, for enter and cancel."""
        self._runs: dict[str, list[ActiveRun]] = {}
        """List id -> the run behind each row (running and recent)."""
        self._pipelines: tuple[str, ...] | None = None
        """The workers' pipelines (taskyard.toml): ready tasks none would run say so."""
        self._lists_shown = False
        """A list has been given focus once: from then on focus is the person's to move."""

    @property
    def spoken(self) -> bool:
        return taskyard_app(self).settings.screen_reader

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("Execution monitor", id="monitor-heading", markup=False)
        yield Static("Reading…", id="monitor-summary", markup=False)
        with Horizontal(id="monitor-top"):
            with Vertical(classes="monitor-box"):
                yield Static("Queue", id="monitor-queue-heading", classes="monitor-section")
                yield Static("", id="monitor-queue-empty", markup=False)
                yield ChoiceList(id="monitor-queue")
            with Vertical(classes="monitor-box"):
                yield Static("Running", id="monitor-running-heading", classes="monitor-section")
                yield Static("", id="monitor-running-empty", markup=False)
                yield ChoiceList(id="monitor-running")
        with Horizontal(id="monitor-middle"):
            with Vertical(classes="monitor-box"):
                yield Static("Workers", id="monitor-workers-heading", classes="monitor-section")
                yield Static("", id="monitor-workers", markup=False)
            with Vertical(classes="monitor-box"):
                yield Static("Recent", id="monitor-recent-heading", classes="monitor-section")
                yield Static("", id="monitor-recent-empty", markup=False)
                yield ChoiceList(id="monitor-recent")
        yield Static("Output", id="monitor-log-heading", classes="monitor-section")
        yield RunLog(id="monitor-log")
        yield Static("", id="monitor-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_class(self.spoken, "-screen-reader")
        self.query_one(KeyFooter).display = not self.spoken
        for name in ("queue", "running", "recent"):
            self.query_one(f"#monitor-{name}", ChoiceList).display = False
        app = taskyard_app(self)
        self._pipelines = app.worker_pipelines()
        app.engine_events.subscribe(self, self._on_engine_events)
        self.set_interval(SLOW_REFRESH, self.schedule_refresh)
        if not self.spoken:
            # Ticking text is read out on every change: in screen-reader mode the times are
            # brought up to date by the refreshes only.
            self.set_interval(1.0, self.tick)
        self.query_one(RunLog).show(None, placeholder="Highlight a running or recent run.")
        self.set_status("Tab moves between the lists; enter opens a task; p pauses the workers.")
        self.load_overview()

    def on_screen_resume(self) -> None:
        self.schedule_refresh()
        self.call_after_refresh(taskyard_app(self).place_cursor_on, self.focused)

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#monitor-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    # -- refreshing -----------------------------------------------------------------------
    def _on_engine_events(self, events: list[Event]) -> None:
        if self.spoken:
            for event in events:
                line = spoken_step(event)
                if line:
                    taskyard_app(self).report(line)
        self.schedule_refresh()

    def schedule_refresh(self) -> None:
        """Read the overview soon: at once if the last read is old enough, else once later.

        Any number of calls before the timer fires make one read.
        """
        if self._refresh_timer is not None:
            return
        wait = max(0.0, self._last_refresh + MIN_INTERVAL - time.monotonic())
        self._refresh_timer = self.set_timer(max(wait, 0.01), self._refresh_now)

    def _refresh_now(self) -> None:
        self._refresh_timer = None
        self.load_overview()

    @work(exclusive=True, group="load_overview", exit_on_error=False)
    async def load_overview(self) -> None:
        self._last_refresh = time.monotonic()
        app = taskyard_app(self)
        try:
            engine = await app.engine()
            overview = await engine.execution_overview(
                queue_limit=QUEUE_LIMIT, recent_limit=RECENT_LIMIT, pipelines=self._pipelines
            )
        except TaskyardError as exc:
            self.set_status(
                f"Cannot read the execution overview. {exc.message} {exc.hint or ''}".strip(),
                error=True,
            )
            return
        self.overview = overview
        self.show_overview(overview)

    def tick(self) -> None:
        """Elapsed times and heartbeat ages, from the clock only."""
        if self.overview is not None:
            self.show_overview(self.overview)

    # -- showing --------------------------------------------------------------------------
    def show_overview(self, overview: ExecutionOverview) -> None:
        now = taskyard_app(self).clock()
        self._update("#monitor-heading", self._heading())
        self._update("#monitor-summary", self._summary(overview))
        total = overview.queue_total
        shown = len(overview.queue)
        self._update(
            "#monitor-queue-heading",
            f"Queue, in the order workers take it: {_plural(total, 'task')}"
            + (f" ({shown} shown)" if shown < total else ""),
        )
        self._fill(
            "#monitor-queue",
            [e.card.ref for e in overview.queue],
            [self._queue_line(e, now) for e in overview.queue],
            "Nothing is ready to run.",
        )
        running = [*overview.running, *overview.queued_forced]
        self._update(
            "#monitor-running-heading",
            f"Running: {len(overview.running)}"
            + (
                f", and {len(overview.queued_forced)} Run now waiting for a worker"
                if overview.queued_forced
                else ""
            ),
        )
        self._runs["#monitor-running"] = running
        self._fill(
            "#monitor-running",
            [a.ref for a in running],
            [self._running_line(a, now) for a in running],
            "Nothing is running.",
        )
        busy: dict[str, int] = {}
        for active in overview.running:
            busy[active.run.worker_id] = busy.get(active.run.worker_id, 0) + 1
        listed = [
            w
            for w in overview.workers
            if w.status != WorkerStatus.STOPPED
            or (now - w.last_heartbeat_at).total_seconds() < STOPPED_LISTED
        ]
        lines = [self._worker_line(w, now, busy.get(w.id, 0)) for w in listed]
        if gone := len(overview.workers) - len(listed):
            lines.append(f"{_plural(gone, 'worker')} stopped over 10 minutes ago, not listed.")
        self._update("#monitor-workers-heading", f"Workers: {len(listed)}")
        none = "No worker has registered. Press w to switch on this app's workers."
        self._update("#monitor-workers", "\n".join(lines) or none)
        self._update("#monitor-recent-heading", f"Recent, newest first: {len(overview.recent)}")
        self._runs["#monitor-recent"] = list(overview.recent)
        self._fill(
            "#monitor-recent",
            [a.ref for a in overview.recent],
            [self._recent_line(a) for a in overview.recent],
            "Nothing has finished yet.",
        )
        self._focus_a_list()
        # New lines above the focused list (a wrapped heading, a longer queue) move it down:
        # the cursor follows once the update is laid out (R1).
        taskyard_app(self).place_cursor_after_layout(self.focused)
        self.refresh_bindings()
        self._follow_selected()

    def _focus_a_list(self) -> None:
        """Give focus to the first list shown (running, queue, recent) when nothing has it.

        The lists are hidden until the first overview arrives, so ``AUTO_FOCUS`` may find
        none to focus, and a list emptied under focus passes it on to whatever is next; the
        cursor must still be on a list's highlighted row (R1), whatever the load's timing.
        """
        focused = self.focused
        settled = focused is not None and focused.display
        if settled and (self._lists_shown or isinstance(focused, ChoiceList)):
            return  # the person's choice, once the lists have been shown
        for name in ("running", "queue", "recent"):
            choice_list = self.query_one(f"#monitor-{name}", ChoiceList)
            if choice_list.display:
                self._lists_shown = True
                choice_list.focus()
                return

    def _update(self, selector: str, text: str) -> None:
        """Change a line only when its text changed: an unchanged monitor writes nothing."""
        widget = self.query_one(selector, Static)
        if str(widget.render()) != text:
            widget.update(text)

    def _fill(self, selector: str, refs: list[str], lines: list[str], empty: str) -> None:
        choice_list = self.query_one(selector, ChoiceList)
        count = len(lines)
        prompts = [self._numbered(n, count, line) for n, line in enumerate(lines, start=1)]
        old = [
            str(choice_list.get_option_at_index(i).prompt) for i in range(choice_list.option_count)
        ]
        self._rows[selector] = refs
        if old != prompts:
            if len(old) == len(prompts):
                # Same rows, new words (a step moved on, a second passed): replace in place
                # so the highlight and the scroll position stay put.
                for index, (before, after) in enumerate(zip(old, prompts, strict=True)):
                    if before != after:
                        choice_list.replace_option_prompt_at_index(index, after)
            else:
                keep = choice_list.highlighted
                choice_list.set_options(Option(p, id=f"row-{n}") for n, p in enumerate(prompts))
                if prompts:
                    choice_list.highlighted = min(keep or 0, len(prompts) - 1)
        choice_list.display = bool(prompts)
        empty_widget = self.query_one(f"{selector}-empty", Static)
        empty_widget.display = not prompts
        if not prompts:
            self._update(f"{selector}-empty", empty)
            if choice_list.has_focus:
                self.focus_next()

    def _numbered(self, n: int, count: int, line: str) -> str:
        return f"{n} of {count}: {line}" if self.spoken else f"{n}. {line}"

    def _heading(self) -> str:
        app = taskyard_app(self)
        pool = app.pool
        if pool is None:
            workers = "embedded workers off (w switches them on)"
        else:
            state = "paused" if pool.paused else "taking tasks"
            workers = (
                f"embedded workers on, {state}: {_plural(pool.slots, 'slot')}, "
                f"{len(pool.running)} busy, worker {pool.worker_id}"
            )
        prefix = "Screen-reader mode on. " if self.spoken else ""
        return f"{prefix}Execution monitor · {workers}"

    def _summary(self, overview: ExecutionOverview) -> str:
        awaiting = overview.awaiting_approval_total
        pending = f" ({awaiting} of them wait for their command to be approved)" if awaiting else ""
        return (
            f"{_plural(overview.queue_total, 'task')} queued{pending} · "
            f"{len(overview.running)} running · "
            f"last hour: {overview.completed_last_hour} completed, "
            f"{overview.failed_last_hour} failed · throughput "
            f"{overview.throughput_per_min:.1f} runs a minute (last 10 minutes)"
        )

    def _queue_line(self, entry: QueueEntry, now: datetime) -> str:
        card = entry.card
        waited = age_text((now - card.updated_at).total_seconds())
        why = entry.waiting or "next up"
        return (
            f"{card.ref} {card.title} · {PRIORITY_GLYPH[card.priority]} {card.priority.value} · "
            f"waiting {waited} · {why}"
        )

    def _running_line(self, active: ActiveRun, now: datetime) -> str:
        run = active.run
        parts = [f"{active.ref} {active.title}", progress_words(run)]
        if run.step:
            parts.append(run.step)
        parts.append(worker_words(run.worker_id))
        if not self.spoken:
            parts.append(clock_text(elapsed(run, now)))
        else:
            parts.append(f"started {run.started_at:%H:%M:%S}")
        if active.last_line:
            parts.append(f"last: {first_line(active.last_line, 60)}")
        return " · ".join(parts)

    def _recent_line(self, active: ActiveRun) -> str:
        run = active.run
        took = clock_text(elapsed(run, run.finished_at or run.started_at))
        words = f"{STATUS_MARK[run.status]} {active.ref} {active.title} · attempt {run.attempt} · "
        words += run.status.value
        if run.exit_code is not None:
            words += f", exit code {run.exit_code}"
        words += f" · took {took}"
        if run.finished_at is not None:
            words += f" · finished {run.finished_at:%H:%M:%S}"
        if run.status != RunStatus.SUCCEEDED and run.error:
            words += f" · {first_line(run.error, 60)}"
        return words

    def _worker_line(self, worker: Worker, now: datetime, busy: int) -> str:
        if self.spoken and worker.status == WorkerStatus.ACTIVE:
            # No heartbeat age: it would change on every refresh and be read out each time.
            slots = f"{busy} of {_plural(worker.slots, 'slot')} busy"
            return f"{worker.id}, active, {slots}, host {worker.host}, pid {worker.pid}"
        if self.spoken:  # as the active line is said: no glyph, no age that changes each read
            last = worker.last_heartbeat_at.strftime("%H:%M UTC")
            return f"{worker.id}, {worker.status.value}, last heard at {last}, host {worker.host}"
        return worker_line(worker, now, busy)

    # -- selection ------------------------------------------------------------------------
    def _selected_run(self) -> ActiveRun | None:
        """The run whose output is shown: the focused list's, else the first running one."""
        for selector in ("#monitor-running", "#monitor-recent"):
            choice_list = self.query_one(selector, ChoiceList)
            runs = self._runs.get(selector, [])
            if choice_list.has_focus and choice_list.highlighted is not None and runs:
                return runs[min(choice_list.highlighted, len(runs) - 1)]
        log = self.query_one(RunLog)
        running = self._runs.get("#monitor-running", [])
        for runs in self._runs.values():
            for active in runs:
                if active.run.id == log.owner_id:
                    # The shown run ended and its task runs again (a retry): show the new one.
                    retry = next((r for r in running if r.run.task_id == active.run.task_id), None)
                    return retry or active
        return running[0] if running else None

    def _follow_selected(self) -> None:
        active = self._selected_run()
        log = self.query_one(RunLog)
        if active is None:
            return
        heading = f"Output of {active.ref} attempt {active.run.attempt}" + (
            " (live)" if active.run.status.active else f" ({active.run.status.value})"
        )
        self._update("#monitor-log-heading", heading)
        log.show(active.run.id)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.refresh_bindings()
        self._follow_selected()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        selector = f"#{event.option_list.id}"
        refs = self._rows.get(selector, [])
        if 0 <= event.option_index < len(refs):
            from tui.screens.task_detail import TaskDetailScreen

            self.app.push_screen(TaskDetailScreen(refs[event.option_index]))

    def _selected_running_ref(self) -> str | None:
        choice_list = self.query_one("#monitor-running", ChoiceList)
        runs = self._runs.get("#monitor-running", [])
        if not runs or choice_list.highlighted is None:
            return None
        return runs[min(choice_list.highlighted, len(runs) - 1)].ref

    # -- actions --------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_pause":
            return True if taskyard_app(self).pool is not None else None
        if action == "cancel_task":
            return True if self._selected_running_ref() is not None else None
        if action == "focus_output":
            return True if self.query_one(RunLog).owner_id else None
        return True

    def action_show_board(self) -> None:
        self.app.switch_mode("board")

    def action_quick_action(self) -> None:
        self.app.switch_mode("quick")

    def action_reload_overview(self) -> None:
        self.schedule_refresh()

    def action_focus_output(self) -> None:
        self.query_one(RunLog).focus()

    def action_toggle_pause(self) -> None:
        app = taskyard_app(self)
        pool = app.pool
        if pool is None:
            self.set_status("The embedded workers are off; w switches them on.")
            return
        if pool.paused:
            pool.resume()
            done = "Embedded workers resumed: they take tasks from the queue again."
        else:
            pool.pause()
            done = "Embedded workers paused: running steps go on, nothing new is started."
        self.set_status(done)
        app.report(done)
        self._update("#monitor-heading", self._heading())

    def action_toggle_workers(self) -> None:
        self.toggle_workers()

    @work(exclusive=True, group="toggle_workers", exit_on_error=False)
    async def toggle_workers(self) -> None:
        app = taskyard_app(self)
        if app.pool is not None:
            self.set_status("Stopping the embedded workers: running steps are cancelled…")
            await app.stop_pool()
            self.set_status("Embedded workers off. w switches them on again.")
        else:
            self.set_status("Starting the embedded workers…")
            if await app.start_pool():
                self.set_status("Embedded workers on: they take tasks from the queue.")
        self._update("#monitor-heading", self._heading())
        self.refresh_bindings()
        self.schedule_refresh()

    def action_cancel_task(self) -> None:
        ref = self._selected_running_ref()
        runs = self._runs.get("#monitor-running", [])
        active = next((a for a in runs if a.ref == ref), None)
        if ref is None or active is None:
            return
        from tui.modals.cancel import CancelModal

        def answered(reason: str | None) -> None:
            if reason is not None:
                self.cancel_task(ref, reason)

        self.app.push_screen(CancelModal(ref, active.title, running=True), answered)

    @work(group="cancel_task", exit_on_error=False)
    async def cancel_task(self, ref: str, reason: str) -> None:
        if await cancel_with_reason(self, ref, reason):
            self.schedule_refresh()
