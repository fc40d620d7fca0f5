"""The TaskEngine contract: every operation, on every engine (SQLite, aiosqlite, PostgreSQL).

Each test runs against a real, fresh database. Tests that need an engine opened with special
options (auto-approve, a small attachment limit, a second engine on the same database) use
``open_engine``, which opens engines on a fresh database of the same backend.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.domain.commands import (
    AttachmentIn,
    BoardQuery,
    MilestoneCreate,
    ProjectCreate,
    SortField,
    TaskCreate,
    TaskImportItem,
    TaskPatch,
    TaskQuery,
)
from core.domain.models import Event, ManualReason, Priority, Task, TaskStatus
from core.errors import (
    ClaimRequiredError,
    ConflictError,
    CycleError,
    DependencyBlockedError,
    DuplicateError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from core.store.engine import SqlTaskEngine

from .conftest import all_events, finish, last_seq, new

S = TaskStatus
OpenEngine = Callable[..., Awaitable[SqlTaskEngine]]

# unified-task-orchestration.md section 4, written out by hand.
SPEC_TABLE: dict[str, list[str]] = {
    "backlog": ["cancelled", "ready"],
    "ready": ["backlog", "blocked", "cancelled", "in_progress"],
    "in_progress": ["blocked", "cancelled", "in_review", "ready"],
    "in_review": ["blocked", "done", "in_progress"],
    "done": ["ready"],
    "blocked": ["backlog", "cancelled", "ready"],
    "cancelled": ["backlog"],
}


# ------------------------------------------------------------------------------ helpers
@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("aiosqlite", id="aiosqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a fresh database on each backend, for engines opened with special options."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'own.db'}"
    if request.param == "aiosqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'own.db'}"
    return request.getfixturevalue("pg_schema_url")  # type: ignore[no-any-return]


@pytest.fixture
async def open_engine(backend_url: str) -> AsyncIterator[OpenEngine]:
    """Open engines (with options) on one fresh database; all are closed after the test."""
    opened: list[SqlTaskEngine] = []

    async def factory(**options: Any) -> SqlTaskEngine:
        eng = await SqlTaskEngine.open(backend_url, actor="tester", **options)
        opened.append(eng)
        return eng

    yield factory
    for eng in opened:
        await eng.close()


async def all_tasks(engine: SqlTaskEngine, **filters: Any) -> list[Task]:
    """Every task (including completed ones), oldest first."""
    page = await engine.list_tasks(
        TaskQuery(include_completed=True, limit=1000, descending=False, **filters)
    )
    return page.items


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ------------------------------------------------------------------------------ projects
async def test_project_slug_and_key_are_derived_from_the_name(engine: SqlTaskEngine) -> None:
    """A project named "Web App" gets slug web-app and key WA; one-word names get 3 letters."""
    web = await engine.create_project(ProjectCreate(name="Web App"))
    back = await engine.create_project(ProjectCreate(name="Backend"))
    assert (web.slug, web.key, web.name) == ("web-app", "WA", "Web App")
    assert (back.slug, back.key) == ("backend", "BAC")


async def test_project_explicit_slug_and_key_are_normalized(engine: SqlTaskEngine) -> None:
    """A typed slug is stored lowercase and a typed key uppercase."""
    project = await engine.create_project(ProjectCreate(name="Thing", slug="My-Thing", key="mt2"))
    assert (project.slug, project.key) == ("my-thing", "MT2")


async def test_derived_key_that_is_taken_gets_a_number(engine: SqlTaskEngine) -> None:
    """Two projects whose names give the same key get WA and WA2."""
    first = await engine.create_project(ProjectCreate(name="Web App"))
    second = await engine.create_project(ProjectCreate(name="Wide Area"))
    assert (first.key, second.key) == ("WA", "WA2")


async def test_project_lookup_by_id_slug_and_key_ignores_case(engine: SqlTaskEngine) -> None:
    """A project is found by its id, its slug or its key, typed in any case."""
    project = await engine.create_project(ProjectCreate(name="Web App"))
    for ref in (project.id, "web-app", "WEB-APP", " Web-App ", "WA", "wa"):
        assert (await engine.get_project(ref)).id == project.id, ref


async def test_every_project_is_found_by_its_own_slug_and_key(engine: SqlTaskEngine) -> None:
    """Each project is reached by its own slug and its own key, even when they look alike."""
    await engine.create_project(ProjectCreate(name="Web App"))  # slug web-app, key WA
    with contextlib.suppress(DuplicateError):  # refusing the look-alike would be fine too
        await engine.create_project(ProjectCreate(name="WA"))  # slug wa, key WA2
    for project in await engine.list_projects():
        assert (await engine.get_project(project.slug)).id == project.id, project.slug
        assert (await engine.get_project(project.key)).id == project.id, project.key


async def test_projects_are_listed_by_slug(engine: SqlTaskEngine) -> None:
    """Listing projects returns every project in slug order."""
    for name in ("Zeta", "Alpha", "Mid"):
        await engine.create_project(ProjectCreate(name=name))
    assert [p.slug for p in await engine.list_projects()] == ["alpha", "mid", "zeta"]


async def test_duplicate_project_slug_or_key_is_refused(engine: SqlTaskEngine) -> None:
    """Reusing a slug (in any case) or a key is a duplicate error and creates nothing."""
    await engine.create_project(ProjectCreate(name="Web App"))
    before = await last_seq(engine)
    with pytest.raises(DuplicateError) as slug_err:
        await engine.create_project(ProjectCreate(name="Other", slug="WEB-APP"))
    assert slug_err.value.details["field"] == "slug"
    with pytest.raises(DuplicateError) as name_err:
        await engine.create_project(ProjectCreate(name="web app"))
    assert "web-app" in name_err.value.message
    with pytest.raises(DuplicateError) as key_err:
        await engine.create_project(ProjectCreate(name="Other", key="wa"))
    assert key_err.value.details["field"] == "key"
    assert len(await engine.list_projects()) == 1
    assert await last_seq(engine) == before


async def test_malformed_project_slug_or_key_is_a_validation_error(engine: SqlTaskEngine) -> None:
    """A slug with spaces or a key starting with a digit is refused with the field named."""
    with pytest.raises(ValidationError) as slug_err:
        await engine.create_project(ProjectCreate(name="X", slug="not a slug"))
    assert slug_err.value.field == "slug"
    with pytest.raises(ValidationError) as key_err:
        await engine.create_project(ProjectCreate(name="X", key="1AB"))
    assert key_err.value.field == "key"
    assert await engine.list_projects() == []


async def test_unknown_project_suggests_near_matches(engine: SqlTaskEngine) -> None:
    """Looking up "web-ap" fails with a not-found error that suggests web-app."""
    await engine.create_project(ProjectCreate(name="Web App"))
    with pytest.raises(NotFoundError) as err:
        await engine.get_project("web-ap")
    assert "web-app" in err.value.details["suggestions"]
    assert err.value.details["input"] == "web-ap"
    assert err.value.hint is not None
    assert "web-app" in err.value.hint


# ------------------------------------------------------------------------------ milestones
async def test_milestones_are_created_and_listed_by_due_date(engine: SqlTaskEngine) -> None:
    """Milestones list by due date, undated last, and per project."""
    await engine.create_project(ProjectCreate(name="Web App"))
    await engine.create_project(ProjectCreate(name="Other"))
    late = await engine.create_milestone(
        MilestoneCreate(project="web-app", name="Beta", due_date=date(2031, 1, 1))
    )
    undated = await engine.create_milestone(MilestoneCreate(project="WA", name="Someday"))
    early = await engine.create_milestone(
        MilestoneCreate(
            project="web-app",
            name="MVP: Alpha",
            start_date=date(2030, 1, 1),
            due_date=date(2030, 2, 1),
        )
    )
    elsewhere = await engine.create_milestone(MilestoneCreate(project="other", name="Else"))
    assert early.slug == "mvp-alpha"
    assert [m.id for m in await engine.list_milestones("web-app")] == [
        early.id,
        late.id,
        undated.id,
    ]
    assert {m.id for m in await engine.list_milestones()} == {
        early.id,
        late.id,
        undated.id,
        elsewhere.id,
    }
    with pytest.raises(NotFoundError):
        await engine.list_milestones("nope")


async def test_milestone_without_project_goes_to_the_default_project(
    engine: SqlTaskEngine,
) -> None:
    """A milestone created without a project lands in the inbox project."""
    milestone = await engine.create_milestone(MilestoneCreate(name="Q1"))
    inbox = await engine.get_project("inbox")
    assert milestone.project_id == inbox.id


async def test_duplicate_milestone_slug_in_a_project_is_refused(engine: SqlTaskEngine) -> None:
    """Two milestones with the same slug in one project are refused; other projects may reuse it."""
    await engine.create_project(ProjectCreate(name="Web App"))
    await engine.create_project(ProjectCreate(name="Other"))
    await engine.create_milestone(MilestoneCreate(project="web-app", name="Beta"))
    with pytest.raises(DuplicateError):
        await engine.create_milestone(MilestoneCreate(project="web-app", name="BETA"))
    await engine.create_milestone(MilestoneCreate(project="other", name="Beta"))
    assert len(await engine.list_milestones("web-app")) == 1


async def test_milestone_due_before_start_is_refused(engine: SqlTaskEngine) -> None:
    """A milestone whose due date precedes its start date is a validation error."""
    with pytest.raises(ValidationError) as err:
        await engine.create_milestone(
            MilestoneCreate(name="Q1", start_date=date(2030, 2, 1), due_date=date(2030, 1, 1))
        )
    assert err.value.field == "due_date"


async def test_find_milestones_by_slug_or_name_ignores_case(engine: SqlTaskEngine) -> None:
    """Milestones are found by slug or by name in any case; no match is an empty list."""
    await engine.create_project(ProjectCreate(name="Web App"))
    mvp = await engine.create_milestone(MilestoneCreate(project="web-app", name="MVP Launch"))
    await engine.create_milestone(MilestoneCreate(project="web-app", name="Beta"))
    assert [m.id for m in await engine.find_milestones("web-app", slug="MVP-LAUNCH")] == [mvp.id]
    assert [m.id for m in await engine.find_milestones("WA", name="mvp launch")] == [mvp.id]
    assert await engine.find_milestones("web-app", slug="gamma") == []
    assert await engine.find_milestones("web-app", name="nothing") == []
    assert len(await engine.find_milestones("web-app")) == 2
    assert len(await engine.find_milestones("web-app", limit=1)) == 1
    with pytest.raises(NotFoundError):
        await engine.find_milestones("nope", slug="beta")


async def test_task_creation_can_create_a_missing_milestone(engine: SqlTaskEngine) -> None:
    """With create_milestone_if_missing, naming a new milestone creates it once and reuses it."""
    first = await new(engine, "A", milestone="Sprint 7", create_milestone_if_missing=True)
    second = await new(engine, "B", milestone="sprint-7", create_milestone_if_missing=True)
    third = await new(engine, "C", milestone="SPRINT 7")
    milestones = await engine.list_milestones("inbox")
    assert [(m.slug, m.name) for m in milestones] == [("sprint-7", "Sprint 7")]
    assert first.milestone_id == second.milestone_id == third.milestone_id == milestones[0].id
    types = [e.type for e in await all_events(engine)]
    assert types.count("milestone.created") == 1


async def test_unknown_milestone_on_create_suggests_and_creates_nothing(
    engine: SqlTaskEngine,
) -> None:
    """Naming a misspelt milestone fails with a suggestion, and no task is created."""
    await engine.create_milestone(MilestoneCreate(name="Alpha"))
    before = await last_seq(engine)
    with pytest.raises(NotFoundError) as err:
        await new(engine, "A", milestone="alpah")
    assert err.value.details["suggestions"] == ["alpha"]
    assert err.value.details["field"] == "milestone"
    assert await all_tasks(engine) == []
    assert await last_seq(engine) == before


# ------------------------------------------------------------------------------ create task
async def test_tasks_get_refs_numbered_per_project(engine: SqlTaskEngine) -> None:
    """Tasks without a project go to inbox as TY-1, TY-2; another project counts from 1."""
    one = await new(engine, "One")
    two = await new(engine, "Two")
    await engine.create_project(ProjectCreate(name="Web App"))
    web = await new(engine, "Web", project="web-app")
    three = await new(engine, "Three")
    inbox = await engine.get_project("inbox")
    assert (inbox.slug, inbox.key) == ("inbox", "TY")
    assert [one.ref, two.ref, three.ref, web.ref] == ["TY-1", "TY-2", "TY-3", "WA-1"]
    assert one.project_id == inbox.id
    assert web.project_id == (await engine.get_project("WA")).id


async def test_new_task_has_defaults_and_the_given_fields(engine: SqlTaskEngine) -> None:
    """A new task starts in backlog at version 1 with exactly the fields it was given."""
    task = await new(
        engine,
        "Ship it",
        description="All of it",
        task_type="Bug",
        priority=Priority.HIGH,
        labels=["ui", "ui", "api"],
        acceptance_criteria=["works", " "],
        context_files=["a.py"],
        assignee="ann",
        effort_estimate=2.5,
        due_date=date(2030, 5, 1),
        metadata={"k": [1, 2]},
        pipeline_template="fast",
        external_id="X-1",
    )
    assert task.status == S.BACKLOG
    assert task.version == 1
    assert task.task_type == "bug"
    assert task.priority == Priority.HIGH
    assert task.labels == ["ui", "api"]
    assert task.acceptance_criteria == ["works"]
    assert task.context_files == ["a.py"]
    assert (task.assignee, task.effort_estimate, task.due_date) == ("ann", 2.5, date(2030, 5, 1))
    assert task.metadata == {"k": [1, 2]}
    assert (task.pipeline_template, task.external_id) == ("fast", "X-1")
    assert task.completed_at is None
    assert task.created_at == task.updated_at
    assert await engine.get_task(task.ref) == task


async def test_task_can_be_read_by_id_or_by_ref_in_any_case(engine: SqlTaskEngine) -> None:
    """A task is found by its id, by its ref, and by its ref typed in lowercase."""
    task = await new(engine, "Find me")
    for ref in (task.id, "TY-1", "ty-1", " Ty-1 "):
        assert (await engine.get_task(ref)).id == task.id


async def test_unknown_task_is_not_found(engine: SqlTaskEngine) -> None:
    """A missing ref, id or project key is not found; an unknown key suggests a near one."""
    await new(engine, "Only")
    for ref in ("TY-99", "no-such-id"):
        with pytest.raises(NotFoundError):
            await engine.get_task(ref)
    with pytest.raises(NotFoundError) as err:
        await engine.get_task("TX-1")
    assert err.value.details["suggestions"] == ["TY-1"]


async def test_parent_can_be_given_by_ref_or_by_external_id(engine: SqlTaskEngine) -> None:
    """A task's parent is set from a ref or from the parent's external id; the parent lists it."""
    epic = await new(engine, "Epic", external_id="epic-1")
    by_ref = await new(engine, "Child 1", parent="ty-1")
    by_ext = await new(engine, "Child 2", parent_external_id="epic-1")
    assert by_ref.parent_id == epic.id
    assert by_ext.parent_id == epic.id
    assert (await engine.get_task(epic.ref)).children_ids == [by_ref.id, by_ext.id]


async def test_missing_or_foreign_parent_is_refused(engine: SqlTaskEngine) -> None:
    """A parent that does not exist, or lives in another project, is refused."""
    await engine.create_project(ProjectCreate(name="Web App"))
    foreign = await new(engine, "Foreign", project="web-app")
    with pytest.raises(NotFoundError):
        await new(engine, "Orphan", parent="TY-42")
    with pytest.raises(NotFoundError) as err:
        await new(engine, "Orphan", parent_external_id="nope")
    assert err.value.details["field"] == "parent_external_id"
    with pytest.raises(ValidationError):
        await new(engine, "Orphan", parent=foreign.ref)
    assert [t.ref for t in await all_tasks(engine)] == [foreign.ref]


async def test_blockers_given_by_ref_or_id_are_linked_both_ways(engine: SqlTaskEngine) -> None:
    """Blockers named by ref or id show on the task and the task shows on each blocker."""
    a = await new(engine, "A")
    b = await new(engine, "B")
    c = await new(engine, "C", blocked_by=["ty-1", b.id, "TY-1"])
    assert [link.ref for link in c.blocked_by] == ["TY-1", "TY-2"]
    assert c.unresolved_blocker_count == 2
    assert [link.id for link in (await engine.get_task(a.ref)).blocks] == [c.id]
    assert [link.id for link in (await engine.get_task(b.ref)).blocks] == [c.id]


async def test_blocker_in_another_project_or_missing_is_refused(engine: SqlTaskEngine) -> None:
    """A blocker from another project, or one that does not exist, refuses the create."""
    await engine.create_project(ProjectCreate(name="Web App"))
    foreign = await new(engine, "Foreign", project="web-app")
    before = await last_seq(engine)
    with pytest.raises(ValidationError) as cross:
        await new(engine, "Mine", blocked_by=[foreign.ref])
    assert cross.value.field == "blocked_by"
    with pytest.raises(NotFoundError) as missing:
        await new(engine, "Mine", project="web-app", blocked_by=["WA-9"])
    assert missing.value.details["field"] == "blocked_by"
    assert [t.id for t in await all_tasks(engine)] == [foreign.id]
    assert await last_seq(engine) == before


async def test_create_ready_with_unresolved_blocker_is_refused(engine: SqlTaskEngine) -> None:
    """Creating a ready task whose blocker is unfinished fails naming the blocker."""
    blocker = await new(engine, "Design")
    with pytest.raises(DependencyBlockedError) as err:
        await new(engine, "Build", status=S.READY, blocked_by=[blocker.ref])
    assert 'TY-1 "Design" (backlog)' in err.value.message
    assert [t.id for t in await all_tasks(engine)] == [blocker.id]


async def test_create_ready_when_unblocked_parks_the_task(engine: SqlTaskEngine) -> None:
    """Asking for ready with when_unblocked parks the task in blocked with its blockers listed."""
    blocker = await new(engine, "Design")
    task = await new(engine, "Build", status=S.READY, blocked_by=[blocker.ref], when_unblocked=True)
    assert task.status == S.BLOCKED
    assert task.blocked_reason is not None
    assert task.blocked_reason.kind == "dependencies"
    assert task.blocked_reason.blockers == [blocker.id]


async def test_create_ready_with_resolved_blockers_is_ready(engine: SqlTaskEngine) -> None:
    """A ready task whose blockers are all done or cancelled is created ready."""
    done = await new(engine, "Done")
    await finish(engine, done.ref)
    dropped = await new(engine, "Dropped")
    await engine.transition_task(dropped.ref, S.CANCELLED)
    task = await new(engine, "Next", status=S.READY, blocked_by=[done.ref, dropped.ref])
    assert task.status == S.READY
    assert task.unresolved_blocker_count == 0


async def test_repeated_external_id_returns_the_existing_task(engine: SqlTaskEngine) -> None:
    """Creating twice with one external id returns the first task (created=False), unchanged."""
    first = await engine.create_task(TaskCreate(title="Original", external_id="gh-7"))
    before = await last_seq(engine)
    again = await engine.create_task(
        TaskCreate(title="Different title", external_id="gh-7", priority=Priority.LOW)
    )
    assert first.created is True
    assert again.created is False
    assert again.task == first.task
    assert await last_seq(engine) == before
    await engine.create_project(ProjectCreate(name="Web App"))
    other = await engine.create_task(
        TaskCreate(title="Same id elsewhere", external_id="gh-7", project="web-app")
    )
    assert other.created is True
    assert other.task.id != first.task.id


async def test_attachments_are_stored_with_hash_and_size(engine: SqlTaskEngine) -> None:
    """Attached files keep their bytes, size, sha256 and type, and can be read back."""
    data = b"hello world\n" * 3
    task = await new(
        engine,
        "With files",
        attachments=[
            AttachmentIn(name="notes.txt", content_base64=b64(data)),
            AttachmentIn(name="blob", content_base64=b64(b"\x00\x01"), content_type="x/custom"),
        ],
    )
    by_name = {a.name: a for a in task.attachments}
    notes, blob = by_name["notes.txt"], by_name["blob"]
    assert (notes.name, notes.size, notes.sha256) == (
        "notes.txt",
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert notes.content_type == "text/plain"
    assert notes.task_id == task.id
    assert blob.content_type == "x/custom"
    meta, content = await engine.get_attachment(notes.id)
    assert meta == notes
    assert content == data
    assert (await engine.get_attachment(blob.id))[1] == b"\x00\x01"


async def test_attachment_added_later_is_listed_and_readable(engine: SqlTaskEngine) -> None:
    """A file attached to an existing task shows on it, bumps its version and is readable."""
    task = await new(engine, "Later")
    stored = await engine.add_attachment(
        task.ref.lower(), AttachmentIn(name="log.bin", content_base64=b64(b"abc"))
    )
    fresh = await engine.get_task(task.ref)
    assert fresh.attachments == [stored]
    assert fresh.version == task.version + 1
    assert (await engine.get_attachment(stored.id))[1] == b"abc"
    assert (await all_events(engine))[-1].type == "task.attachment_added"


async def test_bad_attachments_are_refused(engine: SqlTaskEngine) -> None:
    """Invalid base64 is refused, a missing task or attachment is not found."""
    task = await new(engine, "T")
    with pytest.raises(ValidationError):
        await engine.add_attachment(task.ref, AttachmentIn(name="x", content_base64="!!notb64"))
    with pytest.raises(ValidationError):
        await new(engine, "U", attachments=[AttachmentIn(name="x", content_base64="@@@")])
    with pytest.raises(NotFoundError):
        await engine.add_attachment("TY-9", AttachmentIn(name="x", content_base64=b64(b"1")))
    with pytest.raises(NotFoundError):
        await engine.get_attachment("no-such-attachment")
    assert (await engine.get_task(task.ref)).attachments == []
    assert len(await all_tasks(engine)) == 1


async def test_oversized_attachment_is_refused(open_engine: OpenEngine) -> None:
    """A file one byte over the limit is refused on create and on attach; one at the limit is ok."""
    engine = await open_engine(attachment_max_bytes=10)
    task = await new(
        engine, "T", attachments=[AttachmentIn(name="ok", content_base64=b64(b"x" * 10))]
    )
    before = await last_seq(engine)
    too_big = AttachmentIn(name="big.txt", content_base64=b64(b"x" * 11))
    with pytest.raises(ValidationError) as err:
        await new(engine, "U", attachments=[too_big])
    assert "big.txt" in err.value.message
    assert err.value.details["limit_bytes"] == 10
    with pytest.raises(ValidationError):
        await engine.add_attachment(task.ref, too_big)
    huge = AttachmentIn(name="huge", content_base64=b64(b"x" * 10_000))
    with pytest.raises(ValidationError):
        await engine.add_attachment(task.ref, huge)
    assert [t.ref for t in await all_tasks(engine)] == [task.ref]
    assert len((await engine.get_task(task.ref)).attachments) == 1
    assert await last_seq(engine) == before


# ------------------------------------------------------------------------------ list tasks
async def _list_fixture(engine: SqlTaskEngine) -> dict[str, Task]:
    """Six tasks in project AL (two completed) plus one in inbox; t3 is updated last."""
    await engine.create_project(ProjectCreate(name="Alpha", key="AL"))
    await engine.create_milestone(MilestoneCreate(project="alpha", name="M1"))
    t: dict[str, Task] = {}
    t["t1"] = await new(
        engine,
        "Write docs",
        description="All about THE API",
        project="alpha",
        priority=Priority.LOW,
        labels=["docs", "api"],
        assignee="ann",
        due_date=date(2030, 1, 3),
        milestone="m1",
    )
    t["t2"] = await new(
        engine,
        "Fix login bug",
        project="alpha",
        priority=Priority.CRITICAL,
        labels=["bug", "api"],
        assignee="bob",
        due_date=date(2030, 1, 1),
    )
    t["t3"] = await new(
        engine, "add 50% discount", project="alpha", priority=Priority.HIGH, labels=["api"]
    )
    t["t4"] = await new(engine, "Zebra", project="alpha", status=S.READY)
    t["t5"] = await new(engine, "Old thing", project="alpha")
    t["t6"] = await new(engine, "Dropped", project="alpha")
    t["t7"] = await new(engine, "500 errors", labels=["api"])
    await finish(engine, "AL-5")
    await engine.transition_task("AL-6", S.CANCELLED)
    await engine.update_task("AL-3", TaskPatch(title="Add 50% discount"), expected_version=None)
    return {k: await engine.get_task(v.id) for k, v in t.items()}


def names(tasks: list[Task], t: dict[str, Task]) -> list[str]:
    by_id = {v.id: k for k, v in t.items()}
    return [by_id[task.id] for task in tasks]


async def test_list_filters_each_narrow_the_result(engine: SqlTaskEngine) -> None:
    """Each list filter (project, milestone, state, priority, labels, assignee, text) narrows it."""
    t = await _list_fixture(engine)

    async def ids(**query: Any) -> set[str]:
        page = await engine.list_tasks(TaskQuery(limit=1000, **query))
        assert page.total == len(page.items)
        return set(names(page.items, t))

    assert await ids() == {"t1", "t2", "t3", "t4", "t7"}
    assert await ids(project="alpha") == {"t1", "t2", "t3", "t4"}
    assert await ids(project="AL", include_completed=True) == {"t1", "t2", "t3", "t4", "t5", "t6"}
    assert await ids(statuses=[S.DONE]) == {"t5"}
    assert await ids(statuses=[S.BACKLOG, S.CANCELLED]) == {"t1", "t2", "t3", "t6", "t7"}
    assert await ids(project="alpha", milestone="M1") == {"t1"}
    assert await ids(priorities=[Priority.CRITICAL, Priority.HIGH]) == {"t2", "t3"}
    assert await ids(labels=["api", "bug"]) == {"t2"}
    assert await ids(labels=["api"]) == {"t1", "t2", "t3", "t7"}
    assert await ids(labels=["api"], project="alpha", priorities=[Priority.LOW]) == {"t1"}
    assert await ids(assignee="bob") == {"t2"}
    assert await ids(text="LOGIN") == {"t2"}
    assert await ids(text="the api") == {"t1"}
    assert await ids(text="al-2") == {"t2"}
    assert await ids(text="TY-1") == {"t7"}
    assert await ids(text="50%") == {"t3"}
    assert await ids(text="zzz") == set()


async def test_text_search_ignores_case_beyond_ascii(engine: SqlTaskEngine) -> None:
    """Searching "über" finds "Über uns", and milestone "été" finds "Été", on every engine."""
    task = await new(engine, "Über uns", description="Déjà VU")
    milestone = await engine.create_milestone(MilestoneCreate(name="Été"))
    for text in ("über", "ÜBER", "déjà vu"):
        page = await engine.list_tasks(TaskQuery(text=text))
        assert [t.id for t in page.items] == [task.id], text
        assert (await engine.board(BoardQuery(text=text))).total == 1, text
    assert [m.id for m in await engine.find_milestones("inbox", name="été")] == [milestone.id]
    assert (await new(engine, "In summer", milestone="ÉTÉ")).milestone_id == milestone.id


async def test_list_filter_naming_nothing_is_not_found(engine: SqlTaskEngine) -> None:
    """A project or milestone filter that names nothing is an error, not an empty list."""
    await _list_fixture(engine)
    with pytest.raises(NotFoundError):
        await engine.list_tasks(TaskQuery(project="alfa-typo"))
    with pytest.raises(NotFoundError) as err:
        await engine.list_tasks(TaskQuery(project="alpha", milestone="m2"))
    assert err.value.details["suggestions"] == ["m1"]
    with pytest.raises(NotFoundError):
        await engine.list_tasks(TaskQuery(milestone="m1"))


SORTS: dict[SortField, tuple[list[str], list[str]]] = {
    # sort field: (ascending, descending); ties go by creation time in the same direction.
    SortField.CREATED: (["t1", "t2", "t3", "t4", "t5", "t6"], ["t6", "t5", "t4", "t3", "t2", "t1"]),
    SortField.UPDATED: (["t1", "t2", "t4", "t5", "t6", "t3"], ["t3", "t6", "t5", "t4", "t2", "t1"]),
    SortField.PRIORITY: (
        ["t2", "t3", "t4", "t5", "t6", "t1"],
        ["t1", "t6", "t5", "t4", "t3", "t2"],
    ),
    # undated tasks come last both ways
    SortField.DUE: (["t2", "t1", "t3", "t4", "t5", "t6"], ["t1", "t2", "t6", "t5", "t4", "t3"]),
    SortField.TITLE: (["t3", "t6", "t2", "t5", "t1", "t4"], ["t4", "t1", "t5", "t2", "t6", "t3"]),
    SortField.STATUS: (["t1", "t2", "t3", "t4", "t5", "t6"], ["t6", "t5", "t4", "t3", "t2", "t1"]),
}


async def test_list_sorts_both_ways(engine: SqlTaskEngine) -> None:
    """Every sort field orders the list ascending and descending (ties by creation time)."""
    t = await _list_fixture(engine)
    assert set(SORTS) == set(SortField)
    for sort, (ascending, descending) in SORTS.items():
        query = {"project": "alpha", "include_completed": True, "sort": sort}
        up = await engine.list_tasks(TaskQuery(descending=False, **query))
        down = await engine.list_tasks(TaskQuery(descending=True, **query))
        assert names(up.items, t) == ascending, sort
        assert names(down.items, t) == descending, sort


async def test_list_pages_report_totals(engine: SqlTaskEngine) -> None:
    """Pages hold at most ``limit`` tasks, the total counts every match, and pages continue."""
    await _list_fixture(engine)
    query = {"project": "alpha", "include_completed": True, "limit": 4, "descending": False}
    first = await engine.list_tasks(TaskQuery(page=1, **query))
    second = await engine.list_tasks(TaskQuery(page=2, **query))
    beyond = await engine.list_tasks(TaskQuery(page=3, **query))
    assert (first.total, second.total, beyond.total) == (6, 6, 6)
    assert [len(first.items), len(second.items), len(beyond.items)] == [4, 2, 0]
    assert (first.pages, first.has_next, second.has_next) == (2, True, False)
    assert [x.ref for x in first.items + second.items] == [f"AL-{n}" for n in range(1, 7)]


# ------------------------------------------------------------------------------ update
async def test_update_changes_fields_and_bumps_version(engine: SqlTaskEngine) -> None:
    """An update changes the given fields only, bumps the version and records what changed."""
    await engine.create_milestone(MilestoneCreate(name="M1"))
    parent = await new(engine, "Parent")
    task = await new(engine, "Old", description="keep me", labels=["a"])
    updated = await engine.update_task(
        task.ref,
        TaskPatch(
            title="New",
            priority=Priority.CRITICAL,
            labels=["b", "c"],
            milestone="m1",
            parent=parent.ref,
            assignee="ann",
            due_date=date(2031, 1, 1),
            metadata={"x": 1},
            external_id="ext-9",
            task_type="chore",
            effort_estimate=3,
        ),
        expected_version=task.version,
    )
    assert updated.version == task.version + 1
    assert (updated.title, updated.priority, updated.labels) == (
        "New",
        Priority.CRITICAL,
        ["b", "c"],
    )
    assert updated.description == "keep me"
    assert updated.milestone_id is not None
    assert (updated.parent_id, updated.assignee) == (parent.id, "ann")
    assert (updated.due_date, updated.metadata) == (date(2031, 1, 1), {"x": 1})
    assert (updated.external_id, updated.task_type, updated.effort_estimate) == (
        "ext-9",
        "chore",
        3,
    )
    assert updated.updated_at >= task.updated_at
    event, assigned = (await all_events(engine))[-2:]
    assert (event.type, assigned.type) == ("task.updated", "task.assigned")
    assert event.task_id == task.id
    assert "title" in event.payload["fields"]
    assert "description" not in event.payload["fields"]
    page = await engine.list_tasks(TaskQuery(labels=["b"]))
    assert [x.id for x in page.items] == [task.id]
    assert (await engine.list_tasks(TaskQuery(labels=["a"]))).total == 0


async def test_stale_update_is_refused_and_overwrites_nothing(engine: SqlTaskEngine) -> None:
    """An update naming an old version fails with a conflict giving the current version."""
    task = await new(engine, "Original")
    mine = await engine.update_task(task.ref, TaskPatch(title="Mine"), expected_version=1)
    before = await last_seq(engine)
    with pytest.raises(ConflictError) as err:
        await engine.update_task(
            task.ref, TaskPatch(title="Theirs", assignee="x"), expected_version=1
        )
    assert err.value.details["current_version"] == 2
    assert err.value.details["expected_version"] == 1
    assert err.value.details["changed_by"] == "tester"
    assert "version 1" in err.value.message
    assert await engine.get_task(task.ref) == mine
    assert await last_seq(engine) == before


async def test_update_without_expected_version_always_applies(engine: SqlTaskEngine) -> None:
    """An update that names no version is applied whatever the current version is."""
    task = await new(engine, "A")
    await engine.update_task(task.ref, TaskPatch(title="B"), expected_version=None)
    last = await engine.update_task(task.ref, TaskPatch(title="C"), expected_version=None)
    assert (last.title, last.version) == ("C", 3)


async def test_update_clears_nullable_fields(engine: SqlTaskEngine) -> None:
    """Setting a nullable field to null clears it."""
    await engine.create_milestone(MilestoneCreate(name="M1"))
    parent = await new(engine, "Parent")
    task = await new(
        engine,
        "Full",
        milestone="M1",
        parent=parent.ref,
        assignee="ann",
        due_date=date(2030, 1, 1),
        effort_estimate=1.0,
        external_id="e1",
        pipeline_template="p",
    )
    cleared = await engine.update_task(
        task.ref,
        TaskPatch(
            milestone=None,
            parent=None,
            assignee=None,
            due_date=None,
            effort_estimate=None,
            external_id=None,
            pipeline_template=None,
        ),
        expected_version=task.version,
    )
    assert cleared.milestone_id is None
    assert cleared.parent_id is None
    assert cleared.assignee is None
    assert cleared.due_date is None
    assert cleared.effort_estimate is None
    assert cleared.external_id is None
    assert cleared.pipeline_template is None
    assert (await engine.get_task(parent.ref)).children_ids == []


async def test_update_that_changes_nothing_writes_nothing(engine: SqlTaskEngine) -> None:
    """Setting fields to the values they already have keeps the version and writes no event."""
    task = await new(engine, "Same", labels=["a"], priority=Priority.HIGH, assignee="ann")
    before = await last_seq(engine)
    same = await engine.update_task(
        task.ref,
        TaskPatch(title="Same", labels=["a"], priority=Priority.HIGH, assignee="ann"),
        expected_version=task.version,
    )
    assert same == task
    assert await last_seq(engine) == before


async def test_invalid_updates_are_refused(engine: SqlTaskEngine) -> None:
    """Clearing a required field, a parent loop, a taken external id or a missing milestone fail."""
    parent = await new(engine, "Parent")
    child = await new(engine, "Child", parent=parent.ref, external_id="c")
    await new(engine, "Other", external_id="taken")
    with pytest.raises(ValidationError) as cleared:
        await engine.update_task(child.ref, TaskPatch(title=None), expected_version=None)
    assert cleared.value.field == "title"
    with pytest.raises(ValidationError) as loop:
        await engine.update_task(parent.ref, TaskPatch(parent=child.ref), expected_version=None)
    assert loop.value.field == "parent"
    with pytest.raises(ValidationError):
        await engine.update_task(parent.ref, TaskPatch(parent=parent.ref), expected_version=None)
    with pytest.raises(ValidationError) as taken:
        await engine.update_task(child.ref, TaskPatch(external_id="taken"), expected_version=None)
    assert taken.value.field == "external_id"
    with pytest.raises(NotFoundError):
        await engine.update_task(child.ref, TaskPatch(milestone="nope"), expected_version=None)
    with pytest.raises(NotFoundError):
        await engine.update_task("TY-99", TaskPatch(title="x"), expected_version=None)
    assert await engine.get_task(child.ref) == child
    assert (await engine.get_task(parent.ref)).version == parent.version


# ------------------------------------------------------------------------------ transitions
async def test_transition_outside_the_table_is_refused(engine: SqlTaskEngine) -> None:
    """Moving backlog straight to done is refused with the allowed moves and a route hint."""
    task = await new(engine, "T")
    with pytest.raises(InvalidTransitionError) as err:
        await engine.transition_task(task.ref, S.DONE)
    assert type(err.value) is InvalidTransitionError
    assert err.value.details["allowed"] == ["cancelled", "ready"]
    assert err.value.hint is not None
    assert "backlog → ready → in progress → in review → done" in err.value.hint
    with pytest.raises(InvalidTransitionError):
        await engine.transition_task(task.ref, S.BACKLOG)  # already there
    assert await engine.get_task(task.ref) == task


async def test_in_progress_needs_a_claim_or_force(engine: SqlTaskEngine) -> None:
    """Moving a ready task to in progress by hand is refused; force starts it."""
    task = await new(engine, "T", status=S.READY)
    with pytest.raises(ClaimRequiredError) as err:
        await engine.transition_task(task.ref, S.IN_PROGRESS)
    assert err.value.code == "claim_required"
    assert (await engine.get_task(task.ref)).status == S.READY
    started = await engine.transition_task(task.ref, S.IN_PROGRESS, force=True)
    assert started.status == S.IN_PROGRESS
    event = (await all_events(engine))[-1]
    assert (event.type, event.payload["from"], event.payload["to"]) == (
        "task.status_changed",
        "ready",
        "in_progress",
    )
    assert event.payload["forced"] is True


async def test_dependency_guard_names_each_unresolved_blocker(engine: SqlTaskEngine) -> None:
    """A task with unfinished blockers cannot become ready; the error names each and its state."""
    design = await new(engine, "Design", status=S.READY)
    await engine.transition_task(design.ref, S.IN_PROGRESS, force=True)
    api = await new(engine, "API")
    done = await new(engine, "Old")
    await finish(engine, done.ref)
    task = await new(engine, "Build", blocked_by=[design.ref, api.ref, done.ref])
    with pytest.raises(DependencyBlockedError) as err:
        await engine.transition_task(task.ref, S.READY)
    message = err.value.message
    assert 'TY-1 "Design" (in progress)' in message
    assert 'TY-2 "API" (backlog)' in message
    assert "TY-3" not in message
    assert [b["ref"] for b in err.value.details["blockers"]] == ["TY-1", "TY-2"]
    assert [b["status"] for b in err.value.details["blockers"]] == ["in_progress", "backlog"]
    assert (await engine.get_task(task.ref)).status == S.BACKLOG


async def test_a_tasks_related_lists_keep_their_order_in_a_read_and_in_a_page(
    engine: SqlTaskEngine,
) -> None:
    """Blockers and dependents by number, children by number, files oldest first: the same
    in ``get_task`` and in a list page, whatever order they were given in."""
    first = await new(engine, "First blocker")
    second = await new(engine, "Second blocker")
    third = await new(engine, "Third blocker")
    parent = await new(engine, "Parent")
    task = await new(
        engine,
        "Build",
        blocked_by=[third.ref, first.ref, second.ref],
        attachments=[AttachmentIn(name="first.txt", content_base64=b64(b"1"))],
    )
    await engine.add_attachment(task.ref, AttachmentIn(name="second.txt", content_base64=b64(b"2")))
    kids = [await new(engine, f"Child {n}", parent=parent.ref) for n in range(3)]
    dependent = await new(engine, "After", blocked_by=[third.ref])

    read = await engine.get_task(task.ref)
    assert [b.ref for b in read.blocked_by] == [first.ref, second.ref, third.ref]
    assert (read.blocked_by[0].title, read.blocked_by[0].status) == ("First blocker", S.BACKLOG)
    assert [a.name for a in read.attachments] == ["first.txt", "second.txt"]
    assert all(a.created_at.tzinfo is not None for a in read.attachments)
    assert (await engine.get_task(parent.ref)).children_ids == [k.id for k in kids]
    assert [b.ref for b in (await engine.get_task(third.ref)).blocks] == [task.ref, dependent.ref]

    page = await engine.list_tasks_keyset(TaskQuery(limit=50), cursor=None)
    listed = {t.id: t for t in page.items}
    for ref in (task.ref, parent.ref, third.ref):
        one = await engine.get_task(ref)
        assert listed[one.id] == one


async def test_get_task_without_links_has_the_same_own_fields(engine: SqlTaskEngine) -> None:
    """``links=False`` (what a worker reads) drops the related lists and nothing else."""
    blocker = await new(engine, "Design")
    task = await new(engine, "Build", blocked_by=[blocker.ref], description="do it", labels=["api"])
    full = await engine.get_task(task.ref)
    brief = await engine.get_task(task.id, links=False)
    assert [b.ref for b in full.blocked_by] == [blocker.ref]
    assert (brief.blocked_by, brief.blocks, brief.attachments) == ([], [], [])
    skip = {"blocked_by", "blocks", "children_ids", "attachments", "run_ids"}
    assert brief.model_dump(exclude=skip) == full.model_dump(exclude=skip)


async def test_force_does_not_skip_the_dependency_guard(engine: SqlTaskEngine) -> None:
    """Run Now on a task (back from review) with an unfinished blocker is refused too."""
    task = await new(engine, "T", status=S.READY)
    await engine.transition_task(task.ref, S.IN_PROGRESS, force=True)
    await engine.transition_task(task.ref, S.IN_REVIEW)
    blocker = await new(engine, "B")
    in_review = await engine.add_dependency(task.ref, blocker.ref)
    assert (in_review.status, in_review.unresolved_blocker_count) == (S.IN_REVIEW, 1)
    with pytest.raises(DependencyBlockedError) as err:
        await engine.transition_task(task.ref, S.IN_PROGRESS, force=True)
    assert [b["ref"] for b in err.value.details["blockers"]] == [blocker.ref]
    assert (await engine.get_task(task.ref)).status == S.IN_REVIEW


async def test_done_sets_completed_at_and_reopening_clears_it(engine: SqlTaskEngine) -> None:
    """Finishing a task stamps completed_at; reopening it to ready clears the stamp."""
    task = await new(engine, "T")
    done = await finish(engine, task.ref)
    assert done.status == S.DONE
    assert done.completed_at is not None
    assert (await all_events(engine))[-1].type == "task.completed"
    reopened = await engine.transition_task(task.ref, S.READY)
    assert reopened.status == S.READY
    assert reopened.completed_at is None


async def test_in_progress_to_done_needs_auto_approve(open_engine: OpenEngine) -> None:
    """Without auto-approve a running task must go through review; with it, straight to done."""
    strict = await open_engine(auto_approve=False)
    task = await new(strict, "T", status=S.READY)
    await strict.transition_task(task.ref, S.IN_PROGRESS, force=True)
    with pytest.raises(InvalidTransitionError):
        await strict.transition_task(task.ref, S.DONE)
    relaxed = await open_engine(auto_approve=True)
    done = await relaxed.transition_task(task.ref, S.DONE)
    assert done.status == S.DONE
    assert done.completed_at is not None


async def test_manual_block_keeps_the_reason(engine: SqlTaskEngine) -> None:
    """Blocking a task by hand stores the person's reason; unblocking clears it."""
    task = await new(engine, "T", status=S.READY)
    blocked = await engine.transition_task(task.ref, S.BLOCKED, reason="waiting for keys")
    assert blocked.blocked_reason == ManualReason(message="waiting for keys")
    assert (await all_events(engine))[-1].payload["reason"] == "waiting for keys"
    back = await engine.transition_task(task.ref, S.READY)
    assert back.blocked_reason is None


