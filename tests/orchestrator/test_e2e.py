"""End to end with real processes on SQLite and PostgreSQL: pipelines, task graphs, quick actions,
cancel (the whole process group), retry backoff, a lost lease."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from core.domain.commands import BoardQuery, ProjectCreate, TaskCreate
from core.domain.models import FailureReason, TaskStatus
from core.domain.runs import QuickRunStatus, RunStatus, WorkerStatus
from core.errors import DuplicateError, ValidationError
from core.orchestrator.config import FEATURE_STEPS
from core.orchestrator.pool import PoolEvent, WorkerPool
from core.orchestrator.quick import run_quick_action
from core.store.engine import SqlTaskEngine
from tests.fixtures.waiting import wait_until

from .conftest import Opener, agent_command, make_config, pid_alive, records

S = TaskStatus


def feature_config(record: Path, **orch: object) -> dict[str, object]:
    """The default 6-step feature pipeline, every step run by the fake agent."""
    return {
        "orchestrator": {"agent": "fake", **orch},
        "pipelines": {"feature": "default"},
        "profiles": {
            "fake": {"command": agent_command("--record", str(record)), "prompt": "stdin"}
        },
    }


async def _runs_at_least(engine: SqlTaskEngine, ref: str, n: int) -> bool:
    return len(await engine.runs_of(ref)) >= n


async def _status_is(engine: SqlTaskEngine, ref: str, status: TaskStatus) -> bool:
    return (await engine.get_task(ref)).status == status


async def drain(pool: WorkerPool) -> None:
    await pool.start(once=True)
    await asyncio.wait_for(pool.wait(), 60)
    await pool.stop()


async def test_a_six_step_pipeline_runs_every_step_then_waits_for_review(
    open_engine: Opener, tmp_path: Path
) -> None:
    record = tmp_path / "calls.jsonl"
    config = make_config(feature_config(record))
    engine = await open_engine(config)
    task = (
        await engine.create_task(
            TaskCreate(
                title="Add a login page",
                status=S.READY,
                acceptance_criteria=["a form"],
                context_files=["web/login.py"],
            )
        )
    ).task
    events: list[PoolEvent] = []
    await drain(WorkerPool(engine, config, slots=1, listener=events.append))

    done = await engine.get_task(task.ref)
    assert done.status == S.IN_REVIEW
    [run] = await engine.runs_of(task.ref)
    assert (run.status, run.step_index, run.step_count) == (RunStatus.SUCCEEDED, 6, 6)
    steps = await engine.run_steps(run.id)
    assert [(s.index, s.name, s.profile, s.status) for s in steps] == [
        (i, name, "fake", RunStatus.SUCCEEDED) for i, name in enumerate(FEATURE_STEPS, 1)
    ]
    assert all(s.summary and "done with exit 0" in s.summary for s in steps)
    calls = records(record)
    assert [c["step"] for c in calls] == list(FEATURE_STEPS)
    assert {c["ref"] for c in calls} == {task.ref}
    assert calls[0]["prompt_first_line"] == f"You are working on task {task.ref}: Add a login page"
    types = [e.type for e in await engine.events(task=task.ref, limit=1000)]
    started = [t for t in types if t == "task.step_started"]
    completed = [t for t in types if t == "task.step_completed"]
    assert (len(started), len(completed)) == (6, 6)
    assert types.index("task.claimed") < types.index("task.step_started")
    assert types[-1] == "task.status_changed"  # in_progress -> in_review
    log = "".join(c.text for c in await engine.read_log(run.id, limit=10_000))
    for name in FEATURE_STEPS:
        assert f"{name} 1\n" in log
    assert "a warning on stderr" in log
    assert [e.kind for e in events][:2] == ["claimed", "step"]
    assert events[-1].kind == "succeeded"

    approved = await engine.transition_task(task.ref, S.DONE)
    assert approved.status == S.DONE


async def test_with_auto_approve_a_success_goes_straight_to_done(
    open_engine: Opener, tmp_path: Path
) -> None:
    config = make_config(feature_config(tmp_path / "calls.jsonl", auto_approve=True))
    engine = await open_engine(config)
    ref = (await engine.create_task(TaskCreate(title="t", status=S.READY))).task.ref
    await drain(WorkerPool(engine, config, slots=1))
    task = await engine.get_task(ref)
    assert task.status == S.DONE
    assert any(e.type == "task.completed" for e in await engine.events(task=ref))


async def test_a_pool_kept_to_a_project_drains_that_project_and_stops(
    open_engine: Opener, tmp_path: Path
) -> None:
    """``worker --once --project X`` ends when X is done, whatever waits in other projects."""
    config = make_config(feature_config(tmp_path / "calls.jsonl", auto_approve=True))
    engine = await open_engine(config)
    mine = await engine.create_project(ProjectCreate(name="Mine", key="MIN"))
    theirs = await engine.create_project(ProjectCreate(name="Theirs", key="THR"))
    ref = (await engine.create_task(TaskCreate(title="t", status=S.READY, project=mine.slug))).task
    other = await engine.create_task(TaskCreate(title="o", status=S.READY, project=theirs.slug))
    await drain(WorkerPool(engine, config, slots=1, project=mine.slug))
    assert (await engine.get_task(ref.ref)).status == S.DONE
    assert (await engine.get_task(other.task.ref)).status == S.READY


async def test_a_failing_step_stops_the_pipeline_and_blocks_after_the_attempts(
    open_engine: Opener, tmp_path: Path
) -> None:
    record = tmp_path / "calls.jsonl"
    data = feature_config(record)
    data["profiles"]["fake"]["command"] = agent_command(  # type: ignore[index]
        "--record", str(record), "--fail-step", "verify"
    )
    config = make_config(data)
    engine = await open_engine(config)
    ref = (await engine.create_task(TaskCreate(title="t", status=S.READY))).task.ref
    await drain(WorkerPool(engine, config, slots=1))
    task = await engine.get_task(ref)
    assert task.status == S.BLOCKED
    assert isinstance(task.blocked_reason, FailureReason)
    assert task.blocked_reason.attempts == 2
    assert task.blocked_reason.step == "verify"
    assert task.blocked_reason.message == "step verify failed: exit code 3"
    runs = await engine.runs_of(ref)
    assert [r.status for r in runs] == [RunStatus.FAILED, RunStatus.FAILED]
    steps = await engine.run_steps(runs[0].id)
    assert [s.name for s in steps] == ["plan", "plan_impl", "implement", "verify"]
    assert steps[-1].status == RunStatus.FAILED
    assert [c["step"] for c in records(record)].count("review") == 0


async def test_a_command_printing_nul_bytes_keeps_its_output_and_its_failure(
    open_engine: Opener,
) -> None:
    """``printf 'a\\0b'`` then exit 4: the log keeps the output (the NUL shown as U+FFFD)
    and the task is blocked with the exit code and those lines, on every database."""
    config = make_config({})
    engine = await open_engine(config)
    command = "printf 'found\\0nul\\n'; exit 4"
    ref = (
        await engine.create_task(
            TaskCreate(title="t", status=S.READY, metadata={"command": command})
        )
    ).task.ref
    await drain(WorkerPool(engine, config, slots=1))
    task = await engine.get_task(ref)
    assert task.status == S.BLOCKED
    assert isinstance(task.blocked_reason, FailureReason)
    assert task.blocked_reason.exit_code == 4
    assert task.blocked_reason.message == "step shell failed: exit code 4"
    assert task.blocked_reason.output_tail == "found\ufffdnul"
    assert task.blocked_reason.headline() == (
        "execution failed after 2 attempts: step shell failed: exit code 4"
    )  # the step and the exit code once
    [run, *_] = await engine.runs_of(ref)
    log = "".join(c.text for c in await engine.read_log(run.id))
    assert "found\ufffdnul\n" in log

    quick = await run_quick_action(engine, config, "printf 'x\\0y'")
    assert quick.status == QuickRunStatus.SUCCEEDED
    assert "".join(c.text for c in await engine.read_log(quick.id)) == "x\ufffdy"
    with pytest.raises(ValidationError) as caught:
        await run_quick_action(engine, config, "")
    assert caught.value.field == "prompt"


async def test_the_opencode_profile_sends_a_long_prompt_on_stdin(
    open_engine: Opener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The built-in opencode profile, run against a stand-in ``opencode`` on PATH: the prompt
    (here over Linux's 128 KiB limit for one argument) arrives on stdin, and the command line
    carries only ``run`` and the short message."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "seen"
    fake = bin_dir / "opencode"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {seen}.args\ncat > {seen}.stdin\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    config = make_config({"pipelines": {"feature": [{"name": "implement", "profile": "opencode"}]}})
    engine = await open_engine(config)
    long = "x" * 200_000
    ref = (
        await engine.create_task(TaskCreate(title="Big", status=S.READY, description=long))
    ).task.ref
    await drain(WorkerPool(engine, config, slots=1))
    assert (await engine.get_task(ref)).status == S.IN_REVIEW
    assert (tmp_path / "seen.args").read_text().splitlines() == [
        "run",
        "Carry out the task described above.",
    ]
    prompt = (tmp_path / "seen.stdin").read_text()
    assert long in prompt
    assert "Big" in prompt


async def test_a_task_without_command_or_pipeline_is_blocked_with_the_reason(
    open_engine: Opener,
) -> None:
    """A task with a code block in its description (documentation, never a command) is not
    claimed at all; one sent with Run now runs once and is blocked with the reason, not
    retried."""
    config = make_config({})
    engine = await open_engine(config)
    snippet = "Try:\n```sh\nprint(1)\n```\n"
    fenced = await engine.create_task(
        TaskCreate(title="t", status=S.READY, task_type="bug", description=snippet)
    )
    forced = await engine.create_task(TaskCreate(title="u", status=S.READY, task_type="bug"))
    await engine.run_now(forced.task.ref)
    await drain(WorkerPool(engine, config, slots=1))
    assert (await engine.get_task(fenced.task.ref)).status == S.READY
    assert await engine.runs_of(fenced.task.ref) == []
    task = await engine.get_task(forced.task.ref)
    assert task.status == S.BLOCKED
    assert isinstance(task.blocked_reason, FailureReason)
    assert task.blocked_reason.message.startswith(
        "no command and no pipeline for task_type bug: give the task a command"
    )
    assert len(await engine.runs_of(forced.task.ref)) == 1  # no retry: it would fail the same way


async def test_a_task_graph_runs_in_dependency_order_on_several_workers(
    open_engine: Opener, tmp_path: Path
) -> None:
    record = tmp_path / "calls.jsonl"
    config = make_config(
        {
            "orchestrator": {"auto_approve": True},
            "pipelines": {
                "chore": [{"name": "work", "profile": "fake"}],
            },
            "profiles": {
                "fake": {"command": agent_command("--record", str(record), "--sleep", "0.2")}
            },
        }
    )
    engine = await open_engine(config)

    async def add(title: str, *blockers: str) -> str:
        request = TaskCreate(
            title=title,
            task_type="chore",
            status=S.READY,
            when_unblocked=True,
            blocked_by=list(blockers),
        )
        return (await engine.create_task(request)).task.ref

    a = await add("a")
    b = await add("b")
    c = await add("c", a)
    d = await add("d", a, b)
    e = await add("e", c, d)
    f = await add("f")
    edges = [(a, c), (a, d), (b, d), (c, e), (d, e)]
    pools = [WorkerPool(await open_engine(config), config, slots=2) for _ in range(3)]
    for pool in pools:
        await pool.start()
    try:
        await wait_until(lambda: _status_is(engine, e, S.DONE), timeout=60)
    finally:
        for pool in pools:
            await pool.stop()
    spans = {r["ref"]: (r["start"], r["end"]) for r in records(record)}
    assert sorted(spans) == sorted([a, b, c, d, e, f])
    for blocker, dependent in edges:
        assert spans[blocker][1] <= spans[dependent][0], (blocker, dependent)
    runs = {ref: await engine.runs_of(ref) for ref in spans}
    assert all(len(r) == 1 and r[0].status == RunStatus.SUCCEEDED for r in runs.values())
    for blocker, dependent in edges:
        finished = runs[blocker][0].finished_at
        assert finished is not None
        assert finished <= runs[dependent][0].started_at
    assert len({r[0].worker_id for r in runs.values()}) >= 2  # the work was shared


async def test_quick_action_creates_no_task_until_promoted_once(
    open_engine: Opener, tmp_path: Path
) -> None:
    config = make_config({})
    engine = await open_engine(config)
    seen: list[str] = []
    quick = await run_quick_action(
        engine, config, "echo from quick; echo oops >&2", on_output=lambda s, t: seen.append(t)
    )
    assert quick.status == QuickRunStatus.SUCCEEDED
    assert "from quick\n" in "".join(seen)
    assert [c.text for c in await engine.read_log(quick.id)] == ["from quick\n", "oops\n"]

    assert (await engine.board(BoardQuery())).total == 0
    task = await engine.promote_quick_run(quick.id)
    assert (await engine.board(BoardQuery())).total == 1
    assert task.metadata["command"] == "echo from quick; echo oops >&2"
    with pytest.raises(DuplicateError):
        await engine.promote_quick_run(quick.id)
    assert (await engine.board(BoardQuery())).total == 1


async def test_cancel_kills_the_step_and_its_children(open_engine: Opener, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    config = make_config(
        {
            "pipelines": {"chore": [{"name": "work", "profile": "fake"}]},
            "profiles": {
                "fake": {
                    "command": agent_command(
                        "--child", "--pid-dir", str(pids), "--sleep", "60", "--ignore-term"
                    )
                }
            },
        }
    )
    engine = await open_engine(config)
    ref = (
        await engine.create_task(TaskCreate(title="t", status=S.READY, task_type="chore"))
    ).task.ref
    pool = WorkerPool(engine, config, slots=1)
    await pool.start()
    try:
        await wait_until(lambda: len(list(pids.glob("*"))) == 2, timeout=20)
        started = [int(p.read_text()) for p in pids.glob("*")]
        assert all(pid_alive(p) for p in started)
        await engine.cancel(ref, "not needed")
        # A heartbeat notices, then SIGTERM (which the agent ignores), the grace, SIGKILL.
        await wait_until(lambda: not any(pid_alive(p) for p in started), timeout=10)
        await wait_until(lambda: pool.running == [], timeout=10)
    finally:
        await pool.stop()
    [run] = await engine.runs_of(ref)
    assert run.status == RunStatus.CANCELLED
    assert (await engine.get_task(ref)).status == S.CANCELLED


async def test_cancel_kills_a_running_step_at_once_without_a_heartbeat(
    open_engine: Opener, tmp_path: Path
) -> None:
    """The event follower, not the next heartbeat (30 s away here), kills the step."""
    pid_file = tmp_path / "pid"
    config = make_config(
        {
            "orchestrator": {"heartbeat_seconds": 30, "lease_seconds": 90},
            "pipelines": {"chore": [{"name": "work", "profile": "sleepy"}]},
            "profiles": {
                "sleepy": {"command": ["sh", "-c", f"echo $$ > {pid_file}; exec sleep 30"]}
            },
        }
    )
    engine = await open_engine(config)
    ref = (
        await engine.create_task(TaskCreate(title="t", status=S.READY, task_type="chore"))
    ).task.ref
    pool = WorkerPool(engine, config, slots=1)
    await pool.start()
    try:
        await wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), timeout=20)
        pid = int(pid_file.read_text())
        assert pid_alive(pid)
        await engine.cancel(ref, "not needed")
        cancelled = asyncio.get_running_loop().time()
        await wait_until(lambda: not pid_alive(pid), timeout=5)
        assert asyncio.get_running_loop().time() - cancelled < 1.5
        await wait_until(lambda: pool.running == [], timeout=5)
    finally:
        await pool.stop()
    [run] = await engine.runs_of(ref)
    assert run.status == RunStatus.CANCELLED


async def test_a_stopped_pool_says_goodbye(open_engine: Opener) -> None:
    """The monitor shows the worker stopped, not lost two lease periods later."""
    config = make_config({})
    engine = await open_engine(config)
    pool = WorkerPool(engine, config, slots=1, worker_id="goodbye")
    await pool.start()
    [worker] = [w for w in await engine.list_workers() if w.id == "goodbye"]
    assert worker.status == WorkerStatus.ACTIVE
    await pool.stop()
    [worker] = [w for w in await engine.list_workers() if w.id == "goodbye"]
    assert worker.status == WorkerStatus.STOPPED


async def test_retry_waits_out_the_backoff(open_engine: Opener) -> None:
    config = make_config(
        {
            "orchestrator": {"retry": {"max_attempts": 3, "backoff_seconds": 1.5}},
            "pipelines": {"chore": [{"name": "work", "profile": "shell", "command": "exit 1"}]},
        }
    )
    engine = await open_engine(config)
    ref = (
        await engine.create_task(TaskCreate(title="t", status=S.READY, task_type="chore"))
    ).task.ref
    pool = WorkerPool(engine, config, slots=1)
    await pool.start()
    try:
        await wait_until(lambda: _runs_at_least(engine, ref, 2), timeout=20)
    finally:
        await pool.stop()
    first, second = (await engine.runs_of(ref))[:2]
    assert first.finished_at is not None
    assert (second.started_at - first.finished_at).total_seconds() >= 1.5
    [entry] = [e for e in await engine.events(task=ref) if e.type == "task.retry_scheduled"][:1]
    assert entry.payload["not_before"] is not None


async def test_run_now_is_adopted_ahead_of_the_queue(open_engine: Opener) -> None:
    config = make_config({})
    engine = await open_engine(config)
    queued = (
        await engine.create_task(
            TaskCreate(title="q", status=S.READY, priority="critical", metadata={"command": "true"})
        )
    ).task.ref
    forced = (
        await engine.create_task(TaskCreate(title="f", metadata={"command": "true"}))
    ).task.ref
    first = await engine.run_now(forced)
    assert await engine.run_now(forced) == first
    pool = WorkerPool(engine, config, slots=1)
    events: list[PoolEvent] = []
    pool._listener = events.append
    await drain(pool)
    claimed = [e.ref for e in events if e.kind == "claimed"]
    assert claimed == [forced, queued]
    assert [r.id for r in await engine.runs_of(forced)] == [first.id]


async def test_workers_leave_ready_tasks_with_nothing_to_run_alone(open_engine: Opener) -> None:
    """Opening the TUI on a planning board (embedded workers on by default) must not fail
    every ready task that has no command: workers claim only what they can run, and a
    ``--once`` worker still stops once that is done."""
    config = make_config({})
    engine = await open_engine(config)
    plan = (await engine.create_task(TaskCreate(title="Plan the launch", status=S.READY))).task
    echo = (
        await engine.create_task(
            TaskCreate(title="Say hi", status=S.READY, metadata={"command": "echo hi"})
        )
    ).task
    await drain(WorkerPool(engine, config, slots=2))

    assert (await engine.get_task(echo.ref)).status == S.IN_REVIEW
    untouched = await engine.get_task(plan.ref)
    assert (untouched.status, untouched.retry_count) == (S.READY, 0)
    assert await engine.runs_of(plan.ref) == []
