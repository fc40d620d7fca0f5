"""PostgreSQL's hot path: the claim and the successful finish as one autocommit statement each.

Through SQLAlchemy a claim cost six statements plus BEGIN, COMMIT and a pre-ping (itself a
BEGIN / SELECT / ROLLBACK) on checkout, about 3 ms of client CPU, and the transaction stayed
open across several client round trips. Here each operation is a single statement on a raw
asyncpg connection in autocommit:

* one round trip, a prepared statement asyncpg caches per connection;
* its rows, runs and events commit together, and no transaction ever waits on the client;
* nothing to roll back on failure: a statement either wrote everything or nothing.

Connections come from a small asyncpg pool of their own (no pre-ping, no reset query: the
statements leave no session state behind). The SQL is in ``claim_sql``'s PostgreSQL section.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import URL

from core.domain.models import Priority, TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import Claim, Run, RunStatus
from core.store.claim_sql import command_cleared_sql, may_carry_command_sql
from core.store.context import TxContext, time_uuid_prefix
from core.store.dialects.postgresql import RETRYABLE_SQLSTATES

POOL_SIZE = 8

Req = TypeVar("Req")
Res = TypeVar("Res")

CLAIM = (
    """
WITH cand AS MATERIALIZED (
    SELECT id, priority_rank, created_at, number FROM tasks
    WHERE status = 'ready' AND unresolved_blockers = 0
      AND (not_before IS NULL OR not_before <= $1)
      AND """
    + command_cleared_sql("")
    + """
      AND ($12::text[] IS NULL OR command_hash IS NULL OR command_approved_by = ANY ($12::text[]))
      AND ($11::text[] IS NULL OR task_type = ANY ($11::text[])
           OR """
    + may_carry_command_sql("")
    + """)
    ORDER BY priority_rank, created_at, number
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), picked AS (
    SELECT array_agg(id ORDER BY priority_rank, created_at, number) AS ids FROM cand
), upd AS (
    UPDATE tasks AS t SET status = 'in_progress',
        current_agent_id =
            ($6::text[])[width_bucket(array_position((SELECT ids FROM picked), t.id), $10::int[])],
        current_step = NULL, not_before = NULL, version = t.version + 1, updated_at = $1
    WHERE t.id = ANY ((SELECT ids FROM picked)::text[])
    RETURNING t.id, t.project_id, t.number, t.title, t.task_type, t.priority,
        t.retry_count + 1 AS attempt, array_position((SELECT ids FROM picked), t.id) AS rn
), claimed AS (
    SELECT u.*, p.key,
        coalesce(($3::text[])[u.rn], $9 || substr(gen_random_uuid()::text, 16)) AS run_id,
        coalesce(($4::text[])[u.rn], gen_random_uuid()::text) AS token,
        coalesce(($5::text[])[u.rn], $9 || substr(gen_random_uuid()::text, 16)) AS event_id,
        ($6::text[])[width_bucket(u.rn, $10::int[])] AS worker_id,
        ($7::timestamptz[])[width_bucket(u.rn, $10::int[])] AS lease_until
    FROM upd AS u JOIN projects AS p ON p.id = u.project_id
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
    FROM claimed AS c
    ORDER BY c.rn
)
SELECT id, project_id, number, title, task_type, priority, attempt, key, run_id, token, rn
FROM claimed ORDER BY rn
"""
)
"""Claim up to $2 ready tasks: runs, ``task.claimed`` events, one commit.