async def test_stale_transition_is_refused(engine: SqlTaskEngine) -> None:
    """A move naming an old version fails with a conflict and leaves the task alone."""
    task = await new(engine, "T")
    await engine.update_task(task.ref, TaskPatch(title="U"), expected_version=None)
    with pytest.raises(ConflictError) as err:
        await engine.transition_task(task.ref, S.READY, expected_version=1)
    assert err.value.details["current_version"] == 2
    assert (await engine.get_task(task.ref)).status == S.BACKLOG
    moved = await engine.transition_task(task.ref, S.READY, expected_version=2)
    assert (moved.status, moved.version) == (S.READY, 3)


async def test_unknown_task_cannot_be_moved(engine: SqlTaskEngine) -> None:
    """Moving a task that does not exist is not found."""
    with pytest.raises(NotFoundError):
        await engine.transition_task("TY-1", S.READY)


# ------------------------------------------------------------------------------ when unblocked
@pytest.mark.parametrize("resolution", [S.DONE, S.CANCELLED])
async def test_parked_task_becomes_ready_when_its_last_blocker_resolves(
    engine: SqlTaskEngine, resolution: TaskStatus
) -> None:
    """A task queued with when_unblocked moves to ready by itself once every blocker resolves."""
    first = await new(engine, "First", status=S.READY)
    second = await new(engine, "Second")
    task = await new(
        engine, "Waits", status=S.READY, when_unblocked=True, blocked_by=[first.ref, second.ref]
    )
    assert (task.status, task.unresolved_blocker_count) == (S.BLOCKED, 2)
    await engine.transition_task(second.ref, S.CANCELLED)
    assert (await engine.get_task(task.ref)).status == S.BLOCKED
    mark = await last_seq(engine)
    if resolution == S.DONE:
        await finish(engine, first.ref)
    else:
        await engine.transition_task(first.ref, S.CANCELLED)
    ready = await engine.get_task(task.ref)
    assert (ready.status, ready.unresolved_blocker_count, ready.blocked_reason) == (
        S.READY,
        0,
        None,
    )
    unblocked = [e for e in await all_events(engine, mark) if e.type == "task.unblocked"]
    assert len(unblocked) == 1
    assert unblocked[0].task_id == task.id
    assert unblocked[0].payload["automatic"] is True
    assert (unblocked[0].payload["from"], unblocked[0].payload["to"]) == ("blocked", "ready")


