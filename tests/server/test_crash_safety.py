"""A server killed mid-burst, and clients that leave mid-request, lose and duplicate nothing.

* ``kill -9`` during a burst of creates from 10 concurrent clients, each create carrying an
  ``Idempotency-Key``, an ``external_id`` or both; then a restart on the same database:
  every create that was answered 2xx is there, and retrying every request (answered or
  not) with its key or external id creates nothing twice.
* A client that closes its socket after half a body, or after a whole request but before
  reading the answer: nothing half-done, the server goes on serving, and the SQLite file
  passes its integrity check.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from core.domain.access import TokenCreate, TokenScope
from tests.fixtures.servers import ServerProcess

from .conftest import database_url, error_of
from .world import DATABASES, EngineThread, Side

# kill -9 and disconnect runs against real servers: left to `make slow`.
pytestmark = pytest.mark.slow

CLIENTS = 10
PER_CLIENT = 15
KILL_AFTER = 40
"""Creates answered 2xx before the kill: enough that many are in flight when it lands."""


@dataclass
class Crashable:
    """A database with a project and a token, and no server yet (each test starts its own)."""

    db_url: str
    folder: Path
    token: str
    project: str
    """A project slug of the test's own."""

    def new_project(self) -> str:
        """Another project on the same database, for a test that counts what it made."""
        db = EngineThread(self.db_url)
        try:
            return Side.create(db, "crash", "C" + uuid.uuid4().hex[:5].upper()).project.slug
        finally:
            db.close()


@pytest.fixture(scope="module", params=DATABASES)
def crashable(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Crashable:
    """A fresh database with a write token, made before any server starts."""
    folder = tmp_path_factory.mktemp("crash")
    db_url = database_url(request, folder)
    db = EngineThread(db_url)
    try:
        project = Side.create(db, "crash", "CRASH").project.slug
        made = db.run(db.engine.create_token(TokenCreate(name="crasher", scope=TokenScope.WRITE)))
    finally:
        db.close()
    return Crashable(db_url, folder, made.secret, project)


@pytest.fixture
def start(crashable: Crashable) -> Iterator[Callable[[], ServerProcess]]:
    """Starts servers on the test's database; any still running at its end is stopped."""
    started: list[ServerProcess] = []

    def start_one() -> ServerProcess:
        started.append(ServerProcess(crashable.db_url, crashable.folder))
        return started[-1]

    yield start_one
    for server in started:
        server.stop()


@dataclass
class Create:
    """One create request of the burst and what it got (``status`` None: no answer)."""

    body: dict[str, Any]
    key: str | None
    status: int | None = None
    task_id: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        """Its ``Idempotency-Key`` header, if it has one."""
        return {"Idempotency-Key": self.key} if self.key else {}


def burst_requests(project: str, client: int) -> list[Create]:
    """A client's creates: by key, by external id, and by both, in turn."""
    run = uuid.uuid4().hex[:6]
    made = []
    for i in range(PER_CLIENT):
        name = f"crash-{run}-{client}-{i}"
        body: dict[str, Any] = {"title": name, "project": project}
        if i % 3 != 0:
            body["external_id"] = name
        made.append(Create(body=body, key=None if i % 3 == 1 else str(uuid.uuid4())))
    return made


def send_all(url: str, token: str, creates: list[Create], answered: list[int]) -> None:
    """Send ``creates`` one after another until the server stops answering."""
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=auth, timeout=30) as api:
        for create in creates:
            try:
                response = api.post("/api/v2/tasks", json=create.body, headers=create.headers)
            except httpx.TransportError:
                return  # killed: this one may or may not have been made, the rest never sent
            create.status = response.status_code
            if response.is_success:
                create.task_id = response.json()["id"]
                answered.append(1)


def titles_in(api: httpx.Client, project: str) -> Counter[str]:
    """How many tasks of ``project`` carry each title (every page)."""
    counts: Counter[str] = Counter()
    params: dict[str, Any] = {"project": project, "include_completed": "true", "limit": 200}
    while True:
        page = api.get("/api/v2/tasks", params=params).json()
        counts.update(t["title"] for t in page["items"])
        if page["next_cursor"] is None:
            return counts
        params["cursor"] = page["next_cursor"]


def test_kill_9_during_a_burst_of_creates_loses_and_duplicates_nothing(
    crashable: Crashable, start: Callable[[], ServerProcess]
) -> None:
    """Answered creates survive the kill; every retry after the restart makes nothing twice."""
    project = crashable.new_project()
    server = start()
    creates = [burst_requests(project, client) for client in range(CLIENTS)]
    answered: list[int] = []
    threads = [
        threading.Thread(target=send_all, args=(server.url, crashable.token, mine, answered))
        for mine in creates
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(answered) < KILL_AFTER and time.monotonic() < deadline:
        time.sleep(0.005)
    server.process.kill()
    server.process.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=60)
    every = [c for mine in creates for c in mine]
    assert len(answered) >= KILL_AFTER, server.log_text()
    assert any(c.status is None for c in every), "the kill landed after the burst"

    restarted = start()
    auth = {"Authorization": f"Bearer {crashable.token}"}
    with httpx.Client(base_url=restarted.url, headers=auth, timeout=30) as api:
        for create in (c for c in every if c.task_id is not None):
            kept = api.get(f"/api/v2/tasks/{create.task_id}")
            assert kept.status_code == 200, (create, kept.text)
            assert kept.json()["title"] == create.body["title"]
        before_retries = titles_in(api, project)
        for _ in range(2):
            for create in every:
                retry = api.post("/api/v2/tasks", json=create.body, headers=create.headers)
                _check_retry(create, retry, before_retries)
        counts = titles_in(api, project)
    assert max(counts.values()) == 1, [t for t, n in counts.items() if n > 1]
    assert sum(counts.values()) == len(every) - _still_pending(every, counts)
    assert restarted.stop() == 0
    assert "Traceback" not in restarted.log_text(), restarted.log_text()