$1 now; several workers' claims share one statement: $6 and $7 hold each caller's worker id
and lease end, $10 the first of its slots (1, 1 + its limit, ...), and the n-th task in
scheduler order takes slot n, so its caller is ``width_bucket(n, $10)``. (One array entry
per slot instead cost asyncpg two ABC checks per entry: 800 for eight claims of 50, and
batched claims ran ~7% slower.) Run ids,
tokens and event ids from $3..$5 where given (an engine with an id factory), else made by the
server, so a claim that finds little costs no ids: tokens random (``gen_random_uuid``), run
and event ids time-ordered like ``context.new_time_uuid`` ($9 is their first 15 characters,
the statement's millisecond and the version digit, see ``time_uuid_prefix``); $8 the actor.
Rows come back in scheduler order, ``rn`` naming their slot. $11: only tasks a worker with
these pipelines can run (``run_ops.may_run``, spelled by ``may_carry_command_sql``), or
``NULL`` for any; $12: only commands these actors approved (``NULL``: any approver). A
task whose command is not approved is never claimed. Calls share a statement only when they
ask the same.

No statement here joins another relation into an ``UPDATE`` or a ``FOR UPDATE``: the claimed
ids travel as an array (``= ANY``, ``array_position``), because a joined CTE makes PostgreSQL
build a whole-row copy of every joined row for its recheck machinery, ~11% of the server's
time on these statements (perf, batched bench).
"""

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

FINISH = """
WITH fenced AS MATERIALIZED (
    SELECT r.id, r.task_id FROM runs AS r
    WHERE r.id = ANY ($1::text[])
      AND r.claim_token = ($2::text[])[array_position($1::text[], r.id)]
      AND (r.status IN ('queued', 'running') AND r.lease_expires_at > $8) IS TRUE
    ORDER BY r.id
    FOR UPDATE
), moving AS MATERIALIZED (
    SELECT t.id FROM tasks AS t
    WHERE t.id = ANY (ARRAY(SELECT task_id FROM fenced))
      AND (t.status = 'in_progress') IS TRUE
      AND ($9 <> 'done'
           OR NOT EXISTS (SELECT 1 FROM task_dependencies AS d WHERE d.blocker_id = t.id))
    ORDER BY t.id
    FOR UPDATE
), done_runs AS (
    UPDATE runs AS r SET status = 'succeeded', finished_at = $8,
        summary = ($3::text[])[array_position($1::text[], r.id)],
        exit_code = ($4::int[])[array_position($1::text[], r.id)],
        error = ($5::text[])[array_position($1::text[], r.id)]
    WHERE r.id = ANY (ARRAY(SELECT id FROM fenced))
      AND r.task_id = ANY (ARRAY(SELECT id FROM moving))
    RETURNING r.id AS run_id, r.task_id, r.attempt, r.worker_id, r.claim_token,
        r.lease_expires_at, r.step, r.started_at, r.summary, r.exit_code, r.error,
        array_position($1::text[], r.id) AS ord
), moved AS (
    UPDATE tasks AS t SET status = $9, version = t.version + 1, updated_at = $8,
        blocked_reason = NULL, current_agent_id = NULL, current_step = NULL, error = NULL,
        completed_at = CASE WHEN $9 = 'done' THEN $8 ELSE t.completed_at END
    WHERE t.id = ANY (ARRAY(SELECT id FROM moving))
), new_events AS (
    INSERT INTO events (id, type, task_id, project_id, actor, at, payload)
    SELECT coalesce(e.ids[m.ord], $12 || substr(gen_random_uuid()::text, 16)), e.type, m.task_id,
        t.project_id,
        $10, $8, e.payload
    FROM done_runs AS m JOIN tasks AS t ON t.id = m.task_id
    JOIN projects AS p ON p.id = t.project_id
    CROSS JOIN LATERAL (VALUES
        ($6::text[], 'run.succeeded', 1,
         jsonb_build_object('ref', p.key || '-' || t.number, 'run_id', m.run_id,
                            'attempt', m.attempt, 'exit_code', m.exit_code,
                            'summary', m.summary, 'error', m.error)),
        ($7::text[], $11, 2,
         jsonb_build_object('ref', p.key || '-' || t.number, 'from', 'in_progress',
                            'to', $9, 'reason', m.summary, 'run_id', m.run_id,
                            'attempt', m.attempt, 'exit_code', m.exit_code))
    ) AS e(ids, type, k, payload)
    ORDER BY m.ord, e.k
)
SELECT run_id, task_id, attempt, worker_id, claim_token, lease_expires_at, step, started_at,
       summary, exit_code, error
FROM done_runs ORDER BY ord
"""
"""Close the fenced runs $1 (tokens $2) as succeeded and move their tasks to $9, one commit.

The status and lease tests are written ``(…) IS TRUE`` so that they cannot use an index:
runs and tasks are looked up by id. Otherwise the cached plan walked every run whose lease
ends later (through the index then on ``(status, lease_expires_at)``: every run of the last
lease period, finished or not, 3,550 rows for 10 runs in pgqueuer's shape; active runs only
since 0008, still many), every active run (the partial ``uq_runs_task_id_active``) or every
in-progress task (a nested loop over the status index, 23 ms of a 55 ms finish of 400 runs).

Runs whose token, state or lease does not hold ($8 is now), whose task is no longer in
progress, or (going to done) whose task has dependents to promote are left untouched and
absent from the answer: the generic path handles them.

The runs and tasks are matched by arrays and the tables themselves, never by joining two
CTEs: PostgreSQL guesses one row for a CTE and joins two of them with a nested loop, 10,000
comparisons for 100 runs (1.5 ms of an 8 ms statement). The runs update repeats the fence,
so a stale run of a moving task named in the same statement is not closed with it.
"""


@dataclass
class ClaimRequest:
    """One ``claim_tasks`` call waiting for a claim statement."""

    ctx: TxContext
    worker_id: str
    limit: int
    lease_until: datetime
    runnable: tuple[str, ...] | None = None
    approved_by: tuple[str, ...] | None = None


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
    kind run at once per engine, so the statement and its commit are paid once per group,
    not once per call (River's batch completer, graphile-worker's local queue). ``run``
    answers every request of a group, in order; if its statement fails, every call of that
    group gets the error.

    ``drained`` (claims) says a statement found less than it asked for: the queue is empty
    for now, and until a statement comes back full again only one runs at a time. Otherwise,
    when ten new tasks wake five idle workers, three statements race for them, split them
    three ways and cost three finishes; waiting behind the first, the others share one
    statement. In pgqueuer's shape this raised the tasks per claim from 2.4 to 4.0 and
    halved the empty claims (docs/performance.md, "Claims").

    ``cooldown`` (claims) spaces the statements while drained: the next one starts no sooner
    than ``cooldown`` seconds after the start of the one that came back short, and carries
    every call made meanwhile (River's fetch cooldown). A claim after a quiet spell runs at
    once; only a process claiming again and again against a drained queue is spaced out, and
    each of its statements then takes what arrived over the interval, not one import's worth.
    """

    def __init__(
        self,
        run: Callable[[list[Req]], Awaitable[list[Res]]],
        *,
        weight: Callable[[Req], int],
        max_weight: int,
        fits: Callable[[list[Req], Req], bool] | None = None,
        in_flight: int = 1,
        drained: Callable[[list[Req], list[Res]], bool] | None = None,
        cooldown: float = 0.0,
    ) -> None:
        self._run = run
        self._weight = weight
        self._max_weight = max_weight
        self._fits = fits
        self._queue: deque[tuple[Req, asyncio.Future[Res]]] = deque()
        self._in_flight = in_flight
        self._limit = in_flight
        self._drained = drained
        self._drainers: set[asyncio.Task[None]] = set()
        self._cooldown = cooldown
        self._not_before = 0.0
        """Loop time before which no statement starts (set by a drained one)."""
        self.statements = 0
        """Statements run so far (tests check that calls were merged)."""

    async def submit(self, request: Req) -> Res:
        """``request``'s own answer, from whichever statement carried it."""
        future: asyncio.Future[Res] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if len(self._drainers) < self._limit:
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
            loop = asyncio.get_running_loop()
            while self._queue:
                delay = self._not_before - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)  # calls made meanwhile join this statement
                    continue  # another drainer may have taken them all, or drained again
                group = self._take()
                live = [(r, f) for r, f in group if not f.done()]  # cancelled callers drop out
                if not live:
                    continue
                self.statements += 1
                started = loop.time()
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
                if self._drained is not None:
                    drained = self._drained([r for r, _ in live], answers)
                    self._limit = 1 if drained else self._in_flight
                    self._not_before = started + self._cooldown if drained else 0.0
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


