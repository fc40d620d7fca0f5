"""The claim hot path: ``finish_runs`` (batch completer), what the plain-SQL paths write, plans.

Runs over SQLite (threaded and aiosqlite) and PostgreSQL like the claims contract. The plain-SQL
claim and finish (``store/claims/sqlite.py``, ``store/claims/postgres.py``) must write exactly
what the generic path writes (``test_claim_paths.py`` compares them field by field): the
payload keys of every event are pinned here, and the EXPLAIN guards
keep the claim on the partial index ``ix_tasks_claim_order`` (a claim must cost the same with
1,000 or 1,000,000 tasks done).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from core.domain.commands import ProjectCreate, TaskCreate, TaskImportItem
from core.domain.models import TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import RunStatus
from core.errors import LeaseLostError, ValidationError
from core.store.claims import coalescer, postgres
from core.store.claims import sqlite as claims_sqlite
from core.store.engine import SqlTaskEngine
from core.store.pg_fast import PLAN_SETTINGS
from tests.fixtures.databases import pg_url
from tests.fixtures.pg import create_database, drop_database

from . import test_claims_contract as contract
from .conftest import Opener, all_events, last_seq
from .test_claims_contract import ready

# The claims contract's engine (conftest's ``open_engine`` runs it on every backend).
eng = contract.eng

S = TaskStatus

CLAIMED_KEYS = {"ref", "from", "to", "run_id", "worker_id", "attempt"}
RUN_SUCCEEDED_KEYS = {"ref", "run_id", "attempt", "exit_code", "summary", "error"}
MOVED_KEYS = {"ref", "from", "to", "reason", "run_id", "attempt", "exit_code"}


async def test_finish_runs_finishes_the_held_runs_and_skips_the_lost(eng: SqlTaskEngine) -> None:
    """Successes and a failure in one call; a stale token and an unknown run write nothing."""
    refs = [await ready(eng, f"t{i}") for i in range(4)]
    claims = await eng.claim_tasks("w1", limit=4)
    assert [c.ref for c in claims] == refs
    seq = await last_seq(eng)
    outcomes = [
        RunOutcome(run_id=claims[0].run_id, token=claims[0].claim_token, success=True),
        RunOutcome(run_id=claims[1].run_id, token=str(uuid.uuid4()), success=True),  # stale
        RunOutcome(
            run_id=claims[2].run_id,
            token=claims[2].claim_token,
            success=False,
            exit_code=3,
            error="boom",
        ),
        RunOutcome(run_id="no-such-run", token="x", success=True),
        RunOutcome(
            run_id=claims[3].run_id,
            token=claims[3].claim_token,
            success=True,
            summary="fine",
            exit_code=0,
        ),
    ]
    runs = await eng.finish_runs(outcomes)
    assert [r.id for r in runs] == [claims[0].run_id, claims[2].run_id, claims[3].run_id]
    assert [r.status for r in runs] == [RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SUCCEEDED]
    assert (runs[2].summary, runs[2].exit_code, runs[2].finished_at is not None) == (
        "fine",
        0,
        True,
    )
    assert runs[0] == await eng.get_run(claims[0].run_id)
    statuses = [(await eng.get_task(r)).status for r in refs]
    assert statuses == [S.IN_REVIEW, S.IN_PROGRESS, S.READY, S.IN_REVIEW]
    assert (await eng.get_run(claims[1].run_id)).status == RunStatus.RUNNING
    events = await all_events(eng, seq)
    by_task = [(e.task_id, e.type) for e in events]
    assert (claims[1].task_id, "run.succeeded") not in by_task
    assert [e.type for e in events if e.task_id == claims[3].task_id] == [
        "run.succeeded",
        "task.status_changed",
    ]
    assert await eng.finish_runs([]) == []
    assert await eng.finish_runs(outcomes[:1]) == []  # already finished: skipped


async def test_hot_path_events_carry_the_generic_payload_keys(open_engine: Opener) -> None:
    """task.claimed, run.succeeded and the status event have the generic path's keys."""
    eng = await open_engine(auto_approve=True)
    ref = await ready(eng, "t")
    seq = await last_seq(eng)
    [claim] = await eng.claim_tasks("w1")
    await eng.finish_run(claim.run_id, claim.claim_token, success=True, summary="ok", exit_code=0)
    events = await all_events(eng, seq)
    assert [e.type for e in events] == ["task.claimed", "run.succeeded", "task.completed"]
    claimed, succeeded, completed = events
    assert set(claimed.payload) == CLAIMED_KEYS
    assert claimed.payload == {
        "ref": ref,
        "from": "ready",
        "to": "in_progress",
        "run_id": claim.run_id,
        "worker_id": "w1",
        "attempt": 1,
    }
    assert set(succeeded.payload) == RUN_SUCCEEDED_KEYS
    assert succeeded.payload["summary"] == "ok"
    assert set(completed.payload) == MOVED_KEYS
    assert (completed.payload["from"], completed.payload["to"]) == ("in_progress", "done")
    assert all(e.task_id == claim.task_id and e.actor == "tester" for e in events)
    task = await eng.get_task(ref)
    assert task.completed_at is not None
    assert task.current_agent_id is None


