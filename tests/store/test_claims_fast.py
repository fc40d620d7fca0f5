"""The claim hot path: ``finish_runs`` (batch completer), what the plain-SQL paths write, plans.

Runs over SQLite (threaded and aiosqlite) and PostgreSQL like the claims contract. The plain-SQL
claim and finish (``store/claim_sql.py``, ``store/pg_fast.py``) must write exactly what the
generic path writes: the payload keys of every event are pinned here, and the EXPLAIN guards
keep the claim on the partial index ``ix_tasks_claim_order`` (a claim must cost the same with
1,000 or 1,000,000 tasks done).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import text

from core.domain.commands import TaskCreate, TaskImportItem
from core.domain.models import TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import RunStatus
from core.store import claim_sql, pg_fast
from core.store.engine import SqlTaskEngine

from . import test_claims_contract as contract
from .conftest import all_events, last_seq
from .test_claims_contract import Opener, ready

# The claims contract's fixtures: SQLite (threaded, aiosqlite) and PostgreSQL engines.
claims_url = contract.claims_url
open_engine = contract.open_engine
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


async def test_the_claim_reads_the_partial_claim_index(eng: SqlTaskEngine) -> None:
    """No scan of done tasks, no sort: the claim walks ``ix_tasks_claim_order`` in order."""
    await _mostly_done(eng)
    if eng._runner.dialect == "sqlite":
        sql = "EXPLAIN QUERY PLAN " + claim_sql.SQLITE_CANDIDATES.format(extra="")
        plan = await _plan(eng, sql, ("2026-01-01 00:00:00.000000", 1))
        assert "ix_tasks_claim_order" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
        return
    await eng._runner.read(lambda c: c.execute(text("ANALYZE tasks")))
    # The candidate scan of the claim statement, as the fast path sends it.
    cand = pg_fast.CLAIM.split("), ranked AS")[0].split("AS MATERIALIZED (")[1]
    sql = "EXPLAIN " + cand.replace("$1", "now()").replace("$2", "1")
    plan = await _plan(eng, sql, ())
    assert "ix_tasks_claim_order" in plan, plan
    assert "Sort" not in plan, plan
    plan = await _plan(
        eng,
        "EXPLAIN "
        + pg_fast.CLAIM.replace("$1", "now()")
        .replace("$2", "1")
        .replace("$3::text[]", "ARRAY['r']")
        .replace("$4::text[]", "ARRAY['t']")
        .replace("$5::text[]", "ARRAY['e']")
        .replace("$6::text", "'w'")
        .replace("$6", "'w'")
        .replace("$7", "now()")
        .replace("$8", "'a'")
        .replace("$9", "1"),
        (),
    )
    assert "CTE cand" in plan, plan  # materialized: the LIMIT fences the UPDATE (CLAIMS.md B7)
