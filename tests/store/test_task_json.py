"""On SQLite a task is read as JSON the database writes: it must be the task its rows make.

``GET /api/v2/tasks/{ref}``, the detail screen and every command that shows a task read it
through ``task_json.read_task``; other databases, and tasks that carry a command, build it
from rows (``queries.task_from_rows``). A field that differed between the two would show one
thing in the detail screen and another after an edit.
"""

from __future__ import annotations

import base64
import sqlite3
from datetime import UTC, date, datetime
from functools import partial

import pytest
from sqlalchemy import Connection

from core.domain.commands import AttachmentIn, ProjectCreate, SortField, TaskPatch, TaskQuery
from core.domain.models import Priority, Task, TaskStatus
from core.errors import NotFoundError
from core.store import queries, task_json
from core.store.engine import SqlTaskEngine

from .conftest import finish, new


async def _varied(engine: SqlTaskEngine) -> list[Task]:
    """Tasks with every field of a full task set some way, in two projects."""
    other = await engine.create_project(ProjectCreate(name="Other", key="AAA"))
    plain = await new(engine, "Plain")
    far = await new(engine, "In another project", project=other.slug)
    near = await new(engine, "Near blocker")
    late = await new(engine, "Late blocker")
    rich = await new(
        engine,
        'Rich ünïcode "quoted" \\ title \u2028 \U0001f600',
        description="Line one\nline two\ttabbed </script>",
        status=TaskStatus.READY,
        when_unblocked=True,
        priority=Priority.CRITICAL,
        task_type="bug",
        labels=["zeta", "ü", 'a"b'],
        acceptance_criteria=["It works", "Ünïcode criterion"],
        context_files=["src/app.py", "docs/ä.md"],
        assignee="zoë",
        due_date=date(2027, 2, 28),
        effort_estimate=0.1 + 0.2,
        external_id="JIRA-7",
        pipeline_template="default",
        metadata={"note": "ü", "n": 12345678901234567890, "f": 1e-7, "nested": {"a": [1, 2.5]}},
        blocked_by=[late.ref, near.ref, plain.ref],
    )
    child_b = await new(engine, "Child B", parent=rich.ref)
    child_a = await new(engine, "Child A", parent=rich.ref, effort_estimate=2.0)
    waiting = await new(
        engine, "Waits on rich", status=TaskStatus.READY, when_unblocked=True, blocked_by=[rich.ref]
    )
    command = await new(engine, "Deploy", status=TaskStatus.READY, metadata={"command": "make"})
    for name, content in (("b.txt", b"second"), ("a.log", b"first")):
        await engine.add_attachment(
            rich.ref,
            AttachmentIn(name=name, content_base64=base64.b64encode(content).decode()),
        )
    await engine.run_now(plain.ref)
    done = await finish(engine, near.ref)
    await engine.update_task(
        far.ref, TaskPatch(title="In another project, renamed"), expected_version=far.version
    )
    refs = [plain, far, near, late, rich, child_a, child_b, waiting, command, done]
    return [await engine.get_task(t.ref) for t in refs]


def _both(conn: Connection, *, ref: str) -> tuple[Task | None, Task]:
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return task_json.read_task(raw, ref), queries.task_from_rows(conn, ref)


async def test_a_task_read_as_json_is_the_task_its_rows_make(sqlite_url: str) -> None:
    """Every field, the links in their order, by ref (any case) and by id."""
    ticks = iter(datetime(2026, 12, 7, 9, 30, s, s % 2 * 120, tzinfo=UTC) for s in range(60))
    engine = await SqlTaskEngine.open(
        sqlite_url, actor="tester", auto_approve=False, clock=lambda: next(ticks)
    )
    try:
        tasks = await _varied(engine)
        for task in tasks:
            for ref in (task.ref, task.ref.lower(), task.id):
                fast, rows = await engine._runner.read(partial(_both, ref=ref))
                if task.command is not None:
                    assert fast is None  # read from rows: its command comes from domain code
                    continue
                assert fast == rows, ref
                assert fast is not None
                assert fast.model_dump_json() == rows.model_dump_json()
                assert fast == task
        rich = next(t for t in tasks if t.title.startswith("Rich"))
        assert [link.title for link in rich.blocked_by] == [
            "Plain",
            "Near blocker",
            "Late blocker",
        ]
        assert rich.effort_estimate == 0.1 + 0.2  # not SQLite's 15 digits, 0.3
        assert [a.name for a in rich.attachments] == ["b.txt", "a.log"]  # oldest first
        assert len(rich.children_ids) == 2
        assert len(rich.blocks) == 1
        assert any(t.run_ids for t in tasks)
        assert any(t.completed_at for t in tasks)
        assert any(t.blocked_reason is not None for t in tasks)
        assert {t.created_at.microsecond for t in tasks} == {0, 120}
    finally:
        await engine.close()


async def test_a_missing_task_gets_the_error_with_its_hints(sqlite_url: str) -> None:
    """No such task: the JSON read leaves it to the read from rows, which says why."""
    engine = await SqlTaskEngine.open(sqlite_url, actor="tester")
    try:
        await new(engine, "Only")
        for ref in ("TY-404", "NOPE-1", "01HZZZZZZZZZZZZZZZZZZZZZZZ"):
            assert (
                await engine._runner.read_on_driver(partial(task_json.read_task, ref=ref)) is None
            )
            with pytest.raises(NotFoundError) as error:
                await engine.get_task(ref)
            assert ref in str(error.value)
        with pytest.raises(NotFoundError, match="no project uses the key"):
            await engine.get_task("NOPE-1")
    finally:
        await engine.close()


async def test_a_page_of_tasks_read_as_json_is_the_tasks_their_rows_make(sqlite_url: str) -> None:
    """``list_tasks_keyset`` reads its pages as JSON: the same tasks, in the list's order, as
    the offset list (read from rows), whatever the page size, with a task with a command."""
    engine = await SqlTaskEngine.open(sqlite_url, actor="tester", auto_approve=False)
    try:
        tasks = await _varied(engine)
        for sort in (SortField.PRIORITY, SortField.TITLE, SortField.UPDATED):
            expected = (await engine.list_tasks(TaskQuery(limit=100, sort=sort))).items
            assert {t.id for t in expected} <= {t.id for t in tasks}
            assert any(t.command for t in expected)  # read from rows, in its place
            assert any(t.blocked_by and t.attachments for t in expected)
            for size in (1, 4, 100):
                seen: list[Task] = []
                cursor = None
                while True:
                    page = await engine.list_tasks_keyset(
                        TaskQuery(limit=size, sort=sort), cursor=cursor
                    )
                    seen += page.items
                    if (cursor := page.next_cursor) is None:
                        break
                assert seen == expected, (sort, size)
                assert [t.model_dump_json() for t in seen] == [
                    t.model_dump_json() for t in expected
                ]
    finally:
        await engine.close()
