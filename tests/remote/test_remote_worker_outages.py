"""Remote workers across outages: a server killed and restarted, and a network partition.

Real processes throughout: ``taskyard serve`` and ``taskyard worker --server URL`` subprocesses
on a SQLite file. Each step appends a line to a marks file when it starts, so a step that
ran twice shows there even if the database forgot it.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.errors import LeaseLostError
from core.remote.engine import HttpTaskEngine
from tests.fixtures.databases import copy_migrated_sqlite
from tests.fixtures.remote import issue_tester_token
from tests.fixtures.remote_workers import (
    RemoteWorker,
    rows,
    seed_ready_tasks,
)
from tests.fixtures.servers import ServerProcess
from tests.fixtures.tcp_proxy import PausableProxy
from tests.fixtures.waiting import wait_until


def step_config(marks: Path, command: str, *, lease: float, heartbeat: float) -> str:
    """A worker's taskyard.toml: one shell step that marks its start, then runs ``command``."""
    script = f'echo "$TASKYARD_TASK_REF $TASKYARD_WORKER_ID $(date +%s.%N)" >> {marks}; {command}'
    return (
        f"[orchestrator]\nlease_seconds = {lease}\nheartbeat_seconds = {heartbeat}\n"
        "poll_seconds = 0.2\nstop_grace_seconds = 5\n[orchestrator.retry]\nmax_attempts = 1\n"
        "[pipelines]\n"
        f"feature = [{{ name = \"work\", profile = \"shell\", command = '''{script}''' }}]\n"
    )


def marks_of(marks: Path) -> list[list[str]]:
    """The marks file's lines, split: ``[ref, worker, started_at]`` per step started."""
    if not marks.exists():
        return []
    return [line.split() for line in marks.read_text().splitlines() if line.strip()]


async def served_file(tmp_path: Path, sqlite_template: Path) -> tuple[str, str]:
    """A fresh SQLite file for a server, and an admin token on it."""
    copy_migrated_sqlite(sqlite_template, tmp_path / "served.db")
    db_url = f"sqlite:///{tmp_path / 'served.db'}"
    return db_url, await issue_tester_token(db_url)


TASKS = 24


