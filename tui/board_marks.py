"""Marked cards, for a bulk move or a bulk assign: space marks and unmarks, as in lazygit.

The marks are the board's, by task id, across columns; each card shows ``[x]`` (and says
"marked" in screen-reader mode) and the status line says how many are marked and what the
keys do with them. ``m`` then moves every marked task, ``A`` assigns them; escape clears.
Each move goes through the engine like a single one (the state machine may refuse some, and
says why for each); the assign is one ``assign_tasks`` call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.domain.models import TaskCard, TaskStatus
from tui.board_actions import say
from tui.context import attempt, taskyard_app
from tui.task_words import move_targets

if TYPE_CHECKING:
    from tui.screens.board import BoardScreen


def tasks_word(count: int) -> str:
    return f"{count} task" + ("" if count == 1 else "s")


class Marks:
    """The board's marked cards, by task id."""

    def __init__(self, board: BoardScreen) -> None:
        self.board = board
        self.cards: dict[str, TaskCard] = {}
        """Task id -> the card as it was marked (its ref and state for the menus)."""

    def toggle(self) -> None:
        """Mark the selected card, or unmark it, and say how many are marked."""
        card = self.board.selected_card
        if card is None:
            return
        if self.cards.pop(card.id, None) is None:
            self.cards[card.id] = card
            done = f"{card.ref} marked"
        else:
            done = f"{card.ref} unmarked"
        self._show()
        count = len(self.cards)
        if count:
            say(
                self.board,
                f"{done}; {tasks_word(count)} marked: m moves them, A assigns them, space "
                "unmarks, escape clears the marks.",
            )
        else:
            say(self.board, f"{done}; no task is marked.")

    def clear(self) -> bool:
        """Unmark every card; ``False`` when none was marked."""
        if not self.cards:
            return False
        self.cards.clear()
        self._show()
        say(self.board, "Marks cleared.")
        return True

    def _show(self) -> None:
        marked = frozenset(self.cards)
        for column in self.board.columns():
            column.task_list.set_marked(marked)

    def choose_move(self) -> None:
        """Ask where to move the marked tasks: the states every one of them may reach."""
        from tui.modals.bulk_move import BulkMoveModal

        cards = list(self.cards.values())
        auto = taskyard_app(self.board).auto_approve
        reachable = [set(move_targets(c.status, auto_approve=auto)) for c in cards]
        common = set.intersection(*reachable) if reachable else set()
        targets = [s for s in move_targets(cards[0].status, auto_approve=auto) if s in common]

        def chosen(status: TaskStatus | None) -> None:
            if status is not None:
                self.board.run_worker(self._move(cards, status), group="move_task")

        self.board.app.push_screen(BulkMoveModal(cards, targets, spoken=self.board.spoken), chosen)

    async def _move(self, cards: list[TaskCard], status: TaskStatus) -> None:
        from tui.moves import move_task

        app = taskyard_app(self.board)
        refused: list[str] = []
        for card in cards:
            outcome = await move_task(app, card.ref, status)
            if outcome.task is None:  # the reason is in the message log
                refused.append(card.ref)
        moved = len(cards) - len(refused)
        words = f"{tasks_word(moved)} moved to {status.label}."
        if refused:
            words += f" Not moved: {', '.join(refused)} (L shows why)."
        self.cards.clear()
        self._show()
        say(self.board, words)
        self.board.load_board()

    def choose_assignee(self) -> None:
        """Ask whom to assign the marked tasks (or the selected one) to; empty unassigns."""
        from tui.modals.name_prompt import NameModal

        cards = list(self.cards.values())
        if not cards and self.board.selected_card is not None:
            cards = [self.board.selected_card]
        if not cards:
            return
        refs = [card.ref for card in cards]
        shown = ", ".join(refs[:6]) + (f" and {len(refs) - 6} more" if len(refs) > 6 else "")

        def named(assignee: str | None) -> None:
            if assignee is not None:
                self.board.run_worker(self._assign(refs, assignee or None), group="assign")

        self.board.app.push_screen(
            NameModal(
                f"Assign {shown} to (leave empty to unassign):",
                placeholder="Assignee",
                create="Assign",
                allow_empty=True,
            ),
            named,
        )

    async def _assign(self, refs: list[str], assignee: str | None) -> None:
        result = await attempt(
            self.board,
            lambda engine: engine.assign_tasks(refs, assignee),
            refused="Not assigned",
            title="Not assigned",
        )
        if result is None:
            return
        to = f"assigned to {assignee}" if assignee else "unassigned"
        words = f"{tasks_word(result.succeeded)} {to}."
        if result.failed:
            failed = [item.ref for item in result.items if not item.ok]
            words += f" Not changed: {', '.join(failed)}."
        self.cards.clear()
        self._show()
        say(self.board, words)
        self.board.load_board()
