"""Optimistic concurrency and safe retries over HTTP: ETag, If-Match, 304, Idempotency-Key."""

from __future__ import annotations

import threading
import uuid

import httpx

from .conftest import Served, error_of, new_project, new_task

POSTGRES_IN_DEFAULT_RUN = True
"""Concurrent writes and idempotency keys lock rows, differently on PostgreSQL: keep that half."""


def test_if_none_match_answers_304_until_the_task_changes(served: Served) -> None:
    """A client's current copy costs a 304; after a change it gets the new version."""
    task = new_task(served, new_project(served), "Cached")
    url = f"/api/v2/tasks/{task['ref']}"
    with served.client("writer") as api:
        first = api.get(url)
        same = api.get(url, headers={"If-None-Match": first.headers["ETag"]})
        api.patch(url, json={"title": "Changed"})
        changed = api.get(url, headers={"If-None-Match": first.headers["ETag"]})
        any_version = api.get(url, headers={"If-None-Match": "*"})
    assert same.status_code == 304
    assert same.headers["ETag"] == '"v1"'
    assert same.content == b""
    assert changed.status_code == 200
    assert changed.headers["ETag"] == '"v2"'
    assert any_version.status_code == 304


def test_two_clients_editing_one_task_the_second_gets_412(served: Served) -> None:
    """Both read v1; the first save wins; the second is refused, told what changed, by whom."""
    task = new_task(served, new_project(served), "Shared")
    url = f"/api/v2/tasks/{task['ref']}"
    with served.client("writer") as alice, served.client("admin") as bob:
        etag_a = alice.get(url).headers["ETag"]
        etag_b = bob.get(url).headers["ETag"]
        saved = alice.patch(url, json={"title": "Alice's"}, headers={"If-Match": etag_a})
        stale = bob.patch(url, json={"priority": "high"}, headers={"If-Match": etag_b})
        now = bob.get(url).json()
    assert saved.status_code == 200
    assert saved.headers["ETag"] == '"v2"'
    assert stale.status_code == 412
    error = error_of(stale)
    assert error["code"] == "precondition_failed"
    details = error["details"]
    assert (details["expected_version"], details["current_version"]) == (1, 2)
    assert details["current_etag"] == '"v2"'
    assert details["changed_by"] == "writer"
    assert details["changed_fields"] == ["title"]
    assert details["changes"][-1]["actor"] == "writer"
    assert (now["title"], now["priority"]) == ("Alice's", "medium")


def test_a_stale_board_cannot_undo_a_move(served: Served) -> None:
    """A transition naming an old version, by header or body, is refused with 412."""
    task = new_task(served, new_project(served), "Moving")
    url = f"/api/v2/tasks/{task['ref']}/transition"
    with served.client("writer") as api:
        moved = api.post(url, json={"to": "ready"}, headers={"If-Match": '"v1"'})
        by_header = api.post(url, json={"to": "backlog"}, headers={"If-Match": '"v1"'})
        by_body = api.post(url, json={"to": "backlog", "if_version": 1})
        disagree = api.post(
            url, json={"to": "backlog", "if_version": 2}, headers={"If-Match": '"v3"'}
        )
        malformed = api.post(url, json={"to": "backlog"}, headers={"If-Match": "v2"})
        current = api.post(url, json={"to": "backlog"}, headers={"If-Match": '"v2"'})
    assert moved.status_code == 200
    assert by_header.status_code == 412
    assert error_of(by_body)["details"]["changed_fields"] == ["status"]
    assert disagree.status_code == 400
    assert malformed.status_code == 400
    assert error_of(malformed)["details"]["field"] == "If-Match"
    assert current.status_code == 200
    assert current.json()["status"] == "backlog"


def test_a_retried_post_returns_the_first_answer_and_creates_once(served: Served) -> None:
    """Same key, same request: the stored answer again, marked as a replay; one task."""
    project = new_project(served)
    body = {"title": "Exactly once", "project": project["slug"]}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    with served.client("writer") as api:
        first = api.post("/api/v2/tasks", json=body, headers=key)
        retry = api.post("/api/v2/tasks", json=dict(reversed(body.items())), headers=key)
        other_body = api.post("/api/v2/tasks", json={**body, "title": "Else"}, headers=key)
    with served.client("admin") as other_token:
        own_key = other_token.post("/api/v2/tasks", json=body, headers=key)
        listed = other_token.get(
            "/api/v2/tasks", params={"project": project["slug"], "total": True}
        )
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert other_body.status_code == 422
    assert error_of(other_body)["details"]["field"] == "Idempotency-Key"
    assert own_key.status_code == 201
    assert listed.json()["total"] == 2


def test_a_retried_move_is_not_refused_as_a_second_move(served: Served) -> None:
    """Without the key the retry would be a 409 (ready to ready); with it, the first answer."""
    task = new_task(served, new_project(served), "Once")
    url = f"/api/v2/tasks/{task['ref']}/transition"
    key = {"Idempotency-Key": "move-" + uuid.uuid4().hex}
    with served.client("writer") as api:
        first = api.post(url, json={"to": "ready"}, headers=key)
        retry = api.post(url, json={"to": "ready"}, headers=key)
        unkeyed = api.post(url, json={"to": "ready"})
    assert first.status_code == retry.status_code == 200
    assert retry.json()["version"] == first.json()["version"] == 2
    assert unkeyed.status_code == 409


def test_a_failed_request_leaves_its_key_free(served: Served) -> None:
    """An error changes nothing, so its retry runs again (and here fails again)."""
    key = {"Idempotency-Key": uuid.uuid4().hex}
    with served.client("writer") as api:
        first = api.post("/api/v2/tasks", json={"title": "x", "project": "no-such"}, headers=key)
        second = api.post("/api/v2/tasks", json={"title": "x", "project": "no-such"}, headers=key)
        too_long = api.post(
            "/api/v2/tasks", json={"title": "x"}, headers={"Idempotency-Key": "k" * 300}
        )
    assert first.status_code == second.status_code == 404
    assert "Idempotent-Replayed" not in second.headers
    assert too_long.status_code == 400


def test_concurrent_requests_with_one_key_make_one_change(served: Served) -> None:
    """Eight clients send the same keyed create at once: one task, every answer consistent."""
    project = new_project(served)
    body = {"title": "Raced", "project": project["slug"]}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    answers: list[httpx.Response] = []
    start = threading.Barrier(8)

    def send() -> None:
        with served.client("writer") as api:
            start.wait()
            answers.append(api.post("/api/v2/tasks", json=body, headers=key))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with served.client("writer") as api:
        total = api.get("/api/v2/tasks", params={"project": project["slug"], "total": True})
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    assert total.json()["total"] == 1
    for refused in (a for a in answers if a.status_code == 409):
        error = error_of(refused)
        assert error["code"] == "request_in_progress", error
        assert error["details"]["state"] in {"pending", "committed"}
