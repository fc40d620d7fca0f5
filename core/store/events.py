"""Writing and reading the event log (the audit trail and the feed of live updates)."""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select

from core.domain.models import Event
from core.store import tables as t
from core.store.context import TxContext


def flush_events(conn: Connection, ctx: TxContext) -> None:
    """Write the transaction's events as its last statement (one round trip)."""
    if not ctx.pending_events:
        return
    conn.execute(insert(t.events), ctx.pending_events)
    ctx.pending_events.clear()


def read_events(
    conn: Connection,
    *,
    since: int = 0,
    limit: int = 500,
    task_id: str | None = None,
    through: int | None = None,
) -> list[Event]:
    """Events after ``since`` (and up to ``through``) in sequence order, optionally for one task.

    As the database shows them now: on PostgreSQL a follower of the whole log reads through
    ``event_feed`` instead, which holds back what follows an event still in flight, and a
    task's history up to ``event_feed.safe_cursor``.
    """
    query = select(t.events).where(t.events.c.seq > since).order_by(t.events.c.seq).limit(limit)
    if task_id is not None:
        query = query.where(t.events.c.task_id == task_id)
    if through is not None:
        query = query.where(t.events.c.seq <= through)
    return [Event.model_validate(row._mapping) for row in conn.execute(query)]


def last_seq(conn: Connection) -> int:
    """The newest event's sequence number (0 for an empty log)."""
    return int(conn.execute(select(func.coalesce(func.max(t.events.c.seq), 0))).scalar_one())
