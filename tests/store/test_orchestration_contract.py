"""Steps, logs, Run Now adoption, the monitor's overview and quick runs: one contract over SQLite
(threaded and aiosqlite) and PostgreSQL.

Every worker write is fenced by the claim token: a zombie (expired, cancelled, re-claimed)
writes nothing, logs included. Events are written as things happen.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.domain.commands import BoardQuery, ProjectCreate, TaskCreate
from core.domain.models import FailureReason, TaskSource, TaskStatus
from core.domain.runs import (
    MANUAL_WORKER_ID,
    QuickRunCreate,
    QuickRunStatus,
    RetryPolicy,
    RunStatus,
)
from core.errors import (
    DuplicateError,
    InvalidTransitionError,
    LeaseLostError,
    NotFoundError,
    ValidationError,
)
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


# ------------------------------------------------------------------------------ steps
async def test_steps_are_recorded_with_index_total_profile_and_events(eng: SqlTaskEngine) -> None:
    ref = await ready(eng, "t")
    since = await last_seq(eng)
    [claim] = await eng.claim_tasks("w1")
    run = await eng.start_step(claim.run_id, claim.claim_token, "plan", index=1, total=2)
    assert (run.step, run.step_index, run.step_count) == ("plan", 1, 2)
    await eng.finish_step(
        claim.run_id, claim.claim_token, "plan", success=True, exit_code=0, summary="planned"
    )
    run = await eng.start_step(claim.run_id, claim.claim_token, "implement", profile="claude")
    assert (run.step_index, run.step_count) == (2, 2)  # the next index, the total kept
    await eng.finish_step(claim.run_id, claim.claim_token, "implement", success=False, exit_code=3)
    steps = await eng.run_steps(claim.run_id)
    assert [(s.index, s.name, s.profile, s.status, s.exit_code, s.summary) for s in steps] == [
        (1, "plan", "shell", RunStatus.SUCCEEDED, 0, "planned"),
        (2, "implement", "claude", RunStatus.FAILED, 3, None),
    ]
    assert all(s.finished_at is not None for s in steps)
    stored = await eng.get_run(claim.run_id)
    assert (stored.step, stored.step_index, stored.step_count) == ("implement", 2, 2)
    assert (await eng.get_task(ref)).current_step == "implement"
    events = [e for e in await all_events(eng, since) if e.type.startswith("task.step")]
    assert [(e.type, e.payload["step"], e.payload.get("index")) for e in events] == [
        ("task.step_started", "plan", 1),
        ("task.step_completed", "plan", 1),
        ("task.step_started", "implement", 2),
        ("task.step_completed", "implement", 2),
    ]
    assert events[1].payload["success"] is True
    assert events[1].payload["summary"] == "planned"
    assert (events[3].payload["success"], events[3].payload["exit_code"]) == (False, 3)
    assert events[2].payload["profile"] == "claude"


async def test_step_arguments_are_validated(eng: SqlTaskEngine) -> None:
    await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    with pytest.raises(ValidationError):
        await eng.start_step(claim.run_id, claim.claim_token, "plan", index=0)
    with pytest.raises(ValidationError):
        await eng.start_step(claim.run_id, claim.claim_token, "plan", index=3, total=2)
    with pytest.raises(InvalidTransitionError, match="no running step"):
        await eng.finish_step(claim.run_id, claim.claim_token, "plan", success=True)


async def test_steps_of_a_cancelled_run_read_as_cancelled(eng: SqlTaskEngine) -> None:
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    await eng.start_step(claim.run_id, claim.claim_token, "plan", index=1, total=1)
    await eng.cancel(ref, "stop")
    [step] = await eng.run_steps(claim.run_id)
    assert step.status == RunStatus.CANCELLED
    assert step.finished_at is not None


# ------------------------------------------------------------------------------ logs
async def test_log_chunks_are_numbered_per_owner_and_read_after_a_seq(eng: SqlTaskEngine) -> None:
    await ready(eng, "a")
    await ready(eng, "b")
    a, b = await eng.claim_tasks("w1", limit=2)
    assert await eng.append_log(a.run_id, a.claim_token, "one\n") == 1
    assert await eng.append_log(b.run_id, b.claim_token, "other\n") == 1
    assert await eng.append_log(a.run_id, a.claim_token, "two\n", stream="stderr", step="plan") == 2
    chunks = await eng.read_log(a.run_id)
    assert [(c.seq, c.text, c.stream, c.step, c.owner_id) for c in chunks] == [
        (1, "one\n", "stdout", None, a.run_id),
        (2, "two\n", "stderr", "plan", a.run_id),
    ]
    assert [c.text for c in await eng.read_log(a.run_id, since=1)] == ["two\n"]
    assert await eng.read_log("nobody") == []
    with pytest.raises(ValidationError):
        await eng.append_log(a.run_id, a.claim_token, "x", stream="stdlog")
    with pytest.raises(ValidationError):
        await eng.append_log(a.run_id, a.claim_token, "")


async def test_output_with_a_nul_is_kept_with_the_nul_shown_as_a_replacement_character(
    eng: SqlTaskEngine,
) -> None:
    """Programs print NUL (``find -print0``); PostgreSQL text cannot hold it. Output, step
    summaries, block reasons and failures keep everything else, the NUL shown as U+FFFD,
    on every database, instead of losing the chunk or leaving the run unfinishable."""
    ref = await ready(eng, "prints NULs")
    await ready(eng, "blocked by its output")
    first, second = await eng.claim_tasks("w1", limit=2)
    await eng.append_log(first.run_id, first.claim_token, "a\x00b\n")
    await eng.start_step(first.run_id, first.claim_token, "build")
    await eng.finish_step(
        first.run_id, first.claim_token, "build", success=False, exit_code=1, summary="x\x00"
    )
    run = await eng.finish_run(
        first.run_id, first.claim_token, success=False, exit_code=1, error="bad\x00 output"
    )
    assert [c.text for c in await eng.read_log(first.run_id)] == ["a\ufffdb\n"]
    assert run.error == "bad\ufffd output"
    [step] = (await eng.run_steps(first.run_id))[-1:]
    assert step.summary == "x\ufffd"
    assert (await eng.get_task(ref)).status == S.READY  # retried: the failure was recorded
    blocked = await eng.block_run(second.run_id, second.claim_token, reason="needs\x00input")
    assert blocked.status == RunStatus.FAILED
    quick = await eng.create_quick_run(QuickRunCreate(prompt="printf 'a\\0b'"))
    await eng.append_quick_log(quick.id, "a\x00b")
    done = await eng.finish_quick_run(quick.id, success=True, exit_code=0, summary="a\x00b")
    assert done.result_summary == "a\ufffdb"
    assert [c.text for c in await eng.read_log(quick.id)] == ["a\ufffdb"]


async def test_lost_output_is_marked_in_the_log_and_counted_on_the_run(
    eng: SqlTaskEngine,
) -> None:
    """Output a worker could not store leaves a line in the log where it is missing, and the
    run counts the bytes, adding up over several losses."""
    await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    await eng.append_log(claim.run_id, claim.claim_token, "before\n")
    seq = await eng.record_lost_output(
        claim.run_id,
        claim.claim_token,
        lost_bytes=123_456,
        reason="The database cannot be reached.\nmore detail",
        step="build",
    )
    await eng.append_log(claim.run_id, claim.claim_token, "after\n")
    await eng.record_lost_output(claim.run_id, claim.claim_token, lost_bytes=1, reason="disk full")
    chunks = await eng.read_log(claim.run_id)
    assert [(c.seq, c.stream, c.step, c.text) for c in chunks] == [
        (1, "stdout", None, "before\n"),
        (
            seq,
            "system",
            "build",
            "\n[taskyard] 123,456 bytes of output were lost: The database cannot be reached.\n",
        ),
        (3, "stdout", None, "after\n"),
        (4, "system", None, "\n[taskyard] 1 byte of output was lost: disk full\n"),
    ]
    assert (await eng.get_run(claim.run_id)).lost_output_bytes == 123_457
    for lost_bytes, reason in ((0, "x"), (5, " ")):
        with pytest.raises(ValidationError):
            await eng.record_lost_output(
                claim.run_id, claim.claim_token, lost_bytes=lost_bytes, reason=reason
            )
    await eng.finish_run(claim.run_id, claim.claim_token, success=True)
    with pytest.raises(LeaseLostError):
        await eng.record_lost_output(claim.run_id, claim.claim_token, lost_bytes=5, reason="x")
    assert (await eng.get_run(claim.run_id)).lost_output_bytes == 123_457
    [finished] = await eng.runs_of(claim.ref)
    assert finished.lost_output_bytes == 123_457


async def test_runs_and_quick_runs_are_found_by_the_start_of_their_id(eng: SqlTaskEngine) -> None:
    """Like a short git hash: enough characters to name one id find it; fewer than 4, or a
    prefix that names several, are refused with the reason (and the candidates)."""
    await ready(eng, "a")
    await ready(eng, "b")
    a, b = await eng.claim_tasks("w1", limit=2)
    quick = await eng.create_quick_run(QuickRunCreate(prompt="echo hi"))
    ids = sorted([a.run_id, b.run_id, quick.id])
    shared = common_start(ids)
    assert len(shared) >= 4  # time-ordered ids made together share their start
    for full in ids:
        assert await eng.resolve_run_id(full) == full
        unique = next(
            full[:n] for n in range(4, 37) if sum(i.startswith(full[:n]) for i in ids) == 1
        )
        assert await eng.resolve_run_id(unique) == full
        assert await eng.resolve_run_id(unique.upper() + " ") == full
    with pytest.raises(ValidationError) as ambiguous:
        await eng.resolve_run_id(shared)
    assert ambiguous.value.details["candidates"] == ids
    assert all(i in ambiguous.value.message for i in ids)
    assert await eng.resolve_run_id(shared, kind="quick") == quick.id
    with pytest.raises(ValidationError) as runs_only:
        await eng.resolve_run_id(shared, kind="run")
    assert runs_only.value.details["candidates"] == sorted([a.run_id, b.run_id])
    with pytest.raises(NotFoundError):
        await eng.resolve_run_id(quick.id, kind="run")
    with pytest.raises(ValidationError, match="too short"):
        await eng.resolve_run_id(ids[0][:3])
    for missing in ("nope", "ffffffff", "", "0%", ids[0] + "0"):
        with pytest.raises(NotFoundError):
            await eng.resolve_run_id(missing)


async def test_a_zombies_log_and_step_writes_are_refused(open_engine: Opener) -> None:
    """After its lease expired and another worker took the task, the old token writes nothing."""
    clock = Clock()
    eng = await open_engine(clock=clock, lease_seconds=10)
    ref = await ready(eng, "t")
    [old] = await eng.claim_tasks("w1")
    await eng.start_step(old.run_id, old.claim_token, "plan", index=1, total=1)
    clock.advance(11)
    await eng.expire_leases()
    [new] = await eng.claim_tasks("w2")
    assert new.ref == ref
    for write in (
        eng.append_log(old.run_id, old.claim_token, "late"),
        eng.start_step(old.run_id, old.claim_token, "plan"),
        eng.finish_step(old.run_id, old.claim_token, "plan", success=True),
        eng.finish_run(old.run_id, old.claim_token, success=True),
        eng.block_run(old.run_id, old.claim_token, reason="x"),
        eng.record_lost_output(old.run_id, old.claim_token, lost_bytes=1, reason="x"),
    ):
        with pytest.raises(LeaseLostError):
            await write
    assert await eng.read_log(old.run_id) == []
    with pytest.raises(LeaseLostError):  # the new run's token does not open the old run
        await eng.append_log(old.run_id, new.claim_token, "x")


async def test_follow_log_yields_chunks_as_written_and_ends_with_the_run(
    eng: SqlTaskEngine,
) -> None:
    await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    await eng.append_log(claim.run_id, claim.claim_token, "first\n")
    seen: list[str] = []

    async def follow() -> None:
        async for chunk in eng.follow_log(claim.run_id, poll_interval=0.05):
            seen.append(chunk.text)

    follower = asyncio.create_task(follow())
    await asyncio.sleep(0.1)
    await eng.append_log(claim.run_id, claim.claim_token, "second\n")
    await eng.append_log(claim.run_id, claim.claim_token, "third\n")
    await eng.finish_run(claim.run_id, claim.claim_token, success=True)
    await asyncio.wait_for(follower, 5)
    assert seen == ["first\n", "second\n", "third\n"]
    with pytest.raises(NotFoundError):
        async for _ in eng.follow_log("nobody"):
            pass


# ------------------------------------------------------------------------------ block
async def test_block_run_blocks_without_spending_retries(eng: SqlTaskEngine) -> None:
    ref = await ready(eng, "t")
    [claim] = await eng.claim_tasks("w1")
    reason = "no command and no pipeline for task_type feature"
    run = await eng.block_run(claim.run_id, claim.claim_token, reason=reason)
    assert run.status == RunStatus.FAILED
    task = await eng.get_task(ref)
    assert task.status == S.BLOCKED
    assert isinstance(task.blocked_reason, FailureReason)
    assert (task.blocked_reason.message, task.blocked_reason.attempts) == (reason, 1)
    assert (await eng.retry(ref)).status == S.READY


# ------------------------------------------------------------------------------ Run Now
async def test_run_now_queues_a_run_that_a_worker_adopts(open_engine: Opener) -> None:
    clock = Clock()
    eng = await open_engine(clock=clock, lease_seconds=10)
    ref = (await eng.create_task(TaskCreate(title="backlog task"))).task.ref
    other = await ready(eng, "queued normally", priority="critical")
    run = await eng.run_now(ref)
    assert (run.status, run.worker_id) == (RunStatus.QUEUED, MANUAL_WORKER_ID)
    assert await eng.run_now(ref) == run  # twice: one run
    clock.advance(3600)  # a queued run never expires while it waits
    assert await eng.expire_leases() == []
    assert (await eng.get_run(run.id)).status == RunStatus.QUEUED
    [adopted] = await eng.adopt_forced_runs("w1", lease_seconds=30)
    assert (adopted.run_id, adopted.ref, adopted.worker_id) == (run.id, ref, "w1")
    assert adopted.claim_token != run.claim_token
    assert await eng.adopt_forced_runs("w2") == []  # taken
    stored = await eng.get_run(run.id)
    assert (stored.status, stored.worker_id) == (RunStatus.RUNNING, "w1")
    assert (await eng.get_task(ref)).current_agent_id == "w1"
    with pytest.raises(LeaseLostError):  # Run Now's own token was replaced
        await eng.append_log(run.id, run.claim_token, "x")
    await eng.finish_run(adopted.run_id, adopted.claim_token, success=True)
    assert (await eng.get_task(ref)).status == S.IN_REVIEW
    assert [c.ref for c in await eng.claim_tasks("w1")] == [other]
    types = [e.type for e in await all_events(eng)]
    assert "run.adopted" in types


async def test_adopting_a_named_run_and_concurrent_adopters(eng: SqlTaskEngine) -> None:
    refs = [await ready(eng, f"t{i}") for i in range(3)]
    runs = [await eng.run_now(r) for r in refs]
    [named] = await eng.adopt_forced_runs("w1", run_id=runs[2].id)
    assert named.run_id == runs[2].id
    results = await asyncio.gather(*(eng.adopt_forced_runs(f"w{i}", limit=2) for i in range(4)))
    adopted = [c.run_id for claims in results for c in claims]
    assert sorted(adopted) == sorted(r.id for r in runs[:2])
    with pytest.raises(ValidationError):
        await eng.adopt_forced_runs(MANUAL_WORKER_ID)


# ------------------------------------------------------------------------------ overview
async def test_execution_overview_explains_the_queue(open_engine: Opener) -> None:
    clock = Clock()
    eng = await open_engine(clock=clock, lease_seconds=30)
    await eng.create_project(ProjectCreate(name="Other", key="OT"))
    refs = []
    for title, fields in (
        ("a", {"priority": "high"}),
        ("b", {}),
        ("c", {}),
        ("d", {"project": "other"}),
    ):
        refs.append(await ready(eng, title, **fields))
        clock.advance(1)
    a, b, c, d = refs
    forced = (await eng.create_task(TaskCreate(title="forced"))).task.ref
    await eng.run_now(forced)
    overview = await eng.execution_overview()
    assert [e.card.ref for e in overview.queue] == [a, b, c, d]
    assert all(e.waiting and "no worker" in e.waiting for e in overview.queue)
    assert [q.ref for q in overview.queued_forced] == [forced]

    await eng.register_worker("w1", host="h", pid=1, slots=2)
    [claim] = await eng.claim_tasks("w1")  # a
    await eng.append_log(claim.run_id, claim.claim_token, "working\nhalf way\n\n")
    overview = await eng.execution_overview(max_per_project=3)  # TY: a + forced running
    assert [r.ref for r in overview.running] == [a]
    assert overview.running[0].last_line == "half way"
    assert overview.queue_total == 3
    assert [(e.position, e.card.ref, e.waiting) for e in overview.queue] == [
        (1, b, None),
        (2, c, "project TY at its limit (3 running)"),
        (3, d, "waiting for a free worker slot"),
    ]
    assert [w.id for w in overview.workers] == ["w1"]

    await eng.finish_run(claim.run_id, claim.claim_token, success=False, error="boom")
    clock.advance(1)
    overview = await eng.execution_overview()
    retried = next(e for e in overview.queue if e.card.ref == a)
    assert retried.waiting is None  # no backoff in this policy
    assert [r.ref for r in overview.recent] == [a]
    assert (overview.completed_last_hour, overview.failed_last_hour) == (0, 1)
    assert overview.throughput_per_min == pytest.approx(0.1)


async def test_execution_overview_shows_retry_backoff(open_engine: Opener) -> None:
    eng = await open_engine(retry_policy=RetryPolicy(max_attempts=3, backoff_seconds=600))
    ref = await ready(eng, "t")
    await eng.register_worker("w1", host="h", pid=1, slots=1)
    [claim] = await eng.claim_tasks("w1")
    await eng.finish_run(claim.run_id, claim.claim_token, success=False, exit_code=1)
    [entry] = (await eng.execution_overview()).queue
    assert entry.card.ref == ref
    assert entry.waiting is not None
    assert entry.waiting.startswith("retry backoff until ")


# ------------------------------------------------------------------------------ quick runs
async def test_quick_run_records_output_and_creates_no_task(eng: SqlTaskEngine) -> None:
    since = await last_seq(eng)
    quick = await eng.create_quick_run(QuickRunCreate(prompt="echo hi"))
    assert (quick.status, quick.profile, quick.actor) == (QuickRunStatus.RUNNING, "shell", "tester")
    assert await eng.append_quick_log(quick.id, "hi\n") == 1
    assert await eng.append_quick_log(quick.id, "warn\n", stream="stderr") == 2
    done = await eng.finish_quick_run(quick.id, success=True, exit_code=0, summary="hi")
    assert (done.status, done.exit_code, done.result_summary) == (QuickRunStatus.SUCCEEDED, 0, "hi")
    assert await eng.get_quick_run(quick.id) == done
    assert [c.text for c in await eng.read_log(quick.id)] == ["hi\n", "warn\n"]
    assert [c.text async for c in eng.follow_log(quick.id)] == ["hi\n", "warn\n"]
    with pytest.raises(InvalidTransitionError):
        await eng.append_quick_log(quick.id, "late")
    with pytest.raises(InvalidTransitionError):
        await eng.finish_quick_run(quick.id, success=False)
    events = await all_events(eng, since)
    assert [e.type for e in events] == ["quick_run.started", "quick_run.completed"]
    assert (await eng.board(BoardQuery())).total == 0
    cancelled = await eng.create_quick_run(QuickRunCreate(prompt="sleep 9", profile="claude"))
    cancelled = await eng.finish_quick_run(cancelled.id, success=None)
    assert cancelled.status == QuickRunStatus.CANCELLED
    assert [q.id for q in await eng.list_quick_runs()] == [cancelled.id, quick.id]
    assert [q.id for q in await eng.list_quick_runs(limit=1)] == [cancelled.id]
    with pytest.raises(NotFoundError):
        await eng.get_quick_run("nope")
    with pytest.raises(NotFoundError):
        await eng.append_quick_log("nope", "x")


async def test_promote_creates_exactly_one_task(eng: SqlTaskEngine) -> None:
    quick = await eng.create_quick_run(QuickRunCreate(prompt="make lint\n# then fix it"))
    with pytest.raises(InvalidTransitionError, match="still running"):
        await eng.promote_quick_run(quick.id)
    await eng.finish_quick_run(quick.id, success=False, exit_code=2, summary="E501 line too long")
    task = await eng.promote_quick_run(quick.id)
    assert task.title == "make lint"
    assert task.source == TaskSource.PROMOTED_QUICK_ACTION
    assert task.metadata["command"] == "make lint\n# then fix it"
    assert "E501 line too long" in task.description
    assert (await eng.get_quick_run(quick.id)).promoted_task_id == task.id
    with pytest.raises(DuplicateError, match=task.ref):
        await eng.promote_quick_run(quick.id)


async def test_concurrent_promotes_make_one_task(eng: SqlTaskEngine) -> None:
    await eng.create_project(ProjectCreate(name="Ops", key="OP"))
    quick = await eng.create_quick_run(
        QuickRunCreate(prompt="Summarise the logs", profile="claude")
    )
    await eng.finish_quick_run(quick.id, success=True, summary="ok")
    results = await asyncio.gather(
        *(eng.promote_quick_run(quick.id, project="ops") for _ in range(4)),
        return_exceptions=True,
    )
    tasks = [r for r in results if not isinstance(r, BaseException)]
    assert len(tasks) == 1
    assert all(isinstance(r, DuplicateError) for r in results if isinstance(r, BaseException))
    assert tasks[0].ref == "OP-1"
    assert "command" not in tasks[0].metadata  # not a shell quick run
    with pytest.raises(NotFoundError):
        await eng.promote_quick_run("nope")


def common_start(ids: list[str]) -> str:
    """The characters every id starts with."""
    first, last = min(ids), max(ids)
    n = 0
    while n < len(first) and first[n] == last[n]:
        n += 1
    return first[:n]
