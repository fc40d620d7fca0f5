"""Orchestrators, ``changed_tasks`` and ``change_task``: the engine side of ``/api/tasks``.

The poll's cursor is an event ``seq`` made safe before the read: a change that commits after
a later one (PostgreSQL, another writer's transaction held open) is still returned by the
next poll, never stepped over.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.domain.commands import ProjectCreate, TaskCreate, TaskPatch, TaskQuery
from core.domain.models import TaskStatus
from core.domain.orchestrators import OrchestratorCreate
from core.domain.task_change import TaskChange, TaskMove
from core.errors import (
    CycleError,
    DuplicateError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from core.store.engine import SqlTaskEngine

from .conftest import Opener


@pytest.fixture
async def engine(open_engine: Opener) -> SqlTaskEngine:
    """An engine with a project ``web``."""
    engine = await open_engine()
    await engine.create_project(ProjectCreate(name="Web", slug="web"))
    return engine


async def test_an_orchestrator_is_found_by_id_or_name_and_removed(engine: SqlTaskEngine) -> None:
    made = await engine.create_orchestrator(
        OrchestratorCreate(
            project="web",
            name="backend-bot",
            role="Senior Backend Engineer",
            user_name="Backend Bot",
            user_email="backend@bot.local",
        )
    )
    assert made.user.email == "backend@bot.local"
    assert made.user.id == "backend@bot.local"
    assert await engine.get_orchestrator(made.id) == made
    assert await engine.get_orchestrator("backend-bot", project="web") == made
    assert await engine.list_orchestrators("web") == [made]
    with pytest.raises(DuplicateError):
        await engine.create_orchestrator(OrchestratorCreate(project="web", name="backend-bot"))
    with pytest.raises(NotFoundError) as missing:
        await engine.get_orchestrator("backend-bto")
    assert missing.value.details["suggestions"] == ["backend-bot"]
    assert await engine.remove_orchestrator("backend-bot") == made
    assert await engine.list_orchestrators() == []
    kinds = [e.type for e in await engine.events(since=0)]
    assert kinds[-2:] == ["orchestrator.created", "orchestrator.removed"]


async def test_changed_tasks_pages_in_change_order_and_filters(engine: SqlTaskEngine) -> None:
    start = await engine.latest_event_seq()
    first = (await engine.create_task(TaskCreate(title="one", project="web"))).task
    second = (await engine.create_task(TaskCreate(title="two", project="web", assignee="bot"))).task
    await engine.update_task(first.ref, TaskPatch(title="one again"), expected_version=None)
    page = await engine.changed_tasks(TaskQuery(), since=start, limit=1)
    assert [t.id for t in page.items] == [second.id]
    assert page.has_more
    rest = await engine.changed_tasks(TaskQuery(), since=page.cursor, limit=10)
    assert [t.title for t in rest.items] == ["one again"]
    assert not rest.has_more
    assert rest.cursor == await engine.latest_event_seq()
    mine = await engine.changed_tasks(TaskQuery(assignee="bot"), since=start)
    assert [t.id for t in mine.items] == [second.id]
    nothing = await engine.changed_tasks(TaskQuery(), since=rest.cursor)
    assert (nothing.items, nothing.cursor) == ([], rest.cursor)
    by_time = await engine.changed_tasks(TaskQuery(), since=first.created_at - timedelta(seconds=1))
    assert {t.id for t in by_time.items} == {first.id, second.id}


async def test_change_task_applies_fields_blockers_and_moves_at_once(
    engine: SqlTaskEngine,
) -> None:
    blocker = (await engine.create_task(TaskCreate(title="design", project="web"))).task
    task = (await engine.create_task(TaskCreate(title="build", project="web"))).task
    changed = await engine.change_task(
        task.ref,
        TaskChange(
            fields=TaskPatch(title="build it", priority="high"),
            blocked_by=[blocker.ref],
            moves=[TaskMove(status=TaskStatus.READY, when_unblocked=True)],
        ),
        expected_version=task.version,
    )
    assert changed.title == "build it"
    assert [b.id for b in changed.blocked_by] == [blocker.id]
    assert changed.status is TaskStatus.BLOCKED


async def test_a_refused_move_leaves_the_fields_and_blockers_unchanged(
    engine: SqlTaskEngine,
) -> None:
    blocker = (await engine.create_task(TaskCreate(title="design", project="web"))).task
    task = (await engine.create_task(TaskCreate(title="build", project="web"))).task
    with pytest.raises(InvalidTransitionError):
        await engine.change_task(
            task.ref,
            TaskChange(
                fields=TaskPatch(title="renamed"),
                blocked_by=[blocker.ref],
                moves=[
                    TaskMove(status=TaskStatus.READY),
                    TaskMove(status=TaskStatus.IN_PROGRESS, force=True),
                ],
            ),
        )
    after = await engine.get_task(task.ref)
    assert (after.title, after.blocked_by, after.status) == ("build", [], TaskStatus.BACKLOG)


async def test_every_bad_blocker_is_named_together(engine: SqlTaskEngine) -> None:
    first = (await engine.create_task(TaskCreate(title="a", project="web"))).task
    second = (
        await engine.create_task(TaskCreate(title="b", project="web", blocked_by=[first.ref]))
    ).task
    with pytest.raises(ValidationError) as bad:
        await engine.change_task(first.ref, TaskChange(blocked_by=[second.ref, "WEB-99", "nope"]))
    assert bad.value.details["unresolved"] == ["WEB-99", "nope"]
    assert bad.value.details["circular"] == [second.ref]
    with pytest.raises(CycleError) as cycle:
        await engine.change_task(first.ref, TaskChange(blocked_by=[second.ref, first.ref]))
    assert cycle.value.details["circular"] == [second.ref, first.ref]
    assert (await engine.get_task(first.ref)).blocked_by == []


LATE_EVENT = """
INSERT INTO events (id, type, task_id, project_id, actor, at, payload)
VALUES (gen_random_uuid()::text, 'task.updated', $1, $2, 'other', now(), '{}') RETURNING seq
"""


@pytest.mark.postgres
async def test_a_change_committed_late_is_polled_all_the_same(pg_schema_url: str) -> None:
    """Another writer's change has the smaller seq but commits last; a poller polling all
    along sees it, and its cursor never passes it before it commits."""
    import asyncpg

    engine = await SqlTaskEngine.open(pg_schema_url, actor="tester")
    other = await asyncpg.connect(pg_schema_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await engine.create_project(ProjectCreate(name="Web", slug="web"))
        late = (await engine.create_task(TaskCreate(title="late", project="web"))).task
        cursor = await engine.latest_event_seq()
        seen: dict[str, int] = {}
        stop = asyncio.Event()

        async def poll() -> None:
            nonlocal cursor
            while not stop.is_set():
                page = await engine.changed_tasks(TaskQuery(), since=cursor)
                seen.update({t.id: page.cursor for t in page.items})
                cursor = page.cursor
                await asyncio.sleep(0.01)

        poller = asyncio.ensure_future(poll())
        tx = other.transaction()
        await tx.start()
        held = await other.fetchval(LATE_EVENT, late.id, late.project_id)
        early = (await engine.create_task(TaskCreate(title="early", project="web"))).task
        await asyncio.sleep(0.3)
        assert late.id not in seen
        assert cursor < held  # the poller waits for the open change, it does not step past
        await tx.commit()
        for _ in range(200):
            if late.id in seen and early.id in seen:
                break
            await asyncio.sleep(0.02)
        stop.set()
        await poller
        assert late.id in seen
        assert early.id in seen
    finally:
        await other.close()
        await engine.close()
