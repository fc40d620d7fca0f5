"""What the user is told, app-wide: the message log's entries and their severities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Severity = Literal["information", "warning", "error"]


@dataclass
class LogEntry:
    """One line of the message log: kept for the whole session, reopened with ``L``."""

    at: datetime
    severity: Severity
    text: str
