"""Real worker processes stopped or frozen: a step never outlives its worker's lease, and a
worker stopped on purpose gives its task back without using a failed attempt."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.domain.commands import TaskCreate
from core.domain.models import TaskStatus
from core.domain.runs import RunStatus
from core.orchestrator.guard import GroupGuard
from core.orchestrator.pool import WorkerPool
from core.orchestrator.prompt import build_prompt
from core.store.engine import SqlTaskEngine
from tests.fixtures.waiting import wait_until

from .conftest import REPO, Opener, make_config

S = TaskStatus
LEASE, BEAT = 4.0, 1.0


def worker_process(db_url: str, worker_id: str, config_file: Path) -> subprocess.Popen[bytes]:
    """``taskyard worker`` in a process of its own, configured by ``config_file``."""
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "worker", "--db", db_url, "--id", worker_id],
        cwd=REPO,
        env={**os.environ, "TASKYARD_CONFIG": str(config_file)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def end(worker: subprocess.Popen[bytes]) -> None:
    """Make sure the worker is gone (it may be stopped: SIGKILL works either way)."""
    if worker.poll() is None:
        worker.kill()
        worker.wait(10)


def guarded(pid: int) -> bool:
    """Whether process ``pid`` has started its guard (it does so as it watches a step)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        try:
            if b"guard.py" in Path(f"/proc/{child}/cmdline").read_bytes():
                return True
        except FileNotFoundError:
            continue
    return False


def ticks(path: Path) -> dict[int, list[float]]:
    """The times each attempt's step wrote a tick, by attempt."""
    out: dict[int, list[float]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            at, attempt = line.split()
            out.setdefault(int(attempt), []).append(float(at))
    return out


def test_the_guard_ends_a_group_whose_deadline_passes_even_a_stopped_one() -> None:
    """A step group told a deadline and not told again is ended when the deadline passes,
    even one that is itself stopped (it gets SIGCONT with its SIGTERM); a group with no
    deadline (a quick run, no lease) is left alone while the worker lives."""
    fenced = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    free = subprocess.Popen(["sleep", "60"], start_new_session=True)
    guard = GroupGuard()
    try:
        os.killpg(fenced.pid, signal.SIGSTOP)
        guard.watch(fenced.pid)
        guard.watch(free.pid)
        started = time.monotonic()
        guard.fence({fenced.pid: 0.5}, 0.5)
        assert fenced.wait(10) == -signal.SIGTERM
        assert 0.4 < time.monotonic() - started < 5
        assert free.poll() is None
    finally:
        for proc in (fenced, free):
            guard.unwatch(proc.pid)
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)


@pytest.mark.slow_on_postgres("16 s: a frozen process's guard, the same on either database")
async def test_a_frozen_workers_step_stops_before_its_task_runs_elsewhere(
    open_engine: Opener, db_url: str, tmp_path: Path
) -> None:
    """A worker frozen mid-step (SIGSTOP, as Ctrl-Z does) keeps its pipe to the guard open,
    but its step is stopped before the lease ends: when another worker takes the task, the
    two attempts never run at the same time. Woken up, the frozen worker writes nothing."""
    tick_file = tmp_path / "ticks.log"
    config_file = tmp_path / "taskyard.toml"
    config_file.write_text(
        f"[orchestrator]\nlease_seconds = {LEASE}\nheartbeat_seconds = {BEAT}\npoll_seconds = 0.1\n"
    )
    script = (
        'n=10; [ "$TASKYARD_ATTEMPT" = 1 ] && n=300\n'
        "i=0\n"
        'while [ "$i" -lt "$n" ]; do\n'
        f'  echo "$(date +%s.%N) $TASKYARD_ATTEMPT" >> {tick_file}\n'
        "  i=$((i + 1)); sleep 0.2\n"
        "done\n"
    )
    config = make_config({"orchestrator": {"lease_seconds": LEASE, "heartbeat_seconds": BEAT}})
    engine = await open_engine(config)
    ref = (
        await engine.create_task(
            TaskCreate(title="Ticker", status=S.READY, metadata={"command": script})
        )
    ).task.ref
    frozen = worker_process(db_url, "frozen", config_file)
    try:
        await wait_until(lambda: len(ticks(tick_file).get(1, [])) >= 1, timeout=30)
        # The step runs and the worker has told its guard (started with the first step).
        await wait_until(lambda: guarded(frozen.pid), timeout=10)
        await asyncio.sleep(0.2)
        frozen.send_signal(signal.SIGSTOP)
        pool = WorkerPool(engine, config, slots=1, worker_id="rescuer")
        await pool.start()
        try:
            await wait_until(lambda: _status_is(engine, ref, S.IN_REVIEW), timeout=60)
        finally:
            await pool.stop()
        frozen.send_signal(signal.SIGCONT)
        await asyncio.sleep(3 * BEAT)  # it wakes, finds its lease gone, and must write nothing
        frozen.send_signal(signal.SIGTERM)
        frozen.wait(20)
    finally:
        end(frozen)
    by_attempt = ticks(tick_file)
    assert len(by_attempt[2]) == 10  # attempt 2 ran to its end
    overlap = max(by_attempt[1]) - min(by_attempt[2])
    assert overlap < 0, f"attempt 1 still ticked {overlap:.2f} s into attempt 2"
    first, second = await engine.runs_of(ref)
    assert (first.status, first.worker_id) == (RunStatus.EXPIRED, "frozen")
    assert (second.status, second.worker_id) == (RunStatus.SUCCEEDED, "rescuer")
    assert (await engine.get_task(ref)).status == S.IN_REVIEW
    ended = [
        e.type
        for e in await engine.events(task=ref, limit=1000)
        if e.payload.get("run_id") == first.id and e.type.startswith("run.")
    ]
    assert ended == []  # only the sweep ended the frozen worker's run


