"""1,000 idle streams and 100 active ones on one server process (slow: run in CI).

Its own server, with the default queue (1,000 events) and kernel buffers: the question here
is what one process holds and whether every active client gets everything, not how a
stalled client is dropped (test_events_stream.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from httpx_sse import aconnect_sse

from core.store.engine import SqlTaskEngine
from tests.fixtures.waiting import wait_until
from tests.server.sse_server import (
    DATABASES,
    RawStream,
    Received,
    Served,
    create_tasks,
    hub_count,
    new_project,
    pg_url_for_module,  # noqa: F401 - a fixture, found by name
    project_events,
    serve,
)

SETTINGS = {"poll_interval": 0.02}


@pytest.fixture(scope="module", params=DATABASES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    yield from serve(request, tmp_path_factory.mktemp("fanout"), SETTINGS)


@pytest.fixture
async def writer(served: Served) -> AsyncIterator[SqlTaskEngine]:
    engine = await SqlTaskEngine.open(served.db_url, actor="tester")
    yield engine
    await engine.close()


@pytest.mark.slow
async def test_a_thousand_idle_streams_and_a_hundred_active_ones(
    served: Served, writer: SqlTaskEngine
) -> None:
    """One process: 1,100 streams open, 100 of them each get 200 events exactly once.

    The idle ones follow a project that stays quiet. The server stays under 200 MB.
    """
    busy, quiet = await new_project(writer), await new_project(writer)
    start = await writer.latest_event_seq()
    idle = [
        RawStream(served.url, path=f"/api/v2/events/stream?project={quiet.id}") for _ in range(1000)
    ]
    for batch in range(0, len(idle), 100):
        await asyncio.gather(*(s.open() for s in idle[batch : batch + 100]))
    limits = httpx.Limits(max_connections=200)
    receivers = [Received() for _ in range(100)]
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        readers = [
            asyncio.create_task(
                _read_with(client, served.url, r, 200, {"project": busy.id, "since": start})
            )
            for r in receivers
        ]
        await wait_until(lambda: hub_count(served, "live", at_least=1100), timeout=60)
        await create_tasks(writer, busy, 200)
        await asyncio.wait_for(asyncio.gather(*readers), 60)
    expected = [e.seq for e in await project_events(writer, busy, start)]
    assert all(r.seqs == expected for r in receivers)
    stats = await served.server.stats()
    assert stats["dropped"] == 0
    rss = served.server.rss_mb()
    for stream in idle:
        stream.close()
    assert rss < 200, f"server RSS {rss:.0f} MB with 1,100 streams"


async def _read_with(
    client: httpx.AsyncClient, url: str, received: Received, count: int, params: dict[str, object]
) -> None:
    async with aconnect_sse(client, "GET", f"{url}/api/v2/events/stream", params=params) as source:
        async for sse in source.aiter_sse():
            received.events.append(json.loads(sse.data))
            if len(received.events) == count:
                return
