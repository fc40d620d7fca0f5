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
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import URL

from core.domain.models import Priority, TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import Claim, Run, RunStatus
from core.store.context import TxContext
from core.store.dialects.postgresql import EVENT_LOCK_KEY, RETRYABLE_SQLSTATES

POOL_SIZE = 8

Req = TypeVar("Req")
Res = TypeVar("Res")

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
), slots AS (
    SELECT r.id, f.* FROM ranked AS r
    JOIN unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
        WITH ORDINALITY AS f(run_id, token, event_id, worker_id, lease_until, rn) ON f.rn = r.rn
), upd AS (
    UPDATE tasks AS t SET status = 'in_progress', current_agent_id = s.worker_id,
        current_step = NULL, not_before = NULL, version = t.version + 1, updated_at = $1
    FROM slots AS s WHERE t.id = s.id
    RETURNING t.id, t.project_id, t.number, t.title, t.task_type, t.priority,
        t.retry_count + 1 AS attempt, s.rn, s.run_id, s.token, s.event_id, s.worker_id,
        s.lease_until
), claimed AS (
    SELECT u.*, p.key FROM upd AS u JOIN projects AS p ON p.id = u.project_id
), new_runs AS (
    INSERT INTO runs (id, task_id, attempt, worker_id, claim_token, lease_expires_at, status,
                      started_at)
    SELECT run_id, id, attempt, worker_id, token, lease_until, 'running', $1 FROM claimed
), new_events AS (
    INSERT INTO events (id, type, task_id, project_id, actor, at, payload)
    SELECT c.event_id, 'task.claimed', c.id, c.project_id, $8, $1,
        jsonb_build_object('ref', c.key || '-' || c.number, 'from', 'ready',
                           'to', 'in_progress', 'run_id', c.run_id,
                           'worker_id', c.worker_id, 'attempt', c.attempt)
    FROM claimed AS c, (SELECT pg_advisory_xact_lock($9)) AS event_lock
    ORDER BY c.rn
)
SELECT id, project_id, number, title, task_type, priority, attempt, key, run_id, token, rn
FROM claimed ORDER BY rn
"""
"""Claim up to $2 ready tasks: runs, ``task.claimed`` events, one commit.

$1 now; one slot per possible claim in $3..$7 (run id, token, event id, worker, lease end),
the n-th task in scheduler order taking slot n, so several workers' claims can share one
statement; $8 the actor, $9 the event-log lock key. Rows come back in scheduler order, ``rn``
naming their slot.
"""

CLAIM_PLAN_GENERIC = True
"""Run ``CLAIM`` with one cached generic plan (``plan_cache_mode=force_generic_plan``).

Left to itself PostgreSQL plans a prepared statement afresh for its first five runs, then
keeps a generic plan only if its estimated cost is close to the custom ones'. For this
seven-part statement planning costs ~0.4 ms, and whether the generic plan wins depends on
table sizes: with 1,000 tasks it did (claim p50 0.59 ms), with 100,000 (90% done) it did
not and every claim was planned again (0.95 ms); forced generic, both ran in 0.48–0.60 ms.
The generic plan still walks the partial index for the candidates (checked in
``test_claims_fast``); tasks are updated by primary key once the table outgrows a few dozen
pages (below that a sequential scan is cheaper, and ``ANALYZE`` drops the cached plan as the
table grows). ``FINISH`` keeps
the default: its generic plan, built on a small ``runs`` table, scans ``runs``
sequentially.
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
    WHERE (t.status = 'in_progress') IS TRUE
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

The status test on tasks is written ``(…) IS TRUE`` so that it cannot use an index: with
statistics taken while nothing was in progress the planner otherwise walks the status index
once per finished run (a nested loop over every in-progress task, 23 ms of a 55 ms finish of
400 runs) instead of looking each task up by id.

