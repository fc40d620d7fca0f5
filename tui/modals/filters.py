"""``FilterModal``: narrow the board by project, milestone, labels, priority, assignee, text.

Names are checked against the engine before the dialog closes, so a typo is explained next to
its field (with the near matches the engine suggests), not as an empty board.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from core.domain.commands import BoardQuery
from core.domain.models import Priority
from core.errors import TaskyardError
from tui.context import taskyard_app
from tui.widgets.footer import KeyFooter
from tui.widgets.tick_box import TickBox


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class FilterModal(ModalScreen[BoardQuery | None]):
    """Filters for the board.

    | Key | Action |
    | :- | :- |
    | tab / shift+tab | Next or previous field |
    | enter | Apply |
    | ctrl+r | Clear every filter |
    | escape | Cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("ctrl+r", "clear", "Clear all", id="filters.clear"),
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
    ]

    DEFAULT_CSS = """
    FilterModal {
        align: center middle;
        & > VerticalScroll {
            width: 72;
            height: auto;
            max-height: 90%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & Label { margin-top: 1; }
        & .field-error { color: $text-error; text-style: bold; display: none; }
        & .field-error.-shown { display: block; }
        & #filter-priorities { height: auto; }
        /* Spoken, a box says its state in words and four no longer fit on one line. */
        & #filter-priorities.-stacked { layout: vertical; }
        & #filter-buttons { height: auto; margin-top: 1; }
    }
    """

    def __init__(self, query: BoardQuery) -> None:
        super().__init__()
        self.initial = query

    def compose(self) -> ComposeResult:
        q = self.initial
        spoken = taskyard_app(self).settings.screen_reader
        with VerticalScroll():
            yield Static("Filter the board (leave a field empty for no filter)", classes="title")
            yield Label("Project (slug, key or name)")
            yield Input(q.project or "", id="filter-project")
            yield Static(id="filter-project-error", classes="field-error")
            yield Label("Milestone (slug or name)")
            yield Input(q.milestone or "", id="filter-milestone")
            yield Static(id="filter-milestone-error", classes="field-error")
            yield Label("Labels (comma-separated; a task must have all of them)")
            yield Input(", ".join(q.labels), id="filter-labels")
            yield Label("Priority (any of the ticked ones; none ticked for all)")
            with Horizontal(id="filter-priorities", classes="-stacked" if spoken else ""):
                for priority in Priority:
                    yield TickBox(
                        priority.value,
                        priority in q.priorities,
                        spoken=spoken,
                        id=f"filter-{priority.value}",
                    )
            yield Label("Assignee")
            yield Input(q.assignee or "", id="filter-assignee")
            yield Label("Text (in titles, descriptions and refs)")
            yield Input(q.text or "", id="filter-text")
            with Horizontal(id="filter-buttons"):
                yield Button("Apply", variant="primary", id="filter-apply")
                yield Button("Clear all", id="filter-clear")
                yield Button("Cancel", id="filter-cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#filter-project", Input).focus()

    def _value(self, field: str) -> str | None:
        return self.query_one(f"#filter-{field}", Input).value.strip() or None

    def _query(self) -> BoardQuery:
        return self.initial.model_copy(
            update={
                "project": self._value("project"),
                "milestone": self._value("milestone"),
                "labels": _split(self._value("labels") or ""),
                "priorities": [
                    p for p in Priority if self.query_one(f"#filter-{p.value}", Checkbox).value
                ],
                "assignee": self._value("assignee"),
                "text": self._value("text"),
            }
        )

    def _show_error(self, field: str, text: str | None) -> None:
        error = self.query_one(f"#filter-{field}-error", Static)
        error.update(text or "")
        error.set_class(bool(text), "-shown")
        if text:
            self.query_one(f"#filter-{field}", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#filter-apply")
    def action_apply(self) -> None:
        self.check_and_apply(self._query())

    @work(exclusive=True, group="check_and_apply", exit_on_error=False)
    async def check_and_apply(self, query: BoardQuery) -> None:
        engine = await taskyard_app(self).engine()
        self._show_error("project", None)
        self._show_error("milestone", None)
        if query.project:
            try:
                project = await engine.get_project(query.project)
            except TaskyardError as exc:
                self._show_error("project", f"{exc.message} {exc.hint or ''}".strip())
                return
            query = query.model_copy(update={"project": project.slug})
        if query.milestone:
            try:
                found = (
                    await engine.find_milestones(
                        query.project or "", slug=query.milestone, name=query.milestone, limit=1
                    )
                    if query.project
                    else [
                        m
                        for m in await engine.list_milestones()
                        if query.milestone.lower() in (m.slug.lower(), m.name.lower())
                    ]
                )
            except TaskyardError as exc:
                self._show_error("milestone", f"{exc.message} {exc.hint or ''}".strip())
                return
            if not found:
                self._show_error(
                    "milestone",
                    f"No milestone is called {query.milestone!r}. Check the spelling, or choose "
                    "the project first (milestones belong to a project).",
                )
                return
        self.dismiss(query)

    @on(Button.Pressed, "#filter-clear")
    def action_clear(self) -> None:
        for field in ("project", "milestone", "labels", "assignee", "text"):
            self.query_one(f"#filter-{field}", Input).value = ""
        for priority in Priority:
            self.query_one(f"#filter-{priority.value}", Checkbox).value = False
        self._show_error("project", None)
        self._show_error("milestone", None)

    @on(Button.Pressed, "#filter-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
