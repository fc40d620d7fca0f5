"""PostgreSQL's claim path: the claim and the successful finish as one statement each.

Each runs in autocommit on the fast path's raw asyncpg connections (``pg_fast.PgFastPath``),
and concurrent calls in one process share a statement (``Coalescer``): the claim, its runs and
its ``task.claimed`` events in one CTE (shared/CLAIMS.md B1), the fenced completion of many
runs and their events in another. Their events take no lock: followers of the log wait out
writers still in flight (``store/event_feed.py``).

The engine sends a claim here unless it has a project filter or a per-project limit, and a
successful finish unless its task goes to done with dependents to promote; the generic path
(``claims.generic`` in ``claims.claim_tasks``, ``finish_ops.finish_run``) takes the rest.
The statements write what the generic path writes: their candidates, claims, runs and
payloads come from ``claims.shapes``, and their fence from ``claims.fence``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from core.domain.models import TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import Claim, Run, RunStatus
from core.store.claims.coalescer import Coalescer
from core.store.claims.fence import holds_sql
from core.store.claims.filters import command_cleared_sql, may_carry_command_sql
from core.store.claims.shapes import (
    CANDIDATE_COLUMNS,
    Candidate,
    Sql,
    claim_of,
    claimed_payload,
    ended_payload,
    ended_run,
    jsonb_object,
    moved_payload,
    outcome_payload,
)
from core.store.context import TxContext, time_uuid_prefix

if TYPE_CHECKING:
    from core.store.pg_fast import PgFastPath

Fetch = Callable[..., Awaitable[list[Any]]]
"""Runs one statement with its arguments and returns its rows (``pg_fast.fetch_retrying``)."""

_TASK_COLUMNS = ", ".join(f"t.{name}" for name in CANDIDATE_COLUMNS if name != "key")

CLAIM = """
WITH cand AS MATERIALIZED (
    SELECT id, priority_rank, created_at, number FROM tasks
    WHERE status = 'ready' AND unresolved_blockers = 0
      AND (not_before IS NULL OR not_before <= $1)
      AND {cleared}
      AND ($12::text[] IS NULL OR command_hash IS NULL OR command_approved_by = ANY ($12::text[]))
      AND ($11::text[] IS NULL OR task_type = ANY ($11::text[])
           OR {may_carry})
    ORDER BY priority_rank, created_at, number
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), picked AS (
    SELECT array_agg(id ORDER BY priority_rank, created_at, number) AS ids FROM cand
), stamp AS MATERIALIZED (
    SELECT CASE WHEN $13 THEN greatest($1::timestamptz, clock_timestamp()) ELSE $1 END AS at
), upd AS (
    UPDATE tasks AS t SET status = 'in_progress',
        current_agent_id =
            ($6::text[])[width_bucket(array_position((SELECT ids FROM picked), t.id), $10::int[])],
        current_step = NULL, not_before = NULL, version = t.version + 1,
        updated_at = (SELECT at FROM stamp)
    WHERE t.id = ANY ((SELECT ids FROM picked)::text[])
    RETURNING {task_columns},
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
    SELECT run_id, id, attempt, worker_id, token, lease_until, 'running', (SELECT at FROM stamp)
    FROM claimed
), new_events AS (
    INSERT INTO events (id, type, task_id, project_id, actor, at, payload)
    SELECT c.event_id, 'task.claimed', c.id, c.project_id, $8, (SELECT at FROM stamp),
        {claimed}
    FROM claimed AS c
    ORDER BY c.rn
)
SELECT {candidate_columns}, attempt, run_id, token, rn
FROM claimed ORDER BY rn
""".format(
    cleared=command_cleared_sql(""),
    may_carry=may_carry_command_sql(""),
    task_columns=_TASK_COLUMNS,
    claimed=jsonb_object(
        claimed_payload(
            ref=Sql("c.key || '-' || c.number"),
            run_id=Sql("c.run_id"),
            worker_id=Sql("c.worker_id"),
            attempt=Sql("c.attempt"),
        )
    ),
    candidate_columns=", ".join(CANDIDATE_COLUMNS),
)
"""Claim up to $2 ready tasks: runs, ``task.claimed`` events, one commit.

