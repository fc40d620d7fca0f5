"""``TaskFormModal``: create or edit a task, with inline errors, dependencies and conflict care.

``open_task_form`` is the one entry point (the board's ``n``/``e``, the detail screen). The
modal loads the task itself, validates with the same request models the engine uses
(``TaskCreate``/``TaskPatch``), shows each error as an ``Error: …`` line under its field and
moves focus there, and saves in a worker. Edits carry the version they loaded; when someone
else saved first, the user chooses to merge, overwrite or keep editing. Nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pydantic
from textual import on, work
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static, TextArea

from core.domain.commands import TaskCreate, TaskPatch, from_pydantic
from core.domain.models import KNOWN_TASK_TYPES, Priority, Task, TaskLink, TaskStatus
from core.errors import (
    ConflictError,
    CycleError,
    DependencyBlockedError,
    TaskyardError,
    ValidationError,
)
from tui.context import taskyard_app
from tui.editor import EditorFailed, edit_text
from tui.widgets.blocker_list import BlockerList

OTHER_TYPE = "*other*"
WHEN_UNBLOCKED = "ready-when-unblocked"

FIELDS = (
    "title",
    "project",
    "status",
    "description",
    "task_type",
    "priority",
    "labels",
    "assignee",
    "milestone",
    "due_date",
    "effort_estimate",
    "acceptance_criteria",
    "context_files",
    "command",
    "blocked_by",
)
"""Every field, in reading (and tab) order."""
EDITABLE = tuple(f for f in FIELDS if f not in {"project", "status", "blocked_by"})
"""The fields a ``TaskPatch`` can change."""
WIDGET_ID = {
    "title": "form-title",
    "project": "form-project",
    "status": "form-status",
    "description": "form-description",
    "task_type": "form-task-type",
    "priority": "form-priority",
    "labels": "form-labels",
    "assignee": "form-assignee",
    "milestone": "form-milestone",
    "due_date": "form-due-date",
    "effort_estimate": "form-effort",
    "acceptance_criteria": "form-acceptance",
    "context_files": "form-context-files",
    "command": "form-command",
    "blocked_by": "form-blockers",
}
LABELS = {
    "title": "Title",
    "project": "Project (slug or key; empty for the default project)",
    "status": "Start in",
    "description": "Description (Markdown; ctrl+e opens your editor)",
    "task_type": "Type",
    "priority": "Priority",
    "labels": "Labels (comma-separated)",
    "assignee": "Assignee",
    "milestone": "Milestone (slug; suggestions as you type)",
    "due_date": "Due date (YYYY-MM-DD)",
    "effort_estimate": "Effort estimate (a number, for example 2.5)",
    "acceptance_criteria": "Acceptance criteria (one per line)",
    "context_files": "Context files (one path per line)",
    "command": (
        "Command (a shell command workers run for it, once approved; a code block in the "
        "description never runs)"
    ),
    "blocked_by": "Dependencies: waits for (ctrl+d adds; delete or x removes)",
}
_ERROR_FIELD = {
    "when_unblocked": "status",
    "parent": "title",
    "parent_external_id": "title",
    "attachments": "title",
    "external_id": "title",
    "task": "title",
    "metadata": "command",
}

Raw = dict[str, str]
"""A form's fields as the text in its widgets, by field name."""


@dataclass
class Loaded:
    """A task as the form shows it: its raw field values, blockers and version."""

    task: Task
    raw: Raw
    blockers: list[TaskLink]


