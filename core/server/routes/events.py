"""``/api/v2/events``: the event log as pages, and as a live SSE stream that resumes.

Both show only what the caller may see: the auth layer says which projects that is (any
object with ``project_ids``, ``None`` for every project) through the dependency handed to
``events_router``. The stream is fed by the process's ``EventHub`` (``app.state.event_hub``,
set in the app's lifespan); the pages read the log directly.

This module does not use postponed annotations: the caller dependency is an argument of
``events_router``, and FastAPI reads each route's annotations when the route is declared, in
the scope of this function, which postponed (string) annotations could not see.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.responses import Response

from core.domain.models import Event
from core.engine import TaskEngine
from core.errors import NotFoundError, ValidationError
from core.server.event_hub import EventFilter, EventHub, Resync, Subscription, sse_frame

PAGE_LIMIT = 1000
"""The most events one page returns."""
WRITE_BATCH = 64
"""The most events sent to a client in one write."""
SHUTDOWN_GRACE = 2.0
"""Seconds a stream has to end by itself when the server stops (it needs milliseconds)."""


class ProjectViewer(Protocol):
    """Who asks, as far as events go: the projects they may see."""

    @property
    def project_ids(self) -> frozenset[str] | None:
        """Ids of the projects the caller may see; ``None``: every project."""


ViewerDependency = Callable[..., ProjectViewer | Awaitable[ProjectViewer]]
"""A FastAPI dependency giving the request's ``ProjectViewer`` (the server's auth)."""


class EventPage(BaseModel):
    """A page of the event log, oldest first."""

    items: list[Event]
    next_since: int
    """Pass as ``since`` for the next page (the last event looked at, shown or not)."""
    has_more: bool
    """Whether the log held more events after ``next_since`` when this page was read."""


async def request_hub(request: Request) -> EventHub:
    """The app's ``EventHub`` (started by the lifespan before any request).

    Async though it awaits nothing: FastAPI runs a plain ``def`` dependency on a worker
    thread, a thread hop on every stream and poll.
    """
    hub = getattr(request.app.state, "event_hub", None)
    if not isinstance(hub, EventHub):
        raise RuntimeError("The app has no event hub: start one in its lifespan.")
    return hub


HubDep = Annotated[EventHub, Depends(request_hub)]

SinceQuery = Annotated[int | None, Query(ge=0, le=2**63 - 1, description="Events after this seq.")]
ProjectQuery = Annotated[
    str | None, Query(description="Only this project's events (id, slug or key).")
]
TaskQuery = Annotated[str | None, Query(description="Only this task's events (id or ref).")]
KindsQuery = Annotated[
    list[str] | None,
    Query(
        description="Only these kinds, by dotted prefix (`task` is every `task.*`); "
        "repeat the parameter or separate with commas."
    ),
]

STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events: `id` is the event's seq, `event` its type, `data` "
        "the event as JSON. A client too slow to keep up gets one `resync` event (`id` and "
        "`data.since`: where to resume) and the stream ends. Comment lines are heartbeats.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def events_router(viewer: ViewerDependency, router: APIRouter | None = None) -> APIRouter:
    """The events routes, with ``viewer`` as the dependency that says what the caller sees.

    Args:
        viewer: The auth layer's dependency for the request's caller (any object with
            ``project_ids``); its own failures (401, 403) answer for these routes too.
        router: The router to declare them on (the server's ``/api/v2`` one); a new one
            tagged ``events`` when ``None``.
    """
    router = router if router is not None else APIRouter(tags=["events"])
    Viewer = Annotated[ProjectViewer, Depends(viewer)]

    @router.get("/events", response_model=EventPage, summary="Read the event log")
    async def list_events(
        hub: HubDep,
        caller: Viewer,
        since: Annotated[int, Query(ge=0, le=2**63 - 1, description="Events after this seq.")] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 100,
        project: ProjectQuery = None,
        task: TaskQuery = None,
        kinds: KindsQuery = None,
    ) -> Response:
        """Events after ``since``, oldest first, that the caller may see and asked for.

        A filtered page can come back short, even empty, with ``has_more`` true: the scan
        stops after a bounded number of events; go on from ``next_since``.
        """
        event_filter = await resolve_filter(hub.engine, caller, project, task, kinds)
        items, next_since, has_more = await hub.page(event_filter, since=since, limit=limit)
        page = EventPage(items=items, next_since=next_since, has_more=has_more)
        return Response(page.model_dump_json(), media_type="application/json")

    @router.get(
        "/events/stream",
        response_class=EventSourceResponse,
        responses=STREAM_RESPONSES,
        summary="Follow events live (SSE)",
    )
    async def stream_events(
        hub: HubDep,
        caller: Viewer,
        since: SinceQuery = None,
        project: ProjectQuery = None,
        task: TaskQuery = None,
        kinds: KindsQuery = None,
        last_event_id: Annotated[
            str | None, Header(description="Resume after this seq (wins over `since`).")
        ] = None,
    ) -> EventSourceResponse:
        """Every later event the caller may see, as it is committed, resumable by seq.

        Without ``since`` or ``Last-Event-ID`` the stream starts with the next event.
        Reconnecting with the last ``id`` received gets every event after it exactly once.
        """
        start = since if last_event_id is None else parse_last_event_id(last_event_id)
        event_filter = await resolve_filter(hub.engine, caller, project, task, kinds)
        subscription = hub.subscribe(event_filter, since=start)
        return EventSourceResponse(
            sse_stream(subscription),
            ping=hub.settings.heartbeat,
            ping_message_factory=Heartbeat,
            send_timeout=hub.settings.send_timeout,
            shutdown_event=hub.shutdown,
            shutdown_grace_period=SHUTDOWN_GRACE,
        )

    return router


class Heartbeat(ServerSentEvent):
    """A comment line alone (``: ping``), without the blank line that ends an event.

    A blank line after a comment makes some clients (httpx-sse 0.4) dispatch an empty
    event carrying the last id; the SSE spec says to dispatch nothing there. Without it no
    client sees anything but the bytes that keep the connection alive.
    """

    def __init__(self) -> None:
        super().__init__(comment="ping")

    def encode(self) -> bytes:
        """The comment line."""
        return b": ping\r\n"


async def sse_stream(subscription: Subscription) -> AsyncIterator[bytes]:
    """The frames of one stream; it leaves the hub however the response ends.

    Events that are already waiting go out together, in one write: a burst (an import, a
    client catching up) costs a few writes per client, not one per event.
    """
    try:
        async for item in subscription:
            if isinstance(item, Resync):
                yield sse_frame(str(item.since), "resync", f'{{"since":{item.since}}}')
                return
            waiting = subscription.ready(WRITE_BATCH - 1)
            yield b"".join([item.frame(), *(p.frame() for p in waiting)])
    finally:
        subscription.close()


def parse_last_event_id(value: str) -> int:
    """The seq a ``Last-Event-ID`` header names.

    Raises:
        ValidationError: it is not a whole number >= 0.
    """
    text = value.strip()
    if not text.isdigit():
        raise ValidationError(
            f"Last-Event-ID must be an event's seq (a whole number), not {value!r}.",
            field="Last-Event-ID",
            hint="Send back the `id` of the last event received.",
        )
    return int(text)


async def resolve_filter(
    engine: TaskEngine,
    caller: ProjectViewer,
    project: str | None,
    task: str | None,
    kinds: list[str] | None,
) -> EventFilter:
    """The filter a request asks for, within what the caller may see.

    Raises:
        NotFoundError: the project or task does not exist, or the caller may not see it
            (the same answer, so as not to confirm that it exists).
    """
    visible = caller.project_ids
    projects = visible
    if project is not None:
        found = await engine.get_project(project)
        if visible is not None and found.id not in visible:
            raise _not_found("project", project)
        projects = frozenset({found.id})
    task_id = None
    if task is not None:
        found_task = await engine.get_task(task, links=False)
        if visible is not None and found_task.project_id not in visible:
            raise _not_found("task", task)
        task_id = found_task.id
    wanted = tuple(k.strip() for given in kinds or () for k in given.split(",") if k.strip())
    return EventFilter(projects=projects, task_id=task_id, kinds=wanted)


def _not_found(field: str, ref: str) -> NotFoundError:
    return NotFoundError(
        f"No {field} {ref!r}.",
        hint="Check the reference; this token sees only its own projects.",
        details={"field": field, "input": ref, "suggestions": []},
    )
