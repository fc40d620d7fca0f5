"""No double execution: 4 ``taskyard worker --once --slots 4`` processes drain 10,000 tasks.

The tasks run a one-step pipeline with the built-in ``noop`` profile: it starts no process
(10,000 process spawns would dominate the test on a 2-core machine) but goes through
everything else a step does: claim, ``start_step``, ``finish_step``, ``finish_run``. Every
task must run exactly once, checked in the runs table, the run steps and the event log.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from core.domain.commands import TaskImportItem
from core.domain.models import TaskStatus
from core.store.engine import SqlTaskEngine
from tests.fixtures.stress import CONFIG, PROCESSES, SLOTS, STRESS, TASKS

from .conftest import REPO


async def rows(engine: SqlTaskEngine, sql: str) -> list[Any]:
    return await engine._runner.read(lambda c: [tuple(r) for r in c.execute(text(sql))])


def run_workers(url: str, folder: Path) -> tuple[list[int], float, list[str]]:
    config = folder / "taskyard.toml"
    config.write_text(CONFIG)
    env = {**os.environ, "TASKYARD_CONFIG": str(config), "PYTHONPATH": str(REPO)}
    logs = [folder / f"w{i}.log" for i in range(PROCESSES)]
    started = time.monotonic()
    # Output to files, not pipes: a worker blocked on a full pipe stops heartbeating.
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "core.cli", "worker", "--db", url, "--once",
             "--slots", str(SLOTS), "--id", f"w{i}", "--json"],
            cwd=REPO,
            env=env,
            stdout=logs[i].open("w"),
            stderr=subprocess.STDOUT,
        )
        for i in range(PROCESSES)
    ]  # fmt: skip
    codes = [p.wait(timeout=900) for p in procs]
    elapsed = time.monotonic() - started
    errors = [
        line for log in logs for line in log.read_text().splitlines() if '"event": "error"' in line
    ]
    return codes, elapsed, errors


@pytest.mark.slow
@STRESS
async def test_every_task_runs_exactly_once(db_url: str, tmp_path: Path) -> None:
    engine = await SqlTaskEngine.open(db_url, actor="seeder")
    try:
        items = [
            TaskImportItem(title=f"task {i}", status=TaskStatus.READY, external_id=f"x{i}")
            for i in range(TASKS)
        ]
        assert len((await engine.import_tasks(items)).created) == TASKS
    finally:
        await engine.close()

    codes, elapsed, errors = await asyncio.to_thread(run_workers, db_url, tmp_path)
    assert codes == [0] * PROCESSES
    assert errors == []

    engine = await SqlTaskEngine.open(db_url, actor="checker")
    try:
        assert await rows(
            engine, "SELECT status, count(*), count(DISTINCT task_id) FROM runs GROUP BY status"
        ) == [("succeeded", TASKS, TASKS)]
        assert await rows(
            engine, "SELECT status, count(*), count(DISTINCT run_id) FROM run_steps GROUP BY status"
        ) == [("succeeded", TASKS, TASKS)]
        assert await rows(engine, "SELECT status, count(*) FROM tasks GROUP BY status") == [
            ("in_review", TASKS)
        ]
        for kind in ("task.claimed", "task.step_started", "task.step_completed", "run.succeeded"):
            counted = await rows(
                engine,
                f"SELECT count(*), count(DISTINCT task_id) FROM events WHERE type = '{kind}'",
            )
            assert counted == [(TASKS, TASKS)], kind
        per_worker = dict(
            await rows(engine, "SELECT worker_id, count(*) FROM runs GROUP BY worker_id")
        )
        assert sorted(per_worker) == [f"w{i}" for i in range(PROCESSES)], per_worker
    finally:
        await engine.close()
    print(f"\n{db_url.split(':')[0]}: {TASKS} tasks in {elapsed:.1f} s, per worker {per_worker}")
