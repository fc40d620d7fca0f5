"""Typed access to the running ``TaskyardApp`` from any screen, modal or widget."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode
from textual.geometry import Offset, Region

if TYPE_CHECKING:
    from textual.widget import Widget

    from tui.app import TaskyardApp


def taskyard_app(node: DOMNode) -> TaskyardApp:
    """The app ``node`` belongs to, typed (Textual types ``node.app`` as a plain ``App``)."""
    return cast("TaskyardApp", node.app)


def move_terminal_cursor(widget: Widget, offset: Offset) -> None:
    """Put the terminal cursor at ``offset`` (screen cells) with the cheapest possible frame.

    Textual writes the cursor position at the end of every screen update, so moving it needs
    *an* update. ``App.refresh()`` marks the whole screen dirty and redraws every cell (a full
    update: 150-200 ms of a key press on a 160x45 board under load); repainting one cell of
    ``widget`` is enough. Nothing is redrawn when the cursor is already there, because every
    update ends by putting it back.
    """
    app = widget.app
    if app.cursor_position == offset:
        return
    app.cursor_position = offset
    widget.refresh(Region(0, 0, 1, 1))
