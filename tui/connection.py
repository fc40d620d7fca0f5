"""The link to a taskyard server, as the TUI tells it: a status line, refusals, re-login.

Only a remote engine has a link. Its event follower reports each change of the connection
(``on_status``: connected, reconnecting, offline, unauthorized), wired up by the entry point
(``tui.__main__.remote_app``); the TUI sees those reports through ``LinkStatus``, the shape it
needs, so it imports nothing of the remote client. ``ConnectionWatch`` keeps the latest report
and turns it into what the user meets:

- the words of every screen's connection line (``ConnectionLine``), counting down to the next
  attempt;
- one announcement per change of state (the message log, and the announcement line in
  screen-reader mode), never one per reconnect attempt;
- the refusal of writes while the server cannot be reached, before anything is sent, so a
  form keeps its text and the user reads why;
- a reload of every screen once the link is back, so what other clients changed meanwhile
  shows without a restart;
- the re-login dialog when the server refuses the token.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from textual.app import App
from textual.screen import ModalScreen, Screen
from textual.signal import Signal

from core.errors import AuthenticationError, StorageError

CONNECTED = "connected"
RECONNECTING = "reconnecting"
OFFLINE = "offline"
UNAUTHORIZED = "unauthorized"


class LinkStatus(Protocol):
    """One report of the event follower (``core.remote.stream.ConnectionStatus``'s shape)."""

    @property
    def state(self) -> str:
        """``connected``, ``reconnecting``, ``offline`` or ``unauthorized``."""

    @property
    def since(self) -> datetime:
        """When the link entered this state."""

    @property
    def retry_in(self) -> float | None:
        """Seconds until the next attempt, when one is due."""

    @property
    def reason(self) -> str | None:
        """Why the last attempt failed, in words."""


class Teller(Protocol):
    """What the watch needs of the app: say something, and ask every screen to read again."""

    def report(self, text: str, *, severity: Any = ..., title: str | None = None) -> None: ...

    def reread_everything(self) -> None: ...


Reopen = Callable[[str], Awaitable[None]]
"""Open the engine again with another token (the re-login dialog's pasted token)."""


def clock_time(moment: datetime) -> str:
    """``15:02``, in the user's time zone."""
    return moment.astimezone().strftime("%H:%M")


class ConnectionWatch:
    """The server link's latest state and what the app does when it changes."""

    def __init__(self, app: App[Any], teller: Teller, *, spoken: bool) -> None:
        self._app = app
        self._teller = teller
        self._spoken = spoken
        self.server: str | None = None
        """The server's URL; ``None`` for a local database (then nothing is shown)."""
        self.status: LinkStatus | None = None
        """The latest report; ``None`` until the first attempt has an outcome."""
        self.down_since: datetime | None = None
        """When the link was lost (kept across reconnecting and offline)."""
        self._retry_at: float | None = None
        """``time.monotonic()`` of the next attempt, when one is due."""
        self._reopen: Reopen | None = None
        self._asking = False
        self.changed: Signal[None] = Signal(app, "connection-changed")
        """Published with each report, for the connection lines."""

    @property
    def remote(self) -> bool:
        return self.server is not None

    def watch_server(self, server: str, *, reopen: Reopen | None = None) -> None:
        """This app's engine is the server at ``server``; ``reopen`` re-opens it with a token."""
        self.server = server
        self._reopen = reopen

    # -- reports ---------------------------------------------------------------------------
    def report_status(self, status: LinkStatus) -> None:
        """The follower's callback: keep ``status``; say it once if the state changed."""
        before = self.status.state if self.status is not None else None
        self.status = status
        self._retry_at = None if status.retry_in is None else time.monotonic() + status.retry_in
        if status.state in (RECONNECTING, OFFLINE) and self.down_since is None:
            self.down_since = status.since
        self.changed.publish(None)
        if status.state == before:
            return
        if status.state == CONNECTED:
            was_down, self.down_since = self.down_since, None
            if before is not None and was_down is not None:
                self._teller.report(
                    f"Server connected again (it was unreachable from {clock_time(was_down)}); "
                    "every screen is read again."
                )
                self._teller.reread_everything()
            elif before == UNAUTHORIZED:
                self._teller.report("Server connected again: it accepted the new token.")
        elif status.state == UNAUTHORIZED:
            self.down_since = None
            self._teller.report(
                f"The server refused this app's token ({status.reason or 'unauthorized'}).",
                severity="error",
                title="Log in again",
            )
            self.ask_to_log_in()
        elif status.state == OFFLINE or before in (None, CONNECTED):
            self._teller.report(
                f"{self.words(spoken=True)}. Changes are refused until it is back.",
                severity="warning",
            )

    def seconds_to_retry(self) -> int | None:
        if self._retry_at is None:
            return None
        return max(0, round(self._retry_at - time.monotonic()))

    def _countdown(self) -> str:
        left = self.seconds_to_retry()
        if left is None:
            return "reconnecting"
        return "reconnecting now" if left == 0 else f"reconnecting in {left} s"

    def words(self, *, spoken: bool = False) -> str:
        """The link in words: "Server: offline since 15:02 — reconnecting in 4 s"."""
        status = self.status
        if status is None:
            return "Server: connecting"
        if status.state == CONNECTED:
            return f"Server: connected to {self.server}"
        if status.state == UNAUTHORIZED:
            return f"Server: unauthorized — log in again (taskyard login {self.server})"
        countdown = "reconnecting" if spoken else self._countdown()
        if status.state == RECONNECTING:
            return f"Server: connection lost, {countdown}"
        since = clock_time(self.down_since or status.since)
        return f"Server: offline since {since} — {countdown}"

    @property
    def healthy(self) -> bool:
        """Connected, or not yet told otherwise (the line is not highlighted)."""
        return self.status is None or self.status.state == CONNECTED

    @property
    def counting_down(self) -> bool:
        """Whether the words change by themselves (the countdown to the next attempt)."""
        return self.status is not None and self.status.state in (RECONNECTING, OFFLINE)

    # -- writes ----------------------------------------------------------------------------
    def check_write(self) -> None:
        """Refuse a write before it is sent while the server cannot be reached.

        Raises:
            StorageError: the link is down; its message says since when and when the next
                attempt is, and that the change was not sent.
        """
        status = self.status
        if status is None or status.state not in (RECONNECTING, OFFLINE):
            return
        since = clock_time(self.down_since or status.since)
        raise StorageError(
            f"Offline since {since} — {self._countdown()}; your change was not sent.",
            hint="Try again once the server line at the top says connected.",
        )

    def saw_error(self, exc: Exception) -> None:
        """A call was refused: a refused token (revoked or expired) asks to log in again.

        The stream may stay open after a token is revoked, so a write is often the first to
        hear of it.
        """
        if isinstance(exc, AuthenticationError):
            self.ask_to_log_in()

    # -- re-login --------------------------------------------------------------------------
    def ask_to_log_in(self) -> None:
        """Show the re-login dialog (once at a time): how to log in, or paste a token."""
        if self._asking or self.server is None:
            return
        from tui.modals.relogin import ReloginModal

        self._asking = True
        modal = ReloginModal(self.server, can_paste=self._reopen is not None)
        self._app.push_screen(modal, self._pasted)

    async def _pasted(self, token: str | None) -> None:
        self._asking = False
        if not token or self._reopen is None:
            return
        await self._reopen(token)

    # -- screens ---------------------------------------------------------------------------
    def show_on(self, screen: Screen[Any]) -> None:
        """Give ``screen`` a connection line, if this app is remote and it has none yet."""
        if self.server is None or isinstance(screen, ModalScreen):
            return
        from tui.widgets.connection_line import ConnectionLine

        if not screen.query(ConnectionLine):
            screen.mount(ConnectionLine(self, spoken=self._spoken))
