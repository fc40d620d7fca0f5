"""The events routes over real HTTP (uvicorn in a subprocess), on SQLite and PostgreSQL.

The writes come from the test process through an engine of its own, as from another server
process or a local CLI: the server's one follower sees them within its poll interval (20 ms
here) and fans them out. Each test makes its own project and filters on it, so the tests
sharing a module's server never see each other's events.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from httpx_sse import aconnect_sse

from core.domain.commands import TaskImportItem
from core.domain.models import TaskStatus
from core.store.engine import SqlTaskEngine
from tests.fixtures.waiting import wait_until
from tests.server.sse_server import (
    DATABASES,
    Received,
    Served,
    create_tasks,
    hub_count,
    new_project,
    pg_url_for_module,  # noqa: F401 - a fixture, found by name
    project_events,
    read_events,
    serve,
)

POSTGRES_IN_DEFAULT_RUN = True
"""PostgreSQL commits events out of order; the stream waits for late ones: keep that half."""

SNDBUF = 32 * 1024
"""The server's kernel send buffer per connection (see tests/server/sse_app.py)."""
SETTINGS = {
    "poll_interval": 0.02,
    "heartbeat": 0.3,
    "queue_size": 64,
    "ring_size": 256,
    "page_size": 100,
}


@pytest.fixture(scope="module", params=DATABASES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    yield from serve(request, tmp_path_factory.mktemp("sse"), SETTINGS, sndbuf=SNDBUF)


@pytest.fixture
async def writer(served: Served) -> AsyncIterator[SqlTaskEngine]:
    """An engine of the test's own on the served database."""
    engine = await SqlTaskEngine.open(served.db_url, actor="tester")
    yield engine
    await engine.close()


async def test_a_dropped_stream_resumes_with_last_event_id_and_misses_nothing(
    served: Served, writer: SqlTaskEngine
) -> None:
    """1,000 changes; the client drops twice mid-burst: each event arrives once, in order.

    Four writers commit at once, four tasks to a transaction (on PostgreSQL their events
    can commit out of ``seq`` order, which the follower must wait out; 250 commits keep the
    test within seconds on a loaded machine). The reconnects keep the first URL's ``since``
    (as a browser's EventSource does): ``Last-Event-ID`` wins over it.
    """
    project = await new_project(writer)
    start = await writer.latest_event_seq()
    params = {"project": project.id, "since": start}
    received = Received()
    burst = asyncio.gather(
        *(create_tasks(writer, project, 250, title=f"W{w}", per_commit=4) for w in range(4))
    )
    await read_events(served.url, received, count=250, params=params)
    assert not burst.done(), "the burst ended before the first drop"
    await read_events(served.url, received, count=400, params=params)
    await read_events(served.url, received, count=350, params=params, read_timeout=30)
    await burst
    expected = await project_events(writer, project, start)
    assert len(expected) == 1000
    assert received.seqs == [e.seq for e in expected]
    assert received.resyncs == []
    assert received.connections == 3


async def test_a_client_that_stops_reading_gets_a_resync_and_the_server_lets_go(
    served: Served, writer: SqlTaskEngine
) -> None:
    """A stalled client fills its socket (32 KB buffers), then its queue (64): it is dropped.

    While the client still stalls, the hub holds nothing for it. When it reads again it
    gets what was already on the wire, a ``resync`` naming the last of those, and the end of
    the stream; resuming from there gets the rest, exactly once.
    """
    project = await new_project(writer)
    start = await writer.latest_event_seq()
    total = 600
    stalled = httpx.AsyncHTTPTransport(socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)])
    received = Received()
    async with (
        httpx.AsyncClient(transport=stalled, timeout=30) as client,
        aconnect_sse(
            client,
            "GET",
            f"{served.url}/api/v2/events/stream",
            params={"project": project.id, "since": start},
        ) as source,
    ):
        rss_before = served.server.rss_mb()
        title = "x" * 480
        for first in range(0, total, 300):
            items = [TaskImportItem(title=f"{title} {i}") for i in range(first, first + 300)]
            await writer.import_tasks(items, project=project.slug)
        await wait_until(lambda: hub_count(served, "dropped", at_least=1))
        stats = await served.server.stats()
        assert (stats["live"], stats["queued"]) == (0, 0)
        assert served.server.rss_mb() - rss_before < 40
        async for sse in source.aiter_sse():
            received.ids.append(sse.id)
            if sse.event == "resync":
                received.resyncs.append(int(json.loads(sse.data)["since"]))
            else:
                received.events.append(json.loads(sse.data))
    assert len(received.resyncs) == 1
    assert received.resyncs[0] == received.seqs[-1]
    assert int(received.ids[-1]) == received.resyncs[0]
    assert 0 < len(received.events) < total
    await read_events(served.url, received, count=total - len(received.events))
    expected = await project_events(writer, project, start)
    assert received.seqs == [e.seq for e in expected]
    await wait_until(lambda: hub_count(served, "streams", at_most=0))


