"""``MilestonePickerModal``: the milestones of the project shown — create one, show the board of
one, or rename one — without the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from core.domain.commands import MilestonePatch, parse
from core.domain.models import Milestone, Project
from core.errors import TaskyardError
from tui.context import attempt, taskyard_app
from tui.modals.choice import Choice, ChoiceModal
from tui.widgets.filter_list import FilterList

NEW = "*new*"
ALL = "*all*"


@dataclass(frozen=True)
class MilestoneChoice:
    """What was chosen: a new milestone, no milestone filter, or one milestone's board."""

    kind: Literal["new", "all", "show"]
    slug: str | None = None
    name: str | None = None
    project: Project | None = None
    """The milestone's project: a milestone filter needs one, so the all-projects board
    switches to it."""


def _words(milestone: Milestone) -> str:
    due = f", due {milestone.due_date.isoformat()}" if milestone.due_date else ""
    return f"{milestone.name}  ({milestone.slug}{due})"


class MilestonePickerModal(ChoiceModal[MilestoneChoice | None]):
    """The milestones of the project the board shows (every project's on the all-projects
    board), read when the dialog opens.

    | Key | Action |
    | :- | :- |
    | up / down, enter | Create a milestone, or show the board of the chosen one |
    | typing | Narrow the list |
    | f2 | Rename the highlighted milestone (its slug stays) |
    | escape | Leave as it is |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Cancel", id="milestone.cancel", tooltip="Leave as it is"),
        # f2, not a letter: letters narrow the list (as in the project picker).
        Binding(
            "f2",
            "rename",
            "Rename",
            tooltip="Give the highlighted milestone a new name (its slug stays)",
            id="milestone.rename",
        ),
    ]

    DEFAULT_CSS = """
    MilestonePickerModal {
        & > Vertical { width: 70; max-height: 80%; }
        & #milestone-title { text-style: bold; }
        & #milestone-status.-error { color: $text-error; text-style: bold; }
    }
    """

    CHOICES_ID = "milestone-choices"
    FILTERABLE = True

    def __init__(
        self, project: str | None, where: str, current: str | None, *, spoken: bool = False
    ) -> None:
        super().__init__([], left=None, placeholder="Loading milestones…", spoken=spoken)
        self.project = project
        """The project whose milestones are listed (``None``: every project's)."""
        self.where = where
        self.current = current
        """The board's milestone filter, highlighted when the dialog opens."""
        self._milestones: dict[str, Milestone] = {}
        self._projects: dict[str, Project] = {}

    def compose_question(self) -> ComposeResult:
        yield Static(f"Milestones of {self.where}:", id="milestone-title", markup=False)

    def compose_notes(self) -> ComposeResult:
        yield Static("", id="milestone-status", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.load_milestones()

    def set_status(self, text: str, *, error: bool = False) -> None:
        """Say what a rename did, or why it was refused, under the list."""
        status = self.query_one("#milestone-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    @work(exclusive=True, group="load_milestones", exit_on_error=False)
    async def load_milestones(self) -> None:
        engine = await taskyard_app(self).engine()
        try:
            milestones = await engine.list_milestones(self.project)
            projects = {p.id: p for p in await engine.list_projects()}
        except TaskyardError as exc:
            self.query_one(f"#{self.CHOICES_ID}-placeholder", Static).update(
                f"{exc.message} {exc.hint or ''}"
            )
            return
        self._milestones = {m.id: m for m in milestones}
        self._projects = projects
        choices: list[Choice[MilestoneChoice | None]] = [
            Choice(NEW, "New milestone…", MilestoneChoice("new")),
            Choice(ALL, "Every milestone (no milestone filter)", MilestoneChoice("all")),
        ]
        choices += [Choice(m.id, _words(m), self._choice(m)) for m in milestones]
        index = next(
            (i for i, m in enumerate(milestones, start=2) if self.current in (m.slug, m.name)), 0
        )
        await self.show_choices(choices, highlighted=index)
        if not milestones:
            self.set_status("No milestones yet: enter creates the first one.")

    def _choice(self, milestone: Milestone) -> MilestoneChoice:
        project = self._projects.get(milestone.project_id)
        return MilestoneChoice("show", milestone.slug, milestone.name, project)

    def action_rename(self) -> None:
        from tui.modals.name_prompt import NameModal

        menus = self.query(FilterList)
        option = menus.first().highlighted_option if menus else None
        milestone = self._milestones.get(option.id) if option is not None and option.id else None
        if milestone is None:
            self.set_status("Highlight a milestone to rename it.", error=True)
            return

        def named(name: str | None) -> None:
            if name and name != milestone.name:
                self.rename_milestone(milestone, name)

        self.app.push_screen(
            NameModal(
                f"New name for milestone {milestone.name} ({milestone.slug}). Its slug stays.",
                placeholder=milestone.name,
                create="Rename the milestone",
            ),
            named,
        )

    @work(exclusive=True, group="rename_milestone", exit_on_error=False)
    async def rename_milestone(self, milestone: Milestone, name: str) -> None:
        renamed = await attempt(
            self,
            lambda engine: engine.update_milestone(
                milestone.project_id, milestone.id, parse(MilestonePatch, {"name": name})
            ),
            refused="Milestone not renamed",
            title="Milestone not renamed",
            done=lambda m: f"Milestone {m.slug} is now named {m.name}.",
        )
        if renamed is not None:
            self._milestones[renamed.id] = renamed
            self.results[renamed.id] = self._choice(renamed)
            self.query_one(FilterList).reword(renamed.id, _words(renamed))
