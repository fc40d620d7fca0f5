"""HttpTaskEngine against a real ``taskyard serve`` subprocess: the quick subset of remote mode.

The whole contract suite runs remotely with ``make slow`` (the ``remote-*`` parameters of
the ``engine`` and ``open_engine`` fixtures); this module keeps a few calls of each kind in
the default run: table-made calls and hand-written ones, every answer parsed back into the
engine's models, errors back into the engine's classes, the live event stream.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from core.domain.commands import BoardQuery, ProjectCreate, TaskCreate, TaskPatch, TaskQuery
from core.domain.models import TaskStatus
from core.errors import (
    AuthenticationError,
    ConflictError,
    DependencyBlockedError,
    LeaseLostError,
    NotFoundError,
    ValidationError,
)
from core.remote.engine import HttpTaskEngine
from core.remote.stream import ConnectionState, ConnectionStatus
from tests.fixtures.remote import Served


@pytest.fixture
async def remote(served_sqlite: Served) -> AsyncIterator[HttpTaskEngine]:
    engine = await served_sqlite.engine()
    yield engine
    await engine.close()


async def project(engine: HttpTaskEngine) -> str:
    """A project of the test's own (tests share the module's server)."""
    made = await engine.create_project(ProjectCreate(name=f"P {uuid.uuid4().hex[:8]}"))
    return made.slug


async def test_tasks_round_trip_as_the_engines_models(remote: HttpTaskEngine) -> None:
    slug = await project(remote)
    made = await remote.create_task(TaskCreate(title="Write docs", project=slug, labels=["x"]))
    assert made.created
    again = await remote.create_task(TaskCreate(title="Dup", project=slug, external_id="e-1"))
    repeated = await remote.create_task(TaskCreate(title="Dup", project=slug, external_id="e-1"))
    assert (repeated.created, repeated.task.id) == (False, again.task.id)
    task = await remote.get_task(made.task.ref)
    assert (task.title, task.labels, task.version) == ("Write docs", ["x"], 1)
    changed = await remote.update_task(
        task.ref, TaskPatch(title="Write the docs"), expected_version=1
    )
    assert changed.version == 2
    with pytest.raises(ConflictError):
        await remote.update_task(task.ref, TaskPatch(title="Lost"), expected_version=1)
    await remote.add_dependency(again.task.ref, task.ref)
    with pytest.raises(DependencyBlockedError) as blocked:
        await remote.transition_task(again.task.ref, TaskStatus.READY)
    assert blocked.value.details
    page = await remote.list_tasks(TaskQuery(project=slug, limit=1, page=2))
    assert (page.total, page.page, len(page.items)) == (2, 2, 1)
    board = await remote.board(BoardQuery(project=slug))
    assert board.total == 2
    assert await remote.delete_task(again.task.ref) == again.task.ref


async def test_errors_come_back_as_the_engines_classes(remote: HttpTaskEngine) -> None:
    with pytest.raises(NotFoundError) as missing:
        await remote.get_task("NOPE-1")
    assert missing.value.hint
    with pytest.raises(ValidationError) as short:
        await remote.resolve_run_id("ab")
    assert short.value.details.get("field") == "run_id"


async def test_a_worker_claims_logs_and_finishes_fenced_by_its_token(
    remote: HttpTaskEngine,
) -> None:
    slug = await project(remote)
    ready = TaskCreate(title="Job", project=slug, status=TaskStatus.READY)
    ref = (await remote.create_task(ready)).task.ref
    registered = await remote.register_worker("smoke-w1", host="h", pid=1, lease_seconds=90)
    assert registered.lease_seconds == 90  # the server judges its silence by its own lease
    assert {w.id: w.lease_seconds for w in await remote.list_workers()}["smoke-w1"] == 90
    claims = await remote.claim_tasks("smoke-w1", project=slug, pipelines=["feature"])
    assert [c.ref for c in claims] == [ref]
    claim = claims[0]
    await remote.start_step(claim.run_id, claim.claim_token, "implement", index=1, total=1)
    assert await remote.append_log(claim.run_id, claim.claim_token, "hello\n") == 1
    assert [c.text for c in await remote.read_log(claim.run_id)] == ["hello\n"]
    assert await remote.heartbeat("smoke-w1", {claim.run_id: claim.claim_token}) == [claim.run_id]
    run = await remote.finish_run(claim.run_id, claim.claim_token, success=True, step="implement")
    assert run.status == "succeeded"
    with pytest.raises(LeaseLostError):
        await remote.append_log(claim.run_id, claim.claim_token, "late")
    assert (await remote.get_task(ref)).status == TaskStatus.IN_REVIEW


async def test_the_event_stream_delivers_new_events_and_reports_connected(
    remote: HttpTaskEngine,
) -> None:
    states: list[ConnectionStatus] = []
    remote.on_status = states.append
    start = await remote.latest_event_seq()
    slug = await project(remote)
    seen = []
    async for event in remote.follow_events(since=start):
        seen.append(event)
        if event.type == "project.created":
            break
    assert [e.payload.get("slug") for e in seen][-1] == slug
    assert states[0].state is ConnectionState.CONNECTED


async def test_a_bad_token_is_refused_with_how_to_log_in(served_sqlite: Served) -> None:
    """Opening the engine checks the token: a refused one fails at once, not on first use."""
    with pytest.raises(AuthenticationError) as refused:
        await HttpTaskEngine.open(served_sqlite.url, "ty_" + "0" * 43)
    assert "ty_000" not in str(refused.value)
    assert "taskyard login" in str(refused.value.hint)