def _plain(title: str, **fields: Any) -> TaskImportItem:
    fields.setdefault("status", S.READY)
    return TaskImportItem(
        title=title,
        description="why",
        task_type="bug",
        priority="high",
        acceptance_criteria=["passes"],
        context_files=["a.py"],
        metadata={"k": "ü"},
        assignee="ana",
        effort_estimate=2.5,
        **fields,
    )


async def test_a_plain_import_writes_what_the_general_path_writes(open_engine: Opener) -> None:
    """On PostgreSQL a plain import is one statement (``pg_import``); a label sends the same
    items down the general path. Both give the same tasks and ``task.created`` payloads."""
    eng = await open_engine()
    await eng.create_project(ProjectCreate(name="Web App"))
    plain = [_plain("a"), _plain("b", status=S.BLOCKED), _plain("c", status=S.DONE)]
    general = [item.model_copy(update={"labels": ["x"]}) for item in plain]
    seq = await last_seq(eng)
    fast_refs = (await eng.import_tasks(plain, project="WA")).created
    mid = await last_seq(eng)
    slow_refs = (await eng.import_tasks(general, project="web-app")).created
    assert fast_refs == ["WA-1", "WA-2", "WA-3"]
    assert slow_refs == ["WA-4", "WA-5", "WA-6"]
    skip = {"id", "number", "ref", "labels", "created_at", "updated_at", "completed_at"}
    for fast_ref, slow_ref in zip(fast_refs, slow_refs, strict=True):
        fast, slow = await eng.get_task(fast_ref), await eng.get_task(slow_ref)
        assert fast.model_dump(exclude=skip) == slow.model_dump(exclude=skip)
        assert (fast.completed_at is None) == (slow.completed_at is None)
    fast_events = [e for e in await all_events(eng, seq) if e.seq <= mid]
    slow_events = [e for e in await all_events(eng, mid) if e.type == "task.created"]
    assert [e.type for e in fast_events] == ["task.created"] * len(plain)
    for f, g in zip(fast_events, slow_events, strict=True):
        assert {**f.payload, "ref": None} == {**g.payload, "ref": None}
        assert (f.actor, f.project_id) == (g.actor, g.project_id)


async def test_a_plain_import_names_its_project_as_people_type_it(open_engine: Opener) -> None:
    """By key, slug or id; none names the inbox (made on first use); a typo is refused and
    writes nothing."""
    eng = await open_engine()
    project = await eng.create_project(ProjectCreate(name="Web App"))
    assert (await eng.import_tasks([_plain("a")])).created == ["TY-1"]  # inbox, new
    assert (await eng.import_tasks([_plain("b")])).created == ["TY-2"]
    for ref in ("WA", "web-app", project.id, "wa"):
        [created] = (await eng.import_tasks([_plain("c")], project=ref)).created
        assert created.startswith("WA-")
    seq = await last_seq(eng)
    with pytest.raises(ValidationError) as caught:
        await eng.import_tasks([_plain("d")], project="web-ap")
    assert caught.value.message == "item 1: No project 'web-ap'. Nothing was imported."
    assert await all_events(eng, seq) == []


