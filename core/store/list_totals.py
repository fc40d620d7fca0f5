"""The offset task list's totals, kept per SQLite connection until the database changes.

Every page of ``/api/tasks`` reports the list's total, and counting the matches reads an
index range per state (2-3 ms for the open tasks of 100,000; the page itself costs less).
A client paging through an unchanged list would pay for the same count on every page, so a
count is kept on the connection that made it, with the two numbers that say whether the
database may have changed since:

* ``PRAGMA data_version``, which moves when another connection commits;
* ``sqlite3.Connection.total_changes``, which moves when this one writes.

While both stand still, no row can have changed, so the kept count is the count. Each
connection keeps its own (it runs one read at a time); PostgreSQL counts every time.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Connection

_INFO_KEY = "taskyard.list_totals"

MAX_KEPT = 64
"""Counts kept per connection: more distinct filters than this start the cache afresh."""


def count(conn: Connection, statement: Any, key: str) -> int:
    """``statement``'s single number (a ``COUNT``), reused while the database is unchanged.

    ``key`` names the filters ``statement`` counts by: equal keys must mean equal counts.
    """
    raw = conn.connection.driver_connection
    if not isinstance(raw, sqlite3.Connection):
        return int(conn.execute(statement).scalar_one())
    version = (raw.execute("PRAGMA data_version").fetchone()[0], raw.total_changes)
    kept: dict[str, tuple[Any, int]] = conn.info.setdefault(_INFO_KEY, {})
    hit = kept.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    total = int(conn.execute(statement).scalar_one())
    if len(kept) >= MAX_KEPT:
        kept.clear()
    kept[key] = (version, total)
    return total
