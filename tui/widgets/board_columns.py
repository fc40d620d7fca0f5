"""``BoardColumns``: the board's row of columns, sharing the width and scrolling sideways.

A narrow terminal gets fewer columns on screen, as many as fit whole at a readable width,
sharing the width between them; the row scrolls to whole columns (never to the middle of
one), with the focused one fully in view, and says how many are off screen on each side.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.containers import Horizontal
from textual.message import Message

from tui.widgets.board_column import BoardColumn
from tui.widgets.task_list import TaskList

MIN_COLUMN = 30
"""Narrowest column, in cells: a ref, a priority and a readable piece of title."""


class BoardColumns(Horizontal):
    """The row of columns; scrolls sideways on narrow terminals."""

    @dataclass
    class OffScreen(Message):
        """How many shown columns are not wholly on screen, on the left and on the right."""

        left: int
        right: int

    _off_screen: tuple[int, int] = (0, 0)

    def watch_scroll_x(self, old: float, new: float) -> None:
        super().watch_scroll_x(old, new)
        focused = self.screen.focused
        if isinstance(focused, TaskList):
            self.call_after_refresh(focused.place_cursor)
        self.call_after_refresh(self._count_off_screen)

    def on_resize(self) -> None:
        self.call_after_refresh(self._count_off_screen)

    def off_screen(self) -> tuple[int, int]:
        """Shown columns cut off or hidden on the left and on the right of the view."""
        view = self.scrollable_content_region.width
        left = right = 0
        for column in self.query_children(BoardColumn):
            if not column.display:
                continue
            start, width = column.virtual_region.x, column.virtual_region.width
            if start < self.scroll_x:
                left += 1
            elif start + width > self.scroll_x + view:
                right += 1
        return left, right

    def _count_off_screen(self) -> None:
        counts = self.off_screen() if self.scrollable_content_region.width else (0, 0)
        if counts != self._off_screen:
            self._off_screen = counts
            self.post_message(self.OffScreen(*counts))

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
        self.call_after_refresh(self._count_off_screen)

    def fit(self, shown: list[BoardColumn], *, fallback_width: int) -> None:
        """Share the width between as many of the ``shown`` columns as fit whole, never
        narrower than ``MIN_COLUMN`` (``fallback_width`` before the row has a size): at 70
        cells, two columns of 35 rather than two of 30 and a sliver of a third."""
        available = self.size.width or fallback_width
        fitting = max(1, min(len(shown), available // MIN_COLUMN))
        width = max(MIN_COLUMN, available // fitting)
        for column in shown:
            column.styles.width = width
        self.call_after_refresh(self._count_off_screen)

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
