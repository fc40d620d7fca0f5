"""PostgreSQL's hot path: a few raw asyncpg connections, each statement run in autocommit.

Through SQLAlchemy a claim cost six statements plus BEGIN, COMMIT and a pre-ping (itself a
BEGIN / SELECT / ROLLBACK) on checkout, about 3 ms of client CPU, and the transaction stayed
open across several client round trips. Here each operation is a single statement on a raw
asyncpg connection in autocommit:

* one round trip, a prepared statement asyncpg caches per connection;
* its rows, runs and events commit together, and no transaction ever waits on the client;
* nothing to roll back on failure: a statement either wrote everything or nothing.

Connections come from a small asyncpg pool of their own (no pre-ping, no reset query: the
statements leave no session state behind). The claim and finish statements, and the mergers
that let concurrent calls share them, are the claim package's (``claims.postgres``); plain
imports run here too (``pg_import``).
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from sqlalchemy.engine import URL

from core.store.claims import postgres as claims_pg
from core.store.dialects.postgresql import RETRYABLE_SQLSTATES

POOL_SIZE = 8

PLAN_SETTINGS = {
    "plan_cache_mode": "force_generic_plan",
    "enable_seqscan": "off",
    "enable_sort": "off",
    "jit": "off",
}
"""Session settings of the fast path's connections: each statement is planned once, to walk
the indexes, whatever the tables held when it was planned.

* ``force_generic_plan``: left to itself PostgreSQL plans a prepared statement afresh for its
  first five runs, then keeps a generic plan only if its estimated cost is close to the
  custom ones'. Planning these statements costs 0.4–0.7 ms, and whether the generic plan
  won depended on table sizes: with 1,000 tasks it did (claim p50 0.59 ms), with 100,000
  (90% done) it did not and every claim was planned again (0.95 ms); forced generic, both
  ran in 0.48–0.60 ms.
* ``enable_seqscan=off``: a generic plan made while a table is small (a fresh database, the
  first claims of a producer filling the queue) scans it sequentially, and keeps doing so
  as it grows until the next ``ANALYZE``. In pgqueuer's shape that made every claim read
  every task: 730 µs of server time per task instead of ~200. Every row these statements
  touch has an index to come by (claim order, primary keys); sequential scans are left
  only for what has none (e.g. the one-row ``projects`` of a fresh database).
* ``enable_sort=off``: after a large import and before autovacuum's first ``ANALYZE`` (up
  to a minute), the claim was planned as a bitmap scan of every ready task and a sort, on
  every claim: unbatched claims of 20,000 imported tasks ran at ~1,250/s instead of
  ~2,600/s. The claim must walk ``ix_tasks_claim_order`` in order and stop at its
  ``LIMIT``, whatever the statistics say. (The sorts no plan can avoid, such as the
  answer's ``ORDER BY``, still happen: the setting only makes the planner prefer any plan
  without one. ``enable_bitmapscan=off`` did the same for the claim, but then an empty
  table's plan updated tasks through a full scan of a composite index.)
* ``jit=off``: a plan with a disabled step left in it (an unavoidable sort) is costed above
  ``jit_above_cost``, and PostgreSQL then compiled the statement on every execution: 0.5 s
  per claim (auto_explain: "JIT … Total 523 ms"). No statement here runs long enough for
  compiled code to pay off.

The plans are guarded by ``test_claims_fast`` (EXPLAIN).
"""


class PgFastPath:
    """A few raw asyncpg connections for the hot statements, each run in autocommit.

    Claims and successful finishes go through a ``Coalescer`` each (``claims``,
    ``finishes``): concurrent calls in one process share one statement and one commit, and
    each still gets its own answer.
    """

    def __init__(self, url: URL) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._pool: Any = None
        self._opening = asyncio.Lock()
        fetch = partial(fetch_retrying, self)
        self.claims = claims_pg.claim_coalescer(fetch)
        self.finishes = claims_pg.finish_coalescer(fetch)

    async def _get_pool(self) -> Any:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    import asyncpg

                    self._pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=0,
                        max_size=POOL_SIZE,
                        reset=_no_reset,
                        server_settings=PLAN_SETTINGS,
                    )
        return self._pool

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        """Run one statement in autocommit (planned as ``PLAN_SETTINGS`` says); its rows."""
        pool = await self._get_pool()
        async with pool.acquire() as conn:
            return list(await conn.fetch(sql, *args))

    async def close(self) -> None:
        """Let queued calls finish, then close the connections."""
        await self.claims.wait_idle()
        await self.finishes.wait_idle()
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


async def _no_reset(_conn: Any) -> None:
    """The statements leave no session state (no SET, LISTEN or session locks) to reset."""


RETRIES = 5


async def fetch_retrying(fast: PgFastPath, sql: str, *args: Any) -> list[Any]:
    """``fetch``, retried on a deadlock (the statement wrote nothing); errors as ``StorageError``.

    Raises:
        StorageError: the server refused the statement or cannot be reached.
        ValidationError: text the database cannot store (a NUL character).
    """
    from core.errors import StorageError
    from core.store.errors import UNSTORABLE_TEXT_SQLSTATES, unstorable_text

    attempt = 0
    while True:
        attempt += 1
        try:
            return await fast.fetch(sql, *args)
        except Exception as exc:
            if getattr(exc, "sqlstate", None) in RETRYABLE_SQLSTATES and attempt < RETRIES:
                await asyncio.sleep(0.005 * attempt)
                continue
            if getattr(exc, "sqlstate", None) in UNSTORABLE_TEXT_SQLSTATES:
                raise unstorable_text(exc) from exc
            raise StorageError(
                f"The database refused the write: {exc}",
                hint="Check that the PostgreSQL server is up and reachable.",
            ) from exc