async def test_done_with_dependents_promotes_them_through_finish_runs(open_engine: Opener) -> None:
    """Two blockers finished in one batch: the dependent becomes ready exactly once."""
    eng = await open_engine(auto_approve=True)
    a, b = await ready(eng, "a"), await ready(eng, "b")
    child = (
        await eng.create_task(
            TaskCreate(title="child", blocked_by=[a, b], status=S.READY, when_unblocked=True)
        )
    ).task
    claims = await eng.claim_tasks("w1", limit=5)
    assert [c.ref for c in claims] == [a, b]
    seq = await last_seq(eng)
    runs = await eng.finish_runs(
        [RunOutcome(run_id=c.run_id, token=c.claim_token, success=True) for c in claims]
    )
    assert len(runs) == 2
    assert (await eng.get_task(child.ref)).status == S.READY
    unblocked = [e for e in await all_events(eng, seq) if e.type == "task.unblocked"]
    assert [e.task_id for e in unblocked] == [child.id]
    [next_claim] = await eng.claim_tasks("w1")
    assert next_claim.ref == child.ref


async def test_concurrent_finish_and_claim_keep_the_log_in_commit_order(
    eng: SqlTaskEngine,
) -> None:
    """Eight claimers racing: every task claimed and finished once, event seqs gap-free."""
    await eng.import_tasks([TaskImportItem(title=f"t{i}", status=S.READY) for i in range(60)])
    seq = await last_seq(eng)
    seen: list[str] = []

    async def claimer(n: int) -> None:
        while claims := await eng.claim_tasks(f"w{n}", limit=3):
            seen.extend(c.task_id for c in claims)
            await eng.finish_runs(
                [RunOutcome(run_id=c.run_id, token=c.claim_token, success=True) for c in claims]
            )

    await asyncio.gather(*(claimer(n) for n in range(8)))
    assert len(seen) == len(set(seen)) == 60
    events = await all_events(eng, seq)
    assert [e.seq for e in events] == list(range(seq + 1, seq + 1 + len(events)))
    assert sum(e.type == "task.claimed" for e in events) == 60
    assert sum(e.type == "run.succeeded" for e in events) == 60


# ------------------------------------------------------------- merged claims and finishes
def _merged_statements(eng: SqlTaskEngine, kind: str) -> int:
    """Statements the PostgreSQL coalescer ran for ``kind`` (-1 on SQLite: no coalescer)."""
    fast = eng._runner.pg_fast
    if fast is None:
        return -1
    return int(getattr(fast, kind).statements)


@pytest.mark.local_only("it drives the store's private claim batcher (engine._runner)")
async def test_concurrent_claims_each_get_their_own_answer(eng: SqlTaskEngine) -> None:
    """Eight claim(1) calls at once over five ready tasks: five get one each, three get none.

    On PostgreSQL the calls share statements; every run and ``task.claimed`` event still names
    the worker that asked, and the tasks go out in scheduler order.
    """
    refs = [await ready(eng, f"t{i}") for i in range(5)]
    seq = await last_seq(eng)
    before = _merged_statements(eng, "claims")
    answers = await asyncio.gather(*(eng.claim_tasks(f"w{n}") for n in range(8)))
    assert sorted(len(a) for a in answers) == [0, 0, 0, 1, 1, 1, 1, 1]
    claims = [c for a in answers for c in a]
    assert sorted(c.ref for c in claims) == sorted(refs)
    for n, answer in enumerate(answers):
        for claim in answer:
            assert claim.worker_id == f"w{n}"
            run = await eng.get_run(claim.run_id)
            assert (run.worker_id, run.claim_token) == (f"w{n}", claim.claim_token)
            assert run.lease_expires_at == claim.lease_expires_at
    claimed = [e for e in await all_events(eng, seq) if e.type == "task.claimed"]
    by_run = {c.run_id: c for c in claims}
    assert len(claimed) == 5
    for event in claimed:
        assert event.payload["worker_id"] == by_run[event.payload["run_id"]].worker_id
        assert event.task_id == by_run[event.payload["run_id"]].task_id
    if before >= 0:
        assert _merged_statements(eng, "claims") - before < 8


