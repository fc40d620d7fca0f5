"""Following the server's event stream through any disconnect, missing nothing.

httpx-sse reads one SSE response and stops when it ends; reconnecting is ours.
``follow_stream`` opens ``GET /api/v2/events/stream``, yields each event, and when the
connection drops (server restarted, network gone, a ``resync`` because this client fell
behind) opens it again with ``Last-Event-ID`` set to the last ``seq`` it yielded, so the server
replays exactly what came after. Waits between attempts grow from 0.5 s to 30 s (with a little
jitter, so clients that lost the same server do not all come back in the same instant) and
start again from 0.5 s once connected.

It tells a callback how the connection is, in words a status line can show: connected,
reconnecting in N s, offline (several attempts failed), unauthorized (the token was refused:
the stream stops, as no wait will fix that).
"""

from __future__ import annotations

import asyncio
import enum
import random
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from httpx_sse import aconnect_sse

from core.domain.models import Event
from core.errors import AuthenticationError, PermissionDeniedError
from core.remote.basics import query_pairs
from core.remote.transport import Transport

STREAM_PATH = "/api/v2/events/stream"
FIRST_DELAY = 0.5
MAX_DELAY = 30.0
OFFLINE_AFTER = 3
"""Failed attempts in a row after which the server counts as offline, not just reconnecting."""
READ_TIMEOUT = 45.0
"""Seconds of silence after which the connection counts as dead: the server pings every 15."""


class ConnectionState(enum.StrEnum):
    """How the link to the server is."""

    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"
    UNAUTHORIZED = "unauthorized"


@dataclass(frozen=True)
class ConnectionStatus:
    """The link's state, when it changed, and when the next attempt is (if one is due)."""

    state: ConnectionState
    since: datetime
    retry_in: float | None = None
    reason: str | None = None

    def words(self) -> str:
        """The state in a few words: "connected", "reconnecting in 4 s", "offline since 12:03"."""
        if self.state is ConnectionState.CONNECTED:
            return "connected"
        if self.state is ConnectionState.UNAUTHORIZED:
            return "unauthorized: log in again"
        wait = f"{self.retry_in:.0f} s" if self.retry_in is not None else "a moment"
        if self.state is ConnectionState.RECONNECTING:
            return f"reconnecting in {wait}"
        local = self.since.astimezone().strftime("%H:%M")
        return f"offline since {local}, retrying in {wait}"


StatusCallback = Callable[[ConnectionStatus], None]


class Backoff:
    """Waits between reconnects: doubling from ``first`` to ``ceiling``, with ±20 % jitter."""

    def __init__(self, first: float = FIRST_DELAY, ceiling: float = MAX_DELAY) -> None:
        self.first = first
        self.ceiling = ceiling
        self.failures = 0
        self.floor = 0.0
        """The server's ``retry:`` advice (seconds), the least wait from now on."""

    def reset(self) -> None:
        """Connected: the next failure waits ``first`` again."""
        self.failures = 0

    def next(self) -> float:
        """The wait before the next attempt (and count one more failure)."""
        self.failures += 1
        base = min(self.ceiling, self.first * 2 ** (self.failures - 1))
        wait: float = max(self.floor, base * random.uniform(0.8, 1.2))
        return wait


class _StatusReporter:
    """Tells the listener of a change of state once, with when that state began.

    A repeated state is said again only with a new countdown (``retry_in``), so a screen
    reader hears "offline" once, not at every attempt; "offline since" keeps the moment the
    link went offline, not the moment of the last try.
    """

    def __init__(self, on_status: StatusCallback | None) -> None:
        self._on_status = on_status
        self._status: ConnectionStatus | None = None

    def __call__(
        self, state: ConnectionState, retry_in: float | None = None, reason: str | None = None
    ) -> None:
        status = self._status
        if status is not None and status.state is state and retry_in is None:
            return
        changed_at = status.since if status and status.state is state else datetime.now(UTC)
        self._status = ConnectionStatus(state, changed_at, retry_in, reason)
        if self._on_status is not None:
            self._on_status(self._status)


async def follow_stream(
    transport: Transport,
    *,
    since: int,
    params: Mapping[str, Any] | None = None,
    on_status: StatusCallback | None = None,
    backoff: Backoff | None = None,
) -> AsyncIterator[Event]:
    """Every event after ``since`` the token may see, forever, across reconnects.

    Args:
        transport: The server connection (its client and token).
        since: The ``seq`` to start after.
        params: More query parameters (``project``, ``task``, ``kinds``).
        on_status: Told each time the connection's state changes.
        backoff: The waits between attempts (a fresh ``Backoff`` when ``None``).

    Raises:
        AuthenticationError: the token was refused (after telling ``on_status``).
        PermissionDeniedError: the token may not read events.
        TaskyardError: the server refused the request itself (a filter naming nothing).
    """
    backoff = backoff or Backoff()
    last = since
    report = _StatusReporter(on_status)
    timeout = httpx.Timeout(READ_TIMEOUT, connect=transport.client.timeout.connect)
    while True:
        reason = "the server ended the stream"
        try:
            async with aconnect_sse(
                transport.client,
                "GET",
                STREAM_PATH,
                params=query_pairs(params),
                headers={"Last-Event-ID": str(last)},
                timeout=timeout,
            ) as source:
                response = source.response
                if response.status_code >= 400:
                    await response.aread()
                    error = transport.error_of(response)
                    if isinstance(error, AuthenticationError | PermissionDeniedError):
                        report(ConnectionState.UNAUTHORIZED, reason=error.message)
                        raise error
                    if response.status_code < 500 and response.status_code != 429:
                        raise error
                    reason = error.message
                else:
                    report(ConnectionState.CONNECTED)
                    backoff.reset()
                    resync = False
                    async for sse in source.aiter_sse():
                        if sse.retry is not None:
                            backoff.floor = min(MAX_DELAY, sse.retry / 1000)
                        if sse.event == "resync":
                            resync = True
                            break
                        if not sse.data:
                            continue
                        event = Event.model_validate_json(sse.data)
                        if event.seq > last:
                            last = event.seq
                            yield event
                    if resync:
                        continue  # fell behind: resume from ``last`` at once
        except httpx.TransportError as exc:
            reason = str(transport.unreachable(exc).details["reason"])
        delay = backoff.next()
        offline = backoff.failures >= OFFLINE_AFTER
        state = ConnectionState.OFFLINE if offline else ConnectionState.RECONNECTING
        report(state, retry_in=delay, reason=reason)
        await asyncio.sleep(delay)
