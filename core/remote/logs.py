"""Following a run's or quick run's log over SSE until it ends, across dropped connections.

``GET /api/v2/logs/{owner}/stream`` sends each chunk (``event: chunk``, ``id`` its seq) and a
final ``end`` once the owner finished and every chunk went out. A connection that drops before
``end`` (a server restart) is opened again with ``Last-Event-ID``: nothing is missed or repeated.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
from httpx_sse import aconnect_sse

from core.domain.runs import LogChunk
from core.remote.stream import READ_TIMEOUT, Backoff
from core.remote.transport import Transport

ATTEMPTS = 8
"""Reconnects in a row without a chunk before the follower gives up (about a minute)."""


async def follow_log_stream(
    transport: Transport, owner_id: str, *, since: int, poll_interval: float
) -> AsyncIterator[LogChunk]:
    """Every chunk after ``since``, then each new one, until the log ends.

    Raises:
        TaskyardError: the server refused (no such run, a token that may not see it).
        ServerUnreachableError: the server stayed away for ``ATTEMPTS`` reconnects.
    """
    path = f"/api/v2/logs/{quote(owner_id, safe='')}/stream"
    timeout = httpx.Timeout(READ_TIMEOUT, connect=transport.client.timeout.connect)
    backoff = Backoff()
    last = since
    while True:
        try:
            async with aconnect_sse(
                transport.client,
                "GET",
                path,
                params={"since": last, "poll_interval": poll_interval},
                headers={"Last-Event-ID": str(last)},
                timeout=timeout,
            ) as source:
                if source.response.status_code >= 400:
                    await source.response.aread()
                    raise transport.error_of(source.response)
                backoff.reset()
                async for sse in source.aiter_sse():
                    if sse.event == "end":
                        return
                    if sse.event != "chunk" or not sse.data:
                        continue
                    chunk = LogChunk.model_validate_json(sse.data)
                    if chunk.seq > last:
                        last = chunk.seq
                        yield chunk
        except httpx.TransportError as exc:
            if backoff.failures >= ATTEMPTS:
                raise transport.unreachable(exc) from None
        await asyncio.sleep(backoff.next())