async def test_transition_when_unblocked_parks_an_existing_task(engine: SqlTaskEngine) -> None:
    """Asking an existing task for ready with when_unblocked parks it until its blocker is done."""
    blocker = await new(engine, "B", status=S.READY)
    task = await new(engine, "T", blocked_by=[blocker.ref])
    parked = await engine.transition_task(task.ref, S.READY, when_unblocked=True)
    assert parked.status == S.BLOCKED
    assert parked.blocked_reason is not None
    assert parked.blocked_reason.kind == "dependencies"
    event = (await all_events(engine))[-1]
    assert event.payload["queued_until_unblocked"] is True
    await finish(engine, blocker.ref)
    assert (await engine.get_task(task.ref)).status == S.READY


async def test_when_unblocked_without_blockers_is_simply_ready(engine: SqlTaskEngine) -> None:
    """Queueing a task with no unfinished blockers makes it ready at once."""
    task = await new(engine, "T")
    assert (await engine.transition_task(task.ref, S.READY, when_unblocked=True)).status == S.READY


async def test_manually_blocked_task_is_not_promoted(engine: SqlTaskEngine) -> None:
    """A task blocked by hand stays blocked when its blockers finish."""
    blocker = await new(engine, "B", status=S.READY)
    task = await new(engine, "T", status=S.READY)
    await engine.transition_task(task.ref, S.BLOCKED, reason="not yet")
    await engine.add_dependency(task.ref, blocker.ref)
    await finish(engine, blocker.ref)
    fresh = await engine.get_task(task.ref)
    assert fresh.status == S.BLOCKED
    assert fresh.unresolved_blocker_count == 0


