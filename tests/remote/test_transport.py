"""The transport alone, against httpx's MockTransport: retries, keys, errors, no token shown."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

import core
from core.errors import (
    AuthenticationError,
    ConflictError,
    DependencyBlockedError,
    LeaseLostError,
    NotFoundError,
    PreconditionFailedError,
    StorageError,
    ValidationError,
)
from core.remote.errors import (
    IncompatibleServerError,
    ServerError,
    ServerUnreachableError,
    error_from_body,
)
from core.remote.meta import readiness
from core.remote.transport import Transport, normalize_server

SECRET = "ty_" + "s3cr3t" * 8

Handler = Callable[[httpx.Request], httpx.Response]


def flaky(fail_times: int, error: type[httpx.TransportError], seen: list[httpx.Request]) -> Handler:
    """A server whose first ``fail_times`` requests fail with ``error``, then answer ``{}``."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) <= fail_times:
            raise error("boom", request=request)
        return httpx.Response(200, json={"ok": True})

    return handle


def transport(handler: Handler) -> Transport:
    return Transport(
        "http://taskyard.test", SECRET, http_transport=httpx.MockTransport(handler), attempts=3
    )


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.remote.transport.BACKOFF", (0.0, 0.0, 0.0))


async def test_a_read_is_sent_again_after_a_dropped_connection() -> None:
    seen: list[httpx.Request] = []
    client = transport(flaky(2, httpx.ReadError, seen))
    assert await client.json("GET", "/api/v2/projects") == {"ok": True}
    assert len(seen) == 3
    await client.close()


async def test_a_post_is_retried_with_the_same_idempotency_key() -> None:
    """The server answers a retry with the first answer: the key must not change."""
    seen: list[httpx.Request] = []
    client = transport(flaky(1, httpx.ReadTimeout, seen))
    await client.json("POST", "/api/v2/workers/w/claims", json={"limit": 1})
    keys = [r.headers["Idempotency-Key"] for r in seen]
    assert len(keys) == 2
    assert keys[0] == keys[1] != ""
    await client.close()


async def test_a_patch_is_not_sent_twice_once_it_may_have_arrived() -> None:
    seen: list[httpx.Request] = []
    client = transport(flaky(1, httpx.ReadError, seen))
    with pytest.raises(ServerUnreachableError):
        await client.json("PATCH", "/api/v2/tasks/T-1", json={})
    assert len(seen) == 1
    await client.close()


async def test_a_request_that_never_connected_is_sent_again_whatever_its_method() -> None:
    seen: list[httpx.Request] = []
    client = transport(flaky(1, httpx.ConnectError, seen))
    await client.json("DELETE", "/api/v2/tasks/T-1")
    assert len(seen) == 2
    await client.close()


async def test_an_unreachable_server_is_a_storage_error_that_names_it_not_the_token() -> None:
    seen: list[httpx.Request] = []
    client = transport(flaky(99, httpx.ConnectError, seen))
    with pytest.raises(ServerUnreachableError) as caught:
        await client.json("GET", "/readyz")
    assert isinstance(caught.value, StorageError)
    assert "http://taskyard.test" in caught.value.message
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(client)
    assert len(seen) == 3
    await client.close()


async def test_the_token_is_sent_as_a_bearer_and_redirects_are_not_followed() -> None:
    """A redirect could send the token to another origin: it is an error instead."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "http://elsewhere.test/"})

    client = transport(handle)
    response = await client.request("GET", "/api/v2/projects")
    assert response.status_code == 302
    assert [r.url.host for r in seen] == ["taskyard.test"]
    assert seen[0].headers["Authorization"] == f"Bearer {SECRET}"
    await client.close()


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (404, "not_found", NotFoundError),
        (409, "lease_lost", LeaseLostError),
        (409, "dependency_violation", DependencyBlockedError),
        (409, "conflict", ConflictError),
        (412, "precondition_failed", PreconditionFailedError),
        (422, "validation_error", ValidationError),
        (401, "unauthorized", AuthenticationError),
        (503, "storage_error", StorageError),
        (500, "internal_error", ServerError),
        (409, "a_code_of_a_newer_server", ConflictError),
    ],
)
def test_the_error_body_comes_back_as_the_engines_class(
    status: int, code: str, cls: type[Exception]
) -> None:
    body = {"error": {"code": code, "message": "M", "hint": "H", "details": {"field": "f"}}}
    error = error_from_body(status, body, where="the server")
    assert type(error) is cls
    assert (error.message, error.details) == ("M", {"field": "f"})
    assert str(error.hint).startswith("H")


def test_an_answer_without_the_error_body_says_what_answered() -> None:
    error = error_from_body(502, None, where="the taskyard server at http://x")
    assert isinstance(error, ServerError)
    assert "HTTP 502" in error.message


def test_a_refused_token_explains_how_to_log_in_again() -> None:
    body: dict[str, object] = {
        "error": {"code": "unauthorized", "message": "Expired.", "hint": None, "details": {}}
    }
    error = error_from_body(401, body, where="s")
    assert "taskyard login" in str(error.hint)


@pytest.mark.parametrize(
    ("given", "url"),
    [("127.0.0.1:8765", "http://127.0.0.1:8765"), ("https://ty.example/", "https://ty.example")],
)
def test_server_urls_are_normalized(given: str, url: str) -> None:
    assert normalize_server(given) == url


@pytest.mark.parametrize("given", ["ftp://x", "http://", "http://user:pw@host"])
def test_bad_server_urls_are_refused(given: str) -> None:
    with pytest.raises(ValidationError):
        normalize_server(given)


@pytest.mark.parametrize(
    ("answer", "refused"),
    [
        ({"status": "ready", "revision": "r1", "version": core.__version__}, None),
        ({"status": "ready", "revision": "r1"}, None),  # a server older than the field
        ({"status": "ready", "revision": "r1", "version": "97.3.0"}, "it runs taskyard 97.3.0"),
        ({"status": "up"}, "an unexpected /readyz answer"),
    ],
)
async def test_connecting_refuses_a_server_of_another_api_version(
    answer: dict[str, str], refused: str | None
) -> None:
    """``/readyz`` names the server's version; another major or minor one is refused at once,
    with both versions said, instead of failing later on a route that changed."""
    client = transport(lambda request: httpx.Response(200, json=answer))
    try:
        if refused is None:
            assert await readiness(client) == "r1"
        else:
            with pytest.raises(IncompatibleServerError, match=refused) as caught:
                await readiness(client)
            assert core.__version__ in (caught.value.hint or "")
    finally:
        await client.close()