def claim_merger(
    run: Callable[[list[int]], Awaitable[list[list[int]]]],
    *,
    in_flight: int = 3,
    cooldown: float = 0.0,
) -> coalescer.Coalescer[int, list[int]]:
    """A coalescer shaped like the claims one: a request is a limit, an answer the tasks got,
    and a statement that got less than its calls asked for found the queue drained."""
    return coalescer.Coalescer[int, list[int]](
        run,
        weight=lambda n: n,
        max_weight=200,
        in_flight=in_flight,
        drained=lambda group, answers: sum(map(len, answers)) < sum(group),
        cooldown=cooldown,
    )


async def test_claims_run_side_by_side_only_while_there_is_a_backlog() -> None:
    """Up to three claim statements run at once while each comes back full; once one comes
    back short (the queue is drained), calls arriving meanwhile wait and share one statement
    instead of each racing for the same few new tasks (pgqueuer's shape: five idle workers
    woken by ten new tasks)."""
    gate = asyncio.Event()
    groups: list[list[int]] = []
    backlog = [True]

    async def run(group: list[int]) -> list[list[int]]:
        groups.append(group)
        await gate.wait()
        return [list(range(n if backlog[0] else 0)) for n in group]

    merge = claim_merger(run)

    async def one_by_one(n: int) -> list[asyncio.Future[list[int]]]:
        calls: list[asyncio.Future[list[int]]] = []
        for _ in range(n):
            calls.append(asyncio.ensure_future(merge.submit(10)))
            for _ in range(3):
                await asyncio.sleep(0)  # the call's statement (if any) is under way
        return calls

    calls = await one_by_one(4)
    assert groups == [[10], [10], [10]]  # three at once; the fourth waits for a free slot
    gate.set()
    await asyncio.gather(*calls)
    assert groups[3:] == [[10]]

    gate.clear()
    groups.clear()
    backlog[0] = False
    calls = await one_by_one(1)
    gate.set()
    assert await calls[0] == []  # came back short: the queue is drained
    gate.clear()
    calls = await one_by_one(5)
    assert groups[1:] == [[10]]  # one statement in flight, four calls waiting behind it
    gate.set()
    assert await asyncio.gather(*calls) == [[]] * 5
    assert groups[2:] == [[10, 10, 10, 10]]


async def test_claims_against_a_drained_queue_are_spaced_by_the_cooldown() -> None:
    """After a claim comes back short, the next statement starts a cooldown after it and
    carries every call made meanwhile; a full claim, or a quiet spell, lifts the wait."""
    cooldown = 0.2  # long enough that a busy machine cannot blur the timings
    started: list[tuple[float, list[int]]] = []
    backlog = [False]
    loop = asyncio.get_running_loop()

    async def run(group: list[int]) -> list[list[int]]:
        started.append((loop.time(), group))
        return [list(range(n if backlog[0] else 0)) for n in group]

    merge = claim_merger(run, cooldown=cooldown)

    assert await merge.submit(10) == []  # the queue is drained
    first = started[-1][0]
    calls = []
    for _ in range(4):  # four workers come back one after the other, well within the cooldown
        calls.append(asyncio.ensure_future(merge.submit(10)))
        await asyncio.sleep(0.002)
    await asyncio.gather(*calls)
    assert len(started) == 2, "the four calls share one statement"
    assert started[1][1] == [10, 10, 10, 10]
    assert started[1][0] - first >= cooldown - 0.001

    backlog[0] = True  # tasks arrived: the next claim still waits out the cooldown ...
    assert await merge.submit(10) == list(range(10))
    assert started[2][0] - started[1][0] >= cooldown - 0.001
    before = loop.time()  # ... but it came back full, so the one after runs at once
    assert await merge.submit(10) == list(range(10))
    assert started[3][0] - before < cooldown / 2

    backlog[0] = False
    await merge.submit(10)  # short again; after a quiet spell longer than the cooldown ...
    await asyncio.sleep(cooldown * 1.5)
    before = loop.time()
    await merge.submit(10)  # ... the next claim does not wait
    assert started[5][0] - before < cooldown / 2