async def test_reopening_a_done_blocker_parks_a_ready_dependent(engine: SqlTaskEngine) -> None:
    """When a finished blocker is reopened, a ready dependent goes back to blocked to wait."""
    blocker = await new(engine, "B")
    await finish(engine, blocker.ref)
    ready = await new(engine, "R", status=S.READY, blocked_by=[blocker.ref])
    idle = await new(engine, "I", blocked_by=[blocker.ref])
    assert ready.status == S.READY
    await engine.transition_task(blocker.ref, S.READY)
    parked = await engine.get_task(ready.ref)
    assert (parked.status, parked.unresolved_blocker_count) == (S.BLOCKED, 1)
    assert parked.blocked_reason is not None
    assert parked.blocked_reason.kind == "dependencies"
    assert parked.blocked_reason.blockers == [blocker.id]
    still = await engine.get_task(idle.ref)
    assert (still.status, still.unresolved_blocker_count) == (S.BACKLOG, 1)
    await finish(engine, blocker.ref)
    assert (await engine.get_task(ready.ref)).status == S.READY


# ------------------------------------------------------------------------------ dependencies
async def test_add_dependency_links_both_tasks(engine: SqlTaskEngine) -> None:
    """Adding a blocker shows it on both tasks, counts it and records an event."""
    blocker = await new(engine, "B")
    task = await new(engine, "T")
    linked = await engine.add_dependency(task.ref.lower(), blocker.id)
    assert [b.id for b in linked.blocked_by] == [blocker.id]
    assert linked.unresolved_blocker_count == 1
    assert linked.version == task.version + 1
    assert [d.id for d in (await engine.get_task(blocker.ref)).blocks] == [task.id]
    event = (await all_events(engine))[-1]
    assert (event.type, event.task_id, event.payload["blocker_id"]) == (
        "task.dependency_added",
        task.id,
        blocker.id,
    )


