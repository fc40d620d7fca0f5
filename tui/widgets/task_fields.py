"""``TaskFields``: every field of the task form, read and written as ``Raw``, with its lines.

Each field is a label, its widget, and two lines under it that stay hidden until they have
something to say: an ``Error: …`` line and a note (a merge conflict, a value filled in for
the user), with ids ``<widget id>-error`` and ``<widget id>-note``; an error that names no
field goes in ``#form-error`` above them all. The dependency section is ``BlockersField``,
the last field. The form (``TaskFormModal``) turns the text into requests and says what the
engine answered through ``show_errors`` and ``show_line``.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, TextArea

from core.domain.models import KNOWN_TASK_TYPES, Priority, TaskLink, TaskStatus
from tui.form_data import (
    EDITABLE,
    FIELDS,
    LABELS,
    OTHER_TYPE,
    WHEN_UNBLOCKED,
    WIDGET_ID,
    Raw,
    error_field,
)
from tui.widgets.blockers_field import BlockersField


class FieldInput(Input):
    """A one-line field of the form.

    It keeps its text when focus arrives: Textual's select-all on focus lets the first key
    silently replace a whole title the user may not even see selected. And it leaves the
    terminal cursor alone while unfocused: Textual moves the cursor to an input's caret
    whenever its text changes, focused or not, so a value the form fills in (the project a
    dependency brings, a loaded task) took the cursor away from the field being typed in (R1).
    """

    def __init__(self, value: str = "", *, widget_id: str, placeholder: str = "") -> None:
        super().__init__(value, placeholder=placeholder, id=widget_id, select_on_focus=False)

    def watch_selection(self) -> None:
        focused = self.screen.focused if self.is_attached else None
        if focused is None or focused is self:
            return
        if isinstance(focused, Input | TextArea):
            self.app.cursor_position = focused.cursor_screen_offset
        else:
            self.app.cursor_position = focused.content_region.offset


def field_notes(name: str) -> ComposeResult:
    """The hidden error and note lines under field ``name``."""
    yield Static(id=f"{WIDGET_ID[name]}-error", classes="field-error")
    yield Static(id=f"{WIDGET_ID[name]}-note", classes="field-note")


class TaskFields(Vertical):
    """Title to command, in reading (and tab) order; project and start state when creating."""

    DEFAULT_CSS = """
    TaskFields {
        height: auto;
        & TextArea { height: 6; }
        & #form-acceptance, & #form-context-files, & #form-command { height: 4; }
        & #form-task-type-other { display: none; }
        & #form-task-type-other.-shown { display: block; }
    }
    """

    def __init__(self, *, creating: bool, project: str | None, default_status: TaskStatus) -> None:
        super().__init__()
        self.creating = creating
        """A new task: the project and the state it starts in are fields too."""
        self.project = project
        self.default_status = default_status
        self._task_types: list[str] = list(KNOWN_TASK_TYPES)
        self._has_blockers = False
        self._refused: dict[str, str] = {}
        """Fields shown with an error, and the text the error was about."""

    def compose(self) -> ComposeResult:
        yield Static(id="form-error", classes="field-error")
        yield from self._field("title", FieldInput(widget_id="form-title"))
        if self.creating:
            yield from self._field(
                "project",
                FieldInput(
                    self.project or "", placeholder="default project", widget_id="form-project"
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
        yield Select(self._type_options(), value="feature", allow_blank=False, id="form-task-type")
        yield FieldInput(placeholder="another type, lowercase", widget_id="form-task-type-other")
        yield from field_notes("task_type")
        yield from self._field(
            "priority",
            Select(
                [(p.value.capitalize(), p.value) for p in Priority],
                value=Priority.MEDIUM.value,
                allow_blank=False,
                id="form-priority",
            ),
        )
        yield from self._field("labels", FieldInput(widget_id="form-labels"))
        yield from self._field("assignee", FieldInput(widget_id="form-assignee"))
        yield from self._field("milestone", FieldInput(widget_id="form-milestone"))
        yield from self._field(
            "due_date", FieldInput(placeholder="YYYY-MM-DD", widget_id="form-due-date")
        )
        yield from self._field("effort_estimate", FieldInput(widget_id="form-effort"))
        yield from self._field("acceptance_criteria", TextArea(id="form-acceptance"))
        yield from self._field("context_files", TextArea(id="form-context-files"))
        yield from self._field("command", TextArea(id="form-command"))
        yield BlockersField()

    def _field(self, name: str, widget: Widget) -> ComposeResult:
        yield Label(LABELS[name], id=f"{WIDGET_ID[name]}-label")
        yield widget
        yield from field_notes(name)

    def _status_options(self) -> list[tuple[str, str]]:
        options = [
            ("Backlog", TaskStatus.BACKLOG.value),
            ("Ready", TaskStatus.READY.value),
        ]
        if self._has_blockers:
            options.append(
                (
                    "Ready when unblocked (waits in blocked until its blockers are done)",
                    WHEN_UNBLOCKED,
                )
            )
        return options

    def _type_options(self) -> list[tuple[str, str]]:
        return [(t, t) for t in self._task_types] + [("Other…", OTHER_TYPE)]

    # -- reading and writing -------------------------------------------------------------
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

    # -- blockers -------------------------------------------------------------------------
    @property
    def blockers(self) -> list[TaskLink]:
        """The tasks the task will wait for, as shown."""
        return self.query_one(BlockersField).links

    def set_blockers(self, links: list[TaskLink]) -> None:
        self.query_one(BlockersField).links = links
        self._blockers_changed()

    def add_blocker(self, link: TaskLink) -> None:
        self.query_one(BlockersField).add(link)
        self._blockers_changed()

    @on(BlockersField.Removed)
    def _blocker_removed(self) -> None:
        self._blockers_changed()  # the form hears of it too: the message goes on up

    def _blockers_changed(self) -> None:
        """Offer "Ready when unblocked" as the start state only while there are blockers."""
        has = bool(self.blockers)
        self._has_blockers = has
        self.clear_lines("#form-blockers-error")  # it was about the dependencies as they were
        if not self.creating:
            return
        status = self.query_one("#form-status", Select)
        value = status.value
        status.set_options(self._status_options())
        status.value = value if value != WHEN_UNBLOCKED or has else TaskStatus.READY.value

    # -- errors and notes -----------------------------------------------------------------
    def show_line(self, selector: str, text: str) -> None:
        """Fill one of the hidden lines (an error or a note) and show it."""
        line = self.query_one(selector, Static)
        line.update(text)
        line.add_class("-shown")

    def clear_lines(self, selector: str) -> None:
        """Empty and hide every line ``selector`` matches (``.field-error``, ``.field-note``)."""
        for line in self.query(selector):
            if isinstance(line, Static):
                line.update("")
            line.remove_class("-shown")

    def show_errors(self, errors: list[tuple[str | None, str]]) -> str | None:
        """Show each ``(field, message)`` under its field (the others cleared); returns the
        first of those fields in reading order, ``None`` when no message names a field."""
        self.clear_lines(".field-error")
        self._refused = {}
        first: str | None = None
        for field, message in errors:
            name = error_field(field)
            if name is not None and name != "blocked_by":
                self._refused[name] = self._read(name)
            self.show_line(
                f"#{WIDGET_ID[name]}-error" if name else "#form-error", f"Error: {message}"
            )
            if name and (first is None or FIELDS.index(name) < FIELDS.index(first)):
                first = name
        return first

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _edited(self) -> None:
        """An error leaves as soon as its field no longer holds the text it was about.

        Compared by text, not by which widget changed: a change message can arrive after
        the errors it predates were shown.
        """
        for name, text in list(self._refused.items()):
            if self._read(name) != text:
                del self._refused[name]
                self.clear_lines(f"#{WIDGET_ID[name]}-error")

    def field_widget(self, name: str) -> Widget | None:
        """The widget that takes focus for field ``name``; ``None`` for an empty blocker list
        (the form's Add dependency button stands in for it)."""
        if name == "blocked_by" and not self.blockers:
            return None
        if name == "task_type" and self.query_one("#form-task-type-other").has_class("-shown"):
            return self.query_one("#form-task-type-other")
        return self.query_one(f"#{WIDGET_ID[name]}")

    # -- what the form hands down ---------------------------------------------------------

    def suggest(self, *, projects: list[str] | None = None, milestones: list[str]) -> None:
        """Complete the project (when creating) and milestone fields from these slugs."""
        if projects is not None and self.creating:
            self.query_one("#form-project", Input).suggester = SuggestFromList(
                projects, case_sensitive=False
            )
        self.query_one("#form-milestone", Input).suggester = SuggestFromList(
            milestones, case_sensitive=False
        )
