"""Three agents drain a 300-task graph through ``taskyard mcp``; one dies holding a task.

Each agent is the SDK's client of its own ``taskyard mcp`` subprocess on one SQLite file,
as three coding agents on one machine would run. They claim, log and finish until the
graph is done. A fourth agent claims a task with a short lease, logs once and is killed:
its task must come back when the lease ends, be finished by one of the others, and the
dead agent's late write must be refused. The event log then proves every task was
claimed once (the dead agent's twice), completed once, and never before its blockers.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession

from core.domain.commands import ProjectCreate, TaskCreate
from core.domain.models import TaskStatus
from core.store.engine import SqlTaskEngine
from tests.mcp.clients import Held, call, over_stdio, refused

pytestmark = pytest.mark.slow

TASKS = 300
PROJECT = "loop"


async def _seed(db_url: str) -> dict[str, list[str]]:
    """The graph: each task waits for up to two of the twenty before it. Blockers by ref."""
    rng = random.Random(19)
    engine = await SqlTaskEngine.open(db_url, actor="planner")
    blockers: dict[str, list[str]] = {}
    refs: list[str] = []
    try:
        await engine.create_project(ProjectCreate(name="Loop", slug=PROJECT, key="LOOP"))
        for i in range(TASKS):
            window = refs[max(0, i - 20) : i]
            waits = rng.sample(window, k=min(len(window), rng.choice((0, 1, 1, 2))))
            result = await engine.create_task(
                TaskCreate(
                    title=f"Step {i}",
                    project=PROJECT,
                    status=TaskStatus.READY,
                    when_unblocked=True,
                    blocked_by=waits,
                )
            )
            refs.append(result.task.ref)
            blockers[result.task.ref] = waits
    finally:
        await engine.close()
    return blockers


async def _work(agent: ClientSession, name: str, finished: set[str]) -> None:
    """Claim and finish until every task is done (waiting out leases that are not yet up)."""
    while len(finished) < TASKS:
        got = await call(agent, "claim", project=PROJECT, agent=name, lease_seconds=60)
        if got is None:
            await asyncio.sleep(0.2)
            continue
        run, token = got["run_id"], got["claim_token"]
        await call(agent, "progress", run_id=run, claim_token=token, text=f"{name} on it")
        done = await call(agent, "finish", run_id=run, claim_token=token, outcome="done")
        assert done["status"] == "done"
        finished.add(done["ref"])


async def _events(db_url: str) -> list[Any]:
    engine = await SqlTaskEngine.open(db_url, actor="checker")
    try:
        events, since = [], 0
        while batch := await engine.events(since=since, limit=500):
            events.extend(batch)
            since = batch[-1].seq
        return events
    finally:
        await engine.close()


async def test_three_agents_drain_the_graph_and_recover_a_dead_ones_task(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'loop.db'}"
    blockers = await _seed(db_url)

    doomed = Held(lambda: over_stdio(db_url, tmp_path, "doomed"))
    victim = await doomed.session()
    lost = await call(victim, "claim", project=PROJECT, agent="doomed", lease_seconds=2)
    await call(victim, "progress", run_id=lost["run_id"], claim_token=lost["claim_token"], text="x")
    await doomed.kill()

    finished: set[str] = set()
    agents = [Held(partial(over_stdio, db_url, tmp_path, n)) for n in ("a1", "a2", "a3")]
    sessions = [await held.session() for held in agents]
    await asyncio.wait_for(
        asyncio.gather(*(_work(s, f"a{i}", finished) for i, s in enumerate(sessions, 1))),
        timeout=600,
    )
    late = await refused(
        sessions[0], "progress", run_id=lost["run_id"], claim_token=lost["claim_token"], text="y"
    )
    assert late["code"] == "lease_lost"
    for held in agents:
        await held.close()

    events = await _events(db_url)
    claims = Counter(e.payload["ref"] for e in events if e.type == "task.claimed")
    completed = Counter(e.payload["ref"] for e in events if e.type == "task.completed")
    dead_ref = lost["task"]["ref"]
    assert completed == Counter(dict.fromkeys(blockers, 1))
    assert claims == Counter(dict.fromkeys(blockers, 1)) + Counter({dead_ref: 1})
    assert any(e.type == "task.lease_expired" and e.payload["ref"] == dead_ref for e in events)
    done_at = {e.payload["ref"]: e.seq for e in events if e.type == "task.completed"}
    for e in events:
        if e.type == "task.claimed":
            ref = e.payload["ref"]
            assert all(done_at[b] < e.seq for b in blockers[ref]), (ref, blockers[ref])
    workers = {e.payload["worker_id"] for e in events if e.type == "task.claimed"}
    assert workers == {"mcp:doomed", "mcp:a1", "mcp:a2", "mcp:a3"}
