"""PRD import commit: a generated 1,000-task plan (~1,100 edges) committed in one transaction.

    .venv/bin/python bench/prd_commit.py --tasks 1000 --runs 5

Per run: a fresh SQLite file (schema already at head, so the number is the commit, not the
first-run migration), then ``SqlTaskEngine.commit_import(plan)`` timed alone; with
``TASKYARD_TEST_PG_URL`` set, the same on a fresh PostgreSQL database. Also times the
preview of the same plan against the committed database (every task unchanged) and the
second, no-op commit. Target: commit <= 1 s (issue 5).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from _common import ROOT, machine_note

TARGET_S = 1.0


async def one_run(url: str, tasks: int) -> tuple[float, float, float]:
    from core.store.engine import SqlTaskEngine
    from tests.fixtures.prd_plans import generated_plan

    plan = generated_plan(tasks, auto_ready=True)
    engine = await SqlTaskEngine.open(url, actor="bench")
    try:
        t0 = time.perf_counter()
        job = await engine.commit_import(plan)
        t1 = time.perf_counter()
        preview = await engine.preview_plan(plan)
        t2 = time.perf_counter()
        again = await engine.commit_import(plan)
        t3 = time.perf_counter()
    finally:
        await engine.close()
    assert len(job.created_task_ids) == tasks, job
    assert all(d.kind == "unchanged" for d in preview.diff)
    assert again.created_task_ids == []
    assert again.updated_task_ids == []
    return t1 - t0, t2 - t1, t3 - t2


async def pg_database(base: str) -> tuple[str, str]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"ty_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return f"{base.rsplit('/', 1)[0]}/{name}", name


async def pg_drop(base: str, name: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


def report(label: str, runs: list[tuple[float, float, float]]) -> None:
    commit = [r[0] for r in runs]
    med = statistics.median(commit)
    verdict = "OK" if med <= TARGET_S else "OVER TARGET"
    print(
        f"{label:>8}: commit median {med * 1000:.0f} ms (min {min(commit) * 1000:.0f}, "
        f"max {max(commit) * 1000:.0f}) — target {TARGET_S:.0f} s: {verdict}; "
        f"re-import preview {statistics.median(r[1] for r in runs) * 1000:.0f} ms, "
        f"no-op re-commit {statistics.median(r[2] for r in runs) * 1000:.0f} ms"
    )


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(f"machine: {machine_note()}")
    from tests.fixtures.prd_plans import generated_plan

    sample = generated_plan(args.tasks)
    print(f"plan: {len(sample.tasks)} tasks, {len(sample.edges)} edges, auto_ready")
    os.chdir(ROOT)
    runs = []
    with tempfile.TemporaryDirectory(prefix="taskyard-prd-") as tmp:
        for n in range(args.runs):
            runs.append(await one_run(f"sqlite:///{Path(tmp) / f'r{n}.db'}", args.tasks))
    report("sqlite", runs)
    base = os.environ.get("TASKYARD_TEST_PG_URL")
    if base:
        runs = []
        for _ in range(args.runs):
            url, name = await pg_database(base)
            try:
                runs.append(await one_run(url, args.tasks))
            finally:
                await pg_drop(base, name)
        report("postgres", runs)
    else:
        print("postgres: skipped (TASKYARD_TEST_PG_URL is not set)")


if __name__ == "__main__":
    asyncio.run(main())
