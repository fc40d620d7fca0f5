"""``BoardColumns``: the board's row of columns, sharing the width and scrolling sideways.

A narrow terminal gets fewer columns on screen, each at a readable width, and the row scrolls
to whole columns (never to the middle of one), with the focused one fully in view.
"""

from __future__ import annotations

from textual.containers import Horizontal

from tui.widgets.board_column import BoardColumn
from tui.widgets.task_list import TaskList

MIN_COLUMN = 30
"""Narrowest column, in cells: a ref, a priority and a readable piece of title."""


class BoardColumns(Horizontal):
    """The row of columns; scrolls sideways on narrow terminals."""

    def watch_scroll_x(self, old: float, new: float) -> None:
        super().watch_scroll_x(old, new)
        focused = self.screen.focused
        if isinstance(focused, TaskList):
            self.call_after_refresh(focused.place_cursor)

    def show_columns(
        self,
        columns: list[BoardColumn],
        current: BoardColumn | None,
        *,
        hide_empty: bool,
        only: bool,
    ) -> None:
        """Hide the empty columns (``hide_empty``) or all but the current one (``only``, the
        screen-reader layout); the current column always shows."""
        for column in columns:
            column.display = not (hide_empty and column.count == 0) or column is current
        if only:
            for column in columns:
                column.display = column is current

    def fit(self, shown: list[BoardColumn], *, fallback_width: int) -> None:
        """Share the width between the ``shown`` columns, never narrower than ``MIN_COLUMN``
        (``fallback_width`` before the row has a size)."""
        available = self.size.width or fallback_width
        width = max(MIN_COLUMN, available // len(shown))
        for column in shown:
            column.styles.width = width

    def scroll_to_column(self, column: BoardColumn, columns: list[BoardColumn]) -> None:
        """Scroll sideways so ``column`` shows, when it does not already.

        A column that is already on screen is left alone: ``scroll_visible`` queues a scroll
        and a layout pass even when there is nothing to scroll.
        """
        if column.region and self.region.contains_region(column.region):
            return
        x, width = column.virtual_region.x, column.virtual_region.width
        view = self.scrollable_content_region.width
        if x < self.scroll_x or width >= view:
            target = x
        else:
            starts = sorted(c.virtual_region.x for c in columns if c.display)
            target = next((start for start in starts if start >= x + width - view), x)
        self.scroll_to(x=target, animate=False, immediate=True)
