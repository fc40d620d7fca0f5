"""Typed access to the running ``TaskyardApp`` (and so its engine) for screens and modals.

Widgets do not use it: they get what they need from their screen (attributes down) and ask
it for data with messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from textual.dom import DOMNode

from core.errors import TaskyardError

if TYPE_CHECKING:
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
    done: Callable[[T], str] | None = None,
) -> T | None:
    """Run one engine call for ``screen``; ``None`` when the engine refused it.

    A refusal is said where the user is looking (the status line, ``refused: why``) and kept
    in the message log under ``title``, so every action that can be refused reports it the
    same way. With ``done``, what the call did is said the same way (``report_done``).
    Every call made here writes, so none is sent while the server is unreachable.
    """
    app = taskyard_app(cast("DOMNode", screen))
    try:
        app.connection.check_write()
        result = await call(await app.engine())
    except TaskyardError as exc:
        text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
        screen.set_status(f"{refused}: {text}", error=True)
        app.report(text, severity="error", title=title)
        app.connection.saw_error(exc)
        return None
    if done is not None:
        report_done(screen, done(result))
    return result


def report_done(screen: HasStatusLine, text: str) -> None:
    """Say what an action did: on ``screen``'s status line and in the message log."""
    screen.set_status(text)
    taskyard_app(cast("DOMNode", screen)).report(text)
