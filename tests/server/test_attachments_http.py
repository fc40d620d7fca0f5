"""Attachments over HTTP: the raw-body upload, the download, and the size limit (413).

The module's server reads ``[limits] attachment_max_bytes = 4096`` from its taskyard.toml,
so going over the limit takes a few kilobytes, not the default 10 MiB.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from core.domain.access import TokenCreate, TokenScope

from .conftest import Served, error_of, new_project, new_task
from .own_servers import DATABASES, serving

LIMIT = 4096


@pytest.fixture(scope="module", params=DATABASES)
def small(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A server whose attachments may be 4 KiB at most."""
    config = f"[limits]\nattachment_max_bytes = {LIMIT}\n"
    with serving(request, tmp_path_factory.mktemp("attach"), config=config) as served:
        yield served


def _upload(served: Served, ref: str, data: Any, name: str = "notes.txt", **headers: str) -> Any:
    with served.client("writer", **headers) as api:
        return api.post(f"/api/v2/tasks/{ref}/attachments", params={"name": name}, content=data)


def test_an_attachment_goes_up_and_comes_back_byte_for_byte(small: Served) -> None:
    """201 with the metadata and a Location; the download is the same bytes, name and type."""
    task = new_task(small, new_project(small))
    data = os.urandom(LIMIT)  # exactly the limit is allowed
    made = _upload(small, task["ref"], data, name="résumé.bin", **{"Content-Type": "image/png"})
    guessed = _upload(small, task["ref"], b"hello", name="notes.txt")
    attachment = made.json()
    with small.client("reader") as api:
        meta = api.get(made.headers["Location"])
        content = api.get(f"/api/v2/attachments/{attachment['id']}/content")
        listed = api.get(f"/api/v2/tasks/{task['ref']}").json()["attachments"]
    assert made.status_code == 201
    assert (attachment["name"], attachment["size"]) == ("résumé.bin", LIMIT)
    assert attachment["sha256"] == hashlib.sha256(data).hexdigest()
    assert attachment["content_type"] == "image/png"
    assert guessed.json()["content_type"] == "text/plain"
    assert meta.json() == attachment
    assert content.status_code == 200
    assert content.content == data
    assert content.headers["Content-Type"] == "image/png"
    assert (
        content.headers["Content-Disposition"]
        == "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.bin"
    )
    assert content.headers["ETag"] == f'"{attachment["sha256"]}"'
    assert {a["id"] for a in listed} == {attachment["id"], guessed.json()["id"]}


def test_a_body_over_the_limit_is_a_413_with_or_without_content_length(small: Served) -> None:
    """Declared too large: refused unread; chunked: refused at the limit; nothing is stored."""
    task = new_task(small, new_project(small))

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(5):
            yield b"x" * 1000

    declared = _upload(small, task["ref"], b"x" * (LIMIT + 1))
    chunked = _upload(small, task["ref"], chunks())
    keyed = _upload(small, task["ref"], chunks(), **{"Idempotency-Key": str(uuid.uuid4())})
    with small.client() as api:
        stored = api.get(f"/api/v2/tasks/{task['ref']}").json()["attachments"]
    for response in (declared, chunked, keyed):
        assert response.status_code == 413, response.text
        error = error_of(response)
        assert error["code"] == "payload_too_large"
        assert error["details"]["limit_bytes"] == LIMIT
        assert "attachment_max_bytes" in error["hint"]
    assert "request_id" not in error["details"]
    assert error_of(declared)["details"]["size"] == LIMIT + 1
    assert stored == []


def test_other_request_bodies_keep_their_own_larger_limit(small: Served) -> None:
    """The attachment limit applies to uploads only: a longer task description is fine."""
    project = new_project(small)
    with small.client("writer") as api:
        made = api.post(
            "/api/v2/tasks",
            json={"title": "Long", "project": project["slug"], "description": "d" * (3 * LIMIT)},
        )
    assert made.status_code == 201


def test_upload_refusals(small: Served) -> None:
    """A name that is a path is a 422, a missing task a 404, a read token a 403."""
    task = new_task(small, new_project(small))
    path_name = _upload(small, task["ref"], b"x", name="../etc/passwd")
    no_task = _upload(small, "NOPE-404", b"x")
    with small.client("reader") as api:
        reader = api.post(
            f"/api/v2/tasks/{task['ref']}/attachments", params={"name": "a.txt"}, content=b"x"
        )
        missing = api.get("/api/v2/attachments/nope")
    assert path_name.status_code == 422
    assert no_task.status_code == 404
    assert reader.status_code == 403
    assert missing.status_code == 404


def test_a_limited_token_neither_sees_nor_adds_attachments_elsewhere(small: Served) -> None:
    """Another project's attachment is a 404, as one that does not exist, and so is its task."""
    mine, theirs = new_project(small), new_project(small)
    their_task = new_task(small, theirs)
    theirs_attached = _upload(small, their_task["ref"], b"secret").json()
    name = f"limited-{uuid.uuid4().hex[:8]}"
    small.add_tokens(TokenCreate(name=name, scope=TokenScope.WRITE, projects=[mine["slug"]]))
    with small.client(name) as api:
        meta = api.get(f"/api/v2/attachments/{theirs_attached['id']}")
        content = api.get(f"/api/v2/attachments/{theirs_attached['id']}/content")
        missing = api.get("/api/v2/attachments/does-not-exist")
        upload = api.post(
            f"/api/v2/tasks/{their_task['ref']}/attachments", params={"name": "a"}, content=b"x"
        )
    for response in (meta, content, upload):
        assert response.status_code == 404
        assert "secret" not in response.text
    assert error_of(meta)["message"] == error_of(missing)["message"].replace(
        "does-not-exist", theirs_attached["id"]
    )