MAX_CLAIM_GROUP = 200
"""Most tasks one merged claim statement asks for."""
MAX_FINISH_GROUP = 200
"""Most outcomes one merged finish statement carries."""
IN_FLIGHT = 3
"""Statements of each kind one engine runs at once.

With one, eight workers claiming 50 each moved in lockstep: one 400-task claim, then one
400-run finish, never overlapping, one core idle. Several in flight with smaller groups let
claims of one group overlap finishes of another, each on its own server process, so both
cores work. Groups of at most 200, three in flight, against 100 and two (quiet machine,
8,000 tasks, two runs each): 8.2k–9.8k against 6.9k tasks/s batched; at 400 the lockstep
came back (4.7k–5.0k); unbatched workers (groups of <= 8) were unchanged (~2,000/s). Two
statements of one kind may touch the same rows: claims skip each other's rows (``SKIP
LOCKED``), and a finish waits for the other's row lock and re-checks its fence.
"""

DRAINED_CLAIM_COOLDOWN = 0.01
"""Seconds between claim statements while the queue is drained (``_Coalescer``'s ``cooldown``).

In pgqueuer's shape (one producer adding 10 tasks per import, five workers), claiming each
import's tasks as it landed cost a claim and a finish statement per import, and their commits
queued for the WAL flush in front of the producer's. Spaced by 10 ms, the five workers' claims
share one statement of 50 and the shape ran 1.3× faster; 2 ms did nothing, 20 and 50 ms no
more than 10 (docs/performance.md, "Claims", round 5). The cost is latency only for a claim
within 10 ms of a short one: the dependency hop went from 1.6 to 3.2 ms at p50.
"""


