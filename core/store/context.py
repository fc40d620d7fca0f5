"""What a store operation knows besides its connection: the time, the actor, new ids, events."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.domain.runs import RetryPolicy


def new_uuid() -> str:
    """A random (version 4) UUID in its usual text form, as ``str(uuid.uuid4())`` gives.

    2.5x cheaper than going through ``uuid.UUID`` (0.8 against 2.1 µs), with the same
    randomness (``os.urandom``): for claim tokens, which must not be guessable from the time.
    """
    return _uuid_text(os.urandom(16).hex(), "4")


def new_time_uuid() -> str:
    """A time-ordered (version 7, RFC 9562) UUID: 48 bits of Unix milliseconds, then random.

    Rows keyed by these land next to the rows made just before them, so inserting one
    touches the index page the previous insert touched instead of a random one: the primary
    keys of tasks, runs and events, and every index that starts with a task id, grow at
    their right edge. On SQLite that took the writer from ~430 to ~340 µs per claimed and
    finished task (docs/performance.md, "Claims").
    """
    return _uuid_text(f"{time.time_ns() // 1_000_000:012x}" + os.urandom(10).hex(), "7")


def time_uuid_prefix(at: datetime) -> str:
    """The first 15 characters of a ``new_time_uuid`` made at ``at``, up to its version digit.

    Set-based statements on PostgreSQL complete it with the tail of ``gen_random_uuid()``.
    """
    return _uuid_text(f"{int(at.timestamp() * 1000):012x}" + "0" * 20, "7")[:15]


def _uuid_text(h: str, version: str) -> str:
    """32 hex digits as a UUID's text, with its version digit and the RFC 9562 variant."""
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-{version}{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


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
    approve_own_commands: bool = True
    """A command this engine's actor sets (create, edit, JSONL import) counts as approved by
    that actor at once. Right for an engine opened on a database directly: whoever holds its
    credentials is trusted to run commands. The server opens its engines with this off for
    tokens without the ``run`` permission, so their commands wait for someone who has it
    (``TaskEngine.approve_commands``). PRD import never approves on its own."""


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
    new_id: Callable[[], str] = field(default=new_time_uuid)
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
