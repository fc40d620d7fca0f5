"""What the server asks of the engine: tokens, idempotency keys, actor views, keyset pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.domain.access import KEY_HOLD_SECONDS, StoredResponse, TokenCreate, TokenScope
from core.domain.commands import ProjectCreate, SortField, TaskCreate, TaskPatch, TaskQuery
from core.domain.models import TaskStatus
from core.errors import (
    AnswerLostError,
    AuthenticationError,
    ConflictError,
    DuplicateError,
    NotFoundError,
    RequestInProgressError,
    ValidationError,
)
from core.store.engine import SqlTaskEngine
from core.store.token_ops import secret_hash


@pytest.mark.local_only(
    "the remote engine's own token is in the list, and secrets' storage is the server's"
)
async def test_a_token_is_issued_once_and_stored_only_as_a_hash(engine: SqlTaskEngine) -> None:
    """The secret comes back once; the list shows its prefix, never the secret."""
    await engine.create_project(ProjectCreate(name="Web", slug="web"))
    issued = await engine.create_token(
        TokenCreate(name="ci-bot", scope=TokenScope.WRITE, projects=["web"])
    )
    assert issued.secret.startswith("ty_")
    assert len(issued.secret) >= 40
    assert issued.token.projects == ["web"]
    [listed] = await engine.list_tokens()
    assert listed.prefix == issued.secret[:10]
    assert issued.secret not in listed.model_dump_json()
    assert secret_hash(issued.secret) != issued.secret
    assert (await engine.authenticate_token(issued.secret)).name == "ci-bot"
    with pytest.raises(DuplicateError):
        await engine.create_token(TokenCreate(name="ci-bot"))
    with pytest.raises(NotFoundError):
        await engine.create_token(TokenCreate(name="other", projects=["nope"]))


@pytest.mark.local_only("authenticate_token is the server's own (NOT_SERVED in core.api.outside)")
async def test_unknown_expired_and_revoked_tokens_are_refused(engine: SqlTaskEngine) -> None:
    """Each says why (the holder already has the secret); a revoke takes effect at once."""
    soon = await engine.create_token(
        TokenCreate(name="soon", expires_at=datetime.now(UTC) + timedelta(milliseconds=1))
    )
    kept = await engine.create_token(TokenCreate(name="kept"))
    with pytest.raises(AuthenticationError, match="not valid"):
        await engine.authenticate_token("ty_" + "x" * 43)
    with pytest.raises(AuthenticationError, match="expired"):
        await engine.authenticate_token(soon.secret)
    await engine.revoke_token("kept")
    again = await engine.revoke_token("kept")
    with pytest.raises(AuthenticationError, match="revoked"):
        await engine.authenticate_token(kept.secret)
    assert again.revoked_at is not None
    types = [e.type for e in await engine.events(since=0)]
    assert types.count("token.created") == 2
    assert types.count("token.revoked") == 1


@pytest.mark.local_only("acting_as is the server's own: over HTTP the token is the actor")
async def test_a_view_acts_as_another_actor_on_the_same_connections(engine: SqlTaskEngine) -> None:
    """Changes through ``acting_as`` name its actor; closing the view releases nothing."""
    view = engine.acting_as("ci-bot")
    created = (await view.create_task(TaskCreate(title="From CI"))).task
    await view.close()
    await engine.update_task(created.ref, TaskPatch(title="Renamed"), expected_version=None)
    actors = [e.actor for e in await engine.events(task=created.ref)]
    assert actors == ["ci-bot", "tester"]


@pytest.mark.local_only("Idempotency-Key bookkeeping is the server's own (its middleware)")
async def test_an_idempotency_key_is_committed_with_the_change(engine: SqlTaskEngine) -> None:
    """Replay after completion; refuse a different request; refuse a committed, unanswered one."""
    first = await engine.reserve_idempotency_key("tok", "k1", "fp-a")
    assert first.attempt is not None
    assert first.response is None
    with pytest.raises(ConflictError, match="still being processed"):
        await engine.reserve_idempotency_key("tok", "k1", "fp-a")
    with pytest.raises(ValidationError, match="different request"):
        await engine.reserve_idempotency_key("tok", "k1", "fp-b")
    fenced = engine.acting_as("ci", idempotency=first.attempt)
    await fenced.create_task(TaskCreate(title="Once"))
    with pytest.raises(ConflictError, match="still being processed"):
        await engine.reserve_idempotency_key("tok", "k1", "fp-a")
    answer = StoredResponse(status=201, body='{"ok": true}', headers={"etag": '"v1"'})
    await engine.complete_idempotency_key(first.attempt, answer)
    replay = await engine.reserve_idempotency_key("tok", "k1", "fp-a")
    assert replay.response == answer
    assert replay.attempt is None
    other_token = await engine.reserve_idempotency_key("tok-2", "k1", "fp-b")
    assert other_token.attempt is not None


@pytest.mark.local_only("Idempotency-Key bookkeeping is the server's own (its middleware)")
async def test_a_released_key_runs_again_and_a_superseded_attempt_cannot_write(
    engine: SqlTaskEngine,
) -> None:
    """A failed attempt frees its key; an attempt whose key was taken over writes nothing."""
    first = await engine.reserve_idempotency_key("tok", "k2", "fp")
    assert first.attempt is not None
    await engine.release_idempotency_key(first.attempt)
    second = await engine.reserve_idempotency_key("tok", "k2", "fp")
    assert second.attempt is not None
    assert second.attempt != first.attempt
    stale = engine.acting_as("ci", idempotency=first.attempt)
    with pytest.raises(ConflictError, match="taken over"):
        await stale.create_task(TaskCreate(title="Twice"))
    page = await engine.list_tasks(TaskQuery())
    assert page.total == 0


async def test_keyset_pages_walk_the_same_list_as_offset_pages(engine: SqlTaskEngine) -> None:
    """Following ``next_cursor`` visits every task once, in ``list_tasks``' order, every sort."""
    for i, title in enumerate(["delta", "alpha", "Charlie", "bravo", "echo", "alpha"]):
        fields: dict[str, object] = {"priority": ["low", "high", "medium"][i % 3]}
        if i % 2:
            fields["due_date"] = f"2027-01-0{i}"
        await engine.create_task(TaskCreate(title=title, **fields))
    await engine.transition_task("TY-2", TaskStatus.READY)
    for sort in SortField:
        for descending in (True, False):
            query = TaskQuery(sort=sort, descending=descending, limit=100)
            expected = [t.ref for t in (await engine.list_tasks(query)).items]
            walked: list[str] = []
            cursor = None
            for _ in range(10):
                page = await engine.list_tasks_keyset(
                    query.model_copy(update={"limit": 2}), cursor=cursor
                )
                walked += [t.ref for t in page.items]
                assert page.total is None
                cursor = page.next_cursor
                if cursor is None:
                    break
            assert walked == expected, (sort, descending)


