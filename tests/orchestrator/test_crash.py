"""A worker process killed mid-step: its agent ends with it, its task comes back within the lease
plus one heartbeat (no failure backoff: a crash is not the task's fault), runs once more on
another worker without using a failed attempt, and the dead worker's token can write nothing
any more."""

from __future__ import annotations

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
from core.errors import LeaseLostError
from core.orchestrator.pool import WorkerPool
from tests.fixtures.waiting import wait_until

from .conftest import REPO, Opener, agent_command, make_config, pid_alive

S = TaskStatus
LEASE, BEAT = 4.0, 1.0
RETRY = {"max_attempts": 3, "backoff_seconds": 5}
"""The default backoff: a lost lease must not wait for it."""


def slow_config(pids: Path) -> str:
    command = ", ".join(
        f'"{part}"' for part in agent_command("--sleep", "30", "--pid-dir", str(pids))
    )
    return f"""
[orchestrator]
lease_seconds = {LEASE}
heartbeat_seconds = {BEAT}
poll_seconds = 0.1

[orchestrator.retry]
max_attempts = 3
backoff_seconds = 5

[pipelines]
chore = [{{ name = "work", profile = "fake" }}]

[profiles.fake]
command = [{command}]
"""


async def test_a_killed_worker_loses_its_task_to_another_worker(
    open_engine: Opener, db_url: str, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    config_file = tmp_path / "taskyard.toml"
    config_file.write_text(slow_config(pids))
    fast = make_config(
        {
            "orchestrator": {"lease_seconds": LEASE, "heartbeat_seconds": BEAT, "retry": RETRY},
            "pipelines": {"chore": [{"name": "work", "profile": "fake"}]},
            "profiles": {"fake": {"command": agent_command()}},
        }
    )
    engine = await open_engine(fast)
    ref = (
        await engine.create_task(TaskCreate(title="t", status=S.READY, task_type="chore"))
    ).task.ref
    env = {**os.environ, "TASKYARD_CONFIG": str(config_file)}
    worker = subprocess.Popen(  # noqa: ASYNC220 - starting a process does not wait for it
        [sys.executable, "-m", "core.cli", "worker", "--db", db_url, "--id", "doomed"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    agent_pids: list[int] = []
    try:
        await wait_until(lambda: any(pids.glob("agent-*")), timeout=30)
        agent_pids = [int(p.read_text()) for p in pids.glob("agent-*")]
        [old] = await engine.runs_of(ref)
        assert (old.worker_id, old.status) == ("doomed", RunStatus.RUNNING)
        assert all(pid_alive(p) for p in agent_pids)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        killed_at = time.monotonic()
        # Its agent (a process group of its own) goes with it: the worker's guard ends it.
        await wait_until(lambda: not any(pid_alive(p) for p in agent_pids), timeout=5)

        pool = WorkerPool(engine, fast, slots=1, worker_id="rescuer")
        await pool.start()
        try:
            await wait_until(lambda: _has_second_run(engine, ref), timeout=LEASE + 3 * BEAT + 2)
            back_after = time.monotonic() - killed_at
            await wait_until(lambda: _status_is(engine, ref, S.IN_REVIEW), timeout=20)
        finally:
            await pool.stop()
    finally:
        if worker.poll() is None:
            worker.kill()
        for pid in agent_pids:  # should the guard have failed: no process left behind
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert back_after <= LEASE + BEAT + 1, back_after
    task = await engine.get_task(ref)
    assert (task.interruptions, task.retry_count) == (1, 1)  # no failed attempt used
    first, second = await engine.runs_of(ref)
    assert (first.status, first.worker_id) == (RunStatus.EXPIRED, "doomed")
    assert (second.status, second.worker_id, second.attempt) == (RunStatus.SUCCEEDED, "rescuer", 2)
    types = [e.type for e in await engine.events(task=ref, limit=1000)]
    assert types.count("task.lease_expired") == 1
    assert types.count("task.claimed") == 2
    # The dead worker's late writes, with its token, are refused and write nothing.
    for write in (
        engine.finish_run(first.id, first.claim_token, success=True),
        engine.append_log(first.id, first.claim_token, "late output"),
        engine.start_step(first.id, first.claim_token, "work"),
    ):
        with pytest.raises(LeaseLostError):
            await write
    assert all("late output" not in c.text for c in await engine.read_log(first.id))
    assert (await engine.get_task(ref)).status == S.IN_REVIEW


async def _has_second_run(engine: object, ref: str) -> bool:
    from core.store.engine import SqlTaskEngine

    assert isinstance(engine, SqlTaskEngine)
    return len(await engine.runs_of(ref)) >= 2


async def _status_is(engine: object, ref: str, status: TaskStatus) -> bool:
    from core.store.engine import SqlTaskEngine

    assert isinstance(engine, SqlTaskEngine)
    return (await engine.get_task(ref)).status == status