async def test_a_caller_sees_only_its_projects_events(
    served: Served, writer: SqlTaskEngine
) -> None:
    """The stream and the pages both hide other projects; naming one is a 404."""
    mine, theirs = await new_project(writer), await new_project(writer)
    start = await writer.latest_event_seq()
    only_mine = {"X-Test-Projects": mine.id}
    received = Received()
    reading = asyncio.create_task(
        read_events(served.url, received, count=4, params={"since": start}, headers=only_mine)
    )
    await create_tasks(writer, theirs, 3, title="Theirs")
    await create_tasks(writer, mine, 4, title="Mine")
    await reading
    assert [e["payload"]["title"] for e in received.events] == [f"Mine {i}" for i in range(4)]
    async with httpx.AsyncClient(base_url=served.url, headers=only_mine) as api:
        page = (await api.get("/api/v2/events", params={"since": start})).json()
        hidden_page = await api.get("/api/v2/events", params={"project": theirs.slug})
        hidden_stream = await api.get("/api/v2/events/stream", params={"project": theirs.id})
        hidden_task = await api.get(
            "/api/v2/events", params={"task": f"{theirs.key}-1", "since": start}
        )
    assert [e["payload"]["title"] for e in page["items"]] == [f"Mine {i}" for i in range(4)]
    assert page["has_more"] is False
    for refused in (hidden_page, hidden_stream, hidden_task):
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "not_found"


async def test_pages_follow_next_since_and_filter_by_task_and_kind(
    served: Served, writer: SqlTaskEngine
) -> None:
    project = await new_project(writer)
    start = await writer.latest_event_seq()
    await create_tasks(writer, project, 5)
    key = project.key
    await writer.transition_task(f"{key}-2", TaskStatus.READY)
    async with httpx.AsyncClient(base_url=served.url) as api:
        first = (await api.get("/api/v2/events", params={"since": start, "limit": 3})).json()
        second = (
            await api.get("/api/v2/events", params={"since": first["next_since"], "limit": 3})
        ).json()
        task_events = (
            await api.get("/api/v2/events", params={"task": f"{key}-2", "since": start})
        ).json()
        moves = (
            await api.get(
                "/api/v2/events",
                params={"since": start, "project": project.slug, "kinds": "task.status_changed"},
            )
        ).json()
        bad_id = await api.get("/api/v2/events/stream", headers={"Last-Event-ID": "abc"})
    seqs = [e["seq"] for e in first["items"] + second["items"]]
    assert len(seqs) == 6
    assert seqs == sorted(set(seqs))
    assert first["has_more"] is True
    assert second["has_more"] is False
    assert [e["type"] for e in task_events["items"]] == ["task.created", "task.status_changed"]
    assert [e["task_id"] for e in moves["items"]] == [task_events["items"][0]["task_id"]]
    assert bad_id.status_code == 422
    assert bad_id.json()["error"]["details"]["field"] == "Last-Event-ID"


async def test_an_idle_stream_gets_heartbeats(served: Served, writer: SqlTaskEngine) -> None:
    """Comment lines every 0.3 s keep an idle connection (and its proxies) alive."""
    project = await new_project(writer)
    pings: list[str] = []
    async with (
        httpx.AsyncClient(base_url=served.url, timeout=10) as api,
        api.stream("GET", "/api/v2/events/stream", params={"project": project.id}) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith(":"):
                pings.append(line)
            if len(pings) == 3:
                break
    assert all(p.startswith(": ping") for p in pings)