async def test_a_cursor_is_refused_with_other_filters_and_counts_only_when_asked(
    engine: SqlTaskEngine,
) -> None:
    """A cursor is bound to its query; ``with_total`` counts every match."""
    for title in ("a", "b", "c"):
        await engine.create_task(TaskCreate(title=title))
    page = await engine.list_tasks_keyset(TaskQuery(limit=1), with_total=True)
    assert page.total == 3
    assert page.next_cursor is not None
    with pytest.raises(ValidationError, match="other filters"):
        await engine.list_tasks_keyset(TaskQuery(limit=1, text="a"), cursor=page.next_cursor)
    with pytest.raises(ValidationError, match="not one"):
        await engine.list_tasks_keyset(TaskQuery(limit=1), cursor="garbage!")


@pytest.mark.local_only(
    "in_projects is set by the server from the token's projects; a client does not send it"
)
async def test_in_projects_limits_lists_boards_and_the_queue(engine: SqlTaskEngine) -> None:
    """A project limit keeps other projects' tasks out of every read that lists tasks."""
    web = await engine.create_project(ProjectCreate(name="Web", slug="web"))
    await engine.create_project(ProjectCreate(name="Ops", slug="ops"))
    for project in ("web", "ops"):
        await engine.create_task(TaskCreate(title=project, project=project, status="ready"))
    mine = [web.id]
    listed = await engine.list_tasks_keyset(TaskQuery(in_projects=mine), with_total=True)
    assert [t.title for t in listed.items] == ["web"]
    assert listed.total == 1
    assert (await engine.list_tasks(TaskQuery(in_projects=mine))).total == 1
    from core.domain.commands import BoardQuery

    board = await engine.board(BoardQuery(in_projects=mine))
    assert board.total == 1
    ready = await engine.ready_tasks(in_projects=mine)
    assert [c.title for c in ready] == ["web"]


