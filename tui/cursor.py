"""Placing the terminal cursor, which screen readers and braille displays follow (R1).

Kept apart from ``tui.context`` so that widgets can place the cursor without importing the
module that reaches the app's engine.
"""

from __future__ import annotations

from textual.geometry import Offset, Region
from textual.widget import Widget


def move_terminal_cursor(widget: Widget, offset: Offset) -> None:
    """Put the terminal cursor at ``offset`` (screen cells) with the cheapest possible frame.

    Textual writes the cursor position at the end of every screen update, so moving it needs
    *an* update. ``App.refresh()`` marks the whole screen dirty and redraws every cell (a full
    update: 150-200 ms of a key press on a 160x45 board under load); repainting one cell of
    ``widget`` is enough. Nothing is redrawn when the cursor is already there, because every
    update ends by putting it back. Only the screen on top moves it.
    """
    app = widget.app
    if widget.screen is not app.screen:
        # A screen left in another mode (the monitor, behind the board) keeps its focused
        # widget and its timers: it must not move the cursor of the screen the user sees.
        return
    if app.cursor_position == offset:
        return
    app.cursor_position = offset
    widget.refresh(Region(0, 0, 1, 1))
