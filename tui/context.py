"""Typed access to the running ``TaskyardApp`` from any screen, modal or widget."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from textual.dom import DOMNode
from textual.geometry import Offset, Region

from core.errors import TaskyardError

if TYPE_CHECKING:
    from textual.widget import Widget

    from core.engine import TaskEngine
    from tui.app import TaskyardApp

T = TypeVar("T")


def taskyard_app(node: DOMNode) -> TaskyardApp:
    """The app ``node`` belongs to, typed (Textual types ``node.app`` as a plain ``App``)."""
    return cast("TaskyardApp", node.app)


class HasStatusLine(Protocol):
    """A screen with a status line (every taskyard screen has one)."""

    def set_status(self, text: str, *, error: bool = False) -> None: ...


async def attempt(
    screen: HasStatusLine,
    call: Callable[[TaskEngine], Awaitable[T]],
    *,
    refused: str,
    title: str,
) -> T | None:
    """Run one engine call for ``screen``; ``None`` when the engine refused it.

    A refusal is said where the user is looking (the status line, ``refused: why``) and kept
    in the message log under ``title``, so every action that can be refused reports it the
    same way.
    """
    app = taskyard_app(cast("DOMNode", screen))
    try:
        return await call(await app.engine())
    except TaskyardError as exc:
        text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
        screen.set_status(f"{refused}: {text}", error=True)
        app.report(text, severity="error", title=title)
        return None


async def cancel_with_reason(screen: HasStatusLine, ref: str, reason: str) -> bool:
    """Cancel task ``ref`` (its running step is stopped by its worker); says how it went."""
    cancelled = await attempt(
        screen,
        lambda engine: engine.cancel(ref, reason),
        refused="Not cancelled",
        title=f"{ref} not cancelled",
    )
    if cancelled is None:
        return False
    done = f"{ref} cancelled ({reason})."
    screen.set_status(done)
    taskyard_app(cast("DOMNode", screen)).report(done)
    return True


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
