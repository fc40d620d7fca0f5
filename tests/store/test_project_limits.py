"""Claims, Run Now adoption and the execution overview kept to some projects (``in_projects``).

The server passes a project-limited token's projects here, so a worker holding such a token
never takes, and a monitor never counts, another project's work.
"""

from __future__ import annotations

import pytest

from core.domain.commands import ProjectCreate, TaskCreate
from core.domain.models import TaskStatus
from core.store.engine import SqlTaskEngine

from .conftest import Opener


@pytest.fixture
async def eng(open_engine: Opener) -> SqlTaskEngine:
    """An engine on a fresh database."""
    return await open_engine()


async def _two_projects(engine: SqlTaskEngine) -> tuple[str, str]:
    """Projects ``mine`` and ``theirs`` (ids), each with ready tasks; theirs come first."""
    mine = await engine.create_project(ProjectCreate(name="Mine", slug="mine"))
    theirs = await engine.create_project(ProjectCreate(name="Theirs", slug="theirs"))
    for project, title in ((theirs, "Urgent elsewhere"), (mine, "Mine 1"), (mine, "Mine 2")):
        await engine.create_task(
            TaskCreate(
                title=title,
                project=project.slug,
                status=TaskStatus.READY,
                priority="critical" if project is theirs else "low",
            )
        )
    return mine.id, theirs.id


async def test_a_claim_within_projects_takes_only_their_tasks(eng: SqlTaskEngine) -> None:
    """In scheduler order within the projects named; the other project's task stays ready."""
    mine, theirs = await _two_projects(eng)
    nothing = await eng.claim_tasks("w0", limit=5, in_projects=[])
    first = await eng.claim_tasks("w1", limit=5, in_projects=[mine], max_per_project=1)
    rest = await eng.claim_tasks("w2", limit=5, in_projects=[mine])
    assert nothing == []
    assert [c.title for c in first] == ["Mine 1"]
    assert [c.title for c in rest] == ["Mine 2"]
    assert {c.project_id for c in first + rest} == {mine}
    [left] = await eng.claim_tasks("w4", limit=5)
    assert left.project_id == theirs


async def test_run_now_adoption_within_projects(eng: SqlTaskEngine) -> None:
    """A worker limited to one project adopts only its Run Now runs."""
    mine, theirs = await _two_projects(eng)
    their_ref = (await eng.ready_tasks(in_projects=[theirs]))[0].ref
    my_ref = (await eng.ready_tasks(in_projects=[mine]))[0].ref
    their_run = await eng.run_now(their_ref)
    my_run = await eng.run_now(my_ref)
    adopted = await eng.adopt_forced_runs("w1", limit=5, in_projects=[mine])
    by_id = await eng.adopt_forced_runs("w1", run_id=their_run.id, in_projects=[mine])
    assert [c.run_id for c in adopted] == [my_run.id]
    assert by_id == []
    assert [c.run_id for c in await eng.adopt_forced_runs("w2", limit=5)] == [their_run.id]


async def test_the_overview_within_projects_counts_only_theirs(eng: SqlTaskEngine) -> None:
    """Queue, totals, running and recent runs leave the other project out; workers stay."""
    mine, theirs = await _two_projects(eng)
    await eng.register_worker("w1", host="h", pid=1, slots=3)
    [their_claim] = await eng.claim_tasks("w1", in_projects=[theirs])
    await eng.finish_run(their_claim.run_id, their_claim.claim_token, success=True)
    [my_claim] = await eng.claim_tasks("w1", in_projects=[mine])
    overview = await eng.execution_overview(in_projects=[mine])
    everything = await eng.execution_overview()
    assert [e.card.title for e in overview.queue] == ["Mine 2"]
    assert overview.queue_total == overview.runnable_total == 1
    assert [a.run.id for a in overview.running] == [my_claim.run_id]
    assert overview.recent == []
    assert overview.completed_last_hour == 0
    assert [w.id for w in overview.workers] == ["w1"]
    assert overview.queue[0].waiting is None  # one of w1's three slots is free for it
    assert everything.completed_last_hour == 1
    assert [a.run.id for a in everything.recent] == [their_claim.run_id]