Runs whose token, state or lease does not hold ($8 is now), whose task is no longer in
progress, or (going to done) whose task has dependents to promote are left untouched and
absent from the answer: the generic path handles them.
"""


@dataclass
class ClaimRequest:
    """One ``claim_tasks`` call waiting for a claim statement."""

    ctx: TxContext
    worker_id: str
    limit: int
    lease_until: datetime


@dataclass
class FinishRequest:
    """One ``finish_run`` / ``finish_runs`` call waiting for a finish statement."""

    ctx: TxContext
    outcomes: Sequence[RunOutcome]


class _Coalescer(Generic[Req, Res]):
    """Merge concurrent calls into one statement: while one is in flight, the next ones queue.

    A call finding nothing in flight starts a statement at once (no added latency when idle);
    calls arriving meanwhile wait and then share the next statement, up to ``max_weight``
    (claims: tasks asked for; finishes: outcomes). At most ``in_flight`` statements of each
    kind run at once per engine, so the advisory lock and the commit are paid once per group,
    not once per call (River's batch completer, graphile-worker's local queue). ``run``
    answers every request of a group, in order; if its statement fails, every call of that
    group gets the error.
    """

    def __init__(
        self,
        run: Callable[[list[Req]], Awaitable[list[Res]]],
        *,
        weight: Callable[[Req], int],
        max_weight: int,
        fits: Callable[[list[Req], Req], bool] | None = None,
        in_flight: int = 1,
    ) -> None:
        self._run = run
        self._weight = weight
        self._max_weight = max_weight
        self._fits = fits
        self._queue: deque[tuple[Req, asyncio.Future[Res]]] = deque()
        self._in_flight = in_flight
        self._drainers: set[asyncio.Task[None]] = set()
        self.statements = 0
        """Statements run so far (tests check that calls were merged)."""

    async def submit(self, request: Req) -> Res:
        """``request``'s own answer, from whichever statement carried it."""
        future: asyncio.Future[Res] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if len(self._drainers) < self._in_flight:
            self._drainers.add(asyncio.create_task(self._drain()))
        return await future

    def _take(self) -> list[tuple[Req, asyncio.Future[Res]]]:
        group = [self._queue.popleft()]
        total = self._weight(group[0][0])
        deferred: list[tuple[Req, asyncio.Future[Res]]] = []
        while self._queue:
            item = self._queue[0]
            weight = self._weight(item[0])
            if total + weight > self._max_weight:
                break
            self._queue.popleft()
            if self._fits is not None and not self._fits([r for r, _ in group], item[0]):
                deferred.append(item)  # e.g. the same run twice: the next statement
                continue
            group.append(item)
            total += weight
        self._queue.extendleft(reversed(deferred))
        return group

    async def _drain(self) -> None:
        try:
            while self._queue:
                group = self._take()
                live = [(r, f) for r, f in group if not f.done()]  # cancelled callers drop out
                if not live:
                    continue
                self.statements += 1
                try:
                    answers = await self._run([r for r, _ in live])
                except Exception as exc:
                    for _, future in live:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                except BaseException:  # this task was cancelled: no caller may wait forever
                    for _, future in live:
                        future.cancel()
                    raise
                for (_, future), answer in zip(live, answers, strict=True):
                    if not future.done():
                        future.set_result(answer)
        finally:
            # Here, not in a done callback: a call queued before that callback ran would
            # find the slot taken and nobody left to run it.
            task = asyncio.current_task()
            if task is not None:
                self._drainers.discard(task)

    async def wait_idle(self) -> None:
        """Let the statement in flight, and the calls queued behind it, finish."""
        while self._drainers:
            await asyncio.wait(set(self._drainers))


MAX_CLAIM_GROUP = 100
"""Most tasks one merged claim statement asks for."""
MAX_FINISH_GROUP = 100
"""Most outcomes one merged finish statement carries."""
IN_FLIGHT = 2
"""Statements of each kind one engine runs at once.

With one, eight workers claiming 50 each moved in lockstep: one 400-task claim, then one
400-run finish, never overlapping, one core idle. Two in flight with groups of at most 100
let claims of one group overlap finishes of another: 2,353–2,365 against 1,369 tasks/s
(medians of 3, interleaved, load 5–7). Unbatched workers (groups of <= 8) were unchanged.
Two statements of one kind may then touch the same rows: claims skip each other's rows
(``SKIP LOCKED``), and a finish waits for the other's row lock and re-checks its fence.
"""