class PgFastPath:
    """A few raw asyncpg connections for the hot statements, each run in autocommit.

    Claims and successful finishes go through a ``_Coalescer`` each: concurrent calls in one
    process share one statement and one commit, and each still gets its own answer.
    """

    def __init__(self, url: URL) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._pool: Any = None
        self._opening = asyncio.Lock()
        self.claims = _Coalescer[ClaimRequest, list[Claim]](
            self._claim_group,
            weight=lambda r: r.limit,
            max_weight=MAX_CLAIM_GROUP,
            fits=lambda group, request: (
                (request.runnable, request.approved_by) == (group[0].runnable, group[0].approved_by)
            ),
            in_flight=IN_FLIGHT,
            drained=lambda group, answers: sum(map(len, answers)) < sum(r.limit for r in group),
            cooldown=DRAINED_CLAIM_COOLDOWN,
        )
        self.finishes = _Coalescer[FinishRequest, dict[str, Run]](
            self._finish_group,
            weight=lambda r: len(r.outcomes),
            max_weight=MAX_FINISH_GROUP,
            fits=_no_shared_run,
            in_flight=IN_FLIGHT,
        )

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

    async def _claim_group(self, group: list[ClaimRequest]) -> list[list[Claim]]:
        ctx = group[-1].ctx  # the latest clock: every caller's lease starts no earlier
        slots = [r for r in group for _ in range(r.limit)]
        rows = await fetch_retrying(
            self,
            CLAIM,
            ctx.now,
            len(slots),
            *_ids(ctx, len(slots), 3),
            [r.worker_id for r in group],
            [r.lease_until for r in group],
            ctx.actor,
            time_uuid_prefix(ctx.now),
            list(accumulate((r.limit for r in group[:-1]), initial=1)),
            None if group[0].runnable is None else list(group[0].runnable),
            None if group[0].approved_by is None else list(group[0].approved_by),
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
        rows = await fetch_retrying(
            self,
            FINISH,
            [o.run_id for o in outcomes],
            [o.token for o in outcomes],
            [o.summary for o in outcomes],
            [o.exit_code for o in outcomes],
            [o.error for o in outcomes],
            *_ids(ctx, len(outcomes), 2),
            ctx.now,
            target.value,
            ctx.actor,
            "task.completed" if target == TaskStatus.DONE else "task.status_changed",
            time_uuid_prefix(ctx.now),
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


def _ids(ctx: TxContext, count: int, kinds: int) -> list[list[str]]:
    """``kinds`` lists of ``count`` new ids when the engine's ids are given, else empty lists.

    Empty: the statement makes its own, and only for the rows it writes. A merged claim
    offers 100 slots and may fill none; 300 ``uuid4`` strings per statement were 7.5% of the
    process's time in pgqueuer's shape.
    """
    if not ctx.ids_given:
        return [[] for _ in range(kinds)]
    return [[ctx.new_id() for _ in range(count)] for _ in range(kinds)]


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


async def claim(
    fast: PgFastPath,
    ctx: TxContext,
    worker_id: str,
    *,
    limit: int,
    lease_until: datetime,
    runnable: tuple[str, ...] | None = None,
    approved_by: tuple[str, ...] | None = None,
) -> list[Claim]:
    """Claim up to ``limit`` ready tasks in scheduler order; one commit.

    The statement is shared with the process's concurrent claims (``PgFastPath.claims``).
    ``runnable``: only tasks a worker with these pipelines can run; ``approved_by``: only
    commands these actors approved (see ``CLAIM``).
    """
    return await fast.claims.submit(
        ClaimRequest(ctx, worker_id, limit, lease_until, runnable, approved_by)
    )


async def finish_successes(
    fast: PgFastPath, ctx: TxContext, outcomes: Sequence[RunOutcome]
) -> dict[str, Run]:
    """Close the successful ``outcomes`` whose fence holds; by run id; one commit.

    The statement is shared with the process's concurrent finishes (``PgFastPath.finishes``).

    A run missing from the answer was not touched (see ``FINISH``).
    """
    return await fast.finishes.submit(FinishRequest(ctx, outcomes))
