"""``TaskDetailScreen``: one task in full, its dependencies both ways, history and attachments.

The screen reads top to bottom as a screen reader reads it: the ref and title, a status line
(refusals and results land there, where the user is looking), every field as "Field: value",
what blocks the task and the way out, the moves allowed from here (``FieldsPanel``), its runs
(Run now, Retry and Cancel, each attempt with its steps, and the live output of the selected
run: ``RunPanel``), the dependencies both ways (``DependenciesList``, a numbered list that
carries the terminal cursor), the description (Markdown), acceptance criteria and context
files (``DescriptionPanel``), attachments (``AttachmentsList``, another numbered list), and
the event history, newest first (``HistoryPanel``).

Data flow: the screen owns every engine call, each in a worker. The task is read in an
exclusive worker and handed down to the widgets; they post messages up when the user picks
an entry or when they need data (a run's steps, its output). Engine events that touch the
task or a task it is linked to schedule one debounced reload, which updates the widgets in
place so focus, list highlights and the scroll position stay where they were.

The module is over our ~600 lines because every engine call and key of the screen is here
(that is the data-flow rule above: widgets never call the engine); each part of the page is
drawn by its own widget module.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Static

from core.domain.models import Attachment, Event, Task, TaskStatus
from core.domain.runs import Run
from core.errors import TaskyardError
from tui import detail_actions, task_commands
from tui.context import report_done, taskyard_app
from tui.screens.log_feed import LogFeedScreen
from tui.task_words import (
    can_queue,
    can_retry,
    card_of,
    move_targets,
    run_action_lines,
    when,
)
from tui.widgets.attachments_list import AttachmentsList
from tui.widgets.choice_list import ChoiceList
from tui.widgets.dependencies_list import DependenciesList
from tui.widgets.description_panel import DescriptionPanel
from tui.widgets.fields_panel import FieldsPanel
from tui.widgets.footer import KeyFooter
from tui.widgets.history_panel import HistoryPanel
from tui.widgets.run_log import RunLog
from tui.widgets.run_panel import RunPanel

RELOAD_DELAY = 0.05
"""Seconds to gather a burst of events into one reload."""


class TaskDetailScreen(LogFeedScreen):
    """One task in full.

    | Key | Action |
    | :- | :- |
    | escape / backspace | Back to the board (or the task you came from) |
    | tab / shift+tab | Text, dependencies, attachments |
    | up / down, page up / page down | Scroll, or move in a list |
    | m | Every move the state machine allows from here |
    | R | Run now, ahead of the queue (backlog or ready, no open blockers) |
    | A | Approve the task's command, after reading it (workers run only approved ones) |
    | t | Retry a task blocked by a failure, or cancelled |
    | c | Cancel the task (asks why; a running step is stopped) |
    | o | Go to the list of runs |
    | l | Go to the output of the selected run |
    | e | Edit the task |
    | d | Go to the dependencies list |
    | g / enter | Open the selected dependency |
    | x | Remove the selected dependency (asks first) |
    | u | Queue: ready by itself when its blockers are done |
    | a | Go to the attachments list |
    | v / enter | View the selected attachment (text) |
    | s | Save the selected attachment to a file |
    | f | Attach a file (asks for its path) |
    | D / delete | Delete the task (asks first), back to the board |
    | r | Read the task again |
    """

    CSS_PATH = "task_detail.tcss"
    AUTO_FOCUS = "#detail-body"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,backspace",
            "back",
            "Back",
            id="task.back",
            tooltip="Back to the board, or to the task you came from",
        ),
        Binding(
            "m", "choose_move", "Move…", id="task.moves", tooltip="Every move allowed from here"
        ),
        Binding(
            "R",
            "run_now",
            "Run now",
            id="task.run-now",
            tooltip="Start the task now, ahead of the queue",
        ),
        Binding(
            "A",
            "approve_command",
            "Approve command",
            id="task.approve-command",
            tooltip="Approve the task's command so workers run it (shows it first)",
        ),
        Binding(
            "t",
            "retry",
            "Retry",
            id="task.retry",
            tooltip="Put a task blocked by a failure, or cancelled, back in ready",
        ),
        Binding(
            "c",
            "cancel_task",
            "Cancel task",
            id="task.cancel",
            tooltip="Cancel the task, saying why; a running step is stopped",
        ),
        Binding(
            "o",
            "focus_list('#runs-list')",
            "Runs",
            show=False,
            id="task.runs",
            tooltip="Go to the list of runs (each attempt, newest first)",
        ),
        Binding(
            "l",
            "focus_output",
            "Output",
            show=False,
            id="task.output",
            tooltip="Go to the output of the selected run",
        ),
        Binding("e", "edit", "Edit", id="task.edit", tooltip="Edit the task's fields"),
        Binding(
            "d",
            "focus_list('#detail-deps')",
            "Dependencies",
            show=False,
            id="task.dependencies",
            tooltip="Go to the list of tasks this one waits for and blocks",
        ),
        Binding(
            "g",
            "go_to_dependency",
            "Go to",
            id="task.go-to",
            tooltip="Open the selected dependency (escape comes back)",
        ),
        Binding(
            "x",
            "remove_dependency",
            "Remove dependency",
            id="task.remove-dependency",
            tooltip="Remove the selected dependency edge (asks first)",
        ),
        Binding(
            "u",
            "queue_when_unblocked",
            "Queue when unblocked",
            id="task.queue-when-unblocked",
            tooltip="Wait in blocked and become ready by itself when the blockers are done",
        ),
        Binding(
            "a",
            "focus_list('#detail-attachments')",
            "Attachments",
            show=False,
            id="task.attachments",
            tooltip="Go to the list of attachments",
        ),
        Binding(
            "v",
            "view_attachment",
            "View",
            show=False,
            id="task.view-attachment",
            tooltip="Read the selected text attachment",
        ),
        Binding(
            "s",
            "save_attachment",
            "Save",
            show=False,
            id="task.save-attachment",
            tooltip="Save the selected attachment to a file",
        ),
        Binding(
            "f",
            "attach_file",
            "Attach file",
            show=False,
            id="task.attach-file",
            tooltip="Attach a file to the task (asks for its path)",
        ),
        Binding(
            "D,delete",
            "delete_task",
            "Delete",
            show=False,
            id="task.delete",
            tooltip="Delete the task (asks first) and go back to the board",
        ),
        Binding("r", "reload_task", "Reload", show=False, id="task.reload", tooltip="Read again"),
    ]

    HELP = """