$1 now, as the callers' clocks read it. When $13 (the engine reads the server's clock), what the
claim writes is stamped no earlier than the statement's own clock (``stamp``): a caller's clock
is read before the statement sees the blockers' finishes, so a run could otherwise start before
the run it waited for ended (seen on CI, by 1 ms, with a worker in another process). A pinned
test clock is written as given. Several workers' claims share one statement: $6 and $7 hold each
caller's worker id and lease end, $10 the first of its slots (1, 1 + its limit, ...), and the
n-th task in scheduler order takes slot n, so its caller is ``width_bucket(n, $10)``. (One array
entry per slot instead cost asyncpg two ABC checks per entry: 800 for eight claims of 50, and
batched claims ran ~7% slower.) Run ids, tokens and event ids from $3..$5 where given (an engine
with an id factory), else made by the server, so a claim that finds little costs no ids: tokens
random (``gen_random_uuid``), run and event ids time-ordered like ``context.new_time_uuid`` ($9
is their first 15 characters, the statement's millisecond and the version digit, see
``time_uuid_prefix``); $8 the actor. Rows come back in scheduler order, ``rn`` naming their
slot. $11: only tasks a worker with these pipelines can run (``filters.may_run``, spelled by
``may_carry_command_sql``), or ``NULL`` for any; $12: only commands these actors approved
(``NULL``: any approver). A task whose command is not approved is never claimed. Calls share a
statement only when they ask the same.

No statement here joins another relation into an ``UPDATE`` or a ``FOR UPDATE``: the claimed
ids travel as an array (``= ANY``, ``array_position``), because a joined CTE makes PostgreSQL
build a whole-row copy of every joined row for its recheck machinery, ~11% of the server's
time on these statements (perf, batched bench).
"""

_REF = "p.key || '-' || t.number"
_OUTCOME = outcome_payload(
    run_id=Sql("m.id"), attempt=Sql("m.attempt"), exit_code=Sql("m.exit_code")
)

FINISH = """
WITH fenced AS MATERIALIZED (
    SELECT r.id, r.task_id FROM runs AS r
    WHERE r.id = ANY ($1::text[])
      AND r.claim_token = ($2::text[])[array_position($1::text[], r.id)]
      AND {holds}
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
    RETURNING r.*, array_position($1::text[], r.id) AS ord
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
        ($6::text[], 'run.succeeded', 1, {ended}),
        ($7::text[], $11, 2, {moved})
    ) AS e(ids, type, k, payload)
    ORDER BY m.ord, e.k
)
SELECT * FROM done_runs ORDER BY ord
""".format(
    holds=holds_sql("r", "$8"),
    ended=jsonb_object(
        ended_payload(ref=Sql(_REF), **_OUTCOME, summary=Sql("m.summary"), error=Sql("m.error"))
    ),
    moved=jsonb_object(
        moved_payload(ref=Sql(_REF), target=Sql("$9"), reason=Sql("m.summary"), **_OUTCOME)
    ),
)
"""Close the fenced runs $1 (tokens $2) as succeeded and move their tasks to $9, one commit.

The fence (``fence.holds_sql``) and the task's status test are written ``(…) IS TRUE`` so
that they cannot use an index: runs and tasks are looked up by id. Otherwise the cached plan
walked every run whose lease ends later (through the index on ``(status,
lease_expires_at)``), every active run (the partial ``uq_runs_task_id_active``) or every
in-progress task (a nested loop over the status index, 23 ms of a 55 ms finish of 400 runs).

Runs whose token, state or lease does not hold ($8 is now), whose task is no longer in
progress, or (going to done) whose task has dependents to promote are left untouched and
absent from the answer: the generic path handles them.

The runs and tasks are matched by arrays and the tables themselves, never by joining two
CTEs: PostgreSQL guesses one row for a CTE and joins two of them with a nested loop, 10,000
comparisons for 100 runs (1.5 ms of an 8 ms statement). The runs update repeats the fence,
so a stale run of a moving task named in the same statement is not closed with it. Each
closed run comes back whole (``r.*``), as the generic finish answers it.
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
    server_clock: bool = False
    """Whether the caller's clock is the server's (``CLAIM``'s $13)."""


@dataclass
class FinishRequest:
    """One ``finish_run`` / ``finish_runs`` call waiting for a finish statement."""

    ctx: TxContext
    outcomes: Sequence[RunOutcome]


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
"""Seconds between claim statements while the queue is drained (``Coalescer``'s ``cooldown``).

In pgqueuer's shape (one producer adding 10 tasks per import, five workers), claiming each
import's tasks as it landed cost a claim and a finish statement per import, and their commits
queued for the WAL flush in front of the producer's. Spaced by 10 ms, the five workers' claims
share one statement of 50 and the shape ran 1.3× faster; 2 ms did nothing, 20 and 50 ms no
more than 10 (docs/performance.md, "Claims", round 5). The cost is latency only for a claim
within 10 ms of a short one: the dependency hop went from 1.6 to 3.2 ms at p50.
"""


