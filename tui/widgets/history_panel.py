"""``HistoryPanel``: a task's events, newest first, one line each."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from core.domain.models import Event
from tui.history_words import history_lines


class HistoryPanel(Vertical):
    """Who did what to the task, and when (absolute UTC times)."""

    DEFAULT_CSS = """
    HistoryPanel { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static("History, newest first", id="detail-history-heading", classes="detail-section")
        yield Static(id="detail-history", markup=False)

    def show(self, events: list[Event]) -> None:
        """Show ``events`` (oldest first, as read) newest first."""
        count = len(events)
        self.query_one("#detail-history-heading", Static).update(
            f"History, newest first ({count} event" + ("" if count == 1 else "s") + ")"
        )
        lines = history_lines(events)[::-1] or ["No events."]
        self.query_one("#detail-history", Static).update("\n".join(lines))
