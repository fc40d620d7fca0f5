"""Claims, leases and runs: one contract over SQLite (threaded and aiosqlite) and PostgreSQL.

Each CLAIMS.md B7 pitfall that applies at this level has a test here: the claim order, batches
that never take more than asked, blockers respected through the counter, the per-project limit,
fenced writes (a stale token or an expired lease writes nothing), lease expiry counted as a
retry, attempts used up, Run Now twice giving one run, and the database refusing a second
active run even when code inserts one directly.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from core.domain.commands import ProjectCreate, TaskCreate
from core.domain.models import FailureReason, TaskStatus
from core.domain.outcomes import RunOutcome
from core.domain.runs import MANUAL_WORKER_ID, RetryPolicy, RunStatus, WorkerStatus
from core.errors import (
    ConflictError,
    DependencyBlockedError,
    InvalidTransitionError,
    LeaseLostError,
    NotFoundError,
    ValidationError,
)
from core.store import tables as t
from core.store.engine import SqlTaskEngine

from .conftest import Clock, Opener, all_events, last_seq

S = TaskStatus


@pytest.fixture
async def eng(open_engine: Opener) -> SqlTaskEngine:
    """An engine with two attempts per task and no backoff."""
    return await open_engine()


async def ready(engine: SqlTaskEngine, title: str, **fields: Any) -> str:
    """Create a ready task; its ref."""
    fields.setdefault("status", S.READY)
    return (await engine.create_task(TaskCreate(title=title, **fields))).task.ref


# ------------------------------------------------------------------------------ claim
async def _runnable_board(engine: SqlTaskEngine) -> dict[str, str]:
    """Ready tasks, by what they carry: ``idea``, ``fence`` and ``notes`` have nothing to run
    (a code block in a description is documentation, never a command)."""
    return {
        "idea": await ready(engine, "An idea to discuss"),
        "fence": await ready(engine, "Build", description="Run:\n```sh\nmake build\n```\n"),
        "meta": await ready(engine, "Lint", metadata={"command": "make lint"}),
        "template": await ready(engine, "Review", pipeline_template="review"),
        "typed": await ready(engine, "Write docs", task_type="docs"),
        "notes": await ready(engine, "Notes", description="plain words", metadata={"k": 1}),
    }


@pytest.mark.parametrize("per_project", [None, 5], ids=["fast", "per-project"])
async def test_a_worker_claims_only_tasks_it_can_run(
    eng: SqlTaskEngine, per_project: int | None
) -> None:
    """With its pipelines given, a claim skips ready tasks with no command, no template and
    no piped type: they stay ready (a planning board is not failed task by task). Without
    pipelines, every ready task is claimable. Same answer on every path (PostgreSQL's
    merged statement, SQLite's indexed read, the per-project path)."""
    refs = await _runnable_board(eng)
    claims = await eng.claim_tasks("w", limit=10, pipelines=["docs"], max_per_project=per_project)
    assert sorted(c.ref for c in claims) == sorted(refs[k] for k in ("meta", "template", "typed"))
    for key in ("idea", "fence", "notes"):
        assert (await eng.get_task(refs[key])).status == S.READY
    assert await eng.claim_tasks("w", limit=10, pipelines=[]) == []
    rest = await eng.claim_tasks("w", limit=10)
    assert sorted(c.ref for c in rest) == sorted(refs[k] for k in ("idea", "fence", "notes"))


async def test_the_monitor_says_which_ready_tasks_nothing_would_run(eng: SqlTaskEngine) -> None:
    refs = await _runnable_board(eng)
    overview = await eng.execution_overview(pipelines=["docs"])
    assert (overview.queue_total, overview.runnable_total) == (6, 3)
    why = {e.card.ref: e.waiting or "" for e in overview.queue}
    assert why[refs["idea"]].startswith("nothing to run: it has no command and feature tasks")
    assert why[refs["fence"]].startswith("nothing to run")
    assert "[pipelines.feature] to taskyard.toml" in why[refs["notes"]]
    assert not any(why[refs[k]].startswith("nothing") for k in ("meta", "typed"))
    plain = await eng.execution_overview()
    assert plain.runnable_total == plain.queue_total == 6


async def test_claims_follow_priority_then_age_and_skip_other_states(eng: SqlTaskEngine) -> None:
    """Critical before high before medium before low; equal priority: the older first."""
    low = await ready(eng, "low", priority="low")
    crit1 = await ready(eng, "crit1", priority="critical")
    await eng.create_task(TaskCreate(title="backlog", priority="critical"))
    high = await ready(eng, "high", priority="high")
    crit2 = await ready(eng, "crit2", priority="critical")
    med = await ready(eng, "med", priority="medium")
    claims = await eng.claim_tasks("w1", limit=10)
    assert [c.ref for c in claims] == [crit1, crit2, high, med, low]
    assert [c.attempt for c in claims] == [1] * 5
    assert len({c.claim_token for c in claims}) == 5


async def test_batch_claim_takes_at_most_the_limit_and_opens_a_run_each(
    eng: SqlTaskEngine,
) -> None:
    """Up to N per claim, never more; each claimed task is in progress with a running run."""
    refs = [await ready(eng, f"t{i}") for i in range(5)]
    seq = await last_seq(eng)
    first = await eng.claim_tasks("w1", limit=3)
    second = await eng.claim_tasks("w2", limit=3)
    assert [c.ref for c in first] == refs[:3]
    assert [c.ref for c in second] == refs[3:]
    assert await eng.claim_tasks("w3", limit=3) == []
    for claim in [*first, *second]:
        task = await eng.get_task(claim.ref)
        assert task.status == S.IN_PROGRESS
        assert task.current_agent_id == claim.worker_id
        assert task.run_ids == [claim.run_id]
        run = await eng.get_run(claim.run_id)
        assert (run.status, run.worker_id, run.claim_token) == (
            RunStatus.RUNNING,
            claim.worker_id,
            claim.claim_token,
        )
        assert run.lease_expires_at > run.started_at
    claimed = [e for e in await all_events(eng, seq) if e.type == "task.claimed"]
    assert sorted(e.payload["run_id"] for e in claimed) == sorted(
        c.run_id for c in [*first, *second]
    )


async def test_claim_limit_is_validated(eng: SqlTaskEngine) -> None:
    with pytest.raises(ValidationError):
        await eng.claim_tasks("w1", limit=0)
    with pytest.raises(ValidationError):
        await eng.claim_tasks("w1", limit=501)


async def test_tasks_with_unresolved_blockers_are_never_claimed(
    open_engine: Opener,
) -> None:
    """The dependent waits until its blocker is done, then is claimed."""
    eng = await open_engine(auto_approve=True)
    blocker = await ready(eng, "blocker")
    dependent = (
        await eng.create_task(
            TaskCreate(title="dependent", blocked_by=[blocker], status=S.READY, when_unblocked=True)
        )
    ).task
    assert dependent.status == S.BLOCKED
    [claim] = await eng.claim_tasks("w1", limit=10)
    assert claim.ref == blocker
    assert await eng.claim_tasks("w1", limit=10) == []
    await eng.finish_run(claim.run_id, claim.claim_token, success=True, summary="ok")
    assert (await eng.get_task(blocker)).status == S.DONE  # auto-approve
    [next_claim] = await eng.claim_tasks("w1", limit=10)
    assert next_claim.ref == dependent.ref


async def test_in_review_blocker_still_holds_its_dependent(eng: SqlTaskEngine) -> None:
    """Without auto-approve a success ends in review, which does not resolve dependents."""
    blocker = await ready(eng, "blocker")
    await eng.create_task(
        TaskCreate(title="dependent", blocked_by=[blocker], status=S.READY, when_unblocked=True)
    )
    [claim] = await eng.claim_tasks("w1")
    await eng.finish_run(claim.run_id, claim.claim_token, success=True)
    assert (await eng.get_task(blocker)).status == S.IN_REVIEW
    assert await eng.claim_tasks("w1", limit=10) == []


async def test_per_project_limit_caps_tasks_in_progress(eng: SqlTaskEngine) -> None:
    """With max_per_project=2 each project runs at most two tasks; a finish frees a slot."""
    await eng.create_project(ProjectCreate(name="Alpha", key="AL"))
    await eng.create_project(ProjectCreate(name="Beta", key="BE"))
    for i in range(3):
        await ready(eng, f"a{i}", project="AL")
        await ready(eng, f"b{i}", project="BE")
    claims = await eng.claim_tasks("w1", limit=10, max_per_project=2)
    assert sorted(c.ref for c in claims) == ["AL-1", "AL-2", "BE-1", "BE-2"]
    assert await eng.claim_tasks("w1", limit=10, max_per_project=2) == []
    done = next(c for c in claims if c.ref == "AL-1")
    await eng.finish_run(done.run_id, done.claim_token, success=True)
    again = await eng.claim_tasks("w1", limit=10, max_per_project=2)
    assert [c.ref for c in again] == ["AL-3"]


async def test_claim_can_be_limited_to_one_project(eng: SqlTaskEngine) -> None:
    await eng.create_project(ProjectCreate(name="Alpha", key="AL"))
    await ready(eng, "inbox task")
    await ready(eng, "alpha task", project="AL")
    assert [c.ref for c in await eng.claim_tasks("w1", limit=5, project="alpha")] == ["AL-1"]
    with pytest.raises(NotFoundError):
        await eng.claim_tasks("w1", project="nope")


# ------------------------------------------------------------------------------ fencing
async def test_stale_token_writes_nothing(eng: SqlTaskEngine) -> None:
    """A write naming another token is refused, and neither the task nor the log changes."""
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    before = await eng.get_task(ref)
    seq = await last_seq(eng)
    stale = str(uuid.uuid4())
    with pytest.raises(LeaseLostError) as err:
        await eng.finish_run(claim.run_id, stale, success=True)
    assert err.value.hint
    assert "Nothing was written" in err.value.message
    with pytest.raises(LeaseLostError):
        await eng.start_step(claim.run_id, stale, "plan")
    assert await eng.get_task(ref) == before
    assert await last_seq(eng) == seq
    await eng.start_step(claim.run_id, claim.claim_token, "plan")
    assert (await eng.get_task(ref)).current_step == "plan"
    await eng.finish_run(claim.run_id, claim.claim_token, success=True, summary="done")
    with pytest.raises(LeaseLostError, match="ended"):  # a second finish: the run is over
        await eng.finish_run(claim.run_id, claim.claim_token, success=False)
    with pytest.raises(NotFoundError):
        await eng.finish_run("no-such-run", claim.claim_token, success=True)


async def test_expired_lease_is_refused_even_before_the_sweep(open_engine: Opener) -> None:
    clock = Clock()
    eng = await open_engine(clock=clock)
    await eng.register_worker("w1", host="h", pid=1)
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1", lease_seconds=10)
    clock.advance(10)
    with pytest.raises(LeaseLostError, match="lease expired"):
        await eng.finish_run(claim.run_id, claim.claim_token, success=True)
    assert await eng.heartbeat("w1", {claim.run_id: claim.claim_token}) == []
    assert (await eng.get_task(ref)).status == S.IN_PROGRESS  # until someone sweeps


async def test_heartbeat_renews_only_this_workers_live_leases(open_engine: Opener) -> None:
    clock = Clock()
    eng = await open_engine(clock=clock)
    await eng.register_worker("w1", host="h", pid=1, slots=4)
    await eng.register_worker("w2", host="h", pid=2)
    for i in range(3):
        await ready(eng, f"t{i}")
    mine = await eng.claim_tasks("w1", limit=2, lease_seconds=10)
    [theirs] = await eng.claim_tasks("w2", lease_seconds=10)
    clock.advance(5)
    leases = {c.run_id: c.claim_token for c in mine}
    assert await eng.heartbeat("w1", leases, lease_seconds=30) == sorted(leases)
    wrong = {mine[0].run_id: theirs.claim_token, theirs.run_id: theirs.claim_token}
    assert await eng.heartbeat("w1", wrong) == []
    clock.advance(10)  # w2's lease ran out; w1's were renewed to t+35
    assert await eng.expire_leases() == [theirs.ref]
    assert sorted(await eng.heartbeat("w1")) == sorted(leases)
    run = await eng.get_run(mine[0].run_id)
    assert run.lease_expires_at == clock.now + timedelta(seconds=15)
    with pytest.raises(NotFoundError):
        await eng.heartbeat("ghost")


async def test_workers_register_and_go_lost_when_silent(open_engine: Opener) -> None:
    clock = Clock()
    eng = await open_engine(clock=clock, lease_seconds=10)
    worker = await eng.register_worker("w1", host="box", pid=42, slots=3)
    assert (worker.status, worker.slots) == (WorkerStatus.ACTIVE, 3)
    await eng.register_worker("w2", host="box", pid=43)
    clock.advance(15)
    await eng.heartbeat("w2")
    clock.advance(10)
    by_id = {w.id: w for w in await eng.list_workers()}
    assert by_id["w1"].status == WorkerStatus.LOST
    assert by_id["w2"].status == WorkerStatus.ACTIVE
    with pytest.raises(ValidationError):
        await eng.register_worker(MANUAL_WORKER_ID, host="box", pid=1)
    with pytest.raises(ValidationError):
        await eng.register_worker("w3", host="box", pid=1, slots=0)


async def test_a_worker_is_judged_lost_by_its_own_lease_not_the_readers(
    open_engine: Opener,
) -> None:
    """A worker with a long lease beats rarely: a reader with a short lease (a server with
    the default) must not list it as lost between two of its beats; one with a short lease
    is lost sooner than the reader's own lease would say."""
    clock = Clock()
    eng = await open_engine(clock=clock, lease_seconds=10)
    slow = await eng.register_worker("slow", host="far", pid=1, lease_seconds=300)
    assert slow.lease_seconds == 300
    await eng.register_worker("quick", host="far", pid=2, lease_seconds=2)
    await eng.register_worker("silent", host="far", pid=3)  # says nothing: the reader's 10 s
    clock.advance(5)
    status = {w.id: w.status for w in await eng.list_workers()}
    assert status == {
        "slow": WorkerStatus.ACTIVE,
        "quick": WorkerStatus.LOST,
        "silent": WorkerStatus.ACTIVE,
    }
    clock.advance(100)  # 105 s of silence: ten of the reader's leases, a third of slow's
    status = {w.id: w.status for w in await eng.list_workers()}
    assert status["slow"] == WorkerStatus.ACTIVE
    assert status["silent"] == WorkerStatus.LOST
    overview = await eng.execution_overview()
    assert {w.id: w.status for w in overview.workers}["slow"] == WorkerStatus.ACTIVE
    clock.advance(500)
    assert {w.id: w.status for w in await eng.list_workers()}["slow"] == WorkerStatus.LOST
    # A heartbeat that names a lease keeps it: the silent worker now asks for 600 s.
    await eng.heartbeat("silent", lease_seconds=600)
    clock.advance(900)
    status = {w.id: w.status for w in await eng.list_workers()}
    assert status["silent"] == WorkerStatus.ACTIVE
    for bad in (0, -1, 8 * 24 * 3600):
        with pytest.raises(ValidationError):
            await eng.register_worker("bad", host="far", pid=4, lease_seconds=bad)
        with pytest.raises(ValidationError):
            await eng.heartbeat("silent", lease_seconds=bad)
    assert {w.id for w in await eng.list_workers()} == {"slow", "quick", "silent"}


async def test_a_stopped_worker_shows_stopped_not_lost(open_engine: Opener) -> None:
    clock = Clock()
    eng = await open_engine(clock=clock, lease_seconds=10)
    await eng.register_worker("w1", host="box", pid=42, slots=2)
    seq = await last_seq(eng)
    stopped = await eng.stop_worker("w1")
    assert (stopped.id, stopped.status, stopped.slots) == ("w1", WorkerStatus.STOPPED, 2)
    clock.advance(60)  # long past two lease periods: still stopped, never lost
    [worker] = await eng.list_workers()
    assert worker.status == WorkerStatus.STOPPED
    assert [e.type for e in await all_events(eng, seq)] == ["worker.stopped"]
    await eng.heartbeat("w1")  # back at work: active again
    [worker] = await eng.list_workers()
    assert worker.status == WorkerStatus.ACTIVE
    with pytest.raises(NotFoundError):
        await eng.stop_worker("nobody")


async def test_finish_run_with_its_last_step_is_one_write(eng: SqlTaskEngine) -> None:
    """``finish_run(step=...)`` ends the step and the run together, events in that order."""
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    await eng.start_step(claim.run_id, claim.claim_token, "only", index=1, total=1)
    seq = await last_seq(eng)
    run = await eng.finish_run(
        claim.run_id, claim.claim_token, success=True, exit_code=0, summary="ok", step="only"
    )
    assert run.status == RunStatus.SUCCEEDED
    [step] = await eng.run_steps(claim.run_id)
    assert (step.status, step.exit_code, step.summary) == (RunStatus.SUCCEEDED, 0, "ok")
    types = [e.type for e in await all_events(eng, seq)]
    assert types == ["task.step_completed", "run.succeeded", "task.status_changed"]
    assert (await eng.get_task(ref)).status == S.IN_REVIEW


async def test_finish_run_with_a_step_not_running_writes_nothing(eng: SqlTaskEngine) -> None:
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    seq = await last_seq(eng)
    with pytest.raises(InvalidTransitionError):
        await eng.finish_run(claim.run_id, claim.claim_token, success=False, step="nope")
    assert await all_events(eng, seq) == []
    assert (await eng.get_task(ref)).status == S.IN_PROGRESS
    with pytest.raises(LeaseLostError):
        await eng.finish_run(claim.run_id, "stale", success=True, step="nope")


# ------------------------------------------------------------------------------ leases, retries
@pytest.mark.local_only(
    "expire_leases is called with a `now` ahead of the wall clock, which the server refuses"
    " (leases end by its time)"
)
async def test_expired_lease_returns_the_task_counted_as_a_retry(eng: SqlTaskEngine) -> None:
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1", lease_seconds=30)
    assert await eng.expire_leases(datetime.now(UTC)) == []
    seq = await last_seq(eng)
    assert await eng.expire_leases(datetime.now(UTC) + timedelta(minutes=5)) == [ref]
    task = await eng.get_task(ref)
    assert (task.status, task.retry_count, task.current_agent_id) == (S.READY, 1, None)
    assert (await eng.get_run(claim.run_id)).status == RunStatus.EXPIRED
    [event] = [e for e in await all_events(eng, seq) if e.type == "task.lease_expired"]
    assert event.payload["run_id"] == claim.run_id
    assert event.payload["to"] == "ready"
    with pytest.raises(LeaseLostError):  # the zombie's late write
        await eng.finish_run(claim.run_id, claim.claim_token, success=True)
    [again] = await eng.claim_tasks("w2")
    assert (again.ref, again.attempt) == (ref, 2)
    assert (await eng.get_task(ref)).run_ids == [claim.run_id, again.run_id]


async def test_attempts_used_up_block_the_task_with_the_reason(eng: SqlTaskEngine) -> None:
    """Two attempts allowed: a failure retries, the second failure blocks with the details."""
    ref = await ready(eng, "t")
    [first] = await eng.claim_tasks("w1")
    await eng.finish_run(first.run_id, first.claim_token, success=False, exit_code=1, error="boom")
    task = await eng.get_task(ref)
    assert (task.status, task.retry_count, task.error) == (S.READY, 1, "boom")
    [second] = await eng.claim_tasks("w1")
    await eng.start_step(second.run_id, second.claim_token, "verify")
    seq = await last_seq(eng)
    await eng.finish_run(
        second.run_id,
        second.claim_token,
        success=False,
        exit_code=2,
        error="still broken",
        summary="FAILED test_login\n1 failed",
    )
    task = await eng.get_task(ref)
    assert task.status == S.BLOCKED
    assert task.blocked_reason == FailureReason(
        step="verify",
        message="still broken",
        attempts=2,
        exit_code=2,
        output_tail="FAILED test_login\n1 failed",  # the last output, apart from the message
    )
    assert task.blocked_reason.headline() == (
        "execution failed after 2 attempts: still broken (at step verify, exit code 2)"
    )
    types = [e.type for e in await all_events(eng, seq)]
    assert types == ["run.failed", "task.blocked"]
    assert [r.status for r in await eng.runs_of(ref)] == [RunStatus.FAILED, RunStatus.FAILED]


async def test_moving_a_failed_task_back_to_ready_by_hand_is_the_next_attempt(
    eng: SqlTaskEngine,
) -> None:
    """Blocked after attempts 1 and 2, moved to ready by hand (as ``retry`` would): the next
    run is attempt 3, not a second attempt 2; the same after a cancel. A task that never ran
    starts at attempt 1."""
    ref = await ready(eng, "t")
    for _ in range(2):
        [claim] = await eng.claim_tasks("w1")
        await eng.finish_run(claim.run_id, claim.claim_token, success=False, exit_code=1)
    assert (await eng.get_task(ref)).status == S.BLOCKED
    await eng.transition_task(ref, S.READY)
    [third] = await eng.claim_tasks("w1")
    assert third.attempt == 3
    await eng.cancel(ref, "wrong approach")
    await eng.transition_task(ref, S.BACKLOG)
    await eng.transition_task(ref, S.READY)
    [fourth] = await eng.claim_tasks("w1")
    assert fourth.attempt == 4
    assert [r.attempt for r in await eng.runs_of(ref)] == [1, 2, 3, 4]
    fresh = await ready(eng, "never ran")
    await eng.transition_task(fresh, S.BACKLOG)
    await eng.transition_task(fresh, S.READY)
    [first] = await eng.claim_tasks("w1")
    assert (first.ref, first.attempt) == (fresh, 1)


async def test_a_lost_lease_is_back_at_once_and_uses_no_failed_attempt(
    open_engine: Opener,
) -> None:
    """A crashed worker is not the task's fault: its task is claimable right after the sweep
    (no failure backoff), and the policy's failed attempts are still all there. Attempt
    numbers keep growing, one per run."""
    clock = Clock()
    policy = RetryPolicy(max_attempts=2, backoff_seconds=60)
    eng = await open_engine(clock=clock, retry_policy=policy)
    ref = await ready(eng, "t")
    for attempt in (1, 2, 3):
        [claim] = await eng.claim_tasks("w1", lease_seconds=10)
        assert claim.attempt == attempt
        clock.advance(10)
        assert await eng.expire_leases() == [ref]
        task = await eng.get_task(ref)
        assert (task.status, task.interruptions, task.retry_count) == (S.READY, attempt, attempt)
    events = [e for e in await all_events(eng) if e.type == "task.lease_expired"]
    assert [e.payload["not_before"] for e in events] == [None, None, None]
    assert events[-1].payload["interrupted"] is True
    # Failures still get both attempts: the first failure retries (after the backoff) ...
    [claim] = await eng.claim_tasks("w1")
    await eng.finish_run(claim.run_id, claim.claim_token, success=False, error="boom")
    assert (await eng.get_task(ref)).status == S.READY
    clock.advance(60)
    [claim] = await eng.claim_tasks("w1")
    assert claim.attempt == 5
    await eng.finish_run(claim.run_id, claim.claim_token, success=False, error="boom again")
    task = await eng.get_task(ref)  # ... and the second blocks, after 2 failed attempts
    assert task.status == S.BLOCKED
    assert isinstance(task.blocked_reason, FailureReason)
    assert task.blocked_reason.attempts == 2


@pytest.mark.local_only(
    "expire_leases is called with a `now` ahead of the wall clock, which the server refuses"
    " (leases end by its time)"
)
async def test_too_many_interruptions_block_the_task_with_task_blocked(
    open_engine: Opener,
) -> None:
    """A task whose runs keep losing their worker is blocked after ``max_interruptions``,
    with a reason that says so, and the spec's ``task.blocked`` event follows the finer
    ``task.lease_expired``."""
    policy = RetryPolicy(max_attempts=2, backoff_seconds=0, max_interruptions=3)
    eng = await open_engine(retry_policy=policy)
    ref = await ready(eng, "t")
    later = datetime.now(UTC) + timedelta(hours=1)
    for _ in range(2):
        await eng.claim_tasks("w1", lease_seconds=1)
        await eng.expire_leases(later)
    assert (await eng.get_task(ref)).status == S.READY
    await eng.claim_tasks("w1", lease_seconds=1)
    seq = await last_seq(eng)
    await eng.expire_leases(later)
    task = await eng.get_task(ref)
    assert (task.status, task.interruptions) == (S.BLOCKED, 3)
    assert isinstance(task.blocked_reason, FailureReason)
    assert "interrupted 3 times (worker crashed or stopped)" in task.blocked_reason.message
    assert "expired" in task.blocked_reason.message
    assert task.blocked_reason.output_tail is None
    events = await all_events(eng, seq)
    assert [e.type for e in events] == ["task.lease_expired", "task.blocked"]
    assert all(e.payload["to"] == "blocked" for e in events)
    assert (await eng.retry(ref)).status == S.READY  # blocked by a failure: retry applies


async def test_a_deliberate_stop_interrupts_the_run_and_requeues_the_task(
    open_engine: Opener,
) -> None:
    """A worker stopped on purpose ends its run ``interrupted``: the task is ready again at
    once, its failed attempts unused and its last failure (quoted in the next prompt) kept;
    the stopped worker can write nothing more. Enough stops block it, emitting
    ``task.blocked`` once."""
    clock = Clock()
    policy = RetryPolicy(max_attempts=2, backoff_seconds=60, max_interruptions=3)
    eng = await open_engine(clock=clock, retry_policy=policy)
    ref = await ready(eng, "t")
    [first] = await eng.claim_tasks("w1")
    await eng.finish_run(first.run_id, first.claim_token, success=False, error="boom")
    clock.advance(60)
    for n in (1, 2):
        [claim] = await eng.claim_tasks("w1")
        await eng.start_step(claim.run_id, claim.claim_token, "work", index=1, total=1)
        seq = await last_seq(eng)
        run = await eng.interrupt_run(
            claim.run_id,
            claim.claim_token,
            reason="the worker stopped during step work",
            exit_code=-15,
            summary="half done",
        )
        assert (run.status, run.error) == (
            RunStatus.INTERRUPTED,
            "the worker stopped during step work",
        )
        [step] = await eng.run_steps(claim.run_id)
        assert (step.status, step.exit_code) == (RunStatus.INTERRUPTED, -15)
        task = await eng.get_task(ref)
        assert (task.status, task.interruptions, task.error) == (S.READY, n, "boom")
        events = await all_events(eng, seq)
        assert [e.type for e in events] == ["run.interrupted", "task.retry_scheduled"]
        assert events[1].payload["interrupted"] is True
        assert events[1].payload["not_before"] is None
        with pytest.raises(LeaseLostError):
            await eng.finish_run(claim.run_id, claim.claim_token, success=True)
    [claim] = await eng.claim_tasks("w1")  # no backoff: claimable at once
    seq = await last_seq(eng)
    await eng.interrupt_run(claim.run_id, claim.claim_token, reason="the worker stopped")
    task = await eng.get_task(ref)
    assert task.status == S.BLOCKED
    assert isinstance(task.blocked_reason, FailureReason)
    assert "interrupted 3 times" in task.blocked_reason.message
    assert [e.type for e in await all_events(eng, seq)] == ["run.interrupted", "task.blocked"]
    statuses = [r.status for r in await eng.runs_of(ref)]
    assert statuses == [RunStatus.FAILED] + [RunStatus.INTERRUPTED] * 3


@pytest.mark.local_only(
    "expire_leases is called with a `now` ahead of the wall clock, which the server refuses"
    " (leases end by its time)"
)
async def test_a_person_forcing_a_task_into_progress_keeps_it_from_workers_and_the_sweep(
    eng: SqlTaskEngine,
) -> None:
    """``task move --force`` into in progress means a person works on it: no run, no lease,
    so no worker takes it and no lease sweep moves it back, however long it takes; the
    person moves it on by hand."""
    ref = await ready(eng, "by hand")
    await eng.transition_task(ref, S.IN_PROGRESS, force=True)
    assert await eng.claim_tasks("w1", limit=5) == []
    assert await eng.adopt_forced_runs("w1", limit=5) == []
    assert await eng.expire_leases(datetime.now(UTC) + timedelta(days=30)) == []
    task = await eng.get_task(ref)
    assert (task.status, task.run_ids, task.current_agent_id) == (S.IN_PROGRESS, [], None)
    assert (await eng.transition_task(ref, S.IN_REVIEW)).status == S.IN_REVIEW


async def test_retry_waits_out_the_backoff(open_engine: Opener) -> None:
    clock = Clock()
    eng = await open_engine(
        clock=clock, retry_policy=RetryPolicy(max_attempts=3, backoff_seconds=60)
    )
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    await eng.finish_run(claim.run_id, claim.claim_token, success=False, error="flaky")
    assert (await eng.get_task(ref)).status == S.READY
    assert await eng.claim_tasks("w1") == []
    clock.advance(59)
    assert await eng.claim_tasks("w1") == []
    clock.advance(1)
    assert [c.ref for c in await eng.claim_tasks("w1")] == [ref]


async def test_success_goes_to_review_or_done_with_auto_approve(open_engine: Opener) -> None:
    eng = await open_engine()
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    run = await eng.finish_run(claim.run_id, claim.claim_token, success=True, summary="all good")
    assert (run.status, run.summary, run.finished_at is not None) == (
        RunStatus.SUCCEEDED,
        "all good",
        True,
    )
    task = await eng.get_task(ref)
    assert (task.status, task.current_agent_id) == (S.IN_REVIEW, None)
    auto = await open_engine(auto_approve=True)
    ref2 = await ready(auto, "t2")
    [claim2] = await auto.claim_tasks("w1")
    await auto.finish_run(claim2.run_id, claim2.claim_token, success=True, exit_code=0)
    assert (await auto.get_task(ref2)).status == S.DONE


# ------------------------------------------------------------------------------ manual paths
async def test_run_now_twice_gives_one_run(eng: SqlTaskEngine) -> None:
    ref = (await eng.create_task(TaskCreate(title="backlog task"))).task.ref
    first = await eng.run_now(ref)
    second = await eng.run_now(ref)
    assert first == second
    assert first.worker_id == MANUAL_WORKER_ID
    assert [r.id for r in await eng.runs_of(ref)] == [first.id]
    task = await eng.get_task(ref)
    assert (task.status, task.current_agent_id) == (S.IN_PROGRESS, MANUAL_WORKER_ID)
    await eng.finish_run(first.id, first.claim_token, success=True)
    assert (await eng.get_task(ref)).status == S.IN_REVIEW


async def test_run_now_at_the_same_time_gives_one_run(eng: SqlTaskEngine) -> None:
    ref = await ready(eng, "t")
    runs = await asyncio.gather(*(eng.run_now(ref) for _ in range(4)))
    assert len({r.id for r in runs}) == 1
    assert len(await eng.runs_of(ref)) == 1


async def test_run_now_is_refused_with_the_dependency_reason(eng: SqlTaskEngine) -> None:
    blocker = await ready(eng, "Design")
    ref = (await eng.create_task(TaskCreate(title="Build", blocked_by=[blocker]))).task.ref
    with pytest.raises(DependencyBlockedError) as err:
        await eng.run_now(ref)
    assert blocker in err.value.message
    assert await eng.runs_of(ref) == []
    [claim] = await eng.claim_tasks("w1")
    await eng.finish_run(claim.run_id, claim.claim_token, success=True)
    with pytest.raises(InvalidTransitionError, match="in review"):
        await eng.run_now(blocker)


async def test_retry_puts_a_failed_task_back_counted(eng: SqlTaskEngine) -> None:
    ref = await ready(eng, "t")
    for _ in range(2):
        [claim] = await eng.claim_tasks("w1")
        await eng.finish_run(claim.run_id, claim.claim_token, success=False, error="x")
    assert (await eng.get_task(ref)).status == S.BLOCKED
    task = await eng.retry(ref)
    assert (task.status, task.retry_count, task.blocked_reason) == (S.READY, 2, None)
    [claim] = await eng.claim_tasks("w1")
    assert claim.attempt == 3
    with pytest.raises(InvalidTransitionError):
        await eng.retry(ref)  # in progress: nothing to retry
    await eng.transition_task(ref, S.READY)  # by hand: the run ends
    await eng.transition_task(ref, S.BLOCKED, reason="waiting on legal")
    with pytest.raises(InvalidTransitionError, match="manual"):
        await eng.retry(ref)  # blocked by hand, not by a failure


async def test_cancel_ends_the_run_and_fences_the_worker(eng: SqlTaskEngine) -> None:
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    task = await eng.cancel(ref, "not needed any more")
    assert task.status == S.CANCELLED
    run = await eng.get_run(claim.run_id)
    assert run.status == RunStatus.CANCELLED
    assert run.error is not None
    assert "not needed any more" in run.error
    with pytest.raises(LeaseLostError):
        await eng.finish_run(claim.run_id, claim.claim_token, success=True)
    assert (await eng.retry(ref)).status == S.READY
    [again] = await eng.claim_tasks("w1")
    assert again.attempt == 2


async def test_moving_a_running_task_by_hand_ends_its_run(eng: SqlTaskEngine) -> None:
    """The worker loses its claim; the task can be claimed again without a second active run."""
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    await eng.transition_task(ref, S.READY)
    assert (await eng.get_run(claim.run_id)).status == RunStatus.CANCELLED
    with pytest.raises(LeaseLostError):
        await eng.start_step(claim.run_id, claim.claim_token, "plan")
    [again] = await eng.claim_tasks("w2")
    assert again.ref == ref


ZOMBIE_WRITES: dict[str, Callable[[SqlTaskEngine, Any], Any]] = {
    "success": lambda e, c: e.finish_run(c.run_id, c.claim_token, success=True),
    "success-with-step": lambda e, c: e.finish_run(
        c.run_id, c.claim_token, success=True, exit_code=0, step="work"
    ),
    "failure": lambda e, c: e.finish_run(c.run_id, c.claim_token, success=False, error="x"),
    "batch": lambda e, c: e.finish_runs(
        [RunOutcome(run_id=c.run_id, token=c.claim_token, success=True)]
    ),
    "block": lambda e, c: e.block_run(c.run_id, c.claim_token, reason="cannot"),
    "interrupt": lambda e, c: e.interrupt_run(c.run_id, c.claim_token, reason="stopped"),
}


@pytest.mark.parametrize("write", sorted(ZOMBIE_WRITES))
async def test_a_closed_run_cannot_finish_the_task_another_worker_now_runs(
    eng: SqlTaskEngine, write: str
) -> None:
    """A run closed by a hand move, its task claimed again by another worker: the first
    worker's late finish (success, failure, batch, block or stop, on every store path) is
    refused and the task stays in progress for the second worker."""
    ref = await ready(eng, "t")
    [first] = await eng.claim_tasks("w1", lease_seconds=600)
    await eng.start_step(first.run_id, first.claim_token, "work")
    await eng.transition_task(ref, S.READY)  # moved back by hand: w1's run is closed
    [second] = await eng.claim_tasks("w2", lease_seconds=600)
    seq = await last_seq(eng)
    if write == "batch":
        assert await ZOMBIE_WRITES[write](eng, first) == []
    else:
        with pytest.raises(LeaseLostError):
            await ZOMBIE_WRITES[write](eng, first)
    assert await all_events(eng, seq) == []
    task = await eng.get_task(ref)
    assert (task.status, task.current_agent_id) == (S.IN_PROGRESS, "w2")
    assert (await eng.get_run(first.run_id)).status == RunStatus.CANCELLED
    assert (await eng.get_run(second.run_id)).status == RunStatus.RUNNING


@pytest.mark.local_only(
    "it writes through the store's private connection to test a database constraint"
)
async def test_database_refuses_a_second_active_run(eng: SqlTaskEngine) -> None:
    """Even a direct insert (code gone wrong) cannot give a task two active runs."""
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    now = datetime.now(UTC)

    def insert_run(status: str) -> Callable[[Any, Any], None]:
        def op(conn: Any, _ctx: Any) -> None:
            conn.execute(
                insert(t.runs).values(
                    id=str(uuid.uuid4()),
                    task_id=claim.task_id,
                    attempt=9,
                    worker_id="rogue",
                    claim_token=str(uuid.uuid4()),
                    lease_expires_at=now,
                    status=status,
                    started_at=now,
                )
            )

        return op

    for status in ("running", "queued"):
        with pytest.raises(ConflictError, match="active run"):
            await eng._write(insert_run(status))
    await eng._write(insert_run("failed"))  # finished runs are not limited
    assert len(await eng.runs_of(ref)) == 2


async def test_unknown_run_and_task(eng: SqlTaskEngine) -> None:
    with pytest.raises(NotFoundError):
        await eng.get_run("nope")
    with pytest.raises(NotFoundError):
        await eng.runs_of("TY-99")
    with pytest.raises(NotFoundError):
        await eng.run_now("TY-99")
