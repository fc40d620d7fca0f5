"""Cards are built as JSON by the database: they must say what the full task says.

The board, the ready queue and the server's card lists read cards through ``card_object``
(one JSON object per task, validated by pydantic); a full task is read from its row. A card
whose labels, times, flags or ref differed from its task would show one thing on the board and
another in the detail screen.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic_core import to_json
from sqlalchemy import DateTime, create_engine, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import create_async_engine

from core.domain.commands import BoardQuery, MilestoneCreate, ProjectCreate, TaskPatch
from core.domain.models import Priority, Task, TaskCard, TaskStatus
from core.store.card_json import cards_from_json, cards_json, utc_text
from core.store.engine import SqlTaskEngine
from core.store.queries import CARD_ORDER
from core.store.rows import select_cards
from core.store.tables import tasks

from .conftest import Opener, new


def _card_of(task: Task, *, has_command_or_pipeline: bool, command_pending: bool) -> TaskCard:
    shared = {name: getattr(task, name) for name in TaskCard.model_fields if hasattr(task, name)}
    shared |= {
        "has_command_or_pipeline": has_command_or_pipeline,
        "command_pending": command_pending,
    }
    return TaskCard.model_validate(shared)


async def _varied(engine: SqlTaskEngine) -> dict[str, tuple[bool, bool]]:
    """Tasks with every card field set some way; per ref (has command or pipeline, pending)."""
    milestone = await engine.create_milestone(MilestoneCreate(name="Beta"))
    plain = await new(engine, "Plain")
    rich = await new(
        engine,
        'Rich ünïcode "quoted" \\ title',
        status=TaskStatus.READY,
        priority=Priority.CRITICAL,
        task_type="bug",
        labels=["zeta", "alpha", "with space"],
        assignee="ada",
        due_date=date(2027, 2, 28),
        milestone=milestone.slug,
        pipeline_template="default",
    )
    command = await new(engine, "Deploy", status=TaskStatus.READY, metadata={"command": "make"})
    blocked = await new(
        engine, "Waits", status=TaskStatus.READY, when_unblocked=True, blocked_by=[plain.ref]
    )
    await engine.update_task(
        plain.ref, TaskPatch(title="Plain, renamed"), expected_version=plain.version
    )
    return {
        plain.ref: (False, False),
        rich.ref: (True, False),
        command.ref: (True, True),
        blocked.ref: (False, False),
    }


async def test_a_card_says_what_its_full_task_says(open_engine: Opener) -> None:
    """Board cards and ready cards equal the card of the task read in full, field by field."""
    engine = await open_engine(auto_approve=False, approve_own_commands=False)
    flags = await _varied(engine)
    board = await engine.board(BoardQuery())
    cards = [card for column in board.columns for card in column.cards]
    cards += await engine.ready_tasks(limit=50)
    assert {card.ref for card in cards} == set(flags)
    for card in cards:
        task = await engine.get_task(card.ref)
        has, pending = flags[card.ref]
        expected = _card_of(task, has_command_or_pipeline=has, command_pending=pending)
        assert card == expected
        assert card.model_dump_json() == expected.model_dump_json()
        assert card.created_at.utcoffset() == card.updated_at.utcoffset() == UTC.utcoffset(None)


async def test_the_ready_queue_as_json_is_its_cards_as_their_serializer_writes_them(
    open_engine: Opener,
) -> None:
    """The server sends ``ready_tasks_json`` as it is: it must be the cards' own JSON, byte
    for byte, whatever the titles hold and whether a time has a fraction of a second."""
    ticks = iter(datetime(2026, 12, 7, 9, 30, s, s % 2 * 120, tzinfo=UTC) for s in range(60))
    engine = await open_engine(
        auto_approve=False, approve_own_commands=False, clock=lambda: next(ticks)
    )
    await _varied(engine)
    other = await engine.create_project(ProjectCreate(name="Other", key="OTH"))
    await new(
        engine,
        'Tab\there, bell \x07, \x1f, line sep \u2028, \U0001f600 </script> "q" \\',
        status=TaskStatus.READY,
        project=other.slug,
        labels=["ü", 'a"b', "back\\slash"],
        assignee="zoë",
    )
    for scope in ({}, {"project": other.slug}, {"in_projects": [other.id]}, {"limit": 2}):
        cards = await engine.ready_tasks(**scope)
        assert cards, scope
        text = await engine.ready_tasks_json(**scope)
        assert text == to_json(cards).decode(), scope
    everything = await engine.ready_tasks(limit=50)
    assert {card.created_at.microsecond for card in everything} == {0, 120}  # both kinds


async def test_the_ready_queue_keeps_scheduler_order(open_engine: Opener) -> None:
    """The cards come back in the order the database sorted them (priority, then age)."""
    engine = await open_engine()
    made = [
        await new(engine, f"T{i}", status=TaskStatus.READY, priority=priority)
        for i, priority in enumerate([Priority.LOW, Priority.CRITICAL, Priority.MEDIUM] * 4)
    ]
    rank = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}
    expected = [t.ref for t in sorted(made, key=lambda t: (rank[t.priority], t.created_at))]
    assert [card.ref for card in await engine.ready_tasks(limit=50)] == expected


@pytest.mark.postgres
async def test_a_card_reads_the_same_whatever_the_sessions_time_zone(
    pg_schema_url: str,
) -> None:
    """PostgreSQL writes ``timestamptz`` in the session's zone: a card's times stay UTC."""
    engine = await SqlTaskEngine.open(pg_schema_url, actor="tester")
    try:
        await new(engine, "Zoned", status=TaskStatus.READY)
        expected = await engine.ready_tasks(limit=5)
    finally:
        await engine.close()
    zoned = create_async_engine(
        pg_schema_url, connect_args={"server_settings": {"timezone": "Asia/Kolkata"}}
    )
    try:
        async with zoned.connect() as conn:
            assert await conn.scalar(select(func.current_setting("TimeZone"))) == "Asia/Kolkata"
            texts = await conn.scalars(
                select_cards().where(tasks.c.status == "ready").order_by(*CARD_ORDER)
            )
            assert cards_from_json(texts) == expected
            at = datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=UTC)
            text = await conn.scalar(select(utc_text(literal(at, DateTime(timezone=True)))))
            assert text == "2026-12-07T01:02:03.456789+00:00"
    finally:
        await zoned.dispose()


async def test_sqlite_writes_each_card_as_pydantic_does(sqlite_url: str) -> None:
    """On SQLite the database's own text is sent (no model built): it must already be
    pydantic's JSON, but for what ``cards_json`` writes again (here a zero fraction)."""
    ticks = iter(datetime(2026, 12, 7, 9, 30, s, s % 2 * 7, tzinfo=UTC) for s in range(60))
    engine = await SqlTaskEngine.open(sqlite_url, actor="tester", clock=lambda: next(ticks))
    try:
        await _varied(engine)
        cards = await engine.ready_tasks(limit=50)
    finally:
        await engine.close()
    database = create_engine(sqlite_url)
    try:
        with database.connect() as conn:
            statement = select_cards().where(tasks.c.status == "ready").order_by(*CARD_ORDER)
            texts = conn.scalars(statement).all()
            bare = conn.scalar(select(utc_text(literal_column("'2026-12-07 09:30:00'"))))
    finally:
        database.dispose()
    assert {card.created_at.microsecond for card in cards} == {0, 7}
    for text, card in zip(texts, cards, strict=True):
        if card.created_at.microsecond:
            assert text == card.model_dump_json()
        else:  # pydantic leaves a zero fraction out: cards_json sees it and writes it again
            assert ".000000Z" in text
    assert cards_json(texts, "sqlite") == to_json(cards).decode()
    assert bare == "2026-12-07T09:30:00Z"  # a time SQL wrote itself, with no fraction
