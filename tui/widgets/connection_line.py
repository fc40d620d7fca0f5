"""``ConnectionLine``: one line at the top of a screen saying how the server link is.

Words, not a colour: "Server: connected to …", "Server: offline since 15:02 — reconnecting
in 4 s", "Server: unauthorized — log in again". While the link is down the countdown moves
once a second; in screen-reader mode it stays still (a line that rewrites itself every second
would be read out every second) and each change is announced once by the app instead.
"""

from __future__ import annotations

from typing import Protocol

from textual.signal import Signal
from textual.timer import Timer
from textual.widgets import Static


class LinkWords(Protocol):
    """What the line shows: the link's words, and when they change."""

    changed: Signal[None]

    def words(self, *, spoken: bool = False) -> str: ...

    @property
    def counting_down(self) -> bool: ...

    @property
    def healthy(self) -> bool: ...


class ConnectionLine(Static):
    """The server link in words, kept current by the link's ``changed`` signal."""

    DEFAULT_CSS = """
    ConnectionLine {
        dock: top;
        height: 1;
        padding: 0 1;
        color: $text-muted;
        &.-down { color: $text-warning; text-style: bold; }
    }
    """

    def __init__(self, link: LinkWords, *, spoken: bool) -> None:
        super().__init__(markup=False, id="connection-line")
        self._link = link
        self._spoken = spoken
        self._ticker: Timer | None = None

    def on_mount(self) -> None:
        self._link.changed.subscribe(self, self._changed)
        self._changed(None)

    def _changed(self, _: None) -> None:
        self.show_words()
        ticking = self._link.counting_down and not self._spoken
        if ticking and self._ticker is None:
            self._ticker = self.set_interval(1.0, self.show_words)
        elif not ticking and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def show_words(self) -> None:
        self.update(self._link.words(spoken=self._spoken))
        self.set_class(not self._link.healthy, "-down")