async def test_a_key_left_by_a_stopped_server_is_taken_over_or_refused(sqlite_url: str) -> None:
    """Once its hold lapses, a pending key (nothing changed) runs again and a committed one
    says its answer was lost; a key whose attempt renews its hold keeps retries waiting."""
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    engine = await SqlTaskEngine.open(sqlite_url, actor="tester", clock=lambda: now[0])
    hold = timedelta(seconds=KEY_HOLD_SECONDS)
    try:
        pending = await engine.reserve_idempotency_key("tok", "left-pending", "fp")
        committed = await engine.reserve_idempotency_key("tok", "left-committed", "fp")
        alive = await engine.reserve_idempotency_key("tok", "still-running", "fp")
        assert committed.attempt is not None
        assert alive.attempt is not None
        now[0] += hold - timedelta(seconds=1)
        await engine.acting_as("ci", idempotency=committed.attempt).create_task(
            TaskCreate(title="Made before the crash")
        )
        await engine.renew_idempotency_key(alive.attempt)
        now[0] += timedelta(seconds=2)
        taken = await engine.reserve_idempotency_key("tok", "left-pending", "fp")
        with pytest.raises(RequestInProgressError):  # the commit renewed the hold
            await engine.reserve_idempotency_key("tok", "left-committed", "fp")
        with pytest.raises(RequestInProgressError):
            await engine.reserve_idempotency_key("tok", "still-running", "fp")
        now[0] += hold
        with pytest.raises(AnswerLostError, match="answer was lost"):
            await engine.reserve_idempotency_key("tok", "left-committed", "fp")
    finally:
        await engine.close()
    assert taken.attempt is not None
    assert pending.attempt is not None
    assert taken.attempt.attempt != pending.attempt.attempt


async def test_an_answer_is_replayed_for_a_day_then_the_key_is_free(sqlite_url: str) -> None:
    """A retry within a day gets the stored answer; after it, the key starts a new attempt."""
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    engine = await SqlTaskEngine.open(sqlite_url, actor="tester", clock=lambda: now[0])
    answer = StoredResponse(status=201, body='{"ok": true}', headers={"etag": '"v1"'})
    try:
        first = await engine.reserve_idempotency_key("tok", "daily", "fp-a")
        assert first.attempt is not None
        await engine.complete_idempotency_key(first.attempt, answer)
        now[0] += timedelta(hours=23, minutes=59)
        replay = await engine.reserve_idempotency_key("tok", "daily", "fp-a")
        assert replay.response == answer
        with pytest.raises(ValidationError, match="different request"):
            await engine.reserve_idempotency_key("tok", "daily", "fp-b")
        now[0] += timedelta(minutes=2)
        later = await engine.reserve_idempotency_key("tok", "daily", "fp-b")
    finally:
        await engine.close()
    assert later.response is None
    assert later.attempt is not None
    assert later.attempt.attempt != first.attempt.attempt
