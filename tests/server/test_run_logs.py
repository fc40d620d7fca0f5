"""Run logs over HTTP: read by page, and followed live as Server-Sent Events on real uvicorn.

The stream tests read events while the run is still writing: a server that buffered the
stream (or a test client that did) would never show them before the run's end.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from httpx_sse import ServerSentEvent, connect_sse

from tests.fixtures.servers import ServerProcess

from .conftest import STANDARD_TOKENS, Served, error_of, new_project
from .workers import claim, fenced, ready_task, register


def _running(served: Served, worker_id: str) -> dict[str, Any]:
    """A claimed run of a fresh task of a fresh project."""
    project = new_project(served)
    ready_task(served, project, "Noisy")
    with served.client("writer") as api:
        register(api, worker_id)
        [got] = claim(api, worker_id, project, lease_seconds=120)
        fenced(api, got, "steps", step="build")
    return got


def _write(served: Served, got: dict[str, Any], *texts: str) -> None:
    with served.client("writer") as api:
        for text in texts:
            assert fenced(api, got, "log", text=text, step="build").status_code == 200


def _events(source: Iterator[ServerSentEvent], count: int) -> list[ServerSentEvent]:
    """The next ``count`` events that are not keep-alive comments."""
    return [next(source) for _ in range(count)]


def test_a_log_is_read_page_by_page(served: Served) -> None:
    """``since`` and ``limit`` page through the chunks; ``next_since`` continues a full page."""
    got = _running(served, "pager")
    _write(served, got, "one\n", "two\n", "three\n")
    with served.client("reader") as api:
        first = api.get(f"/api/v2/logs/{got['run_id']}", params={"limit": 2}).json()
        rest = api.get(
            f"/api/v2/logs/{got['run_id']}", params={"since": first["next_since"], "limit": 2}
        ).json()
        unknown = api.get(f"/api/v2/logs/{uuid.uuid4()}").json()
        bad = api.get(f"/api/v2/logs/{got['run_id']}", params={"limit": 0})
    assert [c["text"] for c in first["items"]] == ["one\n", "two\n"]
    assert first["next_since"] == 2
    assert [(c["seq"], c["text"], c["step"]) for c in rest["items"]] == [(3, "three\n", "build")]
    assert rest["next_since"] is None
    assert unknown == {"items": [], "next_since": None}
    assert bad.status_code == 422


def test_a_retried_chunk_is_written_once(served: Served) -> None:
    """A chunk sent again with its Idempotency-Key (a timeout, say) gets the first answer."""
    got = _running(served, "retrier")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"token": got["claim_token"], "text": "only once\n"}
    with served.client("writer") as api:
        first = api.post(f"/api/v2/runs/{got['run_id']}/log", json=body, headers=key)
        again = api.post(f"/api/v2/runs/{got['run_id']}/log", json=body, headers=key)
        log = api.get(f"/api/v2/logs/{got['run_id']}").json()
    assert first.json() == again.json() == {"seq": 1}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [c["text"] for c in log["items"]] == ["only once\n"]


def test_a_log_is_followed_live_until_the_run_ends(served: Served) -> None:
    """Chunks written before and during the stream arrive in order, then ``end`` closes it."""
    got = _running(served, "follower")
    _write(served, got, "before\n")
    url = f"/api/v2/logs/{got['run_id']}/stream"
    with served.client("reader") as api, connect_sse(api, "GET", url) as stream:
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        events = stream.iter_sse()
        [early] = _events(events, 1)
        _write(served, got, "during 1\n", "during 2\n")
        live = _events(events, 2)
        with served.client("writer") as worker:
            fenced(worker, got, "finish", success=True, step="build")
        ending = list(events)
    assert (early.event, early.id, json.loads(early.data)["text"]) == ("chunk", "1", "before\n")
    assert [(e.id, json.loads(e.data)["text"]) for e in live] == [
        ("2", "during 1\n"),
        ("3", "during 2\n"),
    ]
    assert [e.event for e in ending] == ["end"]
    assert json.loads(ending[0].data) == {"owner_id": got["run_id"], "last_seq": 3}


def test_a_reconnecting_follower_gets_exactly_what_it_missed(served: Served) -> None:
    """``Last-Event-ID`` (or ``since``) resumes after that chunk; a finished log just ends."""
    got = _running(served, "resumer")
    _write(served, got, "a\n", "b\n", "c\n")
    with served.client("writer") as api:
        fenced(api, got, "finish", success=True, step="build")
    url = f"/api/v2/logs/{got['run_id']}/stream"
    with served.client("reader") as api:
        with connect_sse(api, "GET", url, headers={"Last-Event-ID": "1"}) as stream:
            resumed = list(stream.iter_sse())
        with connect_sse(api, "GET", url, params={"since": 3}) as stream:
            nothing_left = list(stream.iter_sse())
        bad = api.get(url, headers={"Last-Event-ID": "yesterday"})
    assert [e.id for e in resumed if e.event == "chunk"] == ["2", "3"]
    assert resumed[-1].event == "end"
    assert [e.event for e in nothing_left] == ["end"]
    assert bad.status_code == 400


def test_following_an_unknown_log_is_a_404_before_any_stream(served: Served) -> None:
    """The error body, not an event stream, for an id that names nothing."""
    with served.client("reader") as api:
        response = api.get(f"/api/v2/logs/{uuid.uuid4()}/stream")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


def test_a_follower_that_hangs_up_leaves_the_server_well(served: Served) -> None:
    """Closing the connection mid-stream ends the follower; the run goes on being written."""
    got = _running(served, "quitter")
    _write(served, got, "first\n")
    url = f"/api/v2/logs/{got['run_id']}/stream"
    with served.client("reader") as api, connect_sse(api, "GET", url) as stream:
        [first] = _events(stream.iter_sse(), 1)
    _write(served, got, "after the hang-up\n")
    with served.client("reader") as api:
        log = api.get(f"/api/v2/logs/{got['run_id']}").json()
        health = api.get("/healthz")
    assert first.id == "1"
    assert [c["text"] for c in log["items"]] == ["first\n", "after the hang-up\n"]
    assert health.status_code == 200


def test_a_server_shutting_down_ends_open_streams_cleanly(tmp_path: Path) -> None:
    """SIGTERM with a follower attached: the stream ends without ``end``, the server exits 0.

    The follower reconnects with ``Last-Event-ID`` to the restarted server, as after any
    dropped connection. Its own server: stopping the module's would end the other tests'.
    """
    db_url = f"sqlite:///{tmp_path / 'stopping.db'}"
    own = Served(server=ServerProcess(db_url, tmp_path), db_url=db_url, tokens={})
    received: list[str] = []
    try:
        own.add_tokens(*STANDARD_TOKENS)
        got = _running(own, "stopping")
        _write(own, got, "last words\n")

        def follow() -> None:
            url = f"/api/v2/logs/{got['run_id']}/stream"
            with own.client("reader") as api, connect_sse(api, "GET", url) as stream:
                for event in stream.iter_sse():
                    received.append(event.event)

        follower = threading.Thread(target=follow)
        follower.start()
        deadline = time.monotonic() + 10
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        code = own.server.stop()
    follower.join(timeout=10)
    assert code == 0
    assert received == ["chunk"]
    assert not follower.is_alive()
    log = own.server.log_text()
    assert "without completing response" not in log
    assert "Traceback" not in log
