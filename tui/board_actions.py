"""The board's conveniences: copy a ref, undo the last move.

Each takes the ``BoardScreen`` it acts for and goes through the engine like the screen's own
actions: engine calls run in the screen's workers, refusals are said on its status line and
kept in the message log. The screen's ``action_*`` methods delegate here so that the screen
module keeps to loading, showing and moving.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.domain.models import TaskStatus
from tui.context import taskyard_app

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