async def test_adding_an_unfinished_blocker_parks_a_ready_task(engine: SqlTaskEngine) -> None:
    """A ready task given an unfinished blocker waits in blocked; a done blocker changes nothing."""
    done = await new(engine, "Done")
    await finish(engine, done.ref)
    task = await new(engine, "T", status=S.READY)
    after_done = await engine.add_dependency(task.ref, done.ref)
    assert (after_done.status, after_done.unresolved_blocker_count) == (S.READY, 0)
    blocker = await new(engine, "B")
    parked = await engine.add_dependency(task.ref, blocker.ref)
    assert (parked.status, parked.unresolved_blocker_count) == (S.BLOCKED, 1)
    assert parked.blocked_reason is not None
    assert parked.blocked_reason.kind == "dependencies"
    await engine.transition_task(blocker.ref, S.CANCELLED)
    assert (await engine.get_task(task.ref)).status == S.READY


async def test_repeated_dependency_is_a_no_op(engine: SqlTaskEngine) -> None:
    """Adding the same blocker twice keeps one edge, one count and writes no second event."""
    blocker = await new(engine, "B")
    task = await new(engine, "T")
    first = await engine.add_dependency(task.ref, blocker.ref)
    before = await last_seq(engine)
    again = await engine.add_dependency(task.ref, blocker.ref)
    assert again == first
    assert await last_seq(engine) == before