def _split_commas(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def raw_from_task(task: Task, milestone_slug: str | None) -> Raw:
    """The text each widget shows for ``task``."""
    return {
        "title": task.title,
        "description": task.description,
        "task_type": task.task_type,
        "priority": task.priority.value,
        "labels": ", ".join(task.labels),
        "assignee": task.assignee or "",
        "milestone": milestone_slug or "",
        "due_date": task.due_date.isoformat() if task.due_date else "",
        "effort_estimate": _number(task.effort_estimate),
        "acceptance_criteria": "\n".join(task.acceptance_criteria),
        "context_files": "\n".join(task.context_files),
        "command": task.command.text if task.command is not None else "",
    }


def request_data(
    raw: Raw, fields: tuple[str, ...] | list[str], metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Request fields from widget text: lists split, empty optional text as ``None``.

    The command is ``metadata.command``: ``metadata`` is the task's as loaded (an edit
    replaces metadata whole, so its other keys are kept), and empty text removes it.
    """
    data: dict[str, Any] = {}
    for name in fields:
        text = raw.get(name, "")
        if name == "command":
            kept = dict(metadata or {})
            if text.strip():
                kept["command"] = text
            else:
                kept.pop("command", None)
            data["metadata"] = kept
        elif name == "labels":
            data[name] = _split_commas(text)
        elif name in {"acceptance_criteria", "context_files"}:
            data[name] = _lines(text)
        elif name in {"assignee", "milestone", "due_date", "effort_estimate", "project"}:
            data[name] = text.strip() or None
        elif name == "status":
            if text == WHEN_UNBLOCKED:
                data["status"], data["when_unblocked"] = TaskStatus.READY, True
            else:
                data["status"] = text or TaskStatus.BACKLOG.value
        else:
            data[name] = text
    return data


def merge(mine: Raw, base: Raw, theirs: Raw) -> tuple[Raw, set[str]]:
    """Three-way merge of form values: mine where I changed a field, theirs elsewhere.

    Returns the merged values and the fields both sides changed to different values.
    """
    merged: Raw = {}
    both: set[str] = set()
    for name in EDITABLE:
        mine_changed = mine.get(name, "") != base.get(name, "")
        theirs_changed = theirs.get(name, "") != base.get(name, "")
        merged[name] = mine[name] if mine_changed else theirs.get(name, "")
        if mine_changed and theirs_changed and mine.get(name) != theirs.get(name):
            both.add(name)
    return merged, both


def command_words(task: Task, before: str | None) -> str:
    """After a save: what happened to the command ("; command changed; approved by you").

    A command approved in the same write that set it was approved by whoever saved it.
    """
    info = task.command
    after = info.hash if info is not None else None
    if after == before:
        return ""
    if info is None:
        return "; command removed"
    change = "command changed" if before is not None else "command set"
    if info.approved:
        mine = info.approved_by == info.set_by and info.approved_at == info.set_at
        who = "you" if mine else info.approved_by
        return f"; {change}; approved by {who}"
    return f"; {change}; it awaits approval, workers will not run it until then"


def error_field(field: str | None) -> str | None:
    """The form field an error's ``field`` (or pydantic ``loc``) points at."""
    if not field:
        return None
    head = field.split(".")[0]
    if head in FIELDS:
        return head
    return _ERROR_FIELD.get(head)


def open_task_form(
    app: App[object], ref: str | None, *, default_status: TaskStatus | None = None
) -> None:
    """Open the form: ``ref=None`` creates a task, otherwise it edits ``ref``.

    A new task starts in ``default_status`` when that is backlog or ready, and in the
    project the board shows (or the app's configured one).
    """
    project = getattr(getattr(app.screen, "query_state", None), "project", None)
    if project is None:
        project = taskyard_app(app.screen).settings.project
    start = default_status if default_status in {TaskStatus.BACKLOG, TaskStatus.READY} else None
    app.push_screen(TaskFormModal(ref, project=project, default_status=start))


class TaskFormModal(ModalScreen[str | None]):
    """Create or edit a task; dismisses with the saved task's ref, or ``None``.

    | Key | Action |
    | :- | :- |
    | tab / shift+tab | Next or previous field (reading order) |
    | ctrl+s | Save |
    | ctrl+e | Edit the description in $VISUAL / $EDITOR (vi when unset) |
    | ctrl+d | Add a dependency (search by ref or title) |
    | delete / x | In the dependency list: remove the highlighted blocker |
    | escape | Cancel (asks first when something was changed) |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save",
            "Save",
            priority=True,
            id="form.save",
            tooltip="Check and save the task",
        ),
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="form.cancel",
            tooltip="Close the form; asks first when something was changed",
        ),
        Binding(
            "ctrl+e",
            "external_editor",
            "Editor",
            priority=True,
            id="form.external-editor",
            tooltip="Edit the description in $VISUAL or $EDITOR (vi when unset)",
        ),
        Binding(
            "ctrl+d",
            "add_dependency",
            "Add dependency",
            priority=True,
            id="form.add-dependency",
            tooltip="Find a task by ref or title and make this one wait for it",
        ),
    ]

    HELP = """
## Task form

Every field of the task. **ctrl+s** saves; a field the engine refuses is explained in a line
starting with **Error:** right under it, and the cursor moves there. Nothing you typed is lost.

- **ctrl+e** opens the description in your own editor (`$VISUAL`, `$EDITOR`, else `vi`).
- **ctrl+d** adds a dependency: search by ref or title, enter adds. In the dependency list,
  **delete** or **x** removes the highlighted one.
- When someone else saved the task while you were editing, you choose: merge (keep your
  changes, take theirs elsewhere), overwrite with yours, or keep editing.
"""

    DEFAULT_CSS = """
    TaskFormModal {
        align: center middle;
        & > VerticalScroll {
            width: 96;
            max-width: 100%;
            height: 100%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & #form-heading { text-style: bold; }
        & #form-note { color: $text-muted; }
        & Label { margin-top: 1; }
        & TextArea { height: 6; }
        & #form-acceptance, & #form-context-files, & #form-command { height: 4; }
        & .field-error { color: $text-error; text-style: bold; display: none; }
        & .field-error.-shown { display: block; }
        & .field-note { color: $text-warning; display: none; }
        & .field-note.-shown { display: block; }
        & #form-task-type-other { display: none; }
        & #form-task-type-other.-shown { display: block; }
        & #form-blockers-empty { color: $text-muted; }
        & #form-buttons { height: auto; margin-top: 1; }
        &.-screen-reader > VerticalScroll { border: none; padding: 0; }
        &.-screen-reader Input { border: none; height: 1; }
        &.-screen-reader TextArea { border: none; }
        &.-screen-reader Select > SelectCurrent { border: none; }
        &.-screen-reader Label { margin-top: 0; }
    }
    """

    def __init__(
        self,
        ref: str | None,
        *,
        project: str | None = None,
        default_status: TaskStatus | None = None,
    ) -> None:
        super().__init__()
        self.ref = ref
        """The task being edited; ``None`` while creating."""
        self.project = project
        self.default_status = default_status or TaskStatus.BACKLOG
        self.version: int | None = None
        """The version loaded (edit); saves name it so another edit is never overwritten."""
        self.original: Raw = {}
        """Field values as loaded (or as the empty form started), to tell what changed."""
        self.original_blockers: list[TaskLink] = []
        self.blockers: list[TaskLink] = []
        self.metadata: dict[str, Any] = {}
        """The task's metadata as last loaded: a changed command keeps its other keys."""
        self.command_hash: str | None = None
        """The command's hash as loaded, to say after saving whether the command changed."""
        self.loaded = ref is None
        self.saving = False
        self._again: tuple[bool, int | None] | None = None
        """Save once more after a conflict: ``(True, version to overwrite or None)``."""
        self._task_types: list[str] = list(KNOWN_TASK_TYPES)

    @property
    def creating(self) -> bool:
        return self.ref is None

    @property
    def spoken(self) -> bool:
        return taskyard_app(self).settings.screen_reader

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        heading = "New task" if self.creating else f"Edit {self.ref}"
        # Not a tab stop: the fields scroll into view as focus reaches them.
        with VerticalScroll(id="form-body", can_focus=False):
            yield Static(heading, id="form-heading")
            yield Static(
                "ctrl+s saves, escape cancels, ? lists every key."
                if self.creating
                else f"Loading {self.ref}…",
                id="form-note",
            )
            yield Static(id="form-error", classes="field-error")
            yield from self._field("title", Input(id="form-title"))
            if self.creating:
                yield from self._field(
                    "project",
                    Input(
                        self.project or "",
                        placeholder="default project",
                        id="form-project",
                    ),
                )
                yield from self._field(
                    "status",
                    Select(
                        self._status_options(),
                        value=self.default_status.value,
                        allow_blank=False,
                        id="form-status",
                    ),
                )
            yield from self._field("description", TextArea(id="form-description", soft_wrap=True))
            yield Label(LABELS["task_type"])
            yield Select(
                self._type_options(),
                value="feature",
                allow_blank=False,
                id="form-task-type",
            )
            yield Input(placeholder="another type, lowercase", id="form-task-type-other")
            yield from self._notes("task_type")
            yield from self._field(
                "priority",
                Select(
                    [(p.value.capitalize(), p.value) for p in Priority],
                    value=Priority.MEDIUM.value,
                    allow_blank=False,
                    id="form-priority",
                ),
            )
            yield from self._field("labels", Input(id="form-labels"))
            yield from self._field("assignee", Input(id="form-assignee"))
            yield from self._field("milestone", Input(id="form-milestone"))
            yield from self._field("due_date", Input(placeholder="YYYY-MM-DD", id="form-due-date"))
            yield from self._field("effort_estimate", Input(id="form-effort"))
            yield from self._field("acceptance_criteria", TextArea(id="form-acceptance"))
            yield from self._field("context_files", TextArea(id="form-context-files"))
            yield from self._field("command", TextArea(id="form-command"))
            yield Label(LABELS["blocked_by"])
            yield Static("None yet.", id="form-blockers-empty")
            yield BlockerList(id="form-blockers")
            yield from self._notes("blocked_by")
            with Horizontal(id="form-buttons"):
                yield Button("Add dependency", id="form-add-dependency")
                yield Button("Save", variant="primary", id="form-save")
                yield Button("Cancel", id="form-cancel")
        yield Footer()

    def _field(self, name: str, widget: Widget) -> ComposeResult:
        yield Label(LABELS[name], id=f"{WIDGET_ID[name]}-label")
        yield widget
        yield from self._notes(name)

    def _notes(self, name: str) -> ComposeResult:
        yield Static(id=f"{WIDGET_ID[name]}-error", classes="field-error")
        yield Static(id=f"{WIDGET_ID[name]}-note", classes="field-note")

    def _status_options(self) -> list[tuple[str, str]]:
        options = [
            ("Backlog", TaskStatus.BACKLOG.value),
            ("Ready", TaskStatus.READY.value),
        ]
        if self.blockers:
            options.append(
                (
                    "Ready when unblocked (waits in blocked until its blockers are done)",
                    WHEN_UNBLOCKED,
                )
            )
        return options

    def _type_options(self) -> list[tuple[str, str]]:
        return [(t, t) for t in self._task_types] + [("Other…", OTHER_TYPE)]

    def on_mount(self) -> None:
        self.set_class(self.spoken, "-screen-reader")
        self._show_blockers()
        self.watch(self.query_one("#form-body"), "scroll_y", self._scrolled, init=False)
        self.query_one("#form-title", Input).focus()
        if self.creating:
            self.original = self.read_raw()
            self.load_suggestions(self.project)
        else:
            self.query_one("#form-title", Input).disabled = True
            self.load_task()

    # -- reading and writing the widgets -------------------------------------------------
    def read_raw(self) -> Raw:
        """Every field's text as it is in the form now."""
        raw: Raw = {}
        for name in EDITABLE:
            raw[name] = self._read(name)
        if self.creating:
            raw["project"] = self.query_one("#form-project", Input).value
            raw["status"] = str(self.query_one("#form-status", Select).value)
        return raw

    def _read(self, name: str) -> str:
        widget = self.query_one(f"#{WIDGET_ID[name]}")
        if name == "task_type":
            value = str(self.query_one("#form-task-type", Select).value)
            if value == OTHER_TYPE:
                return self.query_one("#form-task-type-other", Input).value.strip()
            return value
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return str(widget.value)
        return ""

    def write_raw(self, raw: Raw) -> None:
        """Put ``raw`` into the widgets (only those whose text differs, to keep carets)."""
        for name, text in raw.items():
            if name not in EDITABLE or self._read(name) == text:
                continue
            if name == "task_type":
                self._set_task_type(text)
                continue
            widget = self.query_one(f"#{WIDGET_ID[name]}")
            if isinstance(widget, Input):
                widget.value = text
            elif isinstance(widget, TextArea):
                widget.text = text
            elif isinstance(widget, Select):
                widget.value = text

    def _set_task_type(self, task_type: str) -> None:
        select = self.query_one("#form-task-type", Select)
        if task_type and task_type not in self._task_types:
            self._task_types.append(task_type)
            select.set_options(self._type_options())
        select.value = task_type or "feature"

    @on(Select.Changed, "#form-task-type")
    def _type_changed(self, event: Select.Changed) -> None:
        other = self.query_one("#form-task-type-other", Input)
        other.set_class(event.value == OTHER_TYPE, "-shown")

    def _show_blockers(self) -> None:
        blocker_list = self.query_one(BlockerList)
        blocker_list.set_links(self.blockers)
        blocker_list.display = bool(self.blockers)
        self.query_one("#form-blockers-empty", Static).display = not self.blockers
        if self.creating:
            status = self.query_one("#form-status", Select)
            value = status.value
            status.set_options(self._status_options())
            keep = value if value != WHEN_UNBLOCKED or self.blockers else TaskStatus.READY.value
            status.value = keep

    def _note(self, text: str) -> None:
        self.query_one("#form-note", Static).update(text)

    # -- errors ---------------------------------------------------------------------------
    def clear_errors(self) -> None:
        for error in self.query(".field-error"):
            if isinstance(error, Static):
                error.update("")
            error.remove_class("-shown")

    def show_errors(self, errors: list[tuple[str | None, str]]) -> None:
        """Show each ``(field, message)`` under its field and focus the first one in order."""
        self.clear_errors()
        first: str | None = None
        for field, message in errors:
            name = error_field(field)
            target = f"#{WIDGET_ID[name]}-error" if name else "#form-error"
            error = self.query_one(target, Static)
            error.update(f"Error: {message}")
            error.add_class("-shown")
            if name and (first is None or FIELDS.index(name) < FIELDS.index(first)):
                first = name
        if first is not None:
            self._focus_field(first)
        else:
            self.query_one("#form-body").scroll_home(animate=False)

    def _focus_field(self, name: str) -> None:
        widget = self.query_one(f"#{WIDGET_ID[name]}")
        if name == "task_type" and self.query_one("#form-task-type-other").has_class("-shown"):
            widget = self.query_one("#form-task-type-other")
        if name == "blocked_by" and not self.blockers:
            widget = self.query_one("#form-add-dependency")
        widget.focus()
        body = self.query_one("#form-body")

        def show_label_too() -> None:
            # The field's label (and, for the first field, the heading) is read with it.
            if name == FIELDS[0]:
                body.scroll_home(animate=False)
            else:
                widget.scroll_visible(animate=False)
                for label in self.query(f"#{WIDGET_ID[name]}-label"):
                    label.scroll_visible(animate=False)

        self.call_after_refresh(show_label_too)

    def _scrolled(self) -> None:
        """Inputs place the terminal cursor on focus, not after a scroll: follow it (R1)."""
        self.call_after_refresh(self._place_caret)

    def _place_caret(self) -> None:
        widget = self.focused
        if isinstance(widget, Input | TextArea):
            self.app.cursor_position = widget.cursor_screen_offset
            self.app.refresh()

    def show_validation(self, exc: ValidationError) -> None:
        problems = exc.details.get("errors")
        if isinstance(problems, list) and problems:
            self.show_errors([(p.get("field"), p.get("message", "")) for p in problems])
        else:
            self.show_engine_error(exc)

    def show_engine_error(self, exc: TaskyardError) -> None:
        field = exc.details.get("field")
        if isinstance(exc, DependencyBlockedError):
            field = "status"
        elif isinstance(exc, CycleError):
            field = "blocked_by"
        text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
        self.show_errors([(field if isinstance(field, str) else None, text)])

    # -- loading --------------------------------------------------------------------------
    @work(exclusive=True, group="form-load", exit_on_error=False)
    async def load_task(self) -> None:
        assert self.ref is not None
        try:
            loaded = await self._load(self.ref)
        except TaskyardError as exc:
            self._note(f"Error: {exc.message} {exc.hint or ''}".strip())
            return
        task = loaded.task
        self.version = task.version
        self.metadata = dict(task.metadata)
        self.command_hash = task.command.hash if task.command is not None else None
        self.original = dict(loaded.raw)
        self.original_blockers = list(loaded.blockers)
        self.blockers = list(loaded.blockers)
        self.write_raw(loaded.raw)
        self._show_blockers()
        self.loaded = True
        title = self.query_one("#form-title", Input)
        title.disabled = False
        title.focus()
        title.cursor_position = len(title.value)
        self._note(f"{task.ref}, {task.status.label}, version {task.version}. ctrl+s saves.")

    async def _load(self, ref: str) -> Loaded:
        engine = await taskyard_app(self).engine()
        task = await engine.get_task(ref)
        slug: str | None = None
        milestones = await engine.list_milestones(task.project_id)
        if task.milestone_id:
            slug = next((m.slug for m in milestones if m.id == task.milestone_id), None)
        self._set_milestone_suggestions([m.slug for m in milestones])
        if self.project is None:
            self.project = (await engine.get_project(task.project_id)).slug
        return Loaded(task, raw_from_task(task, slug), list(task.blocked_by))

    @work(exclusive=True, group="form-suggest", exit_on_error=False)
    async def load_suggestions(self, project: str | None) -> None:
        engine = await taskyard_app(self).engine()
        try:
            projects = await engine.list_projects()
            milestones = await engine.list_milestones(project) if project else []
        except TaskyardError:
            return  # suggestions are a help, not a requirement; a bad project shows on save
        if self.creating:
            self.query_one("#form-project", Input).suggester = SuggestFromList(
                [p.slug for p in projects], case_sensitive=False
            )
        self._set_milestone_suggestions([m.slug for m in milestones])

    def _set_milestone_suggestions(self, slugs: list[str]) -> None:
        self.query_one("#form-milestone", Input).suggester = SuggestFromList(
            slugs, case_sensitive=False
        )

    @on(Input.Blurred, "#form-project")
    def _project_left(self, event: Input.Blurred) -> None:
        project = event.value.strip() or None
        if project != self.project:
            self.project = project
            self.load_suggestions(project)

    # -- saving ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"save", "add_dependency", "external_editor"} and not self.loaded:
            return None
        return True

    @on(Button.Pressed, "#form-save")
    def action_save(self) -> None:
        if self.loaded and not self.saving:
            self.save()

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @work(exclusive=True, group="form-save", exit_on_error=False)
    async def save(self, *, overwrite_version: int | None = None) -> None:
        self.saving = True
        try:
            if self.creating:
                await self._create()
                return
            self._again = None
            await self._update(overwrite_version)
            while self._again is not None:  # merged or overwriting after a conflict
                _, overwrite_version = self._again
                self._again = None
                await self._update(overwrite_version)
        finally:
            self.saving = False

    async def _create(self) -> None:
        raw = self.read_raw()
        data = request_data(raw, [*EDITABLE, "project", "status"])
        data["blocked_by"] = [link.ref for link in self.blockers]
        try:
            request = TaskCreate.model_validate(data)
        except pydantic.ValidationError as exc:
            self.show_validation(from_pydantic(exc))
            return
        self.clear_errors()
        engine = await taskyard_app(self).engine()
        try:
            result = await engine.create_task(request)
        except ValidationError as exc:
            self.show_validation(exc)
            return
        except TaskyardError as exc:
            self.show_engine_error(exc)
            return
        task = result.task
        taskyard_app(self).report(f"{task.ref} created{command_words(task, None)}")
        self.dismiss(task.ref)

    async def _update(self, overwrite_version: int | None) -> None:
        assert self.ref is not None
        raw = self.read_raw()
        if overwrite_version is not None:
            changed = list(EDITABLE)
        else:
            changed = [name for name in EDITABLE if raw[name] != self.original.get(name, "")]
        data = request_data(raw, changed, self.metadata)
        try:
            patch = TaskPatch.model_validate(data)
            patch.changes()
        except pydantic.ValidationError as exc:
            self.show_validation(from_pydantic(exc))
            return
        except ValidationError as exc:
            self.show_validation(exc)
            return
        self.clear_errors()
        before = {link.ref for link in self.original_blockers}
        now = {link.ref for link in self.blockers}
        added = [link.ref for link in self.blockers if link.ref not in before]
        removed = [link.ref for link in self.original_blockers if link.ref not in now]
        if not changed and not added and not removed:
            taskyard_app(self).report(f"{self.ref}: nothing changed")
            self.dismiss(self.ref)
            return
        engine = await taskyard_app(self).engine()
        expected = overwrite_version if overwrite_version is not None else self.version
        task: Task | None = None
        try:
            if changed:
                task = await engine.update_task(self.ref, patch, expected_version=expected)
                # Saved: from now on this is what the form started from.
                self.version = task.version
                self.original = {**self.original, **{n: raw[n] for n in changed}}
        except ConflictError as exc:
            await self._conflict(exc)
            return
        except ValidationError as exc:
            self.show_validation(exc)
            return
        except TaskyardError as exc:
            self.show_engine_error(exc)
            return
        try:
            for blocker in removed:
                task = await engine.remove_dependency(self.ref, blocker)
                self.original_blockers = [b for b in self.original_blockers if b.ref != blocker]
            for blocker in added:
                task = await engine.add_dependency(self.ref, blocker)
                link = next(b for b in self.blockers if b.ref == blocker)
                self.original_blockers.append(link)
        except TaskyardError as exc:
            text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
            saved = " The other changes were saved." if changed else ""
            self.show_errors([("blocked_by", text + saved)])
            if task is not None:
                self.version = task.version
            return
        assert task is not None
        words = command_words(task, self.command_hash)
        taskyard_app(self).report(f"{task.ref} saved{words}")
        self.dismiss(task.ref)

    async def _conflict(self, exc: ConflictError) -> None:
        """Someone else saved first: say who and what, then merge, overwrite or keep editing."""
        from tui.modals.conflict import ConflictModal

        assert self.ref is not None
        expected = exc.details.get("expected_version", self.version)
        current = exc.details.get("current_version", "?")
        try:
            theirs = await self._load(self.ref)
        except TaskyardError as load_error:
            self.show_engine_error(load_error)
            return
        current = theirs.task.version
        changed_by = exc.details.get("changed_by")
        they_changed = [
            LABELS[n].split(" (")[0].lower()
            for n in EDITABLE
            if theirs.raw.get(n) != self.original.get(n)
        ]
        if {b.ref for b in theirs.blockers} != {b.ref for b in self.original_blockers}:
            they_changed.append("dependencies")
        message = (
            f"{self.ref} was changed by someone else since you opened it "
            f"(version {expected} → {current})."
        )
        if changed_by:
            message += f" The last change was made by {changed_by}."
        if they_changed:
            message += f" They changed: {', '.join(they_changed)}."
        message += " Your typing is kept whatever you choose."
        choice = await self.app.push_screen_wait(ConflictModal(message, spoken=self.spoken))
        if choice == "merge":
            self._merge(theirs)
        elif choice == "overwrite":
            self._again = (True, theirs.task.version)
        else:
            self.show_errors([(None, message)])
            self._focus_field("title")

    def _merge(self, theirs: Loaded) -> None:
        mine = self.read_raw()
        merged, both = merge(mine, self.original, theirs.raw)
        before = {b.ref for b in self.original_blockers}
        now = {b.ref for b in self.blockers}
        blockers = [b for b in theirs.blockers if b.ref in now or b.ref not in before]
        blockers += [b for b in self.blockers if b.ref not in before and b not in blockers]
        self.original = dict(theirs.raw)
        self.original_blockers = list(theirs.blockers)
        self.version = theirs.task.version
        self.metadata = dict(theirs.task.metadata)
        self.blockers = blockers
        self.write_raw(merged)
        self._show_blockers()
        self.clear_errors()
        for note in self.query(".field-note"):
            if isinstance(note, Static):
                note.update("")
            note.remove_class("-shown")
        if not both:
            self._note(f"Merged with version {theirs.task.version}; saving.")
            self._again = (True, None)
            return
        for name in both:
            note = self.query_one(f"#{WIDGET_ID[name]}-note", Static)
            note.update(f"Changed by both: theirs is “{theirs.raw.get(name, '')}”; yours is kept.")
            note.add_class("-shown")
        first = min(both, key=FIELDS.index)
        self._note(
            f"Merged with version {theirs.task.version}. Fields changed by both of you are "
            "marked: check them, then ctrl+s saves."
        )
        self._focus_field(first)

    # -- dependencies ---------------------------------------------------------------------
    @on(Button.Pressed, "#form-add-dependency")
    def action_add_dependency(self) -> None:
        if self.loaded:
            self.pick_dependency()

    @work(exclusive=True, group="form-pick", exit_on_error=False)
    async def pick_dependency(self) -> None:
        from tui.modals.dependency_picker import DependencyPickerModal

        exclude = {b.ref for b in self.blockers}
        if self.ref is not None:
            exclude.add(self.ref)
        project = self.query_one("#form-project", Input).value.strip() if self.creating else None
        link = await self.app.push_screen_wait(
            DependencyPickerModal(
                project=project or self.project or None, exclude=exclude, spoken=self.spoken
            )
        )
        if link is None:
            return
        self.blockers.append(link)
        self._show_blockers()
        blocker_list = self.query_one(BlockerList)
        blocker_list.highlighted = len(self.blockers) - 1
        if self.creating and not self.query_one("#form-project", Input).value.strip():
            await self._project_from_blocker(link)
        self.query_one("#form-blockers-error").remove_class("-shown")

    async def _project_from_blocker(self, link: TaskLink) -> None:
        """A new task waits for tasks of its own project: take the blocker's when none is set."""
        engine = await taskyard_app(self).engine()
        try:
            blocker = await engine.get_task(link.id)
            project = await engine.get_project(blocker.project_id)
        except TaskyardError:
            return
        self.query_one("#form-project", Input).value = project.slug
        self.project = project.slug
        self.load_suggestions(project.slug)
        note = self.query_one("#form-project-note", Static)
        note.update(f"Set to {project.slug}, the project of {link.ref} (dependencies stay in one).")
        note.add_class("-shown")

    @on(BlockerList.RemoveRequested)
    def _remove_blocker(self, event: BlockerList.RemoveRequested) -> None:
        event.stop()
        self.blockers = [b for b in self.blockers if b.ref != event.ref]
        self._show_blockers()
        self._note(f"{event.ref} removed from the dependencies (saved with ctrl+s).")
        if not self.blockers:
            self.query_one("#form-add-dependency").focus()

    # -- the external editor --------------------------------------------------------------
    def action_external_editor(self) -> None:
        if not self.loaded:
            return
        area = self.query_one("#form-description", TextArea)
        error = self.query_one("#form-description-error", Static)
        error.remove_class("-shown")
        try:
            with self.app.suspend():
                text = edit_text(area.text)
        except SuspendNotSupported:
            error.update(
                "Error: this terminal cannot hand the screen to an editor; "
                "the description is unchanged, edit it here."
            )
            error.add_class("-shown")
            area.focus()
            return
        except EditorFailed as exc:
            error.update(f"Error: {exc} Your text is kept.")
            error.add_class("-shown")
            area.focus()
            return
        area.text = (
            text.rstrip("\n") if text.endswith("\n") and not area.text.endswith("\n") else text
        )
        area.focus()
        self._note("Description updated from your editor.")

    # -- leaving --------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        """Whether anything differs from what the form started with."""
        if not self.loaded:
            return False
        raw = self.read_raw()
        if any(raw.get(n, "") != self.original.get(n, "") for n in raw):
            return True
        return [b.ref for b in self.blockers] != [b.ref for b in self.original_blockers]

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return
        from tui.modals.conflict import DiscardModal

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        what = "The new task" if self.creating else self.ref or "The task"
        self.app.push_screen(DiscardModal(what, spoken=self.spoken), answered)
