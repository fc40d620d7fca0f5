"""The event log and stream as ``taskyard serve`` offers them: real tokens, real limits.

The stream's own mechanics (resume, resync, fan-out) are tested on a bare events app in
test_events_stream.py; this module checks the wiring: the hub runs in the served app, a
limited token's stream and pages hold only its projects, and events name the token.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from core.domain.access import TokenCreate, TokenScope

from .conftest import Served, new_project, new_task


@pytest.fixture(scope="module")
def two_projects(served: Served) -> dict[str, Any]:
    """Two projects and a write token limited to the first."""
    mine, theirs = new_project(served), new_project(served)
    served.add_tokens(
        TokenCreate(name="events-limited", scope=TokenScope.WRITE, projects=[mine["slug"]])
    )
    return {"mine": mine, "theirs": theirs}


def _stream_until(served: Served, token: str, since: int, wanted: str) -> list[dict[str, Any]]:
    """Events from the stream after ``since`` until one whose task title is ``wanted``."""
    seen: list[dict[str, Any]] = []
    with (
        served.client(token) as api,
        connect_sse(
            api, "GET", "/api/v2/events/stream", params={"since": since}, timeout=20
        ) as source,
    ):
        assert source.response.status_code == 200
        for sse in source.iter_sse():
            event = sse.json()
            seen.append(event)
            if event.get("payload", {}).get("title") == wanted:
                return seen
    raise AssertionError(f"the stream ended before {wanted!r}: {seen}")


def test_a_limited_token_streams_only_its_projects_and_events_name_the_token(
    served: Served, two_projects: dict[str, Any]
) -> None:
    with served.client() as api:
        start = api.get("/api/v2/events", params={"since": 0, "limit": 1}).json()
    since = max((e["seq"] for e in start["items"]), default=0)
    new_task(served, two_projects["theirs"], "Hidden from the limited token")
    with served.client("events-limited") as api:
        created = api.post(
            "/api/v2/tasks",
            json={"title": "Seen by the limited token", "project": two_projects["mine"]["slug"]},
        )
    assert created.status_code == 201, created.text
    streamed = _stream_until(served, "events-limited", since, "Seen by the limited token")
    assert {e["project_id"] for e in streamed} == {two_projects["mine"]["id"]}
    assert streamed[-1]["actor"] == "events-limited"
    with served.client("events-limited") as api:
        page = api.get("/api/v2/events", params={"since": since}).json()
    assert page["items"], page
    assert {e["project_id"] for e in page["items"]} == {two_projects["mine"]["id"]}


def test_the_stream_needs_a_token(served: Served) -> None:
    with httpx.Client(base_url=served.url) as anonymous:
        response = anonymous.get("/api/v2/events/stream")
    assert response.status_code == 401
