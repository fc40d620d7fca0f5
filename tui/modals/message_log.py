"""``MessageLogModal``: every message of this session, newest last, reopened with ``L``."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import RichLog, Static

from tui.messages import LogEntry
from tui.widgets.footer import KeyFooter

_MARK = {"information": "info", "warning": "warning", "error": "ERROR"}


def log_line(entry: LogEntry) -> str:
    """``10:42:07 ERROR  TY-3 not moved: …`` — severity in words, not only colour."""
    return f"{entry.at.astimezone():%H:%M:%S} {_MARK[entry.severity]:<7} {entry.text}"


class MessageLogModal(ModalScreen[None]):
    """The message log.

    | Key | Action |
    | :- | :- |
    | escape / L | Close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,L", "dismiss_log", "Close", id="log.close"),
    ]

    DEFAULT_CSS = """
    MessageLogModal {
        align: center middle;
        & > Vertical {
            width: 90%;
            height: 80%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & #log-title { text-style: bold; height: 1; }
        & RichLog { height: 1fr; background: $surface; }
    }
    """

    def __init__(self, entries: list[LogEntry]) -> None:
        super().__init__()
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical():
            count = len(self.entries)
            yield Static(
                f"Messages of this session: {count}" if count else "No messages yet.",
                id="log-title",
            )
            # Wrapped, not cut at the edge: a refusal's reason and its way out are at the end
            # of a long line (review finding 22).
            yield RichLog(wrap=True, auto_scroll=True, id="log-lines")
        yield KeyFooter()

    def on_mount(self) -> None:
        log = self.query_one(RichLog)
        for entry in self.entries:
            log.write(Text(log_line(entry)))
        log.focus()

    def action_dismiss_log(self) -> None:
        self.dismiss(None)
