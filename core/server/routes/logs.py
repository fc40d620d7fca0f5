"""``/api/v2/logs/{owner_id}``: a run's (or quick run's) output, read by page or followed live.

``GET /logs/{id}`` pages through the chunks after ``since``. ``GET /logs/{id}/stream`` is a
Server-Sent Events stream (``text/event-stream``, as the event stream): one ``chunk`` event
per chunk, its ``id:`` the chunk's ``seq`` and its data the chunk as JSON, then one ``end``
event once the run has finished and every chunk was sent, and the stream closes. A client
that lost the connection reconnects with ``Last-Event-ID`` (browsers do it by themselves)
and gets exactly the chunks it missed. Comment lines every 15 s keep proxies from closing a
quiet stream.

A token limited to some projects reads only its projects' runs and the quick runs it made.

Not in the API table (``core.api``): the stream is Server-Sent Events with ``Last-Event-ID``,
and a page of a log a limited token may not see is empty (as a log with no output), not a
404, with a ``next_since`` worked out from the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

import anyio
from fastapi import Header, Query
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.responses import Response

from core.api.run_schemas import LogPage
from core.domain.runs import LogChunk
from core.errors import BadRequestError
from core.server.api_routes import api_router
from core.server.deps import CallerDep, EngineDep
from core.server.errors import documented, error_responses
from core.server.responses import model_response
from core.server.run_access import check_log_owner, sees_log_owner

router = api_router("/logs", tags=["logs"])

PING_SECONDS = 15
"""A comment line this often on a quiet stream (proxies close idle connections)."""

SHUTDOWN_GRACE = 2.0
"""Seconds a stream has to end by itself once the server shuts down (it needs milliseconds)."""

MAX_PAGE = 10_000
"""Chunks per page at most (the engine's own limit)."""


@router.get("/{owner_id}", **documented(LogPage, 422, summary="Read a run's log"))
async def read_log(
    owner_id: str,
    engine: EngineDep,
    caller: CallerDep,
    since: Annotated[
        int, Query(ge=0, le=2**31 - 1, description="Chunks after this seq (0: from the start)")
    ] = 0,
    limit: Annotated[int, Query(description=f"1 to {MAX_PAGE:,} chunks")] = 1000,
) -> Response:
    """The chunks after ``since``, oldest first; ``next_since`` continues a full page.

    An id that names nothing (or nothing the token may see) has an empty log, as locally.
    """
    if caller.restricted and not await sees_log_owner(engine, caller, owner_id):
        chunks = []
    else:
        chunks = await engine.read_log(owner_id, since=since, limit=limit)
    following = chunks[-1].seq if chunks and len(chunks) == limit else None
    return model_response(LogPage(items=chunks, next_since=following))


@router.get(
    "/{owner_id}/stream",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Events `chunk` (id: seq, data: the chunk as JSON), then `end`.",
        },
        **error_responses(404),
    },
    summary="Follow a run's log live (Server-Sent Events)",
)
async def follow_log(
    owner_id: str,
    engine: EngineDep,
    caller: CallerDep,
    since: Annotated[int, Query(ge=0, le=2**31 - 1, description="Chunks after this seq")] = 0,
    poll_interval: Annotated[
        float, Query(ge=0.05, le=10, description="Seconds between reads for other processes")
    ] = 0.25,
    last_event_id: Annotated[str | None, Header()] = None,
) -> Response:
    """Every chunk after ``since`` (or ``Last-Event-ID``), then each new one, until the end.

    Writes through this server reach the stream at once; those of other processes (another
    server process, a worker on the database) within ``poll_interval`` seconds.
    """
    await check_log_owner(engine, caller, owner_id)
    start = max(since, _resumed_from(last_event_id))
    shutdown = anyio.Event()
    chunks = engine.follow_log(owner_id, since=start, poll_interval=poll_interval)
    return EventSourceResponse(
        _chunk_events(owner_id, start, chunks, shutdown),
        ping=PING_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        shutdown_event=shutdown,
        shutdown_grace_period=SHUTDOWN_GRACE,
    )


def _resumed_from(header: str | None) -> int:
    """The seq a reconnecting client last saw (0 without the header).

    Raises:
        BadRequestError: the header is not a chunk number.
    """
    if header is None or not header.strip():
        return 0
    text = header.strip()
    if not text.isdigit():
        raise BadRequestError(
            f"Last-Event-ID must be the seq of the last chunk received, not {header!r}.",
            hint="Send back the id of the last event the stream gave you.",
            details={"field": "Last-Event-ID", "input": header},
        )
    return int(text)


async def _chunk_events(
    owner_id: str, since: int, chunks: AsyncIterator[LogChunk], shutdown: anyio.Event
) -> AsyncIterator[ServerSentEvent]:
    """The stream's events: each chunk, then ``end`` once the log is complete.

    When the server shuts down, the stream ends as a dropped connection would, without
    ``end``: the client reconnects with ``Last-Event-ID`` and misses nothing. Ending it
    here, rather than being cancelled by the response, lets the response finish properly.
    The follower is closed as soon as the stream ends, for whatever reason.
    """
    last = since
    stop = asyncio.ensure_future(shutdown.wait())
    try:
        while True:
            step = asyncio.ensure_future(anext(chunks))
            try:
                await asyncio.wait({step, stop}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not step.done():  # shutting down, or the client went away
                    step.cancel()
                    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                        await step
            if step.cancelled():
                return
            try:
                chunk = step.result()
            except StopAsyncIteration:
                break
            last = chunk.seq
            yield ServerSentEvent(chunk.model_dump_json(), event="chunk", id=str(chunk.seq))
    finally:
        stop.cancel()
        if isinstance(chunks, AsyncGenerator):
            await chunks.aclose()
    yield ServerSentEvent(json.dumps({"owner_id": owner_id, "last_seq": last}), event="end")
