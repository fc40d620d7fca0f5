"""Every change writes its events in the same transaction; a refusal writes nothing; every error
says what went wrong (code, message) and how to fix it (hint)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from core.domain.commands import (
    AttachmentIn,
    BoardQuery,
    MilestoneCreate,
    ProjectCreate,
    TaskCreate,
    TaskImportItem,
    TaskPatch,
    TaskQuery,
)
from core.domain.models import Event, TaskStatus
from core.errors import (
    ClaimRequiredError,
    ConflictError,
    CycleError,
    DependencyBlockedError,
    DuplicateError,
    InvalidTransitionError,
    NotFoundError,
    StorageError,
    TaskyardError,
    ValidationError,
)
from core.store.engine import SqlTaskEngine

from .conftest import all_events, last_seq, new, to_review

S = TaskStatus
Op = Callable[[SqlTaskEngine], Awaitable[Any]]


@pytest.fixture(
    params=[
        pytest.param("sqlite_engine", id="sqlite"),
        pytest.param("pg_engine", id="postgres", marks=pytest.mark.postgres),
    ]
)
def engine(request: pytest.FixtureRequest) -> SqlTaskEngine:
    """SQLite and PostgreSQL (aiosqlite shares SQLite's store code; the contract suite runs it)."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


async def events_of(engine: SqlTaskEngine, op: Op) -> list[Event]:
    """Run ``op`` and return the events it wrote."""
    mark = await last_seq(engine)
    await op(engine)
    return await all_events(engine, since=mark)


async def state(engine: SqlTaskEngine) -> dict[str, Any]:
    """Everything a client can read, as plain data."""
    tasks = await engine.list_tasks(TaskQuery(include_completed=True, limit=1000))
    return {
        "tasks": [t.model_dump(mode="json") for t in tasks.items],
        "projects": [p.model_dump(mode="json") for p in await engine.list_projects()],
        "milestones": [m.model_dump(mode="json") for m in await engine.list_milestones()],
        "events": [e.model_dump(mode="json") for e in await engine.events(limit=100_000)],
    }


# ------------------------------------------------------------------------------ writes
async def _two_tasks(engine: SqlTaskEngine) -> None:
    await new(engine, "A")  # TY-1
    await new(engine, "B")  # TY-2


async def _parked(engine: SqlTaskEngine) -> None:
    """TY-1 in review blocks TY-2, which is queued to become ready."""
    await new(engine, "Blocker")
    await to_review(engine, "TY-1")
    await new(engine, "Waits", status=S.READY, when_unblocked=True, blocked_by=["TY-1"])


async def _done_blocks_ready(engine: SqlTaskEngine) -> None:
    """TY-1 is done and blocks TY-2, which is ready."""
    await new(engine, "Blocker")
    await to_review(engine, "TY-1")
    await engine.transition_task("TY-1", S.DONE)
    await new(engine, "Ready", status=S.READY, blocked_by=["TY-1"])


async def _backlog_and_ready(engine: SqlTaskEngine) -> None:
    await new(engine, "Blocker")  # TY-1
    await new(engine, "Ready", status=S.READY)  # TY-2


async def _with_external_id(engine: SqlTaskEngine) -> None:
    await new(engine, "A", external_id="x")


async def _nothing(engine: SqlTaskEngine) -> None:
    return None


def _attachment() -> AttachmentIn:
    return AttachmentIn(name="a.txt", content_base64=base64.b64encode(b"hi").decode())


WRITES: list[Any] = [
    pytest.param(
        _nothing,
        lambda e: e.create_project(ProjectCreate(name="Web")),
        ["project.created"],
        id="create-project",
    ),
    pytest.param(
        _two_tasks,
        lambda e: e.create_milestone(MilestoneCreate(name="M1")),
        ["milestone.created"],
        id="create-milestone",
    ),
    pytest.param(
        _nothing,
        lambda e: e.create_task(TaskCreate(title="A")),
        ["project.created", "task.created"],
        id="first-task-creates-the-inbox",
    ),
    pytest.param(
        _two_tasks,
        lambda e: e.create_task(
            TaskCreate(title="C", milestone="New", create_milestone_if_missing=True)
        ),
        ["milestone.created", "task.created"],
        id="task-with-new-milestone",
    ),
    pytest.param(
        _with_external_id,
        lambda e: e.create_task(TaskCreate(title="A", external_id="x")),
        [],
        id="repeated-external-id",
    ),
    pytest.param(
        _two_tasks,
        lambda e: e.update_task("TY-1", TaskPatch(title="N"), expected_version=1),
        ["task.updated"],
        id="update",
    ),
    pytest.param(
        _two_tasks,
        lambda e: e.update_task("TY-1", TaskPatch(title="A"), expected_version=1),
        [],
        id="update-that-changes-nothing",
    ),
    pytest.param(
        _two_tasks,
        lambda e: e.transition_task("TY-1", S.READY),
        ["task.status_changed"],
        id="move",
    ),
    pytest.param(
        _two_tasks,
        lambda e: e.transition_task("TY-1", S.CANCELLED),
        ["task.cancelled"],
        id="cancel",
    ),
    pytest.param(
        _backlog_and_ready,
        lambda e: e.transition_task("TY-2", S.BLOCKED, reason="keys"),
        ["task.blocked"],
        id="block-by-hand",
    ),
    pytest.param(
        _parked,
        lambda e: e.transition_task("TY-1", S.DONE),
        ["task.completed", "task.unblocked"],
        id="finish-unblocks-dependent",
    ),
    pytest.param(
        _done_blocks_ready,
        lambda e: e.transition_task("TY-1", S.READY),
        ["task.status_changed", "task.blocked"],
        id="reopen-parks-dependent",
    ),
    pytest.param(
        _two_tasks,
        lambda e: e.add_dependency("TY-2", "TY-1"),
        ["task.dependency_added"],
        id="add-dependency",
    ),
    pytest.param(
        _backlog_and_ready,
        lambda e: e.add_dependency("TY-2", "TY-1"),
        ["task.dependency_added", "task.blocked"],
        id="add-dependency-parks-ready-task",
    ),
    pytest.param(
        _parked,
        lambda e: e.remove_dependency("TY-2", "TY-1"),
        ["task.dependency_removed", "task.unblocked"],
        id="remove-last-dependency",
    ),
    pytest.param(
        _parked,
        lambda e: e.delete_task("TY-1"),
        ["task.unblocked", "task.deleted"],
        id="delete-blocker",
    ),
    pytest.param(
        _two_tasks,
        lambda e: e.assign_tasks(["TY-1", "TY-2", "TY-9"], "ann"),
        ["task.assigned", "task.assigned"],
        id="assign",
    ),
    pytest.param(
        _two_tasks,
        lambda e: e.add_attachment("TY-1", _attachment()),
        ["task.attachment_added"],
        id="attach",
    ),
    pytest.param(
        _nothing,
        lambda e: e.import_tasks(
            [
                TaskImportItem(title="X", external_id="x", milestone="Imported"),
                TaskImportItem(title="Y", blocked_by=["x"]),
            ]
        ),
        ["project.created", "milestone.created", "task.created", "task.created"],
        id="import",
    ),
]


@pytest.mark.parametrize(("setup", "op", "expected"), WRITES)
async def test_every_change_writes_its_events_together(
    engine: SqlTaskEngine,
    setup: Callable[[SqlTaskEngine], Awaitable[None]],
    op: Op,
    expected: list[str],
) -> None:
    """Each change writes its events, numbered one after another, stamped with one time."""
    await setup(engine)
    written = await events_of(engine, op)
    assert [e.type for e in written] == expected
    if written:
        assert [e.seq for e in written] == list(
            range(written[0].seq, written[0].seq + len(written))
        )
        assert len({e.at for e in written}) == 1, "one change, one transaction, one time"
        assert all(e.actor == "tester" for e in written)
        assert all(e.at.utcoffset() is not None for e in written)
        assert all(e.project_id is not None for e in written)
        for event in written:
            if event.type.startswith("task."):
                assert event.task_id is not None
                assert event.payload["ref"]
            json.dumps(event.model_dump(mode="json"))


async def test_readers_never_see_a_change_without_its_event(engine: SqlTaskEngine) -> None:
    """While tasks are being created, a board shows every task whose event is at or below its
    cursor, so a follower starting there misses none.

    On SQLite the cursor is read in the board's own snapshot: exactly as many tasks as events.
    On PostgreSQL it is made safe first (no writer still in flight below it) and the board is
    read after, so a task committed in between is on the board and its event is also
    delivered to the follower: shown twice, never missed."""
    await new(engine, "first")  # the default project exists before the race starts
    views: list[tuple[int, int]] = []
    done = asyncio.Event()

    async def reader() -> None:
        while not done.is_set():
            board = await engine.board(BoardQuery(per_column=0))
            views.append((board.last_event_seq, board.total))
            await asyncio.sleep(0)

    async def writer() -> None:
        try:
            for i in range(25):
                await new(engine, f"t{i}")
        finally:
            done.set()

    await asyncio.gather(reader(), writer())
    created = [e.seq for e in await engine.events(limit=100_000) if e.type == "task.created"]
    assert len(views) >= 2  # the reader interleaved with the writes
    exact = engine._runner.dialect != "postgresql"
    for seq, total in views:
        covered = sum(1 for s in created if s <= seq)
        assert total == covered if exact else total >= covered, (seq, total)


# ------------------------------------------------------------------------------ refusals
async def _foreign(engine: SqlTaskEngine) -> None:
    await engine.create_project(ProjectCreate(name="Web App"))
    await new(engine, "Foreign", project="web-app")  # WA-1
    await new(engine, "Mine")  # TY-1
    await new(engine, "Other", blocked_by=["TY-1"])  # TY-2
    await new(engine, "Running", status=S.READY)  # TY-3
    await engine.transition_task("TY-3", S.IN_PROGRESS, force=True)
    await engine.create_milestone(MilestoneCreate(name="M1"))


REFUSALS: list[Any] = [
    pytest.param(
        lambda e: e.create_project(ProjectCreate(name="web app")), DuplicateError, id="dup-project"
    ),
    pytest.param(
        lambda e: e.create_milestone(MilestoneCreate(project="nope", name="X")),
        NotFoundError,
        id="milestone-in-unknown-project",
    ),
    pytest.param(
        lambda e: e.create_milestone(MilestoneCreate(name="m1")),
        DuplicateError,
        id="dup-milestone",
    ),
    pytest.param(
        lambda e: e.create_task(
            TaskCreate(
                title="X",
                milestone="Brand new",
                create_milestone_if_missing=True,
                blocked_by=["TY-99"],
            )
        ),
        NotFoundError,
        id="new-milestone-then-unknown-blocker",
    ),
    pytest.param(
        lambda e: e.create_task(TaskCreate(title="X", blocked_by=["WA-1"])),
        ValidationError,
        id="cross-project-blocker",
    ),
    pytest.param(
        lambda e: e.create_task(TaskCreate(title="X", status=S.READY, blocked_by=["TY-1"])),
        DependencyBlockedError,
        id="ready-with-open-blocker",
    ),
    pytest.param(
        lambda e: e.create_task(
            TaskCreate(title="X", attachments=[AttachmentIn(name="a", content_base64="%%")])
        ),
        ValidationError,
        id="bad-attachment",
    ),
    pytest.param(
        lambda e: e.update_task("TY-1", TaskPatch(title="Y"), expected_version=0),
        ConflictError,
        id="stale-update",
    ),
    pytest.param(
        lambda e: e.update_task("TY-1", TaskPatch(title="Y", labels=None), expected_version=None),
        ValidationError,
        id="clear-required-field",
    ),
    pytest.param(
        lambda e: e.update_task(
            "TY-1", TaskPatch(title="Y", milestone="zz"), expected_version=None
        ),
        NotFoundError,
        id="update-unknown-milestone",
    ),
    pytest.param(lambda e: e.transition_task("TY-1", S.DONE), InvalidTransitionError, id="table"),
    pytest.param(
        lambda e: e.transition_task("TY-2", S.READY), DependencyBlockedError, id="dependency-guard"
    ),
    pytest.param(
        lambda e: e.transition_task("TY-3", S.IN_REVIEW, expected_version=1),
        ConflictError,
        id="stale-move",
    ),
    pytest.param(lambda e: e.add_dependency("TY-1", "TY-2"), CycleError, id="cycle"),
    pytest.param(lambda e: e.add_dependency("TY-1", "TY-1"), CycleError, id="self-edge"),
    pytest.param(lambda e: e.add_dependency("TY-1", "WA-1"), ValidationError, id="cross-edge"),
    pytest.param(
        lambda e: e.add_dependency("TY-3", "TY-1"), InvalidTransitionError, id="edge-to-running"
    ),
    pytest.param(lambda e: e.remove_dependency("TY-1", "TY-2"), NotFoundError, id="no-such-edge"),
    pytest.param(lambda e: e.delete_task("TY-3"), InvalidTransitionError, id="delete-running"),
    pytest.param(lambda e: e.delete_task("TY-42"), NotFoundError, id="delete-missing"),
    pytest.param(
        lambda e: e.add_attachment("TY-1", AttachmentIn(name="a", content_base64="!!")),
        ValidationError,
        id="attach-bad-base64",
    ),
    pytest.param(
        lambda e: e.import_tasks(
            [
                TaskImportItem(title="X", external_id="x", milestone="Fresh"),
                TaskImportItem(title="Y", parent_external_id="nope"),
            ]
        ),
        ValidationError,
        id="import-fails-after-creating-a-milestone",
    ),
]


@pytest.mark.parametrize(("op", "error"), REFUSALS)
async def test_a_refused_change_writes_nothing(
    engine: SqlTaskEngine, op: Op, error: type[TaskyardError]
) -> None:
    """A refused change leaves every task, project, milestone and event exactly as it was."""
    await _foreign(engine)
    before = await state(engine)
    with pytest.raises(error):
        await op(engine)
    assert await state(engine) == before


async def test_refused_first_change_does_not_create_the_default_project(
    engine: SqlTaskEngine,
) -> None:
    """A refused first task leaves the database empty: not even the inbox project is made."""
    with pytest.raises(NotFoundError):
        await engine.create_task(TaskCreate(title="X", parent="TY-5"))
    with pytest.raises(NotFoundError):
        await engine.create_milestone(MilestoneCreate(name="M", project="inbox"))
    assert await state(engine) == {"tasks": [], "projects": [], "milestones": [], "events": []}


# ------------------------------------------------------------------------------ error objects
ERRORS: list[Any] = [
    pytest.param(lambda e: e.get_task("TY-99"), NotFoundError, "not_found", 404, id="not-found"),
    pytest.param(
        lambda e: e.get_project("web-ap"), NotFoundError, "not_found", 404, id="project-typo"
    ),
    pytest.param(
        lambda e: e.create_project(ProjectCreate(name="Web App")),
        DuplicateError,
        "duplicate",
        409,
        id="duplicate",
    ),
    pytest.param(
        lambda e: e.create_task(TaskCreate(title="X", blocked_by=["WA-1"])),
        ValidationError,
        "validation_error",
        422,
        id="validation",
    ),
    pytest.param(
        lambda e: e.update_task("TY-1", TaskPatch(title="Y"), expected_version=7),
        ConflictError,
        "conflict",
        409,
        id="conflict",
    ),
    pytest.param(
        lambda e: e.transition_task("TY-1", S.DONE),
        InvalidTransitionError,
        "invalid_transition",
        409,
        id="invalid-transition",
    ),
    pytest.param(
        lambda e: e.transition_task("TY-1", S.IN_PROGRESS),
        InvalidTransitionError,
        "invalid_transition",
        409,
        id="backlog-to-in-progress",
    ),
    pytest.param(
        lambda e: e.transition_task("TY-2", S.READY),
        DependencyBlockedError,
        "dependency_violation",
        409,
        id="dependency",
    ),
    pytest.param(
        lambda e: e.add_dependency("TY-1", "TY-2"),
        CycleError,
        "circular_dependency",
        409,
        id="cycle",
    ),
]


@pytest.mark.parametrize(("op", "error", "code", "status"), ERRORS)
async def test_errors_say_what_went_wrong_and_how_to_fix_it(
    engine: SqlTaskEngine, op: Op, error: type[TaskyardError], code: str, status: int
) -> None:
    """Every refusal carries a stable code, a message naming the thing, and a fix-it hint."""
    await _foreign(engine)
    with pytest.raises(error) as caught:
        await op(engine)
    err = caught.value
    assert type(err) is error
    assert (err.code, err.http_status) == (code, status)
    assert err.message
    assert err.hint
    assert err.message != err.hint
    body = err.to_dict()
    assert body == {"code": code, "message": err.message, "hint": err.hint, "details": err.details}
    json.dumps(body)
    assert str(err) == f"{err.message}\nHint: {err.hint}"


async def test_text_postgres_cannot_store_is_the_input_s_fault(engine: SqlTaskEngine) -> None:
    """Should a NUL get past the field checks (a request built without validation), the
    database's refusal on PostgreSQL is still the input's fault on both write paths: a
    ValidationError that says so, not a StorageError about the server. SQLite stores it."""
    if engine._runner.dialect != "postgresql":
        pytest.skip("SQLite stores a NUL inside JSON text; the field checks keep it out")
    await new(engine, "first")
    meta = {"k": "a\x00b"}
    for write in (
        lambda: engine.import_tasks([TaskImportItem.model_construct(title="x", metadata=meta)]),
        lambda: engine.create_task(TaskCreate.model_construct(title="y", metadata=meta)),
    ):
        with pytest.raises(ValidationError) as caught:
            await write()
        assert "NUL" in caught.value.message
        assert "Remove the character" in (caught.value.hint or "")


async def test_claim_required_error_explains_the_way_in(engine: SqlTaskEngine) -> None:
    """Asking for in progress by hand says a worker claims tasks, and how to force it."""
    await new(engine, "T", status=S.READY)
    with pytest.raises(ClaimRequiredError) as caught:
        await engine.transition_task("TY-1", S.IN_PROGRESS)
    err = caught.value
    assert (err.code, err.http_status, err.exit_code) == ("claim_required", 409, 5)
    assert "TY-1" in err.message
    assert err.hint is not None
    assert "--force" in err.hint


@pytest.mark.parametrize(
    "url",
    ["mysql://user@host/db", "sqlite:///{tmp}/file.txt/inside.db"],
    ids=["unsupported-database", "path-under-a-file"],
)
async def test_unusable_database_is_a_storage_error(url: str, tmp_path: Path) -> None:
    """A database that cannot be used is a storage error with a hint about --db."""
    (tmp_path / "file.txt").write_text("not a folder")
    with pytest.raises(StorageError) as caught:
        await SqlTaskEngine.open(url.format(tmp=tmp_path))
    err = caught.value
    assert (err.code, err.http_status, err.exit_code) == ("storage_error", 503, 6)
    assert err.message
    assert err.hint
    json.dumps(err.to_dict())
