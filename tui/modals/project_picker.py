"""``ProjectPickerModal``: switch the board to one project, or to every project."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static

from core.domain.models import Project
from core.errors import TaskyardError
from tui.context import taskyard_app
from tui.widgets.choice_list import ChoiceList

ALL = "*all*"


@dataclass(frozen=True)
class ProjectChoice:
    """The chosen project (``slug`` None for every project)."""

    slug: str | None
    name: str | None


class ProjectPickerModal(ModalScreen[ProjectChoice | None]):
    """Choose a project.

    | Key | Action |
    | :- | :- |
    | up / down, enter | Choose |
    | 1 … 9 | Choose by number |
    | escape | Cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="project.cancel"),
    ]

    DEFAULT_CSS = """
    ProjectPickerModal {
        align: center middle;
        & > Vertical {
            width: 70;
            height: auto;
            max-height: 80%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & #project-title { text-style: bold; }
    }
    """

    def __init__(self, current: str | None, *, spoken: bool = False) -> None:
        super().__init__()
        self.current = current
        self.spoken = spoken
        self.projects: list[Project] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="project-body"):
            yield Static("Show the board of:", id="project-title")
            yield Static("Loading projects…", id="project-loading")
        yield Footer()

    def on_mount(self) -> None:
        self.load_projects()

    @work(exclusive=True, group="load-projects", exit_on_error=False)
    async def load_projects(self) -> None:
        engine = await taskyard_app(self).engine()
        try:
            self.projects = await engine.list_projects()
        except TaskyardError as exc:
            self.query_one("#project-loading", Static).update(f"{exc.message} {exc.hint or ''}")
            return
        choices = [(ALL, "All projects")] + [
            (p.slug, f"{p.name}  ({p.key}, {p.slug})") for p in self.projects
        ]
        await self.query_one("#project-loading").remove()
        choice_list = ChoiceList(*choices, id="project-choices")
        await self.query_one("#project-body").mount(choice_list)
        index = next((i for i, (slug, _) in enumerate(choices) if slug == (self.current or ALL)), 0)
        choice_list.highlighted = index
        choice_list.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        slug = event.option.id
        if slug == ALL or slug is None:
            self.dismiss(ProjectChoice(None, None))
            return
        project = next(p for p in self.projects if p.slug == slug)
        self.dismiss(ProjectChoice(project.slug, project.name))

    def action_cancel(self) -> None:
        self.dismiss(None)
