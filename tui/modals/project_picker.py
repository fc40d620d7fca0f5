"""``ProjectPickerModal``: switch the board to one project, or to every project, or rename one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from core.domain.commands import ProjectPatch, parse
from core.domain.models import Project
from core.errors import TaskyardError
from tui.context import attempt, taskyard_app
from tui.modals.choice import Choice, ChoiceModal
from tui.widgets.filter_list import FilterList

ALL = "*all*"


@dataclass(frozen=True)
class ProjectChoice:
    """The chosen project (``slug`` None for every project)."""

    slug: str | None
    name: str | None


def _words(project: Project) -> str:
    return f"{project.name}  ({project.key}, {project.slug})"


class ProjectPickerModal(ChoiceModal[ProjectChoice | None]):
    """Choose a project; escape cancels. The projects are read when the dialog opens.

    | Key | Action |
    | :- | :- |
    | up / down, enter | Show that project's board |
    | typing | Narrow the list |
    | f2 | Rename the highlighted project (its slug and key stay) |
    | escape | Leave without switching |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Cancel", id="project.cancel"),
        # f2, not a letter: letters narrow the list.
        Binding(
            "f2",
            "rename",
            "Rename",
            tooltip="Give the highlighted project a new name (its slug and key stay)",
            id="project.rename",
        ),
    ]

    DEFAULT_CSS = """
    ProjectPickerModal {
        & > Vertical { width: 70; max-height: 80%; }
        & #project-title { text-style: bold; }
        & #project-status.-error { color: $text-error; text-style: bold; }
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

    def compose_notes(self) -> ComposeResult:
        yield Static("", id="project-status", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.load_projects()

    def set_status(self, text: str, *, error: bool = False) -> None:
        """Say what a rename did, or why it was refused, under the list."""
        status = self.query_one("#project-status", Static)
        status.update(text)
        status.set_class(error, "-error")

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
        choices += [Choice(p.slug, _words(p), ProjectChoice(p.slug, p.name)) for p in projects]
        current = self.current or ALL
        index = next((i for i, c in enumerate(choices) if c.id == current), 0)
        await self.show_choices(choices, highlighted=index)

    def action_rename(self) -> None:
        from tui.modals.name_prompt import NameModal

        menus = self.query(FilterList)
        option = menus.first().highlighted_option if menus else None
        choice = self.results.get(option.id) if option is not None and option.id else None
        if choice is None or choice.slug is None:
            self.set_status("Highlight a project to rename it.", error=True)
            return
        slug, old = choice.slug, choice.name

        def named(name: str | None) -> None:
            if name and name != old:
                self.rename_project(slug, name)

        self.app.push_screen(
            NameModal(
                f"New name for project {old} ({slug}). Its slug and ref key stay.",
                placeholder=old or slug,
                create="Rename the project",
            ),
            named,
        )

    @work(exclusive=True, group="rename_project", exit_on_error=False)
    async def rename_project(self, slug: str, name: str) -> None:
        project = await attempt(
            self,
            lambda engine: engine.update_project(slug, parse(ProjectPatch, {"name": name})),
            refused="Project not renamed",
            title="Project not renamed",
            done=lambda p: f"Project {p.slug} is now named {p.name}.",
        )
        if project is not None:
            self.results[slug] = ProjectChoice(slug, project.name)
            self.query_one(FilterList).reword(slug, _words(project))