def _check_retry(create: Create, retry: httpx.Response, before: Counter[str]) -> None:
    """A retry gets the first answer's task, a new one if none was made, or a 409 that says
    truly whether the first attempt made it (``committed``) or not (``pending``)."""
    title = create.body["title"]
    if retry.status_code == 409:
        state = error_of(retry)["details"]["state"]
        assert create.key is not None, (create, retry.text)
        assert create.task_id is None, (create, retry.text)
        assert (state, before[title]) in {("pending", 0), ("committed", 1)}, (create, state)
        return
    assert retry.status_code in {200, 201}, (create, retry.text)
    task = retry.json()
    assert task["title"] == title
    if create.task_id is not None:
        assert task["id"] == create.task_id, (create, task)
    else:
        create.task_id = task["id"]


def _still_pending(every: list[Create], counts: Counter[str]) -> int:
    """Requests whose key a dead attempt still holds (no task yet: retried once its hold lapses)."""
    return sum(1 for c in every if c.task_id is None and counts[c.body["title"]] == 0)


# -- clients that leave mid-request --------------------------------------------------------
LINGER = 0.3
"""Seconds a client that sent part of a body waits before it gives up and closes."""


def leave_early(
    url: str,
    token: str,
    method: str,
    path: str,
    body: dict[str, Any],
    *,
    sent: float,
    **headers: str,
) -> str:
    """Send a request on a raw socket, ``sent`` of its body only, and close without reading.

    The body is padded with spaces, so the part sent may be whole JSON on its own (the
    case a server must still not act on). A part stays open ``LINGER`` seconds, so the
    server reads it before the close (a client giving up on a slow upload); a whole request
    is closed as the server starts on it. Returns the request id the server logs it under.
    """
    request_id = f"leaver-{uuid.uuid4().hex[:12]}"
    data = json.dumps(body).encode() + b" " * 64
    part = data[: int(len(data) * sent)] if sent < 1 else data
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {urlsplit(url).netloc}",
        f"Authorization: Bearer {token}",
        "Content-Type: application/json",
        f"Content-Length: {len(data)}",
        f"X-Request-ID: {request_id}",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    where = urlsplit(url)
    with socket.create_connection((where.hostname or "127.0.0.1", where.port or 80)) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + part)
        time.sleep(LINGER if sent < 1 else 0.02)
    return request_id


def wait_logged(server: ServerProcess, request_ids: list[str]) -> None:
    """Wait until the server's access log has a line for each request (it finished them)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        log = server.log_text()
        if all(f"request_id={r}" in log for r in request_ids):
            return
        time.sleep(0.05)
    raise AssertionError(f"not all of {request_ids} were handled:\n{server.log_text()}")


def test_a_client_leaving_mid_request_corrupts_nothing(
    crashable: Crashable, start: Callable[[], ServerProcess]
) -> None:
    """Half a body changes nothing (with or without a key); a whole request whose answer is
    never read is done entirely or not at all; the server serves on; the file is sound."""
    project = crashable.new_project()
    server = start()
    auth = {"Authorization": f"Bearer {crashable.token}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as api:
        task = api.post("/api/v2/tasks", json={"title": "Target", "project": project}).json()
        ref = f"/api/v2/tasks/{task['ref']}"
        key = str(uuid.uuid4())
        patch = {"title": "Renamed", "priority": "high"}
        go = server.url, crashable.token

        def create(title: str, sent: float, **headers: str) -> str:
            body = {"title": title, "project": project}
            return leave_early(*go, "POST", "/api/v2/tasks", body, sent=sent, **headers)

        ids = [
            create("h1", 0.5),
            create("h2", 0.9, Idempotency_Key=str(uuid.uuid4())),
            create("h3", 0),
            leave_early(*go, "PATCH", ref, {"title": "Half", "priority": "low"}, sent=0.5),
            leave_early(*go, "POST", f"{ref}/transition", {"to": "ready"}, sent=0.6),
        ]
        wait_logged(server, ids)
        half_done = titles_in(api, project)
        untouched = api.get(ref).json()
        whole = [
            create("w1", 1),
            create("w2", 1, Idempotency_Key=key),
            leave_early(*go, "PATCH", ref, patch, sent=1),
        ]
        wait_logged(server, whole)
        retried = api.post(
            "/api/v2/tasks",
            json={"title": "w2", "project": project},
            headers={"Idempotency-Key": key},
        )
        after = api.get(ref).json()
        counts = titles_in(api, project)
        assert api.get("/healthz").status_code == 200
    assert set(half_done) == {"Target"}, half_done
    assert (untouched["version"], untouched["title"], untouched["status"]) == (
        1,
        "Target",
        "backlog",
    )
    assert retried.status_code == 201, retried.text
    assert counts["w2"] == 1
    assert counts["w1"] <= 1
    assert (after["title"], after["priority"]) in {("Renamed", "high"), ("Target", "medium")}
    assert server.stop() == 0
    assert "Traceback" not in server.log_text(), server.log_text()
    if crashable.db_url.startswith("sqlite:///"):
        with sqlite3.connect(crashable.db_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
