"""Every request gets an id, an access-log line, and never a traceback in its answer.

Pure ASGI (not Starlette's ``BaseHTTPMiddleware``, which runs the app in a second task and
buffers through memory streams): it only adds a header to the response start and times the
exchange, so streaming answers (the event stream) pass through untouched.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.server.errors import internal_error

REQUEST_ID_HEADER = "X-Request-ID"

ACCESS_LOG = logging.getLogger("taskyard.access")
ERROR_LOG = logging.getLogger("taskyard.server")

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
"""A request id a client or proxy sent, kept when it is this tame (it goes into the log)."""


class RequestContextMiddleware:
    """Request id (kept from ``X-Request-ID`` or made), access log, and the last-resort 500.

    The id is in the response's ``X-Request-ID`` header, in ``scope["state"]["request_id"]``
    for handlers, and in the access-log line, so a report quoting it finds its log lines.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one connection scope (HTTP gets the treatment; others pass through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            ERROR_LOG.exception("request %s failed", request_id)
            if status == 0:  # nothing sent yet: answer with the error body instead
                await internal_error(request_id)(scope, receive, send_with_id)
            else:
                status = 500
        finally:
            _log_access(scope, state, status, time.perf_counter() - started, request_id)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = str(value.decode("latin-1"))
            if _CLIENT_ID.match(text):
                return text
            break
    return _new_id()


_ids: tuple[int, str, Iterator[int]] = (0, "", itertools.count())


def _new_id() -> str:
    """A request id unique across processes and restarts: 32 hex digits.

    A random prefix per process and a counter, not ``uuid4()``: that reads the kernel's
    random source on every request (a system call, 3 % of a task read's server time).
    """
    global _ids
    pid, prefix, counter = _ids
    if pid != os.getpid():  # first use, or a forked worker: a prefix of its own
        _ids = pid, prefix, counter = os.getpid(), secrets.token_hex(8), itertools.count()
    return f"{prefix}{next(counter):016x}"


def _log_access(
    scope: Scope, state: dict[str, Any], status: int, seconds: float, request_id: str
) -> None:
    if not ACCESS_LOG.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    where = f"{client[0]}:{client[1]}" if client else "-"
    path = scope.get("path", "")
    if scope.get("query_string"):
        path += "?" + scope["query_string"].decode("latin-1")
    caller = state.get("caller")
    ACCESS_LOG.info(
        '%s "%s %s HTTP/%s" %d %.1fms token=%s request_id=%s',
        where,
        scope.get("method", ""),
        path,
        scope.get("http_version", "1.1"),
        status,
        seconds * 1000,
        caller.name if caller is not None else "-",
        request_id,
    )