async def test_two_statements_coming_back_short_leave_one_to_carry_the_waiting_calls() -> None:
    """Two claims in flight both come back short: both of their drainers wait out the
    cooldown, one statement carries the call that queued meanwhile, and neither fails."""
    gates = [asyncio.Event(), asyncio.Event(), asyncio.Event()]
    groups: list[list[int]] = []

    async def run(group: list[int]) -> list[list[int]]:
        groups.append(group)
        await gates[len(groups) - 1].wait()
        return [[] for _ in group]

    merge = claim_merger(run, in_flight=2, cooldown=0.02)
    calls = []
    for _ in range(3):  # two statements in flight; no free slot for the third call: it queues
        calls.append(asyncio.ensure_future(merge.submit(10)))
        for _ in range(3):
            await asyncio.sleep(0)
    drainers = set(merge._drainers)
    assert len(drainers) == 2
    gates[0].set()
    await asyncio.sleep(0.005)
    gates[1].set()
    gates[2].set()
    assert await asyncio.gather(*calls) == [[], [], []]
    await asyncio.gather(*drainers)  # neither drainer failed
    assert groups == [[10], [10], [10]]


async def test_merged_claims_with_different_limits_split_the_tasks(eng: SqlTaskEngine) -> None:
    """claim(3) and claim(2) x 2 at once over 6 tasks: no task twice, each within its limit."""
    for i in range(6):
        await ready(eng, f"t{i}")
    answers = await asyncio.gather(
        eng.claim_tasks("a", limit=3), eng.claim_tasks("b", limit=2), eng.claim_tasks("c", limit=2)
    )
    assert sum(len(a) for a in answers) == 6
    assert all(len(a) <= limit for a, limit in zip(answers, (3, 2, 2), strict=True))
    ids = [c.task_id for a in answers for c in a]
    assert len(set(ids)) == 6


@pytest.mark.local_only("it drives the store's private finish batcher (engine._runner)")
async def test_one_lost_lease_in_a_merged_finish_fails_only_its_caller(
    eng: SqlTaskEngine,
) -> None:
    """Four finish_run calls at once, one with a stale token: it alone gets LeaseLostError."""
    for i in range(4):
        await ready(eng, f"t{i}")
    claims = await eng.claim_tasks("w", limit=4)
    seq = await last_seq(eng)
    before = _merged_statements(eng, "finishes")
    tokens = [c.claim_token for c in claims]
    tokens[2] = str(uuid.uuid4())
    results = await asyncio.gather(
        *(
            eng.finish_run(c.run_id, token, success=True, summary=f"s{i}")
            for i, (c, token) in enumerate(zip(claims, tokens, strict=True))
        ),
        return_exceptions=True,
    )
    assert isinstance(results[2], LeaseLostError)
    for i in (0, 1, 3):
        run = results[i]
        assert not isinstance(run, BaseException)
        assert (run.id, run.status, run.summary) == (claims[i].run_id, RunStatus.SUCCEEDED, f"s{i}")
    assert (await eng.get_run(claims[2].run_id)).status == RunStatus.RUNNING
    events = await all_events(eng, seq)
    succeeded = [e.payload["run_id"] for e in events if e.type == "run.succeeded"]
    assert sorted(succeeded) == sorted(claims[i].run_id for i in (0, 1, 3))
    if before >= 0:
        assert _merged_statements(eng, "finishes") - before < 4


