"""App-wide messages: what the engine said, and what the user should be told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from textual.message import Message

from core.domain.models import Event

Severity = Literal["information", "warning", "error"]


@dataclass
class LogEntry:
    """One line of the message log: kept for the whole session, reopened with ``L``."""

    at: datetime
    severity: Severity
    text: str


class EventsArrived(Message):
    """New engine events (committed by this app, the CLI, a worker or another person)."""

    def __init__(self, events: list[Event]) -> None:
        super().__init__()
        self.events = events
