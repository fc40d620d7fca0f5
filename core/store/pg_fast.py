"""PostgreSQL's hot path: the claim and the successful finish as one autocommit statement each.

Through SQLAlchemy a claim cost six statements plus BEGIN, COMMIT and a pre-ping (itself a
BEGIN / SELECT / ROLLBACK) on checkout, about 3 ms of client CPU, and every transaction held
the event-log advisory lock from its event insert across two client round trips to its
commit. Here each operation is a single statement on a raw asyncpg connection in autocommit:

* one round trip, a prepared statement asyncpg caches per connection;
* the advisory lock is taken inside the statement right before the events are inserted and
  released by the statement's own commit, so no client latency is ever spent holding it;
* nothing to roll back on failure: a statement either wrote everything or nothing.

Connections come from a small asyncpg pool of their own (no pre-ping, no reset query: the
statements leave no session state behind). The SQL is in ``claim_sql``'s PostgreSQL section.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import URL

from core.domain.models import Priority, TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import Claim, Run, RunStatus
from core.store.context import TxContext
from core.store.dialects.postgresql import EVENT_LOCK_KEY, RETRYABLE_SQLSTATES

POOL_SIZE = 8

CLAIM = """
WITH cand AS MATERIALIZED (
    SELECT id, priority_rank, created_at, number FROM tasks
    WHERE status = 'ready' AND unresolved_blockers = 0
      AND (not_before IS NULL OR not_before <= $1)
    ORDER BY priority_rank, created_at, number
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), ranked AS (
    SELECT id, row_number() OVER (ORDER BY priority_rank, created_at, number) AS rn FROM cand
), fresh AS (
    SELECT * FROM unnest($3::text[], $4::text[], $5::text[])
        WITH ORDINALITY AS f(run_id, token, event_id, rn)
), upd AS (
    UPDATE tasks AS t SET status = 'in_progress', current_agent_id = $6, current_step = NULL,
        not_before = NULL, version = t.version + 1, updated_at = $1
    FROM ranked WHERE t.id = ranked.id
    RETURNING t.id, t.project_id, t.number, t.title, t.task_type, t.priority,
        t.retry_count + 1 AS attempt, ranked.rn
), claimed AS (
    SELECT u.*, p.key, f.run_id, f.token, f.event_id
    FROM upd AS u JOIN projects AS p ON p.id = u.project_id JOIN fresh AS f ON f.rn = u.rn
), new_runs AS (
    INSERT INTO runs (id, task_id, attempt, worker_id, claim_token, lease_expires_at, status,
                      started_at)
    SELECT run_id, id, attempt, $6, token, $7, 'running', $1 FROM claimed
), new_events AS (
    INSERT INTO events (id, type, task_id, project_id, actor, at, payload)
    SELECT c.event_id, 'task.claimed', c.id, c.project_id, $8, $1,
        jsonb_build_object('ref', c.key || '-' || c.number, 'from', 'ready',
                           'to', 'in_progress', 'run_id', c.run_id,
                           'worker_id', $6::text, 'attempt', c.attempt)
    FROM claimed AS c, (SELECT pg_advisory_xact_lock($9)) AS event_lock
    ORDER BY c.rn
)
SELECT id, project_id, number, title, task_type, priority, attempt, key, run_id, token
FROM claimed ORDER BY rn
"""
"""Claim up to $2 ready tasks for worker $6: runs, ``task.claimed`` events, one commit.

$1 now, $3/$4/$5 fresh run ids, tokens and event ids (one per possible claim), $7 the lease
end, $8 the actor, $9 the event-log lock key. Rows come back in scheduler order.
"""

FINISH = """
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[],
                         $6::text[], $7::text[])
        WITH ORDINALITY AS i(run_id, token, summary, exit_code, error, run_event_id,
                             task_event_id, ord)
), fenced AS MATERIALIZED (
    SELECT i.*, r.task_id, r.attempt, r.worker_id, r.claim_token, r.lease_expires_at, r.step,
           r.started_at
    FROM input AS i JOIN runs AS r ON r.id = i.run_id
    WHERE r.claim_token = i.token AND r.status IN ('queued', 'running')
      AND r.lease_expires_at > $8
    ORDER BY r.id
    FOR UPDATE OF r
), moving AS MATERIALIZED (
    SELECT f.*, t.project_id, t.number
    FROM fenced AS f JOIN tasks AS t ON t.id = f.task_id
    WHERE t.status = 'in_progress'
      AND ($9 <> 'done'
           OR NOT EXISTS (SELECT 1 FROM task_dependencies AS d WHERE d.blocker_id = t.id))
    ORDER BY t.id
    FOR UPDATE OF t
), done_runs AS (
    UPDATE runs AS r SET status = 'succeeded', finished_at = $8, summary = m.summary,
        exit_code = m.exit_code, error = m.error
    FROM moving AS m WHERE r.id = m.run_id
), moved AS (
    UPDATE tasks AS t SET status = $9, version = t.version + 1, updated_at = $8,
        blocked_reason = NULL, current_agent_id = NULL, current_step = NULL, error = NULL,
        completed_at = CASE WHEN $9 = 'done' THEN $8 ELSE t.completed_at END
    FROM moving AS m WHERE t.id = m.task_id
), new_events AS (
    INSERT INTO events (id, type, task_id, project_id, actor, at, payload)
    SELECT e.id, e.type, m.task_id, m.project_id, $10, $8, e.payload
    FROM moving AS m JOIN projects AS p ON p.id = m.project_id
    CROSS JOIN LATERAL (VALUES
        (m.run_event_id, 'run.succeeded', 1,
         jsonb_build_object('ref', p.key || '-' || m.number, 'run_id', m.run_id,
                            'attempt', m.attempt, 'exit_code', m.exit_code,
                            'summary', m.summary, 'error', m.error)),
        (m.task_event_id, $11, 2,
         jsonb_build_object('ref', p.key || '-' || m.number, 'from', 'in_progress',
                            'to', $9, 'reason', m.summary, 'run_id', m.run_id,
                            'attempt', m.attempt, 'exit_code', m.exit_code))
    ) AS e(id, type, k, payload),
    (SELECT pg_advisory_xact_lock($12)) AS event_lock
    ORDER BY m.ord, e.k
)
SELECT run_id, task_id, attempt, worker_id, claim_token, lease_expires_at, step, started_at,
       summary, exit_code, error