async def test_two_concurrent_finishes_of_one_run_succeed_once(eng: SqlTaskEngine) -> None:
    """The same run finished twice at once: one success, one LeaseLostError, one event."""
    await ready(eng, "t")
    [claim] = await eng.claim_tasks("w")
    seq = await last_seq(eng)
    results = await asyncio.gather(
        eng.finish_run(claim.run_id, claim.claim_token, success=True),
        eng.finish_run(claim.run_id, claim.claim_token, success=True),
        eng.finish_runs([RunOutcome(run_id=claim.run_id, token=claim.claim_token, success=True)]),
        return_exceptions=True,
    )
    batch = results[2]
    assert not isinstance(batch, BaseException)
    wins = [r for r in results[:2] if not isinstance(r, BaseException)] + batch
    assert len(wins) == 1, results
    assert all(isinstance(r, LeaseLostError) for r in results[:2] if isinstance(r, BaseException))
    events = await all_events(eng, seq)
    assert [e.type for e in events].count("run.succeeded") == 1


# ------------------------------------------------------------------------------ EXPLAIN guards
async def _plan(eng: SqlTaskEngine, sql: str, params: Any) -> str:
    def read(conn: Any) -> str:
        rows = conn.exec_driver_sql(sql, params).fetchall()
        return "\n".join(" ".join(str(v) for v in row) for row in rows)

    return await eng._runner.read(read)


async def _mostly_done(eng: SqlTaskEngine) -> None:
    """1,000 tasks, 90% of them done (in one write: the test is about plans, not speed)."""
    await eng.import_tasks(
        [TaskImportItem(title=f"t{i}", status=S.DONE if i % 10 else S.READY) for i in range(1000)]
    )


@pytest.mark.local_only("it reads the store's query plans (engine._runner)")
async def test_the_claim_reads_the_partial_claim_index(eng: SqlTaskEngine) -> None:
    """No scan of done tasks, no sort: the claim walks ``ix_tasks_claim_order`` in order."""
    await _mostly_done(eng)
    if eng._runner.dialect == "sqlite":
        sql = "EXPLAIN QUERY PLAN " + claims_sqlite.CANDIDATES.format(extra="")
        plan = await _plan(eng, sql, ("2026-01-01 00:00:00.000000", 1))
        assert "ix_tasks_claim_order" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
        return
    await eng._runner.read(lambda c: c.execute(text("ANALYZE tasks")))
    # The candidate scan of the claim statement, as the fast path sends it.
    cand = postgres.CLAIM.split("), picked AS")[0].split("AS MATERIALIZED (")[1]
    sql = "EXPLAIN " + cand.replace("$11::text[]", "ARRAY['feature']").replace(
        "$12::text[]", "NULL::text[]"
    ).replace("$1", "now()").replace("$2", "1")
    plan = await _plan(eng, sql, ())
    assert "ix_tasks_claim_order" in plan, plan
    assert "Sort" not in plan, plan
    plan = await _plan(
        eng,
        "EXPLAIN "
        + postgres.CLAIM.replace("$10::int[]", "ARRAY[1]")
        .replace("$11::text[]", "ARRAY['feature']")
        .replace("$12::text[]", "NULL::text[]")
        .replace("$13", "true")
        .replace("$1", "now()")
        .replace("$2", "1")
        .replace("$3::text[]", "ARRAY['r']")
        .replace("$4::text[]", "ARRAY['t']")
        .replace("$5::text[]", "ARRAY['e']")
        .replace("$6::text[]", "ARRAY['w']")
        .replace("$7::timestamptz[]", "ARRAY[now()]")
        .replace("$8", "'a'")
        .replace("$9", "'01a22cff-f160-7'"),
        (),
    )
    assert "CTE cand" in plan, plan  # materialized: the LIMIT fences the UPDATE (CLAIMS.md B7)


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """A brand-new PostgreSQL database: its tables were never analyzed, nor emptied (the
    shared database's statistics remember earlier tests' rows)."""
    base = pg_url()
    name, url = create_database(base, "ty_fresh")
    yield url
    drop_database(base, name)