async def test_self_dependency_is_refused(engine: SqlTaskEngine) -> None:
    """A task cannot be blocked by itself."""
    task = await new(engine, "T")
    with pytest.raises(CycleError) as err:
        await engine.add_dependency(task.ref, task.ref.lower())
    assert err.value.details["cycle_refs"] == ["TY-1", "TY-1"]
    assert (await engine.get_task(task.ref)).blocked_by == []


async def test_cycle_is_refused_with_its_path(engine: SqlTaskEngine) -> None:
    """An edge closing a cycle is refused; the error shows the whole loop."""
    a = await new(engine, "A")
    b = await new(engine, "B", blocked_by=[a.ref])
    c = await new(engine, "C", blocked_by=[b.ref])
    before = await last_seq(engine)
    with pytest.raises(CycleError) as err:
        await engine.add_dependency(a.ref, c.ref)
    assert err.value.details["cycle_refs"] == ["TY-1", "TY-3", "TY-2", "TY-1"]
    assert err.value.details["cycle"] == [a.id, c.id, b.id, a.id]
    assert "TY-1 → TY-3 → TY-2 → TY-1" in err.value.message
    assert (await engine.get_task(a.ref)).blocked_by == []
    assert await last_seq(engine) == before


async def test_dependency_across_projects_is_refused(engine: SqlTaskEngine) -> None:
    """A blocker must be in the same project."""
    await engine.create_project(ProjectCreate(name="Web App"))
    foreign = await new(engine, "F", project="web-app")
    task = await new(engine, "T")
    with pytest.raises(ValidationError):
        await engine.add_dependency(task.ref, foreign.ref)
    assert (await engine.get_task(task.ref)).blocked_by == []


async def test_running_or_done_task_cannot_get_a_blocker(engine: SqlTaskEngine) -> None:
    """A task that is in progress or done cannot be given a new blocker."""
    blocker = await new(engine, "B")
    running = await new(engine, "R", status=S.READY)
    await engine.transition_task(running.ref, S.IN_PROGRESS, force=True)
    done = await new(engine, "D")
    await finish(engine, done.ref)
    for ref, state in ((running.ref, "in_progress"), (done.ref, "done")):
        with pytest.raises(InvalidTransitionError) as err:
            await engine.add_dependency(ref, blocker.ref)
        assert err.value.details["status"] == state
        assert (await engine.get_task(ref)).blocked_by == []
    with pytest.raises(NotFoundError):
        await engine.add_dependency(blocker.ref, "TY-99")


async def test_removing_the_last_blocker_makes_a_parked_task_ready(engine: SqlTaskEngine) -> None:
    """Removing a parked task's last unfinished blocker moves it to ready."""
    first = await new(engine, "First")
    second = await new(engine, "Second")
    task = await new(
        engine, "T", status=S.READY, when_unblocked=True, blocked_by=[first.ref, second.ref]
    )
    one_left = await engine.remove_dependency(task.ref, first.ref)
    assert (one_left.status, one_left.unresolved_blocker_count) == (S.BLOCKED, 1)
    mark = await last_seq(engine)
    ready = await engine.remove_dependency(task.ref, second.ref)
    assert (ready.status, ready.unresolved_blocker_count, ready.blocked_by) == (S.READY, 0, [])
    types = [e.type for e in await all_events(engine, mark)]
    assert types == ["task.dependency_removed", "task.unblocked"]


async def test_removing_a_finished_blocker_keeps_the_count(engine: SqlTaskEngine) -> None:
    """Removing a done blocker leaves the unfinished-blocker count alone."""
    done = await new(engine, "Done")
    await finish(engine, done.ref)
    open_one = await new(engine, "Open")
    task = await new(engine, "T", blocked_by=[done.ref, open_one.ref])
    after = await engine.remove_dependency(task.ref, done.ref)
    assert after.unresolved_blocker_count == 1
    assert [b.id for b in after.blocked_by] == [open_one.id]


async def test_removing_a_missing_edge_is_not_found(engine: SqlTaskEngine) -> None:
    """Removing a dependency that does not exist is not found and writes nothing."""
    a = await new(engine, "A")
    b = await new(engine, "B")
    before = await last_seq(engine)
    with pytest.raises(NotFoundError):
        await engine.remove_dependency(a.ref, b.ref)
    with pytest.raises(NotFoundError):
        await engine.remove_dependency(a.ref, "TY-42")
    assert await last_seq(engine) == before
    assert (await engine.get_task(a.ref)).version == a.version


# ------------------------------------------------------------------------------ delete
async def test_delete_removes_the_task(engine: SqlTaskEngine) -> None:
    """Deleting returns the ref; the task is gone, its ref is not reused, an event is written."""
    task = await new(engine, "Gone")
    assert await engine.delete_task(task.ref.lower()) == "TY-1"
    with pytest.raises(NotFoundError):
        await engine.get_task(task.ref)
    event = (await all_events(engine))[-1]
    assert (event.type, event.task_id, event.payload["ref"]) == ("task.deleted", task.id, "TY-1")
    assert (await new(engine, "Next")).ref == "TY-2"
    with pytest.raises(NotFoundError):
        await engine.delete_task("TY-1")


async def test_running_task_cannot_be_deleted(engine: SqlTaskEngine) -> None:
    """A task in progress must be cancelled before it can be deleted."""
    task = await new(engine, "Running", status=S.READY)
    await engine.transition_task(task.ref, S.IN_PROGRESS, force=True)
    with pytest.raises(InvalidTransitionError) as err:
        await engine.delete_task(task.ref)
    assert "cancel" in (err.value.hint or "").lower()
    assert (await engine.get_task(task.ref)).status == S.IN_PROGRESS
    await engine.transition_task(task.ref, S.CANCELLED)
    assert await engine.delete_task(task.ref) == task.ref


async def test_deleting_an_unfinished_blocker_frees_its_dependents(engine: SqlTaskEngine) -> None:
    """Deleting the last unfinished blocker of a parked task makes that task ready."""
    blocker = await new(engine, "B")
    parked = await new(engine, "P", status=S.READY, when_unblocked=True, blocked_by=[blocker.ref])
    idle = await new(engine, "I", blocked_by=[blocker.ref])
    await engine.delete_task(blocker.ref)
    freed = await engine.get_task(parked.ref)
    assert (freed.status, freed.unresolved_blocker_count, freed.blocked_by) == (S.READY, 0, [])
    rest = await engine.get_task(idle.ref)
    assert (rest.status, rest.unresolved_blocker_count, rest.blocked_by) == (S.BACKLOG, 0, [])


async def test_deleting_a_parent_keeps_its_children(engine: SqlTaskEngine) -> None:
    """Children of a deleted task stay, without a parent."""
    parent = await new(engine, "Epic")
    child = await new(engine, "Child", parent=parent.ref)
    await engine.delete_task(parent.ref)
    orphan = await engine.get_task(child.ref)
    assert orphan.parent_id is None
    assert orphan.title == "Child"


async def test_deleting_a_dependent_removes_its_edges(engine: SqlTaskEngine) -> None:
    """After deleting a task its blockers no longer list it."""
    blocker = await new(engine, "B")
    task = await new(engine, "T", blocked_by=[blocker.ref])
    await engine.delete_task(task.ref)
    assert (await engine.get_task(blocker.ref)).blocks == []


# ------------------------------------------------------------------------------ assign
async def test_assign_reports_each_reference(engine: SqlTaskEngine) -> None:
    """Bulk assign sets the assignee of each found task and reports missing refs as not found."""
    a = await new(engine, "A")
    b = await new(engine, "B")
    result = await engine.assign_tasks(["ty-1", "TY-9", b.id, "nonsense"], "ann")
    assert [i.ref for i in result.items] == ["ty-1", "TY-9", b.id, "nonsense"]
    assert [i.ok for i in result.items] == [True, False, True, False]
    assert (result.succeeded, result.failed) == (2, 2)
    assert result.not_found == ["TY-9", "nonsense"]
    missing = result.items[1].error
    assert missing is not None
    assert missing["code"] == "not_found"
    assert missing["message"]
    first = result.items[0].task
    assert first is not None
    assert (first.id, first.assignee, first.version) == (a.id, "ann", a.version + 1)
    assert (await engine.get_task(b.ref)).assignee == "ann"


async def test_assign_naming_a_task_twice_changes_it_once(engine: SqlTaskEngine) -> None:
    """Naming the same task twice in one bulk assign changes it once and records one event."""
    task = await new(engine, "A")
    before = await last_seq(engine)
    result = await engine.assign_tasks([task.ref, task.ref.lower()], "ann")
    assert [i.ok for i in result.items] == [True, True]
    assert (await engine.get_task(task.ref)).version == task.version + 1
    assert [e.type for e in await all_events(engine, before)] == ["task.assigned"]


async def test_an_assignment_emits_task_assigned_naming_both_assignees(
    engine: SqlTaskEngine,
) -> None:
    """Giving a task to someone else emits ``task.assigned`` with the previous and the new
    assignee (what a webhook consumer of the spec's events listens for); when other fields
    change with it, their ``task.updated`` comes first."""
    task = await new(engine, "A", assignee="ann")
    before = await last_seq(engine)
    await engine.update_task(task.ref, TaskPatch(assignee="bob"), expected_version=None)
    await engine.update_task(task.ref, TaskPatch(title="B", assignee=None), expected_version=None)
    events = await all_events(engine, before)
    assert [e.type for e in events] == ["task.assigned", "task.updated", "task.assigned"]
    first, update, second = (e.payload for e in events)
    assert (first["previous_assignee"], first["assignee"]) == ("ann", "bob")
    assert update["fields"] == ["assignee", "title"]
    assert (second["previous_assignee"], second["assignee"]) == ("bob", None)
    assert "from" not in first  # not a move between states
    await engine.assign_tasks([task.ref], "cy")
    [bulk] = await all_events(engine, events[-1].seq)
    assert (bulk.type, bulk.payload["previous_assignee"], bulk.payload["assignee"]) == (
        "task.assigned",
        None,
        "cy",
    )


