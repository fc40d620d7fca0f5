"""What a store operation knows besides its connection: the time, the actor, new ids, events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.domain.runs import RetryPolicy


@dataclass
class StoreSettings:
    """Store-wide behaviour chosen at open time."""

    auto_approve: bool = False
    """``FEATURE_PRD_AUTO_APPROVE_REVIEW``: allow ``in_progress -> done``."""
    attachment_max_bytes: int = 10 * 1024 * 1024
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    """Attempts and backoff for failed runs and expired leases."""
    lease_seconds: float = 15.0
    """How long a claim holds without a heartbeat (CLAIMS.md B5: 15 s, renewed every 5 s)."""


@dataclass
class TxContext:
    """One transaction's fixed facts, and the events it will write just before commit.

    The clock is read once per transaction so every row and event of one change carries the
    same time.
    """

    now: datetime
    actor: str
    dialect: str
    settings: StoreSettings
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))
    ids_given: bool = False
    """``new_id`` is the caller's (tests pin ids): set-based statements then take their ids
    from it instead of letting the server make random ones."""
    pending_events: list[dict[str, Any]] = field(default_factory=list)

    def emit(
        self,
        type_: str,
        *,
        task_id: str | None = None,
        project_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Record an event to be written in this transaction (flushed before commit)."""
        self.pending_events.append(
            {
                "id": self.new_id(),
                "type": type_,
                "task_id": task_id,
                "project_id": project_id,
                "actor": self.actor,
                "at": self.now,
                "payload": payload or {},
            }
        )
