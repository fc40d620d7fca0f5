"""``TaskDetailScreen``: one task in full, its dependencies both ways, history and attachments.

The screen reads top to bottom as a screen reader reads it: the ref and title, a status line
(refusals and results land there, where the user is looking), every field as "Field: value",
what blocks the task and the way out, the moves allowed from here, its runs (Run now, Retry
and Cancel, each attempt with its steps, and the live output of the selected run), the
dependencies both ways (a numbered list that carries the terminal cursor), the description
(Markdown), acceptance criteria, context files, attachments (another numbered list), and the
event history, newest first.

Data flow: the task is read through the engine in an exclusive worker; engine events that
touch the task or a task it is linked to schedule one debounced reload, which updates the
widgets in place so focus, list highlights and the scroll position stay where they were.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from core.domain.models import (
    Attachment,
    DependencyReason,
    Event,
    FailureReason,
    Task,
    TaskCard,
    TaskLink,
    TaskStatus,
)
from core.domain.runs import Run
from core.domain.states import allowed_targets, is_resolved
from core.errors import TaskyardError
from tui.context import attempt, cancel_with_reason, taskyard_app
from tui.widgets.choice_list import ChoiceList
from tui.widgets.footer import StableFooter
from tui.widgets.run_log import RunLog
from tui.widgets.run_panel import RunPanel
from tui.widgets.task_list import PRIORITY_GLYPH, blocked_words

BOARD_ORDER = tuple(TaskStatus)
RELOAD_DELAY = 0.05
"""Seconds to gather a burst of events into one reload."""
HISTORY_PAGE = 500
HISTORY_PAGES = 20
"""At most this many pages of events are read for the history (10,000 events)."""


# -- words ------------------------------------------------------------------------------------
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


def event_summary(event: Event) -> str:
    """What an event did, in words."""
    p = event.payload
    kind = event.type
    if kind == "task.created":
        status = str(p.get("status", "")).replace("_", " ")
        return f"created in {status}" if status else "created"
    if "to" in p and "from" in p:
        text = f"moved from {str(p['from']).replace('_', ' ')} to {str(p['to']).replace('_', ' ')}"
        reason = p.get("reason")
        return f"{text} ({reason})" if reason else text
    if kind == "task.assigned":
        return f"assigned to {p['assignee']}" if p.get("assignee") else "unassigned"
    if kind == "task.updated":
        fields = p.get("fields") or []
        text = "changed " + ", ".join(str(f).replace("_", " ") for f in fields)
        command = p.get("command")
        if isinstance(command, dict):
            if command.get("approved_by"):
                text += f"; command changed, approved by {command['approved_by']}"
            elif command.get("approval_lapsed"):
                text += "; command changed, its approval lapsed"
            elif command.get("hash"):
                text += "; command changed, not approved"
            else:
                text += "; command removed"
        return text
    if kind == "task.command_approved":
        return f"approved its command (hash {p.get('hash', '?')})"
    if kind == "task.dependency_added":
        return f"now waits for {p.get('blocker_ref', 'another task')}"
    if kind == "task.dependency_removed":
        return f"no longer waits for {p.get('blocker_ref', 'another task')}"
    if kind == "task.attachment_added":
        return f"attached {p.get('name', 'a file')}"
    if kind == "task.deleted":
        return "deleted"
    rest = {k: v for k, v in p.items() if k != "ref" and v not in (None, [], {}, "")}
    return ", ".join(f"{k} {v}" for k, v in rest.items()) or kind.rsplit(".", 1)[-1]


def event_line(event: Event) -> str:
    """``2026-11-02 09:07 UTC demo task.created: created in backlog``."""
    return f"{when(event.at)} {event.actor} {event.type}: {event_summary(event)}"


def blocked_lines(task: Task) -> list[str]:
    """Why the task cannot move on, in words; empty when nothing holds it back."""
    unresolved = [b for b in task.blocked_by if not is_resolved(b.status)]
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


def _numbered(choices: list[tuple[str, str]]) -> list[Option]:
    """Options numbered the way ``ChoiceList`` numbers them."""
    return [Option(f"{n}. {words}", id=oid) for n, (oid, words) in enumerate(choices, start=1)]


class TaskDetailScreen(Screen[None]):
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
        Binding("m", "moves", "Move…", id="task.moves", tooltip="Every move allowed from here"),
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
        Binding("r", "reload", "Reload", show=False, id="task.reload", tooltip="Read again"),
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
        self._links: dict[str, tuple[str, TaskLink]] = {}
        """Dependency option id -> ("blocked_by" | "blocks", the other task)."""
        self._attachments: dict[str, Attachment] = {}
        self._watched: set[str] = set()
        """Task ids whose events make this screen reload (this task and its neighbours)."""
        self._milestones: dict[str, str] = {}
        """Milestone id -> name, read once per screen."""
        self._reload_timer: Timer | None = None
        self._markdown_source: str | None = None
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
            yield Static(id="detail-fields", markup=False)
            yield Static(id="detail-blocked", markup=False)
            yield Static("Command", id="detail-command-heading", classes="detail-section")
            yield Static(id="detail-command", markup=False)
            yield Static(id="detail-moves", markup=False)
            yield Static("Runs", id="detail-runs-heading", classes="detail-section")
            yield RunPanel(id="detail-runs")
            yield Static("Dependencies", id="detail-deps-heading", classes="detail-section")
            yield Static(id="detail-deps-empty", markup=False)
            yield ChoiceList(id="detail-deps")
            yield Static("Description", classes="detail-section")
            yield Markdown("", id="detail-description")
            yield Static("Acceptance criteria", classes="detail-section")
            yield Static(id="detail-criteria", markup=False)
            yield Static("Context files", classes="detail-section")
            yield Static(id="detail-context", markup=False)
            yield Static("Attachments", id="detail-attachments-heading", classes="detail-section")
            yield Static(id="detail-attachments-empty", markup=False)
            yield ChoiceList(id="detail-attachments")
            yield Static(
                "History, newest first", id="detail-history-heading", classes="detail-section"
            )
            yield Static(id="detail-history", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        self.set_class(self.spoken, "-screen-reader")
        self.query_one("#detail-deps", ChoiceList).display = False
        self.query_one("#detail-attachments", ChoiceList).display = False
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
    @work(exclusive=True, group="detail-load", exit_on_error=False)
    async def load_task(self) -> None:
        try:
            engine = await taskyard_app(self).engine()
            task = await engine.get_task(self.ref)
            if task.milestone_id and task.milestone_id not in self._milestones:
                for milestone in await engine.list_milestones(task.project_id):
                    self._milestones[milestone.id] = milestone.name
            runs = await engine.runs_of(task.id)
            events: list[Event] = []
            since = 0
            for _ in range(HISTORY_PAGES):
                page = await engine.events(since=since, limit=HISTORY_PAGE, task=task.id)
                events.extend(page)
                if len(page) < HISTORY_PAGE:
                    break
                since = page[-1].seq
        except TaskyardError as exc:
            text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
            self.set_status(f"Cannot read {self.ref}. {text}", error=True)
            return
        first = self.shown_task is None
        self.shown_task = task
        self.ref = task.ref
        await self._show(task, events)
        self._show_runs(task, runs)
        if first:
            self.set_status(self._idle_status(task))
        self.refresh_bindings()

    def _idle_status(self, task: Task) -> str:
        if task.status == TaskStatus.BLOCKED or task.unresolved_blocker_count:
            return "This task is held back: the way out is listed below. Question mark: every key."
        return "Escape goes back. m moves the task. Question mark: every key."

    async def _show(self, task: Task, events: list[Event]) -> None:
        heading = f"{task.ref} {task.title}"
        self.query_one("#detail-heading", Static).update(heading)
        self.query_one("#detail-fields", Static).update(self._fields(task))
        blocked = blocked_lines(task)
        blocked.extend(self._way_out(task))
        block_widget = self.query_one("#detail-blocked", Static)
        block_widget.update("\n".join(blocked))
        block_widget.display = bool(blocked)
        self.query_one("#detail-command", Static).update("\n".join(self._command_lines(task)))
        self.query_one("#detail-moves", Static).update(self._moves_text(task))

        source = task.description.strip() or "_No description._"
        if source != self._markdown_source:
            self._markdown_source = source
            await self.query_one("#detail-description", Markdown).update(source)
        criteria = "\n".join(f"☐ {c}" for c in task.acceptance_criteria) or "None."
        self.query_one("#detail-criteria", Static).update(criteria)
        files = "\n".join(task.context_files) or "None."
        self.query_one("#detail-context", Static).update(files)

        self._show_dependencies(task)
        self._show_attachments(task)
        lines = [event_line(e) for e in reversed(events)] or ["No events."]
        self.query_one("#detail-history-heading", Static).update(
            f"History, newest first ({len(events)} event" + ("" if len(events) == 1 else "s") + ")"
        )
        self.query_one("#detail-history", Static).update("\n".join(lines))
        self._watched = {task.id, *(b.id for b in task.blocked_by), *(d.id for d in task.blocks)}
        # New content above the focused list moves it: put the terminal cursor back on it (R1).
        taskyard_app(self).place_cursor_after_layout(self.focused)

    def _fields(self, task: Task) -> Text:
        rows: list[tuple[str, str]] = [
            ("Status", task.status.label),
            ("Priority", f"{PRIORITY_GLYPH[task.priority]} {task.priority.value}"),
            ("Type", task.task_type),
            ("Labels", ", ".join(task.labels) or "none"),
            (
                "Milestone",
                self._milestones.get(task.milestone_id, task.milestone_id)
                if task.milestone_id
                else "none",
            ),
            ("Assignee", task.assignee or "unassigned"),
            ("Due", when(task.due_date) or "no due date"),
            (
                "Effort",
                f"{task.effort_estimate:g}"
                if task.effort_estimate is not None
                else "not estimated",
            ),
            ("Created", when(task.created_at)),
            ("Updated", when(task.updated_at)),
            ("Completed", when(task.completed_at) or "not completed"),
            ("Source", task.source.value.replace("_", " ")),
            ("External id", task.external_id or "none"),
        ]
        if task.unresolved_blocker_count:
            rows.insert(1, ("Blocked", f"⊘ {blocked_words(task.unresolved_blocker_count)}"))
        text = Text()
        for i, (name, value) in enumerate(rows):
            if i:
                text.append("\n")
            text.append(f"{name}: ", style="bold")
            text.append(value)
        return text

    def _command_lines(self, task: Task) -> list[str]:
        """The command, who set it, and whether workers may run it (or the key to approve)."""
        info = task.command
        if info is None:
            return [
                f"None (a code block in the description never runs; {self._key('edit')} sets one)."
            ]
        lines = [f"$ {line}" for line in info.text.splitlines() or [""]]
        if info.set_by:
            lines.append(f"Set by {info.set_by} at {when(info.set_at)}.")
        if info.approved:
            lines.append(
                f"Approved by {info.approved_by} at {when(info.approved_at)}: workers run it."
            )
        else:
            lapsed = " (it changed since it was approved)" if info.lapsed else ""
            lines.append(
                f"⚠ Not approved{lapsed}: workers will not run it. Press "
                f"{self._key('approve_command')} to approve it after reading it."
            )
        return lines

    def _key(self, action: str) -> str:
        """The key that runs ``action`` here, as shown in the footer (follows the keymap)."""
        for active in self.active_bindings.values():
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        return action

    def _way_out(self, task: Task) -> list[str]:
        """The keys that get a held-back task going."""
        unresolved = [b for b in task.blocked_by if not is_resolved(b.status)]
        if not unresolved and task.status != TaskStatus.BLOCKED:
            return []
        lines: list[str] = []
        if unresolved:
            lines.append(
                f"Way out: in the dependencies list, {self._key('go_to_dependency')} opens the "
                f"selected blocker and {self._key('remove_dependency')} removes that dependency."
            )
            if self._can_queue(task):
                lines.append(
                    f"Or press {self._key('queue_when_unblocked')} to queue it: it waits in "
                    "blocked and becomes ready by itself when its blockers are done or cancelled."
                )
        elif task.status == TaskStatus.BLOCKED:
            lines.append(f"Way out: when the cause is sorted out, {self._key('moves')} moves it.")
        return lines

    # -- runs -----------------------------------------------------------------------------
    def _show_runs(self, task: Task, runs: list[Run]) -> None:
        self.runs = runs
        active = next((r for r in runs if r.status.active), None)
        heading = f"Runs ({len(runs)})"
        if active is not None:
            heading += f": attempt {active.attempt} is {active.status.value}"
        self.query_one("#detail-runs-heading", Static).update(heading)
        self.query_one(RunPanel).show(runs, "\n".join(self._run_actions(task)))

    def _run_now_refusal(self, task: Task) -> str | None:
        """Why Run now does not apply to the task; ``None`` when it does."""
        if any(r.status.active for r in self.runs):
            return "it is running already."
        if task.status not in (TaskStatus.BACKLOG, TaskStatus.READY):
            return f"it is {task.status.label}; Run now starts tasks in backlog or ready."
        if task.command is not None and not task.command.approved:
            return (
                f"its command is not approved; {self._key('approve_command')} approves it "
                "after showing it."
            )
        unresolved = [b for b in task.blocked_by if not is_resolved(b.status)]
        if unresolved:
            names = "; ".join(link_words(b) for b in unresolved)
            return f"it waits for {names}."
        return None

    def _can_retry(self, task: Task) -> bool:
        return task.status == TaskStatus.CANCELLED or (
            task.status == TaskStatus.BLOCKED and isinstance(task.blocked_reason, FailureReason)
        )

    def _can_cancel(self, task: Task) -> bool:
        """Whether the state machine lets the task go to cancelled from where it is."""
        return TaskStatus.CANCELLED in self._targets(task)

    def _run_actions(self, task: Task) -> list[str]:
        """What Run now, Retry and Cancel would do here, or why they do not apply."""
        refusal = self._run_now_refusal(task)
        run_key = self._key("run_now")
        lines = [
            f"Run now ({run_key}): starts it now, ahead of the queue."
            if refusal is None
            else f"Run now ({run_key}): not now, {refusal}"
        ]
        lines += self._runs_as(task)
        retry_key = self._key("retry")
        if self._can_retry(task):
            lines.append(f"Retry ({retry_key}): back to ready for another attempt.")
        else:
            lines.append(f"Retry ({retry_key}): only for a task blocked by a failure or cancelled.")
        cancel_key = self._key("cancel_task")
        if self._can_cancel(task):
            lines.append(f"Cancel ({cancel_key}): asks why, then stops it.")
        else:
            lines.append(
                f"Cancel ({cancel_key}): not from {task.status.label}; the state machine does "
                "not allow it."
            )
        return lines

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

    def _targets(self, task: Task) -> list[TaskStatus]:
        auto = taskyard_app(self).auto_approve
        allowed = allowed_targets(task.status, auto_approve=auto)
        return [s for s in BOARD_ORDER if s in allowed]

    def _moves_text(self, task: Task) -> str:
        targets = self._targets(task)
        names = ", ".join(s.label for s in targets) or "nowhere"
        text = f"Moves from {task.status.label} ({self._key('moves')}): {names}."
        if TaskStatus.IN_PROGRESS in targets:
            text += " In progress is entered when a worker starts it."
        return text

    def _can_queue(self, task: Task) -> bool:
        """Queue when unblocked makes sense: blockers remain and it is not queued already."""
        parked = task.status == TaskStatus.BLOCKED and isinstance(
            task.blocked_reason, DependencyReason
        )
        return (
            bool(task.unresolved_blocker_count)
            and not parked
            and TaskStatus.READY in self._targets(task)
        )

    def _show_dependencies(self, task: Task) -> None:
        choices: list[tuple[str, str]] = []
        self._links = {}
        for n, link in enumerate(task.blocked_by):
            oid = f"blocked-by-{n}"
            self._links[oid] = ("blocked_by", link)
            choices.append((oid, f"Blocked by {link_words(link)}"))
        for n, link in enumerate(task.blocks):
            oid = f"blocks-{n}"
            self._links[oid] = ("blocks", link)
            choices.append((oid, f"Blocks {link_words(link)}"))
        unresolved = task.unresolved_blocker_count
        self.query_one("#detail-deps-heading", Static).update(
            f"Dependencies: blocked by {len(task.blocked_by)} ({unresolved} not done or "
            f"cancelled), blocks {len(task.blocks)}"
        )
        self._fill(
            "#detail-deps",
            choices,
            "None: this task waits for no task and no task waits for it.",
        )

    def _show_attachments(self, task: Task) -> None:
        self._attachments = {}
        choices: list[tuple[str, str]] = []
        for n, attachment in enumerate(task.attachments):
            oid = f"attachment-{n}"
            self._attachments[oid] = attachment
            from tui.modals.attachments import size_words

            choices.append(
                (
                    oid,
                    f"{attachment.name} ({size_words(attachment.size)}, {attachment.content_type})",
                )
            )
        self.query_one("#detail-attachments-heading", Static).update(
            f"Attachments ({len(choices)})"
        )
        self._fill("#detail-attachments", choices, "None.")

    def _fill(self, selector: str, choices: list[tuple[str, str]], empty: str) -> None:
        """Refill a list in place, keeping its highlight (and so the cursor) where it was."""
        choice_list = self.query_one(selector, ChoiceList)
        keep = choice_list.highlighted
        choice_list.set_options(_numbered(choices))
        choice_list.display = bool(choices)
        if choices:
            choice_list.highlighted = min(keep or 0, len(choices) - 1)
        elif choice_list.has_focus:
            self.query_one("#detail-body").focus()
        self.query_one(f"{selector}-empty", Static).update("" if choices else empty)
        self.query_one(f"{selector}-empty", Static).display = not choices

    def _on_engine_events(self, events: list[Event]) -> None:
        if not any(e.task_id in self._watched for e in events):
            return
        if self._reload_timer is not None:
            self._reload_timer.stop()
        self._reload_timer = self.set_timer(RELOAD_DELAY, self.load_task)

    # -- selections -----------------------------------------------------------------------
    def _selected(self, selector: str) -> str | None:
        choice_list = self.query_one(selector, ChoiceList)
        if not choice_list.display or choice_list.highlighted is None:
            return None
        return choice_list.get_option_at_index(choice_list.highlighted).id

    @property
    def selected_link(self) -> tuple[str, TaskLink] | None:
        """The highlighted dependency: its direction and the other task."""
        oid = self._selected("#detail-deps")
        return self._links.get(oid) if oid else None

    @property
    def selected_attachment(self) -> Attachment | None:
        oid = self._selected("#detail-attachments")
        return self._attachments.get(oid) if oid else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        task = self.shown_task
        if action in {"moves", "edit"}:
            return True if task is not None else None
        if action in {"go_to_dependency", "remove_dependency"}:
            return True if self._links else None
        if action == "queue_when_unblocked":
            return task is not None and self._can_queue(task)
        if action in {"view_attachment", "save_attachment"}:
            return True if self._attachments else None
        if action == "run_now":
            # Open blockers leave the key on: pressing it says which ones (from the engine).
            if task is None or any(r.status.active for r in self.runs):
                return None
            return True if task.status in (TaskStatus.BACKLOG, TaskStatus.READY) else None
        if action == "retry":
            return True if task is not None and self._can_retry(task) else None
        if action == "approve_command":
            # Shown only while there is a command to approve: most tasks have none.
            return task is not None and task.command is not None and not task.command.approved
        if action == "cancel_task":
            return True if task is not None and self._can_cancel(task) else None
        if action == "focus_output":
            return True if self.runs else None
        return True

    # -- actions --------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
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

    @work(group="detail-run", exit_on_error=False)
    async def run_now(self) -> None:
        task = self.shown_task
        if task is None:
            return
        app = taskyard_app(self)
        run = await attempt(
            self,
            lambda engine: engine.run_now(task.ref),
            refused="Run now refused",
            title=f"{task.ref} not started",
        )
        if run is None:
            return
        if app.pool is None:
            where = (
                "Embedded workers are off: turn them on in the execution monitor, or start "
                "`taskyard worker`."
            )
        elif app.pool.paused:
            where = "Embedded workers are paused: resume them in the execution monitor."
        else:
            where = "A worker of this app picks it up now."
        done = f"{task.ref} attempt {run.attempt} is {run.status.value}. {where}"
        self.set_status(done)
        app.report(done)
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

    @work(group="detail-approve", exit_on_error=False)
    async def approve_command(self, ref: str, expected_hash: str) -> None:
        app = taskyard_app(self)
        approved = await attempt(
            self,
            lambda engine: engine.approve_commands([ref], expected_hashes={ref: expected_hash}),
            refused="Not approved",
            title=f"{ref}'s command not approved",
        )
        if approved is None:
            return
        done = f"{ref}'s command is approved; workers may run it."
        self.set_status(done)
        app.report(done)
        self.load_task()

    def action_retry(self) -> None:
        self.retry_task()

    @work(group="detail-run", exit_on_error=False)
    async def retry_task(self) -> None:
        task = self.shown_task
        if task is None:
            return
        app = taskyard_app(self)
        retried = await attempt(
            self,
            lambda engine: engine.retry(task.ref),
            refused="Not retried",
            title=f"{task.ref} not retried",
        )
        if retried is None:
            return
        done = (
            f"{retried.ref} is back in {retried.status.label} for attempt "
            f"{retried.retry_count + 1}."
        )
        self.set_status(done)
        app.report(done)
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

    @work(group="detail-run", exit_on_error=False)
    async def cancel_task(self, ref: str, reason: str) -> None:
        if await cancel_with_reason(self, ref, reason):
            self.load_task()

    def action_edit(self) -> None:
        from tui.modals.task_form import open_task_form

        open_task_form(self.app, self.ref)

    def action_moves(self) -> None:
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

    @work(group="detail-move", exit_on_error=False)
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

    @on(OptionList.OptionSelected, "#detail-deps")
    def _dependency_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_go_to_dependency()

    def action_go_to_dependency(self) -> None:
        selected = self.selected_link
        if selected is None:
            return
        self.app.push_screen(TaskDetailScreen(selected[1].ref))

    def action_remove_dependency(self) -> None:
        task = self.shown_task
        selected = self.selected_link
        if task is None or selected is None:
            return
        direction, other = selected
        if direction == "blocked_by":
            waiting, blocker = task.ref, other.ref
        else:
            waiting, blocker = other.ref, task.ref
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

    @work(group="detail-dependency", exit_on_error=False)
    async def remove_dependency(self, waiting: str, blocker: str) -> None:
        engine = await taskyard_app(self).engine()
        try:
            await engine.remove_dependency(waiting, blocker)
        except TaskyardError as exc:
            text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
            self.set_status(f"Dependency not removed. {text}", error=True)
            taskyard_app(self).report(text, severity="error", title="Dependency not removed")
            return
        done = f"{waiting} no longer waits for {blocker}."
        self.set_status(done)
        taskyard_app(self).report(done)
        self.load_task()

    @on(OptionList.OptionSelected, "#detail-attachments")
    def _attachment_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_view_attachment()

    def action_view_attachment(self) -> None:
        attachment = self.selected_attachment
        if attachment is not None:
            self.open_attachment(attachment, save=False)

    def action_save_attachment(self) -> None:
        attachment = self.selected_attachment
        if attachment is not None:
            self.open_attachment(attachment, save=True)

    @work(group="detail-attachment", exit_on_error=False)
    async def open_attachment(self, attachment: Attachment, *, save: bool) -> None:
        from tui.modals.attachments import AttachmentViewModal, SaveAttachmentModal, as_text

        engine = await taskyard_app(self).engine()
        try:
            meta, data = await engine.get_attachment(attachment.id)
        except TaskyardError as exc:
            text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
            self.set_status(f"Cannot read {attachment.name}. {text}", error=True)
            taskyard_app(self).report(text, severity="error", title="Attachment")
            return
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
                done = f"Saved {meta.name} to {path}."
                self.set_status(done)
                taskyard_app(self).report(done)

        await self.app.push_screen(SaveAttachmentModal(meta, data, directory=Path.cwd()), saved)
