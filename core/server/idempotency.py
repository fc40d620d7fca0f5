"""``Idempotency-Key`` on every ``POST /api/...``: a retry gets the first answer, changes nothing.

A client that timed out cannot know whether its request took effect; sending it again with
the same key is safe. The middleware, per token and key:

1. reserves the key with a fingerprint of the request (method, path, query, body): a new
   key starts an attempt; a finished one answers with its stored response at once
   (``Idempotent-Replayed: true``); the same key with another request is a 422, and one
   still running a 409 (``request_in_progress``); one whose change was made by a server that
   stopped before answering a 409 (``answer_lost``);
2. runs the request under the attempt, renewing its hold on the key every
   ``KEY_RENEW_SECONDS`` (a retry waits for a live attempt, and takes over from a dead one
   within seconds): the engine view of the request marks the key
   committed inside the transaction of each write it makes (``TaskEngine.acting_as``), so
   the change and "the key took effect" are one commit;
3. stores a 2xx answer before sending it, so no client sees a success that a retry would not
   get again; any other answer releases the key (nothing changed), and the retry runs anew.

Being middleware, it covers every POST route, including those added later, without each
route having to remember it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.domain.access import KEY_RENEW_SECONDS, IdempotencyAttempt, StoredResponse
from core.errors import BadRequestError, TaskyardError
from core.server.auth import authenticate
from core.server.errors import error_response
from core.server.state import server_state

if TYPE_CHECKING:
    from core.engine import TaskEngine

HEADER = b"idempotency-key"
MAX_KEY = 255
SECRET_ANSWERS = frozenset({"/api/v2/tokens"})
"""POSTs whose answer holds a secret shown once, so it is never stored for replays; a retry
changes nothing anyway (a token's name is taken by the first attempt)."""
KEPT_HEADERS = ("content-type", "etag", "location")
"""The response headers a replay repeats (the request id is the retry's own)."""


class IdempotencyMiddleware:
    """Makes ``POST /api/...`` with an ``Idempotency-Key`` header safe to retry."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through except keyed POSTs under ``/api/``."""
        key = _key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        try:
            if not 0 < len(key) <= MAX_KEY or not key.isprintable():
                raise BadRequestError(
                    f"Idempotency-Key must be 1 to {MAX_KEY} printable characters.",
                    hint="Use a random value such as a UUID, one per distinct request.",
                    details={"field": "Idempotency-Key"},
                )
            engine = server_state(scope["app"]).engine
            caller = await authenticate(scope, engine)
            body = await _read_body(receive)
            if body is None:
                return  # the client left before sending all of it: nothing to do, nobody to tell
            reservation = await engine.reserve_idempotency_key(
                caller.token_id, key, _fingerprint(scope, body)
            )
        except TaskyardError as exc:
            await error_response(exc, state)(scope, receive, send)
            return
        if reservation.response is not None:
            await _replay(reservation.response, send)
            return
        assert reservation.attempt is not None
        state["idempotency"] = reservation.attempt
        await self._run(scope, _replayed_body(body, receive), send, reservation.attempt)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, attempt: IdempotencyAttempt
    ) -> None:
        engine = server_state(scope["app"]).engine
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        holding = asyncio.ensure_future(_keep_hold(engine, attempt))
        try:
            await self.app(scope, receive, hold)
        except BaseException:
            await _let_go(holding)
            await engine.release_idempotency_key(attempt)
            raise
        await _let_go(holding)
        assert start is not None
        status = int(start["status"])
        body = b"".join(chunks)
        if 200 <= status < 300:
            headers = {
                k.decode("latin-1"): v.decode("latin-1")
                for k, v in start.get("headers", [])
                if k.decode("latin-1").lower() in KEPT_HEADERS
            }
            stored = StoredResponse(status=status, body=body.decode("utf-8"), headers=headers)
            await engine.complete_idempotency_key(attempt, stored)
        else:
            await engine.release_idempotency_key(attempt)
        await send(start)
        await send({"type": "http.response.body", "body": body})


async def _keep_hold(engine: TaskEngine, attempt: IdempotencyAttempt) -> None:
    """Renew the attempt's hold on its key while the request runs (most end before the first).

    A retry that comes meanwhile waits for this attempt; once this server stops, the hold
    lapses and a retry runs the request (or learns its answer was lost) within seconds.
    """
    while True:
        await asyncio.sleep(KEY_RENEW_SECONDS)
        # A renewal that fails (the database busy or away) is tried again at the next tick;
        # the request's own write would fail the same way and say so.
        with contextlib.suppress(TaskyardError):
            await engine.renew_idempotency_key(attempt)


async def _let_go(holding: asyncio.Future[None]) -> None:
    holding.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await holding


def _key(scope: Scope) -> str | None:
    if scope["type"] != "http" or scope.get("method") != "POST":
        return None
    path = str(scope.get("path", ""))
    if not path.startswith("/api/") or path.rstrip("/") in SECRET_ANSWERS:
        return None
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            return str(value.decode("latin-1").strip())
    return None


def _fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope["query_string"]):
        digest.update(part)
        digest.update(b"\0")
    digest.update(_canonical(body))
    return digest.hexdigest()


def _canonical(body: bytes) -> bytes:
    """A JSON body with its keys sorted (a retry may serialise the same object differently)."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        return body


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body; ``None`` if the client disconnected before sending all of it.

    A part of a body is not a request: run, it could make a change nobody asked for (a
    JSON body cut after its closing brace still parses).
    """
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replayed_body(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the connection's own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _replay(response: StoredResponse, send: Send) -> None:
    body = response.body.encode("utf-8")
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    headers += [(b"idempotent-replayed", b"true"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
