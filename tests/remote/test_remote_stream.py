"""The event follower across a server restart: it reports the outage, resumes, misses nothing."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from core.domain.commands import ProjectCreate
from core.domain.models import Event
from core.remote.engine import HttpTaskEngine
from core.remote.stream import Backoff, ConnectionState, ConnectionStatus
from core.store.engine import SqlTaskEngine
from tests.fixtures.remote import ThreadServer, start_thread_server
from tests.fixtures.waiting import wait_until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_backoff_doubles_from_half_a_second_to_thirty_with_jitter() -> None:
    backoff = Backoff()
    waits = [backoff.next() for _ in range(10)]
    for wait, base in zip(waits, [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30], strict=True):
        assert base * 0.8 <= wait <= base * 1.2
    backoff.reset()
    assert backoff.next() <= 0.6


def test_connection_states_read_as_words() -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    assert ConnectionStatus(ConnectionState.CONNECTED, now).words() == "connected"
    waiting = ConnectionStatus(ConnectionState.RECONNECTING, now, retry_in=4.2)
    assert waiting.words() == "reconnecting in 4 s"
    assert "offline since" in ConnectionStatus(ConnectionState.OFFLINE, now, 30).words()
    assert "log in" in ConnectionStatus(ConnectionState.UNAUTHORIZED, now).words()


async def test_a_follower_resumes_after_a_restart_with_what_was_written_meanwhile(
    tmp_path: Path, sqlite_template: Path
) -> None:
    port = free_port()
    server, url, secret = await start_thread_server(tmp_path, sqlite_template, port=port)
    db_url = server.db_url
    remote = await HttpTaskEngine.open(url, secret)
    states: list[ConnectionStatus] = []
    remote.on_status = states.append
    seen: list[Event] = []

    async def follow() -> None:
        async for event in remote.follow_events(since=0):
            seen.append(event)

    follower = asyncio.create_task(follow())
    try:
        await remote.create_project(ProjectCreate(name="Before"))
        await wait_until(lambda: len(seen) == 1, message=lambda: (seen, states))
        await asyncio.to_thread(server.stop)
        await wait_until(
            lambda: states[-1].state is not ConnectionState.CONNECTED, message=lambda: states
        )
        # Another client writes while the server is down.
        local = await SqlTaskEngine.open(db_url, actor="other")
        for name in ("During 1", "During 2"):
            await local.create_project(ProjectCreate(name=name))
        await local.close()
        server = ThreadServer(db_url, port=port)
        await asyncio.to_thread(server.start)
        await wait_until(lambda: len(seen) == 3, timeout=40, message=lambda: (seen, states))
        await remote.create_project(ProjectCreate(name="After"))
        await wait_until(lambda: len(seen) == 4, message=lambda: (seen, states))
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await remote.close()
        await asyncio.to_thread(server.stop)
    assert [e.seq for e in seen] == [1, 2, 3, 4]
    assert [e.payload["name"] for e in seen] == ["Before", "During 1", "During 2", "After"]
    kinds = [s.state for s in states]
    assert kinds[0] is ConnectionState.CONNECTED
    assert ConnectionState.RECONNECTING in kinds
    assert kinds[-1] is ConnectionState.CONNECTED
    waiting = [s for s in states if s.state is ConnectionState.RECONNECTING]
    assert all(s.retry_in is not None and s.retry_in <= 1.2 * 30 for s in waiting)