class PgFastPath:
    """A few raw asyncpg connections for the hot statements, each run in autocommit.

    Claims and successful finishes go through a ``_Coalescer`` each: concurrent calls in one
    process share one statement and one commit, and each still gets its own answer.
    """

    def __init__(self, url: URL) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._pools: dict[bool, Any] = {}
        self._opening = asyncio.Lock()
        self.claims = _Coalescer[ClaimRequest, list[Claim]](
            self._claim_group,
            weight=lambda r: r.limit,
            max_weight=MAX_CLAIM_GROUP,
            in_flight=IN_FLIGHT,
        )
        self.finishes = _Coalescer[FinishRequest, dict[str, Run]](
            self._finish_group,
            weight=lambda r: len(r.outcomes),
            max_weight=MAX_FINISH_GROUP,
            fits=_no_shared_run,
            in_flight=IN_FLIGHT,
        )

    async def _get_pool(self, generic: bool) -> Any:
        if generic not in self._pools:
            async with self._opening:
                if generic not in self._pools:
                    import asyncpg

                    settings = {"plan_cache_mode": "force_generic_plan"} if generic else {}
                    self._pools[generic] = await asyncpg.create_pool(
                        self._dsn,
                        min_size=0,
                        max_size=POOL_SIZE,
                        reset=_no_reset,
                        server_settings=settings,
                    )
        return self._pools[generic]

    async def fetch(self, sql: str, *args: Any, generic: bool = False) -> list[Any]:
        """Run one statement in autocommit; its rows.

        ``generic``: on a connection that plans the (prepared) statement once for all
        parameters (``plan_cache_mode=force_generic_plan``), see ``CLAIM_PLAN``.
        """
        pool = await self._get_pool(generic)
        async with pool.acquire() as conn:
            return list(await conn.fetch(sql, *args))

    async def close(self) -> None:
        """Let queued calls finish, then close the connections."""
        await self.claims.wait_idle()
        await self.finishes.wait_idle()
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.close()

    async def _claim_group(self, group: list[ClaimRequest]) -> list[list[Claim]]:
        ctx = group[-1].ctx  # the latest clock: every caller's lease starts no earlier
        slots = [r for r in group for _ in range(r.limit)]
        rows = await _fetch_retrying(
            self,
            CLAIM,
            CLAIM_PLAN_GENERIC,
            ctx.now,
            len(slots),
            [ctx.new_id() for _ in slots],
            [str(uuid.uuid4()) for _ in slots],
            [ctx.new_id() for _ in slots],
            [r.worker_id for r in slots],
            [r.lease_until for r in slots],
            ctx.actor,
            EVENT_LOCK_KEY,
        )
        owner = {id(r): i for i, r in enumerate(group)}
        answers: list[list[Claim]] = [[] for _ in group]
        for row in rows:
            request = slots[row["rn"] - 1]
            answers[owner[id(request)]].append(
                Claim.model_construct(
                    run_id=row["run_id"],
                    task_id=row["id"],
                    ref=f"{row['key']}-{row['number']}",
                    project_id=row["project_id"],
                    title=row["title"],
                    task_type=row["task_type"],
                    priority=Priority(row["priority"]),
                    attempt=row["attempt"],
                    worker_id=request.worker_id,
                    claim_token=row["token"],
                    lease_expires_at=request.lease_until,
                )
            )
        return answers

    async def _finish_group(self, group: list[FinishRequest]) -> list[dict[str, Run]]:
        ctx = group[-1].ctx  # the latest clock: a lease must still hold at the commit
        outcomes = [o for r in group for o in r.outcomes]
        target = TaskStatus.DONE if ctx.settings.auto_approve else TaskStatus.IN_REVIEW
        rows = await _fetch_retrying(
            self,
            FINISH,
            False,
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
        finished = {
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
        return [
            {o.run_id: finished[o.run_id] for o in r.outcomes if o.run_id in finished}
            for r in group
        ]


def _no_shared_run(group: list[FinishRequest], request: FinishRequest) -> bool:
    """Whether ``request`` names no run already in ``group``.

    Two finishes of one run in one statement would both pass the fence; apart, the second
    waits for the first's row lock and then finds the run closed.
    """
    taken = {o.run_id for r in group for o in r.outcomes}
    return not any(o.run_id in taken for o in request.outcomes)


async def _no_reset(_conn: Any) -> None:
    """The statements leave no session state (no SET, LISTEN or session locks) to reset."""


RETRIES = 5


async def _fetch_retrying(fast: PgFastPath, sql: str, generic: bool, *args: Any) -> list[Any]:
    """``fetch``, retried on a deadlock (the statement wrote nothing); errors as ``StorageError``.

    Raises:
        StorageError: the server refused the statement or cannot be reached.
    """
    from core.errors import StorageError

    attempt = 0
    while True:
        attempt += 1
        try:
            return await fast.fetch(sql, *args, generic=generic)
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
    """Claim up to ``limit`` ready tasks in scheduler order; one commit.

    The statement is shared with the process's concurrent claims (``PgFastPath.claims``).
    """
    return await fast.claims.submit(ClaimRequest(ctx, worker_id, limit, lease_until))


async def finish_successes(
    fast: PgFastPath, ctx: TxContext, outcomes: Sequence[RunOutcome]
) -> dict[str, Run]:
    """Close the successful ``outcomes`` whose fence holds; by run id; one commit.

    The statement is shared with the process's concurrent finishes (``PgFastPath.finishes``).

    A run missing from the answer was not touched (see ``FINISH``).
    """
    return await fast.finishes.submit(FinishRequest(ctx, outcomes))