@pytest.mark.slow_on_postgres(
    "a stop signal and the run it interrupts, the same on either database"
)
async def test_stopping_a_worker_again_and_again_does_not_block_its_task(
    open_engine: Opener, db_url: str, tmp_path: Path
) -> None:
    """SIGTERM (Ctrl-C) a worker in the middle of a long step three times: the task is back
    in ready each time, its failed attempts unused (two allowed, one spent on a real failure),
    and the next prompt still quotes that failure."""
    config_file = tmp_path / "taskyard.toml"
    config_file.write_text(
        f"[orchestrator]\nlease_seconds = {LEASE}\nheartbeat_seconds = {BEAT}\n"
        "poll_seconds = 0.1\nstop_grace_seconds = 0.5\nkill_grace_seconds = 1\n\n"
        "[orchestrator.retry]\nmax_attempts = 2\nbackoff_seconds = 0\n"
    )
    marks = tmp_path / "marks"
    marks.mkdir()
    script = (
        'if [ "$TASKYARD_ATTEMPT" = 1 ]; then echo "boom on attempt 1"; exit 3; fi\n'
        f'touch {marks}/started-"$TASKYARD_ATTEMPT"\n'
        "sleep 60\n"
    )
    engine = await open_engine()
    ref = (
        await engine.create_task(
            TaskCreate(title="Long", status=S.READY, metadata={"command": script})
        )
    ).task.ref

    async def never_started(attempt: int) -> str:
        return f"attempt {attempt} never started: {(await engine.get_task(ref)).status}"

    for attempt in (2, 3, 4):
        worker = worker_process(db_url, f"w{attempt}", config_file)
        try:
            started = marks / f"started-{attempt}"
            await wait_until(
                started.exists, timeout=40, message=functools.partial(never_started, attempt)
            )
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0
        finally:
            end(worker)
        task = await engine.get_task(ref)
        assert (task.status, task.interruptions) == (S.READY, attempt - 1)
    assert task.blocked_reason is None
    assert task.error is not None
    assert "exit code 3" in task.error
    runs = await engine.runs_of(ref)
    assert [r.status for r in runs] == [RunStatus.FAILED] + [RunStatus.INTERRUPTED] * 3
    assert all(r.error == "the worker stopped during step shell" for r in runs[1:])
    assert task.retry_count - task.interruptions == 1  # failed attempts spent: the real one
    prompt = build_prompt(task, "shell", index=1, total=1, previous=[])
    assert f"This is attempt 5; the last one failed: {task.error}" in prompt


async def _status_is(engine: SqlTaskEngine, ref: str, status: TaskStatus) -> bool:
    return (await engine.get_task(ref)).status == status