@pytest.mark.postgres
@pytest.mark.local_only("it reads the store's query plans (engine._runner)")
async def test_the_generic_plans_walk_the_indexes_even_on_a_fresh_database(
    fresh_pg_url: str,
) -> None:
    """The plans the fast path caches once (``PLAN_SETTINGS``) read tasks and runs by index.

    Planned on a never-analyzed database, empty (what a producer filling an empty queue
    gets) and after an import of 10,000 tasks (before autovacuum's first ``ANALYZE``; without
    ``enable_sort=off`` that plan sorted every ready task, and with it, but without
    ``jit=off``, every claim was JIT-compiled: both fail here): the claim walks
    ``ix_tasks_claim_order`` in order, fenced in a materialized CTE, and updates the tasks it
    took by primary key; the finish takes runs and tasks by primary key. No sequential scan
    of ``tasks`` or ``runs`` and no sort of the ready tasks anywhere: such a plan is kept as
    the tables grow, and made every claim read every ready task.
    """
    eng = await SqlTaskEngine.open(fresh_pg_url, actor="tester")
    try:
        fast = eng._runner.pg_fast
        assert fast is not None
        import asyncpg

        admin = await asyncpg.connect(fast._dsn)
        try:  # no ANALYZE by autovacuum in between: the statistics still say the table is empty
            await admin.execute("ALTER TABLE tasks SET (autovacuum_enabled = off)")
        finally:
            await admin.close()
        for imported in (0, 10_000):  # from ~10,000 such a plan sorted every ready task
            if imported:
                await eng.import_tasks(
                    [TaskImportItem(title=f"t{i}", status=S.READY) for i in range(imported)]
                )
            await _check_fast_plans(fast)
    finally:
        await eng.close()


async def _check_fast_plans(fast: Any) -> None:
    import asyncpg

    conn = await asyncpg.connect(fast._dsn, server_settings=PLAN_SETTINGS)
    try:
        await conn.execute("PREPARE claim AS " + postgres.CLAIM)
        rows = await conn.fetch(
            "EXPLAIN EXECUTE claim(now(), 50, ARRAY['r'], ARRAY['t'], ARRAY['e'], ARRAY['w'], "
            "ARRAY[now()], 'a', '01a22cff-f160-7', ARRAY[1], ARRAY['feature'], NULL, true)"
        )
        claim = "\n".join(r[0] for r in rows)
        await conn.execute("PREPARE finish AS " + postgres.FINISH)
        rows = await conn.fetch(
            "EXPLAIN EXECUTE finish(ARRAY['r'], ARRAY['t'], ARRAY[NULL], ARRAY[0], ARRAY[NULL],"
            " ARRAY['e'], ARRAY['f'], now(), 'in_review', 'a', 'task.status_changed',"
            " '01a22cff-f160-7')"
        )
        finish = "\n".join(r[0] for r in rows)
    finally:
        await conn.close()
    cand = claim.split("CTE cand")[1].split("CTE ")[0]
    assert "Index Scan using ix_tasks_claim_order on tasks" in cand, claim
    assert "Sort" not in cand, claim
    for plan in (claim, finish):
        assert "Seq Scan on tasks" not in plan, plan
        assert "Seq Scan on runs" not in plan, plan
        assert "JIT" not in plan, plan  # compiled anew on every execution: 0.5 s a claim
    assert "pk_tasks" in claim.split("CTE upd")[1].split("CTE claimed")[0], claim
    fenced = finish.split("CTE fenced")[1].split("CTE moving")[0]
    assert "pk_runs" in fenced, finish  # by id, not every run of the last lease period
