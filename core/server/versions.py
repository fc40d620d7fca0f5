"""Optimistic concurrency over HTTP: a stale ``If-Match`` is a 412 saying what changed since.

The engine refuses a write naming an older version (``ConflictError``, nothing written);
over HTTP that is "precondition failed", with the current version and the task's latest
events (who changed which fields), so a client can show the other change and let its user
decide, instead of silently overwriting it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable
from typing import Any, TypeVar

from core.domain.models import Event
from core.engine import TaskEngine
from core.errors import ConflictError, LeaseLostError, PreconditionFailedError

R = TypeVar("R")

MAX_CHANGES = 20
"""At most this many of the task's latest events are listed in a 412."""

_EVENT_PAGE = 500


async def guarded(engine: TaskEngine, ref: str, expected: int | None, write: Awaitable[R]) -> R:
    """Await ``write``; a version conflict on an ``expected`` version becomes a 412.

    Raises:
        PreconditionFailedError: the task is no longer at ``expected``; nothing was written.
    """
    try:
        return await write
    except ConflictError as exc:
        if expected is None or isinstance(exc, LeaseLostError):
            raise
        if "current_version" not in exc.details:
            raise
        raise await precondition_failed(engine, ref, exc) from exc


async def precondition_failed(
    engine: TaskEngine, ref: str, conflict: ConflictError
) -> PreconditionFailedError:
    """The 412 for a stale version: the engine's explanation plus what changed since."""
    expected = int(conflict.details.get("expected_version") or 0)
    current = int(conflict.details.get("current_version") or 0)
    missed = max(0, min(current - expected, MAX_CHANGES)) or 1
    latest = await _latest_events(engine, ref, missed)
    changes = [_change(e) for e in latest]
    fields = sorted({f for change in changes for f in change["fields"]})
    return PreconditionFailedError(
        conflict.message,
        hint="Read the task again (its ETag is the current version), apply your change to it, "
        "and send it with the new If-Match.",
        details={
            **conflict.details,
            "current_etag": f'"v{current}"',
            "changed_fields": fields,
            "changes": changes,
        },
    )


async def _latest_events(engine: TaskEngine, ref: str, count: int) -> list[Event]:
    """The task's ``count`` newest events, oldest first."""
    latest: deque[Event] = deque(maxlen=count)
    since = 0
    while True:
        page = await engine.events(since=since, limit=_EVENT_PAGE, task=ref)
        latest.extend(page)
        if len(page) < _EVENT_PAGE:
            return list(latest)
        since = page[-1].seq


def _change(event: Event) -> dict[str, Any]:
    payload = event.payload
    fields = payload.get("fields")
    if not isinstance(fields, list):
        fields = ["status"] if "to" in payload else []
    return {
        "type": event.type,
        "actor": event.actor,
        "at": event.at.isoformat(),
        "fields": [str(f) for f in fields],
    }