## Task detail

Everything about one task, top to bottom: its fields, what blocks it and the way out, the
moves allowed from its state, its runs, the description, acceptance criteria, context files,
dependencies both ways, attachments and the history of changes (newest first).

**Runs**: **R** runs the task now (when it is in backlog or ready and nothing it waits for
is open; otherwise the line under "Runs" says why not), **t** retries a task blocked by a
failure or cancelled, **c** cancels it after asking why. Each attempt is one line ("attempt
2 · running, step 2 of 6 · plan_impl · worker w-1 · 00:41") with its steps below; **o** goes
to the runs, **l** to the output of the highlighted run, which follows it live.

**Command**: a task runs a shell command only when one was set as its command (the task
form's Command field, `--command`), and only once that exact text is approved; a code block
in the description never runs. **A** shows the command and asks before approving it.
Changing the command withdraws the approval (when you change it yourself on this database,
it is approved by you at once).

**Attachments**: **f** attaches a file (type its path; a missing file, a folder or a file
over the size limit is explained under the field), **a** goes to the list, **v** reads the
selected one and **s** saves it to a file.

**D** (or **delete**) deletes the task after asking ("Keep it" is what enter alone picks)
and goes back to the board.

**Tab** moves between the text, the dependencies list and the attachments list; lists are
numbered, so a digit picks an entry. **Enter** on a dependency opens that task, and
**escape** comes back here. A move the state machine refuses is explained in the line under
the title and kept in the message log (**L**).
"""

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        """The task shown (its ref, or its id until loaded)."""
        self.shown_task: Task | None = None
        """The task as last read; ``None`` until the first load."""
        self._watched: set[str] = set()
        """Task ids whose events make this screen reload (this task and its neighbours)."""
        self._milestones: dict[str, str] = {}
        """Milestone id -> name, read once per screen."""
        self._reload_timer: Timer | None = None
        self.runs: list[Run] = []
        """The task's runs as last read."""

    @property
    def spoken(self) -> bool:
        return taskyard_app(self).settings.screen_reader

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(f"Task {self.ref}", id="detail-heading", markup=False)
        yield Static(f"Reading {self.ref}…", id="detail-status", markup=False)
        with VerticalScroll(id="detail-body"):
            yield FieldsPanel()
            yield RunPanel(id="detail-runs", clock=taskyard_app(self).clock, spoken=self.spoken)
            yield DependenciesList(list_id="detail-deps")
            yield DescriptionPanel()
            yield AttachmentsList(list_id="detail-attachments")
            yield HistoryPanel()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_class(self.spoken, "-screen-reader")
        taskyard_app(self).engine_events.subscribe(self, self._on_engine_events)
        self.load_task()

    def on_screen_resume(self) -> None:
        """Back on top after a dialog: the cursor returns to what has focus here (R1)."""
        self.call_after_refresh(taskyard_app(self).place_cursor_on, self.focused)

    def set_status(self, text: str, *, error: bool = False) -> None:
        """The line under the title: the last result or refusal, where the user looks."""
        status = self.query_one("#detail-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    # -- loading --------------------------------------------------------------------------
    @work(exclusive=True, group="load_task", exit_on_error=False)
    async def load_task(self) -> None:
        try:
            engine = await taskyard_app(self).engine()
            task = await engine.get_task(self.ref)
            if task.milestone_id and task.milestone_id not in self._milestones:
                for milestone in await engine.list_milestones(task.project_id):
                    self._milestones[milestone.id] = milestone.name
            runs = await engine.runs_of(task.id)
            events = await task_commands.read_history(engine, task.id)
        except TaskyardError as exc:
            text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
            self.set_status(f"Cannot read {self.ref}. {text}", error=True)
            return
        first = self.shown_task is None
        self.shown_task = task
        self.ref = task.ref
        await self._show(task, events)
        self._show_runs(task, runs)
        if first and (task.status == TaskStatus.BLOCKED or task.unresolved_blocker_count):
            self.set_status(
                "This task is held back: the way out is listed below. Question mark: every key."
            )
        elif first:
            self.set_status("Escape goes back. m moves the task. Question mark: every key.")
        self.refresh_bindings()

    async def _show(self, task: Task, events: list[Event]) -> None:
        self.query_one("#detail-heading", Static).update(f"{task.ref} {task.title}")
        milestone = (
            self._milestones.get(task.milestone_id, task.milestone_id)
            if task.milestone_id
            else None
        )
        self.query_one(FieldsPanel).show(
            task, milestone=milestone, targets=self._targets(task), key=self._key
        )
        await self.query_one(DescriptionPanel).show(task)
        self.query_one(DependenciesList).show(task)
        self.query_one(AttachmentsList).show(task.attachments)
        self.query_one(HistoryPanel).show(events)
        self._watched = {task.id, *(b.id for b in task.blocked_by), *(d.id for d in task.blocks)}
        # New content above the focused list moves it: put the terminal cursor back on it (R1).
        taskyard_app(self).place_cursor_after_layout(self.focused)

    def _key(self, action: str) -> str:
        """The key that runs ``action`` here, as shown in the footer (follows the keymap)."""
        for active in self.active_bindings.values():
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        return action

    def _targets(self, task: Task) -> list[TaskStatus]:
        return move_targets(task.status, auto_approve=taskyard_app(self).auto_approve)

    def _on_engine_events(self, events: list[Event]) -> None:
        if not any(e.task_id in self._watched for e in events):
            return
        if self._reload_timer is not None:
            self._reload_timer.stop()
        self._reload_timer = self.set_timer(RELOAD_DELAY, self.load_task)

    # -- runs -----------------------------------------------------------------------------
    def _show_runs(self, task: Task, runs: list[Run]) -> None:
        self.runs = runs
        actions = run_action_lines(
            task,
            runs,
            targets=self._targets(task),
            runs_as=self._runs_as(task),
            key=self._key,
        )
        self.query_one(RunPanel).show(runs, "\n".join(actions))

    def _runs_as(self, task: Task) -> list[str]:
        """What a worker would start, step by step, so Run now holds no surprise."""
        from core.orchestrator.step_preview import preview_steps

        if task.status not in (TaskStatus.BACKLOG, TaskStatus.READY, TaskStatus.BLOCKED):
            return []
        config = taskyard_app(self).worker_config()
        if config is None:
            return ["  Runs as: unknown (taskyard.toml's orchestrator settings are invalid)."]
        steps = preview_steps(config, task)
        if isinstance(steps, str):
            return []  # the Run now line and the board already say there is nothing to run
        return [f"  Runs as {step.line()}" for step in steps]

    @on(RunPanel.StepsNeeded)
    def _steps_needed(self, event: RunPanel.StepsNeeded) -> None:
        event.stop()
        self.load_steps(event.panel, event.run_id)

    @work(exclusive=True, group="load_steps", exit_on_error=False)
    async def load_steps(self, panel: RunPanel, run_id: str) -> None:
        try:
            engine = await taskyard_app(self).engine()
            steps = await engine.run_steps(run_id)
        except TaskyardError as exc:
            panel.steps_unread(exc.message)
            return
        panel.show_steps(run_id, steps)

    # -- what applies ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        task = self.shown_task
        if action in {"choose_move", "edit", "attach_file", "delete_task"}:
            return True if task is not None else None
        if action in {"go_to_dependency", "remove_dependency"}:
            return True if self.query_one(DependenciesList).entries else None
        if action == "queue_when_unblocked":
            return task is not None and can_queue(task, self._targets(task))
        if action in {"view_attachment", "save_attachment"}:
            return True if self.query_one(AttachmentsList).entries else None
        if action == "run_now":
            # Open blockers leave the key on: pressing it says which ones (from the engine).
            if task is None or any(r.status.active for r in self.runs):
                return None
            return True if task.status in (TaskStatus.BACKLOG, TaskStatus.READY) else None
        if action == "retry":
            return True if task is not None and can_retry(task) else None
        if action == "approve_command":
            # Shown only while there is a command to approve: most tasks have none.
            return task is not None and task.command is not None and not task.command.approved
        if action == "cancel_task":
            # Where the state machine lets the task go to cancelled from.
            cancellable = task is not None and TaskStatus.CANCELLED in self._targets(task)
            return True if cancellable else None
        if action == "focus_output":
            return True if self.runs else None
        return True

    # -- actions --------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload_task(self) -> None:
        self.load_task()

    def action_focus_list(self, selector: str) -> None:
        choice_list = self.query_one(selector, ChoiceList)
        if choice_list.display:
            choice_list.focus()
            choice_list.scroll_visible(animate=False)
        else:
            self.set_status("Nothing to select there: the list is empty.")

    def action_focus_output(self) -> None:
        output = self.query_one(RunLog)
        if output.display:
            output.focus()
            output.scroll_visible(animate=False)

    def action_run_now(self) -> None:
        self.run_now()

    @work(group="run_now", exit_on_error=False)
    async def run_now(self) -> None:
        task = self.shown_task
        if task is not None and await task_commands.run_now(self, task):
            self.load_task()

    def action_approve_command(self) -> None:
        task = self.shown_task
        if task is None or task.command is None or task.command.approved:
            return
        info = task.command
        from tui.modals.confirm import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self.approve_command(task.ref, info.hash)
            else:
                self.set_status(f"{task.ref}'s command was not approved; workers will not run it.")

        who = f" Set by {info.set_by} at {when(info.set_at)}." if info.set_by else ""
        self.app.push_screen(
            ConfirmModal(
                f"Approve the command of {task.ref}? Workers will run exactly this, as a shell "
                f"command:\n\n{info.text}\n\n{who.strip()}",
                yes="Approve: workers may run this command",
                no="Do not approve",
            ),
            answered,
        )

    @work(group="approve_command", exit_on_error=False)
    async def approve_command(self, ref: str, expected_hash: str) -> None:
        if await task_commands.approve_command(self, ref, expected_hash):
            self.load_task()

    def action_retry(self) -> None:
        self.retry_task()

    @work(group="retry_task", exit_on_error=False)
    async def retry_task(self) -> None:
        task = self.shown_task
        if task is not None and await task_commands.retry(self, task):
            self.load_task()

    def action_cancel_task(self) -> None:
        task = self.shown_task
        if task is None:
            return
        from tui.modals.cancel import CancelModal

        running = any(r.status.active for r in self.runs)

        def answered(reason: str | None) -> None:
            if reason is None:
                self.set_status(f"{task.ref} was not cancelled.")
            else:
                self.cancel_task(task.ref, reason)

        self.app.push_screen(CancelModal(task.ref, task.title, running=running), answered)

    @work(group="cancel_task", exit_on_error=False)
    async def cancel_task(self, ref: str, reason: str) -> None:
        if await task_commands.cancel_with_reason(self, ref, reason):
            self.load_task()

    def action_edit(self) -> None:
        from tui.modals.task_form import open_task_form

        open_task_form(self.app, self.ref)

    def action_choose_move(self) -> None:
        task = self.shown_task
        if task is None:
            return
        from tui.modals.move import MoveChoice, MoveModal

        def chosen(choice: MoveChoice | None) -> None:
            if choice is not None:
                self.move_task(choice.status, when_unblocked=choice.when_unblocked)

        self.app.push_screen(
            MoveModal(card_of(task), self._targets(task), spoken=self.spoken), chosen
        )

    def action_queue_when_unblocked(self) -> None:
        self.move_task(TaskStatus.READY, when_unblocked=True)

    @work(group="move_task", exit_on_error=False)
    async def move_task(self, status: TaskStatus, *, when_unblocked: bool = False) -> None:
        task = self.shown_task
        if task is None:
            return
        from tui.moves import move_task

        outcome = await move_task(
            taskyard_app(self),
            task.ref,
            status,
            when_unblocked=when_unblocked,
            expected_version=task.version,
        )
        self.set_status(outcome.text, error=outcome.task is None)
        self.load_task()

    @on(DependenciesList.Opened)
    def _dependency_opened(self, event: DependenciesList.Opened) -> None:
        event.stop()
        self.app.push_screen(TaskDetailScreen(event.link.ref))

    def action_go_to_dependency(self) -> None:
        selected = self.query_one(DependenciesList).selected
        if selected is not None:
            self.app.push_screen(TaskDetailScreen(selected[1].ref))

    def action_remove_dependency(self) -> None:
        task = self.shown_task
        selected = self.query_one(DependenciesList).selected
        if task is None or selected is None:
            return
        direction, other = selected
        edge = (task.ref, other.ref) if direction == "blocked_by" else (other.ref, task.ref)
        waiting, blocker = edge
        from tui.modals.confirm import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self.remove_dependency(waiting, blocker)
            else:
                self.set_status("Dependency kept.")

        self.app.push_screen(
            ConfirmModal(
                f"Remove the dependency: {waiting} waits for {blocker}? {waiting} will no longer "
                f"wait for {blocker} to be done.",
                yes=f"Remove it: {waiting} stops waiting for {blocker}",
                no="Keep it",
            ),
            answered,
        )

    @work(group="remove_dependency", exit_on_error=False)
    async def remove_dependency(self, waiting: str, blocker: str) -> None:
        if await task_commands.remove_dependency(self, waiting, blocker):
            self.load_task()

    @on(AttachmentsList.Opened)
    def _attachment_opened(self, event: AttachmentsList.Opened) -> None:
        event.stop()
        self.open_attachment(event.attachment, save=False)

    def action_delete_task(self) -> None:
        detail_actions.delete_task(self)

    def action_attach_file(self) -> None:
        detail_actions.attach_file(self)

    def action_view_attachment(self) -> None:
        attachment = self.query_one(AttachmentsList).selected
        if attachment is not None:
            self.open_attachment(attachment, save=False)

    def action_save_attachment(self) -> None:
        attachment = self.query_one(AttachmentsList).selected
        if attachment is not None:
            self.open_attachment(attachment, save=True)

    @work(group="open_attachment", exit_on_error=False)
    async def open_attachment(self, attachment: Attachment, *, save: bool) -> None:
        from tui.modals.attachments import AttachmentViewModal, SaveAttachmentModal, as_text

        read = await task_commands.read_attachment(self, attachment)
        if read is None:
            return
        meta, data = read
        if not save:
            content = as_text(meta, data)
            if content is not None:
                await self.app.push_screen(AttachmentViewModal(meta, content))
                return
            self.set_status(
                f"{meta.name} is not text ({meta.content_type}); it can only be saved. "
                f"Press {self._key('save_attachment')} to save it to a file."
            )

        def saved(path: Path | None) -> None:
            if path is not None:
                report_done(self, f"Saved {meta.name} to {path}.")

        await self.app.push_screen(SaveAttachmentModal(meta, data, directory=Path.cwd()), saved)