FROM moving ORDER BY ord
"""
"""Close the fenced runs $1 (tokens $2) as succeeded and move their tasks to $9, one commit.

Runs whose token, state or lease does not hold ($8 is now), whose task is no longer in
progress, or (going to done) whose task has dependents to promote are left untouched and
absent from the answer: the generic path handles them.
"""


class PgFastPath:
    """A few raw asyncpg connections for the hot statements, each run in autocommit."""

    def __init__(self, url: URL) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def _get_pool(self) -> Any:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    import asyncpg

                    self._pool = await asyncpg.create_pool(
                        self._dsn, min_size=0, max_size=POOL_SIZE, reset=_no_reset
                    )
        return self._pool

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        """Run one statement in autocommit; its rows."""
        pool = await self._get_pool()
        async with pool.acquire() as conn:
            return list(await conn.fetch(sql, *args))

    async def close(self) -> None:
        """Close the connections."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _no_reset(_conn: Any) -> None:
    """The statements leave no session state (no SET, LISTEN or session locks) to reset."""


def claim_args(
    *,
    now: datetime,
    limit: int,
    run_ids: Sequence[str],
    tokens: Sequence[str],
    event_ids: Sequence[str],
    worker_id: str,
    lease_until: datetime,
    actor: str,
) -> tuple[Any, ...]:
    """``CLAIM``'s parameters, in order."""
    return (
        now,
        limit,
        list(run_ids),
        list(tokens),
        list(event_ids),
        worker_id,
        lease_until,
        actor,
        EVENT_LOCK_KEY,
    )


RETRIES = 5


async def _fetch_retrying(fast: PgFastPath, sql: str, *args: Any) -> list[Any]:
    """``fetch``, retried on a deadlock (the statement wrote nothing); errors as ``StorageError``.

    Raises:
        StorageError: the server refused the statement or cannot be reached.
    """
    from core.errors import StorageError

    attempt = 0
    while True:
        attempt += 1
        try:
            return await fast.fetch(sql, *args)
        except Exception as exc:
            if getattr(exc, "sqlstate", None) in RETRYABLE_SQLSTATES and attempt < RETRIES:
                await asyncio.sleep(0.005 * attempt)
                continue
            raise StorageError(
                f"The database refused a claim or finish: {exc}",
                hint="Check that the PostgreSQL server is up and reachable.",
            ) from exc


async def claim(
    fast: PgFastPath, ctx: TxContext, worker_id: str, *, limit: int, lease_until: datetime
) -> list[Claim]:
    """Claim up to ``limit`` ready tasks in scheduler order: one statement, one commit."""
    run_ids = [ctx.new_id() for _ in range(limit)]
    event_ids = [ctx.new_id() for _ in range(limit)]
    tokens = [str(uuid.uuid4()) for _ in range(limit)]
    rows = await _fetch_retrying(
        fast,
        CLAIM,
        *claim_args(
            now=ctx.now,
            limit=limit,
            run_ids=run_ids,
            tokens=tokens,
            event_ids=event_ids,
            worker_id=worker_id,
            lease_until=lease_until,
            actor=ctx.actor,
        ),
    )
    return [
        Claim.model_construct(
            run_id=r["run_id"],
            task_id=r["id"],
            ref=f"{r['key']}-{r['number']}",
            project_id=r["project_id"],
            title=r["title"],
            task_type=r["task_type"],
            priority=Priority(r["priority"]),
            attempt=r["attempt"],
            worker_id=worker_id,
            claim_token=r["token"],
            lease_expires_at=lease_until,
        )
        for r in rows
    ]


async def finish_successes(
    fast: PgFastPath, ctx: TxContext, outcomes: Sequence[RunOutcome]
) -> dict[str, Run]:
    """Close the successful ``outcomes`` whose fence holds, in one statement; by run id.

    A run missing from the answer was not touched (see ``FINISH``).
    """
    target = TaskStatus.DONE if ctx.settings.auto_approve else TaskStatus.IN_REVIEW
    rows = await _fetch_retrying(
        fast,
        FINISH,
        [o.run_id for o in outcomes],
        [o.token for o in outcomes],
        [o.summary for o in outcomes],
        [o.exit_code for o in outcomes],
        [o.error for o in outcomes],
        [ctx.new_id() for _ in outcomes],
        [ctx.new_id() for _ in outcomes],
        ctx.now,
        target.value,
        ctx.actor,
        "task.completed" if target == TaskStatus.DONE else "task.status_changed",
        EVENT_LOCK_KEY,
    )
    return {
        r["run_id"]: Run.model_construct(
            id=r["run_id"],
            task_id=r["task_id"],
            attempt=r["attempt"],
            worker_id=r["worker_id"],
            claim_token=r["claim_token"],
            lease_expires_at=r["lease_expires_at"],
            status=RunStatus.SUCCEEDED,
            step=r["step"],
            started_at=r["started_at"],
            finished_at=ctx.now,
            exit_code=r["exit_code"],
            error=r["error"],
            summary=r["summary"],
        )
        for r in rows
    }
