"""Reading PostgreSQL's event log in ``seq`` order without skipping an event still in flight.

Writers on PostgreSQL draw ``seq`` numbers from a sequence at insert time and commit in any
order, so a reader can see 12 committed while 11 is still in flight; a follower that moved its
cursor to 12 would never see 11. One advisory lock held by every writer from its event insert
through its commit would make ``seq`` order commit order (taskyard did that before 0007), but
then every writer waits for every other writer's commit: a producer feeding the queue spent
two thirds of its time in that line (docs/performance.md, "Claims", round 4).

So the readers do the waiting, and only when there is something to wait for:

* A page of events that follows its cursor without a gap (``seq`` since+1, since+2, ...) is
  final: every number in it is committed and none below it is missing.
* A gap means a number that was rolled back, or one whose transaction has not committed yet.
  Numbers are drawn in time order (``CACHE 1``) and only by transactions that already have an
  id (migration 0007), so every transaction that can still fill a gap below the newest event
  seen was running, with an id, when the page was read. The reader lists this database's
  transactions that hold an id (``pg_stat_activity``) right after its page, and once a later
  snapshot shows all of them finished, the gap is final: read again, and what is missing then
  will never come.

The wait is as long as the writers that were in flight, a few ms; a transaction left open on
the database holds back what follows a gap until it ends. Transactions in other databases of
the cluster are not waited for. SQLite needs none of this: one writer at a time, numbers in
commit order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Connection, String, func, select, text

from core.domain.models import Event
from core.store import tables as t
from core.store.events import read_events

XID_SPAN = 1 << 32

IN_FLIGHT = text(
    "SELECT coalesce(array_agg(backend_xid::text::bigint), '{}') FROM pg_stat_activity "
    "WHERE datname = current_database() AND backend_xid IS NOT NULL "
    "AND pid <> pg_backend_pid()"
)
"""This database's transactions that hold an id, as 32-bit ids (all ``pg_stat_activity`` has)."""


@dataclass(frozen=True)
class Snapshot:
    """Which transactions a PostgreSQL snapshot saw as finished (``pg_current_snapshot()``)."""

    xmin: int
    xmax: int
    running: frozenset[int]

    @classmethod
    def parse(cls, value: str) -> Snapshot:
        """From the text form ``xmin:xmax:xip,...``."""
        xmin, xmax, xip = value.split(":")
        return cls(int(xmin), int(xmax), frozenset(int(x) for x in xip.split(",") if x))

    def finished(self, xid: int) -> bool:
        """Whether the transaction ``xid`` (32 bits, seen running before this snapshot) ended.

        Widened to 64 bits from the snapshot's epoch: it started before the snapshot, so it
        is below ``xmax`` and less than one wraparound older.
        """
        full = (self.xmax & ~(XID_SPAN - 1)) | xid
        if full >= self.xmax:
            full -= XID_SPAN
        return full < self.xmin or full not in self.running


@dataclass(frozen=True)
class FeedPage:
    """Events after a cursor, as one read saw them."""

    events: list[Event]
    writers: tuple[int, ...] = ()
    """When the page has a gap: the transactions that may still fill it (see ``IN_FLIGHT``)."""

    def gap(self, since: int) -> bool:
        """Whether some number between ``since`` and the last event is missing."""
        return bool(self.events) and self.events[-1].seq - since != len(self.events)


def read_page(conn: Connection, *, since: int, limit: int, writers: bool = True) -> FeedPage:
    """Up to ``limit`` events after ``since`` (``events.read_events``).

    With ``writers``, a page with a gap also lists the transactions in flight just after the
    page was read: a superset of those that can still fill the gap.
    """
    page = FeedPage(read_events(conn, since=since, limit=limit))
    if writers and page.gap(since):
        page = FeedPage(page.events, tuple(conn.execute(IN_FLIGHT).scalar_one()))
    return page


def final_part(events: Sequence[Event], since: int, settled_through: int) -> list[Event]:
    """The events a follower may take now: in order, up to the first gap not yet final.

    Numbers up to ``settled_through`` are final whatever is missing among them; above it,
    only an unbroken run from the cursor is.
    """
    taken: list[Event] = []
    cursor = since
    for event in events:
        if event.seq > settled_through and event.seq != cursor + 1:
            break
        taken.append(event)
        cursor = event.seq
    return taken


def newest(conn: Connection) -> tuple[int, tuple[int, ...]]:
    """The newest event's ``seq`` and the writers in flight when it was read.

    A cursor at that ``seq`` is safe to follow from once those writers have finished: any of
    them may hold a smaller number not yet committed.
    """
    seq = conn.execute(select(func.coalesce(func.max(t.events.c.seq), 0))).scalar_one()
    return int(seq), tuple(conn.execute(IN_FLIGHT).scalar_one())


def current_snapshot(conn: Connection) -> Snapshot:
    """A fresh snapshot, to see whether writers seen earlier have finished."""
    snapshot = conn.execute(select(func.pg_current_snapshot().cast(String))).scalar_one()
    return Snapshot.parse(snapshot)


Reader = Callable[[Callable[[Connection], Any]], Awaitable[Any]]
"""The runner's ``read``: run a function on a reading connection."""

PATIENCE = 2.0
"""How long one read waits for the writers behind a gap before it returns what is final."""
FIRST_PAUSE = 0.0005
LONGEST_PAUSE = 0.1


async def _outlast(read: Reader, writers: tuple[int, ...], patience: float) -> bool:
    """Wait until a fresh snapshot shows every one of ``writers`` finished.

    Pauses 0.5 ms, doubling, while they run; ``False`` if one still runs after ``patience``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    pause = FIRST_PAUSE
    while writers:
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)
        snapshot: Snapshot = await read(current_snapshot)
        writers = tuple(x for x in writers if not snapshot.finished(x))
    return True


async def final_events(
    read: Reader, *, since: int, limit: int, patience: float = PATIENCE
) -> tuple[list[Event], bool]:
    """Events after ``since`` that are final now, and whether some were held back behind a gap.

    A page without a gap costs one statement. A gap costs the list of writers in flight, a
    snapshot per pause while they run, and one re-read once they have all finished: numbers
    still missing then will never come. Held back means that after ``patience`` one of those
    writers was still running, or that the re-read found a new gap: read again.
    """
    page: FeedPage = await read(partial(read_page, since=since, limit=limit))
    if not page.gap(since):
        return page.events, False
    if not await _outlast(read, page.writers, patience):
        return final_part(page.events, since, since), True
    through = page.events[-1].seq
    page = await read(partial(read_page, since=since, limit=limit, writers=False))
    taken = final_part(page.events, since, through)
    return taken, len(taken) < len(page.events)


async def safe_cursor(read: Reader, *, patience: float = PATIENCE) -> int:
    """The newest event's ``seq``, once no writer that could still commit below it is running.

    A follower starting from it misses nothing committed afterwards. A writer still running
    after ``patience`` (a transaction left open) is not waited for any longer.
    """
    seq: int
    writers: tuple[int, ...]
    seq, writers = await read(newest)
    await _outlast(read, writers, patience)
    return seq