def claim_coalescer(fetch: Fetch) -> Coalescer[ClaimRequest, list[Claim]]:
    """The merger of one engine's claims: calls asking the same share a ``CLAIM``."""

    async def run(group: list[ClaimRequest]) -> list[list[Claim]]:
        return await _claim_group(fetch, group)

    return Coalescer[ClaimRequest, list[Claim]](
        run,
        weight=lambda r: r.limit,
        max_weight=MAX_CLAIM_GROUP,
        fits=lambda group, request: (
            (request.runnable, request.approved_by) == (group[0].runnable, group[0].approved_by)
        ),
        in_flight=IN_FLIGHT,
        drained=lambda group, answers: sum(map(len, answers)) < sum(r.limit for r in group),
        cooldown=DRAINED_CLAIM_COOLDOWN,
    )


def finish_coalescer(fetch: Fetch) -> Coalescer[FinishRequest, dict[str, Run]]:
    """The merger of one engine's successful finishes: calls naming other runs share one."""

    async def run(group: list[FinishRequest]) -> list[dict[str, Run]]:
        return await _finish_group(fetch, group)

    return Coalescer[FinishRequest, dict[str, Run]](
        run,
        weight=lambda r: len(r.outcomes),
        max_weight=MAX_FINISH_GROUP,
        fits=_no_shared_run,
        in_flight=IN_FLIGHT,
    )


async def _claim_group(fetch: Fetch, group: list[ClaimRequest]) -> list[list[Claim]]:
    ctx = group[-1].ctx  # the latest clock: every caller's lease starts no earlier
    slots = [r for r in group for _ in range(r.limit)]
    rows = await fetch(
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
        any(r.server_clock for r in group),
    )
    owner = {id(r): i for i, r in enumerate(group)}
    answers: list[list[Claim]] = [[] for _ in group]
    for row in rows:
        request = slots[row["rn"] - 1]
        answers[owner[id(request)]].append(
            claim_of(
                Candidate.from_row(row),
                run_id=row["run_id"],
                token=row["token"],
                attempt=row["attempt"],
                worker_id=request.worker_id,
                lease_until=request.lease_until,
            )
        )
    return answers


async def _finish_group(fetch: Fetch, group: list[FinishRequest]) -> list[dict[str, Run]]:
    ctx = group[-1].ctx  # the latest clock: a lease must still hold at the commit
    outcomes = [o for r in group for o in r.outcomes]
    target = TaskStatus.DONE if ctx.settings.auto_approve else TaskStatus.IN_REVIEW
    rows = await fetch(
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
        row["id"]: ended_run(
            dict(row),
            RunStatus.SUCCEEDED,
            finished_at=ctx.now,
            summary=row["summary"],
            exit_code=row["exit_code"],
            error=row["error"],
        )
        for row in rows
    }
    return [
        {o.run_id: finished[o.run_id] for o in r.outcomes if o.run_id in finished} for r in group
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


def serves(
    project: str | None,
    max_per_project: int | None,
    in_projects: Collection[str] | None = None,
) -> bool:
    """Whether ``CLAIM`` can take a claim: no project filter and no per-project limit.

    A filter is ``project``, or ``in_projects`` (a token's projects), whatever it holds.
    """
    return project is None and max_per_project is None and in_projects is None


async def claim(
    fast: PgFastPath,
    ctx: TxContext,
    worker_id: str,
    *,
    limit: int,
    lease_until: datetime,
    runnable: tuple[str, ...] | None = None,
    approved_by: tuple[str, ...] | None = None,
    server_clock: bool = False,
) -> list[Claim]:
    """Claim up to ``limit`` ready tasks in scheduler order; one commit.

    The statement is shared with the process's concurrent claims (``PgFastPath.claims``).
    ``runnable``: only tasks a worker with these pipelines can run; ``approved_by``: only
    commands these actors approved; ``server_clock``: ``ctx.now`` is the server's time, so the
    statement may stamp its own later one (see ``CLAIM``).
    """
    return await fast.claims.submit(
        ClaimRequest(ctx, worker_id, limit, lease_until, runnable, approved_by, server_clock)
    )


async def finish_successes(
    fast: PgFastPath, ctx: TxContext, outcomes: Sequence[RunOutcome]
) -> dict[str, Run]:
    """Close the successful ``outcomes`` whose fence holds; by run id; one commit.

    The statement is shared with the process's concurrent finishes (``PgFastPath.finishes``).

    A run missing from the answer was not touched (see ``FINISH``).
    """
    return await fast.finishes.submit(FinishRequest(ctx, outcomes))
