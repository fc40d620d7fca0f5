"""Keyset task pages read through every plan give the list ``list_tasks`` gives, in its order.

``store/list_plans.py`` reads a page by walking a sort index, by merging (state, priority)
ranges, or from a rare filter's own index; which one depends on how many tasks a filter
keeps. Here each filter and sort is walked page by page with every filter forced to count as
rare and as common, and compared with the offset list, on every dialect.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.domain.commands import (
    ProjectCreate,
    SortField,
    TaskImportItem,
    TaskPatch,
    TaskQuery,
)
from core.domain.models import Priority, TaskStatus
from core.store import list_plans
from core.store.engine import SqlTaskEngine

LABELS = ["api", "ui", "db"]
TITLES = ["Über cache", "uber build", "Apple", "apple pie", "Zed", "éclair", "Eclair", "beta"]


class Clock:
    """Each reading a second later: creation and change times differ and interleave."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
async def seeded(any_url: str) -> AsyncIterator[SqlTaskEngine]:
    """Three projects of 24, 10 and 4 tasks with mixed fields; some changed later."""
    engine = await SqlTaskEngine.open(any_url, actor="tester", clock=Clock())
    rng = random.Random(7)
    statuses = [TaskStatus.BACKLOG, TaskStatus.READY, TaskStatus.DONE, TaskStatus.IN_REVIEW]
    for slug, size in (("big", 24), ("mid", 10), ("small", 4)):
        await engine.create_project(ProjectCreate(name=slug, slug=slug))
        for start in range(0, size, 3):  # imports of 3: tasks sharing a creation time
            items = [
                TaskImportItem(
                    title=f"{rng.choice(TITLES)} {i}",
                    status=rng.choice(statuses),
                    priority=rng.choice(list(Priority)),
                    labels=rng.sample(LABELS, rng.randint(0, 2)),
                    assignee=rng.choice([None, "ann", "bo"]),
                    due_date=rng.choice([None, "2026-04-01", "2026-05-01"]),
                )
                for i in range(start, min(size, start + 3))
            ]
            await engine.import_tasks(items, project=slug)
    listed = await engine.list_tasks(TaskQuery(include_completed=True, limit=100))
    for task in listed.items[::3]:
        await engine.update_task(
            task.ref, TaskPatch(title=f"renamed {task.ref}"), expected_version=None
        )
    yield engine
    await engine.close()


FILTERS: list[dict[str, Any]] = [
    {},
    {"include_completed": True},
    {"project": "small"},
    {"labels": ["api"]},
    {"labels": ["api", "ui"]},
    {"assignee": "bo"},
    {"statuses": ["ready", "in_review"]},
    {"priorities": ["high", "low"]},
    {"text": "apple"},
]


async def walk(engine: SqlTaskEngine, query: TaskQuery) -> list[str]:
    refs: list[str] = []
    cursor = None
    while True:
        page = await engine.list_tasks_keyset(query, cursor=cursor)
        refs += [t.ref for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return refs


@pytest.mark.slow_on_aiosqlite("5 s a run; aiosqlite sends SQLite the same statements")
@pytest.mark.parametrize("sparse_rows", [0, 10**6], ids=["walk-or-cells", "driven"])
async def test_every_plan_pages_through_the_offset_lists_order(
    seeded: SqlTaskEngine, sparse_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each filter, sort and direction: the keyset pages visit the offset list, in order."""
    monkeypatch.setattr(list_plans, "SPARSE_ROWS", sparse_rows)
    projects = {p.slug: p.id for p in await seeded.list_projects()}
    filters = [*FILTERS, {"in_projects": [projects["mid"], projects["small"]]}]
    for fields in filters:
        for sort in SortField:
            for descending in (True, False):
                query = TaskQuery(sort=sort, descending=descending, limit=100, **fields)
                expected = [t.ref for t in (await seeded.list_tasks(query)).items]
                paged = await walk(seeded, query.model_copy(update={"limit": 6}))
                assert paged == expected, (fields, sort, descending)


async def test_sort_by_title_folds_every_letter(seeded: SqlTaskEngine) -> None:
    """Titles sort case-insensitively beyond ASCII ("über" beside "uber"), after renames too."""
    query = TaskQuery(sort=SortField.TITLE, descending=False, include_completed=True, limit=100)
    tasks = (await seeded.list_tasks_keyset(query)).items
    keys = [(t.title.lower(), t.created_at, _number(t.ref)) for t in tasks]
    assert keys == sorted(keys)
    # Unfolded, "ZZZZ" would sort before every lower-case title; folded, after them.
    await seeded.update_task(tasks[0].ref, TaskPatch(title="ZZZZ"), expected_version=None)
    again = (await seeded.list_tasks_keyset(query)).items
    keys = [(t.title.lower(), t.created_at, _number(t.ref)) for t in again]
    assert keys == sorted(keys)
    assert again[0].ref != tasks[0].ref


def _number(ref: str) -> int:
    return int(ref.rsplit("-", 1)[1])
