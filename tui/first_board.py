"""The board's first query, known before Textual is imported, so it can be read early.

``BoardScreen`` asks for exactly this on its first load; ``run_from_args`` hands it to
``core.early_board.read_board_early`` before importing the app, so the board's data is read
on the other core while Textual starts.
"""

from __future__ import annotations

from typing import Protocol

from core.domain.commands import BoardQuery
from core.domain.views import BoardView
from tui.settings import TuiSettings

PAGE = 100
"""Cards fetched per window request."""


def first_board_query(settings: TuiSettings) -> BoardQuery:
    """What the board shows when it opens: every configured column, the settings' project."""
    return BoardQuery(per_column=PAGE, project=settings.project, statuses=list(settings.columns))


def same_query(a: BoardQuery, b: BoardQuery) -> bool:
    """Whether two queries ask for the same cards (``model_copy`` does not normalise)."""
    return a.model_dump(mode="json") == b.model_dump(mode="json")


class EarlyRead(Protocol):
    """A board read before the app started (``core.early_board.EarlyBoard``)."""

    query: BoardQuery
    """What was asked for; the answer is only good for the same query."""

    async def result(self) -> BoardView | None:
        """The board, or ``None`` when the early read failed (the app reads it itself)."""
        ...