async def test_assign_clears_and_skips_unchanged(engine: SqlTaskEngine) -> None:
    """Assigning the current assignee writes nothing; assigning None clears it."""
    task = await new(engine, "A", assignee="ann")
    before = await last_seq(engine)
    same = await engine.assign_tasks([task.ref], "ann")
    assert same.items[0].ok
    assert await last_seq(engine) == before
    assert (await engine.get_task(task.ref)).version == task.version
    await engine.assign_tasks([task.ref], None)
    assert (await engine.get_task(task.ref)).assignee is None
    assert (await engine.list_tasks(TaskQuery(assignee="ann"))).total == 0


# ------------------------------------------------------------------------------ ready queue
async def test_ready_queue_orders_by_priority_then_age(engine: SqlTaskEngine) -> None:
    """The ready queue gives critical before high before medium before low, oldest first."""
    await engine.create_project(ProjectCreate(name="Web App"))
    low = await new(engine, "low", status=S.READY, priority=Priority.LOW)
    crit1 = await new(engine, "crit1", status=S.READY, priority=Priority.CRITICAL)
    med = await new(engine, "med", status=S.READY)
    await new(engine, "backlog", priority=Priority.CRITICAL)
    crit2 = await new(engine, "crit2", status=S.READY, priority=Priority.CRITICAL)
    high = await new(engine, "high", status=S.READY, priority=Priority.HIGH)
    web = await new(engine, "web", project="web-app", status=S.READY)
    queue = await engine.ready_tasks()
    assert [c.id for c in queue] == [crit1.id, crit2.id, high.id, med.id, web.id, low.id]
    assert [c.id for c in await engine.ready_tasks(limit=2)] == [crit1.id, crit2.id]
    assert [c.id for c in await engine.ready_tasks(project="web-app")] == [web.id]
    assert [c.ref for c in await engine.ready_tasks(project="inbox", limit=1)] == [crit1.ref]
    with pytest.raises(NotFoundError):
        await engine.ready_tasks(project="nope")


# ------------------------------------------------------------------------------ board
async def test_board_counts_every_column_and_windows_the_cards(engine: SqlTaskEngine) -> None:
    """The board counts each state and shows the first cards of each column in queue order."""
    low = await new(engine, "low", priority=Priority.LOW)
    high = await new(engine, "high", priority=Priority.HIGH)
    med = await new(engine, "med")
    ready = await new(engine, "ready", status=S.READY)
    done = await new(engine, "done")
    await finish(engine, done.ref)
    board = await engine.board(BoardQuery(per_column=2))
    assert [c.status for c in board.columns] == list(TaskStatus)
    counts = {c.status: c.count for c in board.columns}
    assert counts == {
        S.BACKLOG: 3,
        S.READY: 1,
        S.IN_PROGRESS: 0,
        S.IN_REVIEW: 0,
        S.DONE: 1,
        S.BLOCKED: 0,
        S.CANCELLED: 0,
    }
    assert board.total == 5
    assert [c.id for c in board.column(S.BACKLOG).cards] == [high.id, med.id]
    assert [c.id for c in board.column(S.READY).cards] == [ready.id]
    assert board.column(S.IN_PROGRESS).cards == []
    assert board.last_event_seq == await last_seq(engine)
    more = await engine.board_column(BoardQuery(), S.BACKLOG, offset=2, limit=2)
    assert (more.status, more.count, more.offset) == (S.BACKLOG, 3, 2)
    assert [c.id for c in more.cards] == [low.id]
    window = await engine.board_column(BoardQuery(), S.BACKLOG, offset=1, limit=1)
    assert [c.id for c in window.cards] == [med.id]
    empty = await engine.board_column(BoardQuery(), S.BACKLOG, offset=5, limit=2)
    assert (empty.count, empty.cards) == (3, [])


async def test_board_column_windows_at_any_offset_are_slices_of_the_column(
    engine: SqlTaskEngine,
) -> None:
    """A window at any offset, near either end of the column, filtered or not, holds exactly
    the cards the whole column holds at those positions (deep windows seek by sort key)."""
    # One import: the tasks share created_at, so number decides among equal priorities.
    priorities = [Priority.LOW, Priority.HIGH, Priority.MEDIUM, Priority.MEDIUM, Priority.HIGH]
    items = [
        TaskImportItem(title=f"T{i}", priority=priorities[i % 5], labels=["odd"] if i % 2 else [])
        for i in range(23)
    ]
    await engine.import_tasks(items)
    await new(engine, "later", priority=Priority.CRITICAL)
    for query in (BoardQuery(), BoardQuery(labels=["odd"]), BoardQuery(text="t1")):
        whole = await engine.board_column(query, S.BACKLOG, offset=0, limit=1000)
        ids = [c.id for c in whole.cards]
        assert len(ids) == whole.count > 0
        for offset in range(whole.count + 2):
            for limit in (1, 3, 10):
                window = await engine.board_column(query, S.BACKLOG, offset=offset, limit=limit)
                assert (window.count, window.offset) == (whole.count, offset)
                assert [c.id for c in window.cards] == ids[offset : offset + limit], (
                    query,
                    offset,
                    limit,
                )


async def test_board_filters_and_chosen_columns(engine: SqlTaskEngine) -> None:
    """The board shows only the chosen columns and only tasks matching its filters."""
    await engine.create_project(ProjectCreate(name="Web App"))
    bug = await new(engine, "Crash on save", labels=["bug"], assignee="ann")
    await new(engine, "Feature", labels=["feature"])
    web = await new(engine, "Web", project="web-app", labels=["bug"])
    board = await engine.board(BoardQuery(statuses=[S.BACKLOG, S.DONE], labels=["bug"]))
    assert [c.status for c in board.columns] == [S.BACKLOG, S.DONE]
    assert {c.id for c in board.column(S.BACKLOG).cards} == {bug.id, web.id}
    project_board = await engine.board(BoardQuery(project="inbox"))
    assert project_board.total == 2
    by_ref = await engine.board(BoardQuery(text="wa-1"))
    assert [c.id for c in by_ref.column(S.BACKLOG).cards] == [web.id]
    by_text = await engine.board(BoardQuery(text="crash"))
    assert by_text.total == 1
    assert (await engine.board(BoardQuery(assignee="ann"))).total == 1
    assert (await engine.board(BoardQuery(priorities=[Priority.LOW]))).total == 0
    column = await engine.board_column(BoardQuery(text="wa-1"), S.BACKLOG, offset=0, limit=5)
    assert [c.id for c in column.cards] == [web.id]
    assert (await engine.board(BoardQuery(per_column=0))).column(S.BACKLOG).cards == []
    with pytest.raises(NotFoundError):
        await engine.board(BoardQuery(project="nope"))
    with pytest.raises(NotFoundError):
        await engine.board_column(BoardQuery(project="nope"), S.READY, offset=0, limit=1)


# ------------------------------------------------------------------------------ import
IMPORT_ITEMS = [
    TaskImportItem(title="A", external_id="a", status=S.DONE),
    TaskImportItem(title="B", external_id="b", status=S.READY, blocked_by=["a"]),
    TaskImportItem(title="C", external_id="c", status=S.READY, blocked_by=["b"]),
    TaskImportItem(title="D", external_id="d", blocked_by=["b", "c"], labels=["imp"]),
    TaskImportItem(title="E", external_id="e", parent_external_id="a", milestone="Imported"),
]


async def test_import_creates_tasks_edges_and_keeps_statuses(engine: SqlTaskEngine) -> None:
    """An import creates every task with its state, edges, parent and milestone."""
    result = await engine.import_tasks(IMPORT_ITEMS)
    assert result.created == ["TY-1", "TY-2", "TY-3", "TY-4", "TY-5"]
    assert (result.existing, result.edges) == ([], 4)
    a, b, c, d, e = [await engine.get_task(ref) for ref in result.created]
    assert (a.status, b.status, c.status, d.status) == (S.DONE, S.READY, S.BLOCKED, S.BACKLOG)
    assert a.completed_at is not None
    assert b.unresolved_blocker_count == 0
    assert (c.unresolved_blocker_count, d.unresolved_blocker_count) == (1, 2)
    assert [x.id for x in d.blocked_by] == [b.id, c.id]
    assert e.parent_id == a.id
    assert e.milestone_id == (await engine.find_milestones("inbox", name="imported"))[0].id
    assert d.labels == ["imp"]
    assert (await engine.list_tasks(TaskQuery(labels=["imp"]))).total == 1
    created = [ev for ev in await all_events(engine) if ev.type == "task.created"]
    assert [ev.payload["ref"] for ev in created] == result.created


async def test_import_parks_ready_tasks_with_unfinished_blockers(engine: SqlTaskEngine) -> None:
    """A ready item waiting for an unfinished blocker is parked with a warning, then promoted."""
    result = await engine.import_tasks(IMPORT_ITEMS)
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("item 3:")
    b, c = await engine.get_task("TY-2"), await engine.get_task("TY-3")
    assert c.blocked_reason is not None
    assert c.blocked_reason.kind == "dependencies"
    assert c.blocked_reason.blockers == [b.id]
    await finish(engine, b.ref)
    assert (await engine.get_task(c.ref)).status == S.READY


async def test_reimport_reports_existing_tasks_and_writes_nothing(engine: SqlTaskEngine) -> None:
    """Importing the same file again creates nothing and lists every task as existing."""
    first = await engine.import_tasks(IMPORT_ITEMS)
    before = await last_seq(engine)
    again = await engine.import_tasks(IMPORT_ITEMS)
    assert again.created == []
    assert again.existing == first.created
    assert again.edges == 0
    assert await last_seq(engine) == before
    assert len(await all_tasks(engine)) == 5


async def test_import_links_to_tasks_already_in_the_project_by_ref(engine: SqlTaskEngine) -> None:
    """Import items may name tasks already in the project as blockers by their ref."""
    done = await new(engine, "Old")
    await finish(engine, done.ref)
    other = await new(engine, "Other")
    result = await engine.import_tasks(
        [
            TaskImportItem(title="X", status=S.READY, blocked_by=["TY-1"]),
            TaskImportItem(title="Y", blocked_by=[other.ref.lower(), "TY-1"]),
        ]
    )
    x, y = [await engine.get_task(ref) for ref in result.created]
    assert (x.status, [b.id for b in x.blocked_by]) == (S.READY, [done.id])
    assert sorted(b.id for b in y.blocked_by) == sorted([done.id, other.id])
    assert y.unresolved_blocker_count == 1
    assert [d.id for d in (await engine.get_task(other.ref)).blocks] == [y.id]


