"""``ProjectPickerModal``: switch the board to one project, or to every project."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from core.errors import TaskyardError
from tui.context import taskyard_app
from tui.modals.choice import Choice, ChoiceModal

ALL = "*all*"


@dataclass(frozen=True)
class ProjectChoice:
    """The chosen project (``slug`` None for every project)."""

    slug: str | None
    name: str | None


class ProjectPickerModal(ChoiceModal[ProjectChoice | None]):
    """Choose a project; escape cancels. The projects are read when the dialog opens."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Cancel", id="project.cancel"),
    ]

    DEFAULT_CSS = """
    ProjectPickerModal {
        & > Vertical { width: 70; max-height: 80%; }
        & #project-title { text-style: bold; }
    }
    """

    CHOICES_ID = "project-choices"
    FILTERABLE = True

    def __init__(
        self,
        current: str | None,
        *,
        spoken: bool = False,
        question: str = "Show the board of:",
        every: str = "All projects",
    ) -> None:
        super().__init__([], left=None, placeholder="Loading projects…", spoken=spoken)
        self.current = current
        self.question = question
        self.every = every
        """The words of the first choice, the one without a project."""

    def compose_question(self) -> ComposeResult:
        yield Static(self.question, id="project-title", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.load_projects()

    @work(exclusive=True, group="load_projects", exit_on_error=False)
    async def load_projects(self) -> None:
        engine = await taskyard_app(self).engine()
        try:
            projects = await engine.list_projects()
        except TaskyardError as exc:
            self.query_one(f"#{self.CHOICES_ID}-placeholder", Static).update(
                f"{exc.message} {exc.hint or ''}"
            )
            return
        choices = [Choice[ProjectChoice | None](ALL, self.every, ProjectChoice(None, None))]
        choices += [
            Choice(p.slug, f"{p.name}  ({p.key}, {p.slug})", ProjectChoice(p.slug, p.name))
            for p in projects
        ]
        current = self.current or ALL
        index = next((i for i, c in enumerate(choices) if c.id == current), 0)
        await self.show_choices(choices, highlighted=index)
