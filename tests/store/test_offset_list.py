"""The offset task list and the poll's changes (``/api/tasks``): order, totals, pages.

Pages are found by id through an index and the total is kept while the database is
unchanged (``store/list_totals.py``); neither may change what a page holds or what it
counts: tasks created in one instant in two projects tie on (created_at, number) and go by
id, and a write is counted by the next page.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import column, create_engine, func, insert, select, table, text

from core.domain.commands import ProjectCreate, SortField, TaskQuery
from core.domain.models import Priority, Task, TaskStatus
from core.store import list_totals
from core.store.engine import SqlTaskEngine

from .conftest import Clock, Opener, new


def _number(task: Task) -> int:
    return int(task.ref.rsplit("-", 1)[1])


async def _pages(engine: SqlTaskEngine, **query: object) -> tuple[list[str], set[int]]:
    """Every page of the list, two tasks a page, and the totals the pages reported."""
    seen: list[str] = []
    totals: set[int] = set()
    page = 1
    while True:
        found = await engine.list_tasks(TaskQuery(limit=2, page=page, **query))
        seen += [task.id for task in found.items]
        totals.add(found.total)
        if not found.has_next:
            return seen, totals
        page += 1


async def test_pages_tie_on_creation_by_id_in_either_direction(open_engine: Opener) -> None:
    clock = Clock()
    engine = await open_engine(clock=clock)
    if not isinstance(engine, SqlTaskEngine):
        pytest.skip("a server keeps its own clock: the tasks would not tie")
    made: list[Task] = []
    for name in ("Web", "Api"):
        await engine.create_project(ProjectCreate(name=name))
    for _ in range(3):  # one instant: WEB-n and API-n tie on (created_at, number)
        for project in ("web", "api"):
            made.append(await new(engine, project=project))
    clock.advance(1)
    made.append(await new(engine, "later", project="web"))
    await engine.transition_task(made[0].ref, TaskStatus.CANCELLED)
    by_id = sorted(made, key=lambda task: task.id)
    for descending in (True, False):
        # A stable sort keeps id order within a tie, whichever way the list runs.
        expected = [
            task.id
            for task in sorted(
                by_id, key=lambda task: (task.created_at, _number(task)), reverse=descending
            )
        ]
        every, totals = await _pages(
            engine, include_completed=True, descending=descending, sort=SortField.CREATED
        )
        assert (every, totals) == (expected, {7})
        open_only, totals = await _pages(engine, descending=descending)
        assert (open_only, totals) == ([i for i in expected if i != made[0].id], {6})
        web, totals = await _pages(engine, project="web", descending=descending)
        web_ids = {task.id for task in made if task.ref.startswith("WEB")} - {made[0].id}
        assert (web, totals) == ([i for i in expected if i in web_ids], {3})


async def test_a_write_is_counted_by_the_next_page(open_engine: Opener) -> None:
    engine = await open_engine()
    await engine.create_project(ProjectCreate(name="Web"))
    first = await new(engine, "a", project="web")
    query = TaskQuery(project="web", limit=1)
    assert (await engine.list_tasks(query)).total == 1
    assert (await engine.list_tasks(query)).total == 1  # counted once, kept
    await new(engine, "b", project="web")
    assert (await engine.list_tasks(query)).total == 2
    await engine.transition_task(first.ref, TaskStatus.CANCELLED)
    assert (await engine.list_tasks(query)).total == 1
    assert (
        await engine.list_tasks(query.model_copy(update={"include_completed": True}))
    ).total == 2


def test_a_kept_count_follows_the_connections_own_writes() -> None:
    """The connection that counted writes itself (``data_version`` stays; ``total_changes``
    moves), and another connection commits (``data_version`` moves)."""
    numbers = table("numbers", column("n"))
    statement = select(func.count()).select_from(numbers)
    db = create_engine("sqlite://")  # one in-memory database, one connection
    with db.connect() as conn:
        conn.execute(text("CREATE TABLE numbers (n INTEGER)"))
        assert list_totals.count(conn, statement, "all") == 0
        conn.execute(insert(numbers).values(n=1))
        assert list_totals.count(conn, statement, "all") == 1
        assert list_totals.count(conn, statement.where(numbers.c.n > 1), "all") == 1  # kept
        assert list_totals.count(conn, statement.where(numbers.c.n > 1), "above 1") == 0


def test_a_kept_count_follows_another_connections_commit(tmp_path: object) -> None:
    numbers = table("numbers", column("n"))
    statement = select(func.count()).select_from(numbers)
    db = create_engine(f"sqlite:///{tmp_path}/n.db")
    with db.connect() as reader, db.connect() as writer:
        writer.execute(text("CREATE TABLE numbers (n INTEGER)"))
        writer.commit()
        assert list_totals.count(reader, statement, "all") == 0
        reader.rollback()
        writer.execute(insert(numbers).values(n=1))
        writer.commit()
        assert list_totals.count(reader, statement, "all") == 1


async def test_changes_are_read_by_ref_and_in_change_order(open_engine: Opener) -> None:
    """The poll's page is found by id like the list's: a ref search still joins projects,
    and the tasks come back oldest change first, a page at a time."""
    engine = await open_engine()
    await engine.create_project(ProjectCreate(name="Web"))
    since = await engine.latest_event_seq()
    first, second, third = [await new(engine, title, project="web") for title in "abc"]
    await engine.transition_task(first.ref, TaskStatus.CANCELLED)  # now the latest change
    query = TaskQuery(include_completed=True)
    page = await engine.changed_tasks(query, since=since, limit=2)
    assert ([t.id for t in page.items], page.has_more) == ([second.id, third.id], True)
    rest = await engine.changed_tasks(query, since=page.cursor, limit=2)
    assert ([t.id for t in rest.items], rest.has_more) == ([first.id], False)
    by_ref = await engine.changed_tasks(TaskQuery(text=third.ref), since=since, limit=5)
    assert [t.id for t in by_ref.items] == [third.id]


async def test_pages_past_the_middle_hold_what_one_long_page_does(open_engine: Opener) -> None:
    """Past the middle a page is read from the list's end (SQLite): for every sort, both
    ways, with ties, undated tasks and a cancelled one, the pages join into the whole list."""
    clock = Clock()
    engine = await open_engine(clock=clock)
    await engine.create_project(ProjectCreate(name="Web"))
    await engine.create_project(ProjectCreate(name="Api"))
    for n in range(9):
        await new(
            engine,
            "same" if n % 3 else f"title {n}",
            project="web" if n % 2 else "api",
            priority=list(Priority)[n % 4],
            due_date=None if n % 3 == 0 else date(2027, 1, 1 + n % 2),
        )
        if n % 4 == 0:
            clock.advance(1)  # the others tie on created_at with a neighbour
    newest = (await engine.list_tasks(TaskQuery(limit=1))).items[0]
    await engine.transition_task(newest.ref, TaskStatus.CANCELLED)
    for sort in SortField:
        for descending in (True, False):
            shape = {"sort": sort, "descending": descending, "include_completed": True}
            whole = await engine.list_tasks(TaskQuery(limit=100, **shape))
            paged, totals = await _pages(engine, **shape)
            assert (paged, totals) == ([t.id for t in whole.items], {9}), (sort, descending)