async def test_import_names_blockers_by_ref_or_id_as_a_create_does(engine: SqlTaskEngine) -> None:
    """An import item's blocker may be a task id, as a single create's may (one resolver)."""
    blocker = await new(engine, "Old")
    result = await engine.import_tasks([TaskImportItem(title="X", blocked_by=[blocker.id])])
    x = await engine.get_task(result.created[0])
    assert [b.id for b in x.blocked_by] == [blocker.id]


async def test_import_takes_a_parent_already_in_the_project_by_external_id(
    engine: SqlTaskEngine,
) -> None:
    """An import item's parent may be a task created earlier, named by its external id."""
    epic = await new(engine, "Epic", external_id="epic")
    result = await engine.import_tasks([TaskImportItem(title="Child", parent_external_id="epic")])
    child = await engine.get_task(result.created[0])
    assert child.parent_id == epic.id
    assert (await engine.get_task(epic.ref)).children_ids == [child.id]


async def test_import_links_to_tasks_already_in_the_project_by_external_id(
    engine: SqlTaskEngine,
) -> None:
    """Import items may name tasks already in the project as blockers by their external id."""
    done = await new(engine, "Old", external_id="old")
    await finish(engine, done.ref)
    result = await engine.import_tasks(
        [TaskImportItem(title="X", status=S.READY, blocked_by=["old"])]
    )
    x = await engine.get_task(result.created[0])
    assert (x.status, [b.id for b in x.blocked_by]) == (S.READY, [done.id])


@pytest.mark.parametrize(
    ("items", "index", "field", "words"),
    [
        (
            [
                TaskImportItem(title="X", external_id="x"),
                TaskImportItem(title="Y", status=S.IN_PROGRESS, blocked_by=["x"]),
            ],
            1,
            "status",
            "unresolved",
        ),
        (
            [
                TaskImportItem(title="X", external_id="x", blocked_by=["z"]),
                TaskImportItem(title="Y", external_id="y", blocked_by=["x"]),
                TaskImportItem(title="Z", external_id="z", blocked_by=["y"]),
            ],
            0,
            "blocked_by",
            "cycle",
        ),
        (
            [TaskImportItem(title="X"), TaskImportItem(title="Y", blocked_by=["ghost"])],
            1,
            "blocked_by",
            "ghost",
        ),
        (
            [TaskImportItem(title="X", blocked_by=["TY-77"])],
            0,
            "blocked_by",
            "TY-77",
        ),
        (
            [
                TaskImportItem(title="X", external_id="d"),
                TaskImportItem(title="Y", external_id="d"),
            ],
            1,
            "external_id",
            "repeats",
        ),
    ],
    ids=["in-progress-with-open-blocker", "cycle", "unknown-blocker", "unknown-ref", "dup-ext"],
)
async def test_bad_import_names_the_item_and_writes_nothing(
    engine: SqlTaskEngine, items: list[TaskImportItem], index: int, field: str, words: str
) -> None:
    """A bad import fails naming each bad item's index and field, and writes nothing at all."""
    with pytest.raises(ValidationError) as err:
        await engine.import_tasks(items)
    problems = err.value.details["errors"]
    assert {"index": index, "field": field} in [
        {"index": p["index"], "field": p["field"]} for p in problems
    ]
    assert any(words in p["message"] for p in problems)
    assert "Nothing was imported" in err.value.message
    assert await all_events(engine) == []
    assert await engine.list_projects() == []  # not even the default project
    assert (await new(engine, "After")).ref == "TY-1"


async def test_imported_tasks_keep_file_order_in_queue_board_and_list(
    engine: SqlTaskEngine,
) -> None:
    """Tasks imported together are queued, shown and listed in the order of the file."""
    result = await engine.import_tasks(
        [TaskImportItem(title=f"step {n}", status=S.READY) for n in range(8)]
    )
    assert [c.ref for c in await engine.ready_tasks()] == result.created
    board = await engine.board(BoardQuery())
    assert [c.ref for c in board.column(S.READY).cards] == result.created
    listed = await engine.list_tasks(TaskQuery(descending=False))
    assert [t.ref for t in listed.items] == result.created


async def test_import_naming_one_project_two_ways_numbers_tasks_in_turn(
    engine: SqlTaskEngine,
) -> None:
    """Import items naming one project by slug and by key get consecutive refs in that project."""
    await engine.create_project(ProjectCreate(name="Web App"))
    result = await engine.import_tasks(
        [
            TaskImportItem(title="A", project="web-app"),
            TaskImportItem(title="B", project="WA"),
            TaskImportItem(title="C"),
        ],
        project="wa",
    )
    assert result.created == ["WA-1", "WA-2", "WA-3"]
    assert (await new(engine, "D", project="WA")).ref == "WA-4"


async def test_import_into_a_named_project_refuses_foreign_blockers(engine: SqlTaskEngine) -> None:
    """An import into one project cannot name a blocker in another project."""
    await engine.create_project(ProjectCreate(name="Web App"))
    foreign = await new(engine, "Inbox task")
    before = await last_seq(engine)
    with pytest.raises(ValidationError) as err:
        await engine.import_tasks(
            [TaskImportItem(title="X", blocked_by=[foreign.ref])], project="WA"
        )
    assert err.value.details["errors"][0]["index"] == 0
    assert await last_seq(engine) == before
    result = await engine.import_tasks([TaskImportItem(title="X")], project="web-app")
    assert result.created == ["WA-1"]


# ------------------------------------------------------------------------------ events
async def test_events_are_numbered_and_readable_from_any_point(engine: SqlTaskEngine) -> None:
    """Events come oldest first with increasing numbers; reading from N gives the ones after N."""
    a = await new(engine, "A")
    await engine.update_task(a.ref, TaskPatch(title="A2"), expected_version=None)
    await engine.transition_task(a.ref, S.READY)
    events = await all_events(engine)
    assert [e.type for e in events] == [
        "project.created",
        "task.created",
        "task.updated",
        "task.status_changed",
    ]
    seqs = [e.seq for e in events]
    assert seqs == sorted(set(seqs))
    assert all(e.actor == "tester" for e in events)
    assert [e.seq for e in await engine.events(since=seqs[1])] == seqs[2:]
    assert [e.seq for e in await engine.events(since=seqs[0], limit=2)] == seqs[1:3]
    assert await engine.events(since=seqs[-1]) == []


async def test_events_of_one_task(engine: SqlTaskEngine) -> None:
    """Events can be read for one task by ref or id; an unknown task is not found."""
    a = await new(engine, "A")
    b = await new(engine, "B")
    await engine.transition_task(a.ref, S.READY)
    await engine.add_dependency(b.ref, a.ref)
    mine = await engine.events(task="ty-1")
    assert [e.type for e in mine] == ["task.created", "task.status_changed"]
    assert all(e.task_id == a.id for e in mine)
    assert [e.type for e in await engine.events(task=b.id)] == [
        "task.created",
        "task.dependency_added",
    ]
    assert len(await engine.events(task=b.id, since=mine[0].seq, limit=1)) == 1
    with pytest.raises(NotFoundError):
        await engine.events(task="TY-9")


async def test_follow_events_yields_a_change_committed_later(engine: SqlTaskEngine) -> None:
    """A follower started before a change receives that change's event promptly."""
    await new(engine, "Before")
    start = await last_seq(engine)
    stream = engine.follow_events(since=start, poll_interval=0.05)

    async def next_created() -> Event:
        async for event in stream:
            if event.type == "task.created":
                return event
        raise AssertionError("the stream ended")  # pragma: no cover

    waiter = asyncio.ensure_future(next_created())
    await asyncio.sleep(0.1)
    assert not waiter.done()
    late = await new(engine, "After")
    event = await asyncio.wait_for(waiter, timeout=5)
    assert (event.task_id, event.seq > start) == (late.id, True)
    await stream.aclose()  # type: ignore[attr-defined]


async def test_follow_events_replays_from_a_sequence_number(engine: SqlTaskEngine) -> None:
    """Following from an old sequence number first replays everything after it, in order."""
    for title in ("A", "B", "C"):
        await new(engine, title)
    events = await all_events(engine)
    stream = engine.follow_events(since=events[1].seq, poll_interval=0.05)
    seen = [await asyncio.wait_for(stream.__anext__(), timeout=5) for _ in events[2:]]
    assert [e.seq for e in seen] == [e.seq for e in events[2:]]
    await stream.aclose()  # type: ignore[attr-defined]


async def test_follow_events_sees_another_engines_commits(open_engine: OpenEngine) -> None:
    """A follower on one engine sees what another engine (another client) commits."""
    watcher = await open_engine()
    writer = await open_engine()
    stream = watcher.follow_events(since=await last_seq(watcher), poll_interval=0.05)
    waiter = asyncio.ensure_future(asyncio.wait_for(stream.__anext__(), timeout=5))
    await asyncio.sleep(0.05)
    await writer.create_project(ProjectCreate(name="From elsewhere"))
    event = await waiter
    assert (event.type, event.payload["slug"]) == ("project.created", "from-elsewhere")
    await stream.aclose()  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ state machine
async def test_state_machine_describes_the_table_and_guards(engine: SqlTaskEngine) -> None:
    """The engine publishes the spec's transition table, resolved and guarded states."""
    meta = engine.state_machine()
    assert meta["transitions"] == SPEC_TABLE
    assert meta["states"] == [s.value for s in TaskStatus]
    assert meta["resolved_states"] == ["cancelled", "done"]
    assert meta["guarded_states"] == ["in_progress", "ready"]
    assert meta["claim_required"] == ["in_progress"]
    assert (meta["auto_approve"], meta["initial_state"]) == (False, "backlog")


async def test_state_machine_shows_auto_approve(open_engine: OpenEngine) -> None:
    """An auto-approve engine publishes in_progress -> done as allowed."""
    meta = (await open_engine(auto_approve=True)).state_machine()
    assert meta["auto_approve"] is True
    assert meta["transitions"]["in_progress"] == [
        "blocked",
        "cancelled",
        "done",
        "in_review",
        "ready",
    ]
