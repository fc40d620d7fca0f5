"""One connection to a taskyard server: keep-alive, timeouts, a bearer token, safe retries.

Every request goes through ``Transport.request``. A request that met a network error (refused,
timed out, connection dropped) is sent again, a few times with a short backoff, only when
sending it twice cannot do a thing twice:

* a ``GET`` (or ``HEAD``) reads;
* a ``POST`` carries an ``Idempotency-Key`` (one per call, the same on every retry; the same
  on a caller's own retries of a write too, see ``core.request_keys``): the server answers a
  retry with the first answer and changes nothing (``core.server.idempotency``);
* any request that never reached the server (the connection could not be opened).

A ``PATCH`` or ``DELETE`` whose connection dropped mid-way is not sent again: it is
guarded by the task's version or answers "not found" the second time, so the caller is told
instead. An answer of 400 or more becomes the ``TaskyardError`` the engine raised on the
server (``core.remote.errors``). The token goes only to this server (redirects are not
followed) and appears in no message, log line or ``repr``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel

from core import __version__, request_keys
from core.domain.models import Task
from core.errors import TaskyardError
from core.remote.basics import (
    ATTEMPTS,
    BACKOFF,
    CONNECT_TIMEOUT,
    IDEMPOTENCY_HEADER,
    READ_TIMEOUT,
    SAFE_METHODS,
    JsonParams,
    normalize_server,
    query_pairs,
)
from core.remote.errors import ServerUnreachableError, error_from_body, unreachable

__all__ = ["ATTEMPTS", "BACKOFF", "Transport", "normalize_server", "query_pairs", "write_task"]


class Transport:
    """An ``httpx.AsyncClient`` for one server and token, with retries and typed errors."""

    def __init__(
        self,
        server: str,
        token: str | None,
        *,
        timeout: httpx.Timeout | None = None,
        attempts: int = ATTEMPTS,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Prepare the client; nothing is sent until the first request.

        Args:
            server: The server's base URL (``normalize_server`` form).
            token: The bearer token (``None``: send none, for the open routes).
            timeout: Connect and read timeouts (``CONNECT_TIMEOUT``, ``READ_TIMEOUT``).
            attempts: Sends of a request that may be retried, the first included.
            http_transport: httpx's transport (tests put a fault injector here).
        """
        self.server = server
        self.attempts = max(1, attempts)
        headers = {"User-Agent": f"taskyard/{__version__}", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.AsyncClient(
            base_url=server,
            headers=headers,
            timeout=timeout or httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            follow_redirects=False,
            transport=http_transport,
        )

    def __repr__(self) -> str:
        return f"Transport({self.server!r})"

    async def close(self) -> None:
        """Close the connections; the transport cannot be used afterwards."""
        await self.client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: JsonParams | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request (again, where safe) and return its successful answer.

        Raises:
            TaskyardError: the server's error, as the class the engine raised there.
            ServerUnreachableError: no answer after the attempts allowed.
        """
        method = method.upper()
        sent_headers = dict(headers or {})
        if method == "POST":
            sent_headers.setdefault(IDEMPOTENCY_HEADER, request_keys.next_key())
        retry_any = method in SAFE_METHODS or IDEMPOTENCY_HEADER in sent_headers
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self.client.request(
                    method, path, params=query_pairs(params), json=json, headers=sent_headers
                )
            except httpx.TransportError as exc:
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if attempt >= self.attempts or not (retry_any or never_sent):
                    raise self.unreachable(exc) from None
                await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF)) - 1])
                continue
            if response.status_code >= 400:
                raise self.error_of(response)
            return response

    async def json(self, method: str, path: str, **options: Any) -> Any:
        """``request``'s answer (same options) as parsed JSON (``None`` for an empty body)."""
        response = await self.request(method, path, **options)
        return response.json() if response.content else None

    def error_of(self, response: httpx.Response) -> TaskyardError:
        """The error an answer of 400 or more stands for."""
        try:
            body = response.json()
        except ValueError:
            body = None
        return error_from_body(response.status_code, body, where=self.where)

    @property
    def where(self) -> str:
        """The server, for messages."""
        return f"the taskyard server at {self.server}"

    def unreachable(self, exc: BaseException) -> ServerUnreachableError:
        """The error for a server that gave no answer (the network error in words)."""
        return unreachable(self.server, _reason(exc))


def _reason(exc: BaseException) -> str:
    """A network error in a few words (httpx's own text names no header, so no token)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "no connection within the connect timeout"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer within the timeout"
    if isinstance(exc, httpx.ConnectError):
        return f"connection refused or failed ({exc})" if str(exc) else "connection refused"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection"
    return str(exc) or type(exc).__name__


async def write_task(
    transport: Transport, method: str, path: str, change: BaseModel, expected_version: int | None
) -> Task:
    """A write to one task guarded by its version, answered with the task.

    The body is ``change``'s fields as the caller set them (an unset field is left alone,
    ``None`` clears it); ``If-Match`` names ``expected_version`` when there is one.
    """
    headers = {} if expected_version is None else {"If-Match": f'"v{expected_version}"'}
    body = change.model_dump(mode="json", exclude_unset=True)
    return Task.model_validate(await transport.json(method, path, json=body, headers=headers))
