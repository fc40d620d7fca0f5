"""The board's conveniences: copy a ref, undo the last move, Run Now, delete, new project or
milestone.

Each takes the ``BoardScreen`` it acts for and goes through the engine like the screen's own
actions: engine calls run in the screen's workers, refusals are said on its status line and
kept in the message log. The screen's ``action_*`` methods delegate here so that the screen
module keeps to loading, showing and moving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from core.domain.commands import MilestoneCreate, ProjectCreate
from core.domain.models import TaskCard, TaskStatus
from tui.context import attempt, report_done, taskyard_app

if TYPE_CHECKING:
    from tui.screens.board import BoardScreen


@dataclass(frozen=True)
class LastMove:
    """The move ``u`` undoes: the task, where it was, and its version right after the move."""

    ref: str
    task_id: str
    before: TaskStatus
    after: TaskStatus
    version: int


def say(board: BoardScreen, text: str) -> None:
    """Say what was done once: the status line, or in screen-reader mode the announcement
    line (which the message log keeps)."""
    if board.spoken:
        taskyard_app(board).report(text)
    else:
        board.set_status(text)


def copy_ref(board: BoardScreen) -> None:
    """Copy the selected task's ref to the clipboard (OSC 52), and say so."""
    card = board.selected_card
    if card is None:
        return
    board.app.copy_to_clipboard(card.ref)
    say(board, f"Copied {card.ref} to the clipboard.")


def undo_move(board: BoardScreen) -> None:
    """Move the task this board last moved back to where it was.

    The engine refuses when the task changed since that move (``expected_version``): someone
    else's later change is never overwritten by an undo.
    """
    last = board.last_move
    if last is None:
        board.set_status("Nothing to undo: no task has been moved on this board yet.")
        return
    board.run_worker(_undo(board, last), group="move_task", exit_on_error=False)


async def _undo(board: BoardScreen, last: LastMove) -> None:
    from tui.moves import move_task

    outcome = await move_task(
        taskyard_app(board), last.ref, last.before, expected_version=last.version
    )
    if outcome.task is None:  # refused: the reason is in the status line and the log
        return
    board.last_move = None
    say(board, f"Undone: {last.ref} is back in {last.before.label}.")
    board.show_task(last.task_id)


def run_now(board: BoardScreen) -> None:
    """Start the selected task now, ahead of the queue (as ``R`` in its detail)."""
    card = board.selected_card
    if card is not None:
        board.run_worker(_run_now(board, card), group="run_now", exit_on_error=False)


async def _run_now(board: BoardScreen, card: TaskCard) -> None:
    from tui import task_commands

    await task_commands.run_now(board, card)


def delete_task(board: BoardScreen) -> None:
    """Delete the selected task after a confirmation ("No" is what enter alone picks)."""
    card = board.selected_card
    if card is None:
        return
    from tui import task_commands

    def deleted(text: str) -> None:
        report_done(board, text)
        board.load_board()

    task_commands.ask_to_delete(board, card.ref, card.title, deleted)


def new_project(board: BoardScreen) -> None:
    """Ask for a name, create the project, and show its (empty) board."""
    from tui.modals.name_prompt import NameModal

    def named(name: str | None) -> None:
        if name:
            board.run_worker(_create_project(board, name), group="create", exit_on_error=False)

    board.app.push_screen(
        NameModal(
            "New project. Its slug and ref key (WEB for “Web app”) come from the name.",
            placeholder="Project name",
            create="Create the project",
        ),
        named,
    )


async def _create_project(board: BoardScreen, name: str) -> None:
    project = await attempt(
        board,
        lambda engine: engine.create_project(ProjectCreate(name=name)),
        refused="Project not created",
        title="Project not created",
    )
    if project is not None:
        board.show_project(project.slug, project.name)
        report_done(
            board,
            f"Project {project.name} created (slug {project.slug}, refs {project.key}-1, …); "
            "the board shows it now, n adds its first task.",
        )


def milestones(board: BoardScreen) -> None:
    """The milestones of the project the board shows: create one, show the board of one
    (the milestone filter), or rename one (in the dialog)."""
    from tui.modals.milestone_picker import MilestoneChoice, MilestonePickerModal

    project = board.query_state.project
    where = f"project {board.project_name or project}" if project else "every project"

    def chosen(choice: MilestoneChoice | None) -> None:
        if choice is None:
            return
        if choice.kind == "new":
            new_milestone(board)
        elif choice.project is not None and choice.project.slug != project:
            board.show_project(choice.project.slug, choice.project.name, milestone=choice.slug)
        else:
            board.show_milestone(choice.slug)

    board.app.push_screen(
        MilestonePickerModal(project, where, board.query_state.milestone, spoken=board.spoken),
        chosen,
    )


async def add_demo(board: BoardScreen) -> None:
    """Add the demo project (``core.demo``) and show its board."""
    from core.demo import NAME, SLUG, seed_demo

    refs = await attempt(
        board,
        lambda engine: seed_demo(engine, today=date.today()),
        refused="Demo project not added",
        title="Demo project not added",
    )
    if refs is not None:
        board.show_project(SLUG, NAME)
        report_done(
            board,
            f"Demo project {NAME} added ({len(refs)} tasks, slug {SLUG}); p switches back, "
            "P creates a project of your own.",
        )


def new_milestone(board: BoardScreen) -> None:
    """Ask for a name and create a milestone in the project the board shows."""
    from tui.modals.name_prompt import NameModal

    project = board.query_state.project
    where = f"project {board.project_name or project}" if project else "the default project"

    def named(name: str | None) -> None:
        if name:
            board.run_worker(
                _create_milestone(board, project, name), group="create", exit_on_error=False
            )

    board.app.push_screen(
        NameModal(
            f"New milestone in {where}.",
            placeholder="Milestone name",
            create="Create the milestone",
        ),
        named,
    )


async def _create_milestone(board: BoardScreen, project: str | None, name: str) -> None:
    milestone = await attempt(
        board,
        lambda engine: engine.create_milestone(MilestoneCreate(project=project, name=name)),
        refused="Milestone not created",
        title="Milestone not created",
    )
    if milestone is not None:
        report_done(
            board,
            f"Milestone {milestone.name} created (slug {milestone.slug}); the task form's "
            "Milestone field and the filters (f) take it.",
        )