@pytest.mark.slow  # two server starts and a worker riding out the gap: ~40 s
async def test_a_remote_worker_rides_out_a_killed_and_restarted_server(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """SIGKILL the server mid-queue, restart it on its port: the worker carries on alone.

    No task runs twice (one mark, one run, one claim event each) and none is lost.
    """
    db_url, token = await served_file(tmp_path, sqlite_template)
    await seed_ready_tasks(db_url, TASKS)
    marks = tmp_path / "marks"
    server = await asyncio.to_thread(ServerProcess, db_url, tmp_path)
    port = urlsplit(server.url).port
    config = step_config(marks, "sleep 0.3", lease=30, heartbeat=1)
    worker = RemoteWorker(server.url, token, tmp_path, "w-outage", config, "--slots", "4")
    restarted: ServerProcess | None = None
    try:
        await wait_until(lambda: len(marks_of(marks)) >= 6, timeout=60)
        server.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(server.process.wait)
        await asyncio.sleep(2)  # steps finish meanwhile; their finishes wait for the server
        restarted = await asyncio.to_thread(ServerProcess, db_url, tmp_path, "--port", str(port))
        assert restarted.url == server.url

        async def all_done() -> bool:
            left = await rows(db_url, "SELECT count(*) FROM tasks WHERE status <> 'in_review'")
            return left == [(0,)]

        await wait_until(all_done, timeout=120, message=worker.text)
    finally:
        worker.stop()
        if restarted is not None:
            restarted.stop()
    refs = [mark[0] for mark in marks_of(marks)]
    assert len(refs) == len(set(refs)) == TASKS, sorted(refs)
    await assert_each_step_ran_once(db_url, TASKS)


async def assert_each_step_ran_once(db_url: str, tasks: int) -> None:
    """Each task has one succeeded run; any other run of it ended before its step started.

    A claim the server committed just before it was killed never reached the worker (its
    answer died with the server; a retry with the same key is refused, the change being
    made): that run holds the task until its lease expires, then the task is claimed again.
    A claim that reached the worker while the server went away is retried until its lease
    runs out and then ends interrupted (never failed: the server's outage is not the task's
    fault, and uses no attempt). Either way its step never started: the task ran once.
    """
    assert await rows(db_url, "SELECT status, count(*) FROM tasks GROUP BY status") == [
        ("in_review", tasks)
    ]
    succeeded = await rows(
        db_url, "SELECT count(*), count(DISTINCT task_id) FROM runs WHERE status = 'succeeded'"
    )
    assert succeeded == [(tasks, tasks)]
    others = await rows(db_url, "SELECT status, step FROM runs WHERE status <> 'succeeded'")
    assert all(run in (("expired", None), ("interrupted", None)) for run in others), others
    for kind in ("task.step_started", "run.succeeded"):
        counted = await rows(
            db_url, f"SELECT count(*), count(DISTINCT task_id) FROM events WHERE type = '{kind}'"
        )
        assert counted == [(tasks, tasks)], kind
    print(f"\n{len(others)} claim(s) lost with the server's answer, expired unstarted")


@pytest.mark.slow  # a partition held past a lease, two workers: ~40 s
async def test_a_partitioned_worker_stops_its_step_before_its_lease_can_move(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """A worker cut off mid-step stops it in time; the task runs again elsewhere, once.

    Worker A reaches the server through a proxy that is paused while A's step runs. A's
    fence stops the step before the lease ends (and so before anyone can take the task over);
    worker B, connected directly, sweeps the expired lease and runs the task. When the
    partition heals, A's late writes change nothing, and A's claim token is refused.
    """
    lease, heartbeat = 6.0, 1.0
    db_url, token = await served_file(tmp_path, sqlite_template)
    await seed_ready_tasks(db_url, 1)
    marks = tmp_path / "marks"
    stopped = tmp_path / "stopped"
    step = f"trap 'date +%s.%N >> {stopped}; exit 143' TERM; sleep 60 & wait"
    config = step_config(marks, step, lease=lease, heartbeat=heartbeat)
    server = await asyncio.to_thread(ServerProcess, db_url, tmp_path)
    proxy = PausableProxy(urlsplit(server.url).port or 0)
    proxied = f"http://127.0.0.1:{proxy.start()}"
    a = RemoteWorker(proxied, token, tmp_path, "w-cut", config, "--slots", "1")
    b: RemoteWorker | None = None
    try:
        await wait_until(lambda: len(marks_of(marks)) == 1, timeout=60, message=a.text)
        proxy.pause()
        paused_at = time.time()
        quick = step_config(marks, "true", lease=lease, heartbeat=heartbeat)
        b = RemoteWorker(server.url, token, tmp_path, "w-direct", quick, "--slots", "1")
        await wait_until(lambda: '"event": "succeeded"' in b.text(), timeout=60, message=b.text)
        proxy.resume()
        await wait_until(lambda: '"event": "lost"' in a.text(), timeout=30, message=a.text)
        engine = await HttpTaskEngine.open(server.url, token)
        try:
            runs = sorted(await engine.runs_of(marks_of(marks)[0][0]), key=lambda r: r.attempt)
            with pytest.raises(LeaseLostError):
                await engine.finish_run(runs[0].id, runs[0].claim_token, success=True)
        finally:
            await engine.close()
    finally:
        for worker in (a, b):
            if worker is not None:
                worker.stop()
        proxy.stop()
        server.stop()
    first, second = marks_of(marks)
    assert [first[1], second[1]] == ["w-cut", "w-direct"]
    stopped_at = float(stopped.read_text().split()[0])
    lease_end = runs[0].lease_expires_at.timestamp()
    # A's step was stopped before its lease ended, so before B could sweep and claim it.
    assert paused_at < stopped_at < lease_end < float(second[2]), (
        paused_at,
        stopped_at,
        lease_end,
        second,
    )
    print(
        f"\nstep stopped {stopped_at - paused_at:.2f} s after the partition, "
        f"{lease_end - stopped_at:.2f} s before its lease ended; B started it "
        f"{float(second[2]) - lease_end:.2f} s after"
    )
    assert [(r.worker_id, r.status.value) for r in runs] == [
        ("w-cut", "expired"),
        ("w-direct", "succeeded"),
    ]
