"""No double claim: 4 worker processes x 4 claimers each drain 10,000 ready tasks.

Every task must be claimed and finished exactly once, checked three ways: what the workers
report, the runs table (one succeeded run per task, none active), and the event log (one
``task.claimed`` and one ``run.succeeded`` per task). Runs on SQLite (four processes sharing
one file: BEGIN IMMEDIATE across processes) and on PostgreSQL (FOR UPDATE SKIP LOCKED).
"""

from __future__ import annotations

import asyncio
import json
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

WORKER = Path(__file__).resolve().parents[1] / "fixtures" / "claim_worker.py"
PROCESSES = 4
CLAIMERS = 4
BATCH = 10
TASKS = 10_000


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def stress_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_schema_url"))
    return f"sqlite:///{tmp_path / 'stress.db'}"


async def scalar_rows(engine: SqlTaskEngine, sql: str) -> list[Any]:
    return await engine._runner.read(lambda c: [tuple(r) for r in c.execute(text(sql))])


def run_workers(url: str, folder: Path) -> tuple[list[int], float, list[Path]]:
    """Start the worker processes together; their exit codes, the drain time, their reports."""
    go = folder / "go"
    outs = [folder / f"worker{i}.jsonl" for i in range(PROCESSES)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                url,
                f"w{i}",
                str(CLAIMERS),
                str(BATCH),
                str(outs[i]),
                str(go),
            ],
        )
        for i in range(PROCESSES)
    ]
    time.sleep(1.0)  # let every process open and register before the start
    started = time.monotonic()
    go.touch()
    codes = [p.wait(timeout=120) for p in procs]
    elapsed = time.monotonic() - started
    return codes, elapsed, outs


@pytest.mark.slow
async def test_every_task_is_claimed_and_finished_exactly_once(
    stress_url: str, tmp_path: Path
) -> None:
    engine = await SqlTaskEngine.open(stress_url, actor="seeder")
    try:
        items = [
            TaskImportItem(title=f"task {i}", status=TaskStatus.READY, external_id=f"x{i}")
            for i in range(TASKS)
        ]
        result = await engine.import_tasks(items)
        assert len(result.created) == TASKS
    finally:
        await engine.close()

    codes, elapsed, outs = await asyncio.to_thread(run_workers, stress_url, tmp_path)
    assert codes == [0] * PROCESSES
    finished = [json.loads(line) for out in outs for line in out.read_text().splitlines()]
    assert len(finished) == TASKS, "lost or duplicated claims (client side)"
    assert len(set(finished)) == TASKS
    per_process = [len(out.read_text().splitlines()) for out in outs]
    assert all(n > 0 for n in per_process), per_process  # every process really competed

    engine = await SqlTaskEngine.open(stress_url, actor="checker")
    try:
        assert await scalar_rows(
            engine, "SELECT status, count(*), count(DISTINCT task_id) FROM runs GROUP BY status"
        ) == [("succeeded", TASKS, TASKS)]
        assert (
            await scalar_rows(
                engine, "SELECT task_id FROM runs GROUP BY task_id HAVING count(*) > 1"
            )
            == []
        )
        assert await scalar_rows(engine, "SELECT status, count(*) FROM tasks GROUP BY status") == [
            ("in_review", TASKS)
        ]
        for kind in ("task.claimed", "run.succeeded"):
            rows = await scalar_rows(
                engine,
                f"SELECT count(*), count(DISTINCT task_id) FROM events WHERE type = '{kind}'",
            )
            assert rows == [(TASKS, TASKS)], kind
        workers = await engine.list_workers()
        assert sorted(w.id for w in workers) == [f"w{i}" for i in range(PROCESSES)]
    finally:
        await engine.close()
    print(
        f"\n{stress_url.split(':')[0]}: {TASKS} tasks in {elapsed:.1f} s, per process {per_process}"
    )
