"""A cold CLI read through the standard library's HTTP client: no httpx, no pydantic.

An agent scripting taskyard starts a process for each command, and a remote read spends
most of that process importing, not asking: httpx with httpcore, h11 and anyio, the domain
models and the API table cost several times the request itself. A read whose JSON answer
the CLI passes on as the server sent it (``taskyard --server URL --json ready``) needs none
of them: this client sends its GETs with ``http.client`` on one kept-alive connection, with
the timeouts and retries of ``core.remote.transport`` (``core.remote.basics``) and the same
errors (``core.remote.errors``).

It is used only where it behaves as the httpx client would: it trusts the certificates httpx
would (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's), and a proxy named in the
environment (which httpx honours and ``http.client`` does not) sends the command the ordinary
way (``usable``).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from core import __version__
from core.errors import TaskyardError
from core.remote.basics import (
    ATTEMPTS,
    BACKOFF,
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    JsonParams,
    query_pairs,
)
from core.remote.errors import error_from_body, not_taskyard, unreachable

PROXY_ENVIRONMENT = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
"""Proxies httpx takes from the environment (``trust_env``; lower case too), and
``http.client`` would not."""


def usable() -> bool:
    """Whether this client reaches a server as ``Transport`` would from here (no proxy)."""
    return not any(
        os.environ.get(name) or os.environ.get(name.lower()) for name in PROXY_ENVIRONMENT
    )


class LightClient:
    """GETs to one server with one token, answered as parsed JSON."""

    def __init__(self, server: str, token: str, *, attempts: int = ATTEMPTS) -> None:
        """Prepare the client for ``server`` (``normalize_server`` form); nothing is sent yet.

        ``attempts``: sends of a request at most, the first included (GETs are safe to resend).
        """
        self.server = server
        self.attempts = max(1, attempts)
        parts = urlsplit(server)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._headers = {
            "User-Agent": f"taskyard/{__version__}",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
        }
        self._connection: http.client.HTTPConnection | None = None

    def __repr__(self) -> str:
        return f"LightClient({self.server!r})"

    @property
    def where(self) -> str:
        """The server, for messages (as ``Transport.where``)."""
        return f"the taskyard server at {self.server}"

    def close(self) -> None:
        """Close the connection (the client may be used again: it reconnects)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def unexpected(self, path: str) -> TaskyardError:
        """The error for a 2xx answer not shaped as a taskyard server's (another service)."""
        return not_taskyard(self.server, f"an unexpected {path} answer")

    def get(self, path: str, params: JsonParams | None = None) -> Any:
        """``GET path`` (under the server's URL), sent again on a network error; its JSON.

        Raises:
            TaskyardError: the server's error, as the class the engine raised there.
            ServerUnreachableError: no answer after the attempts allowed.
            IncompatibleServerError: an answer that is not a taskyard server's JSON.
        """
        pairs = query_pairs(params)
        target = self._prefix + path + (f"?{urlencode(pairs)}" if pairs else "")
        attempt = 0
        while True:
            attempt += 1
            try:
                status, body, kind = self._send(target)
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt >= self.attempts:
                    raise unreachable(self.server, _reason(exc)) from None
                time.sleep(BACKOFF[min(attempt, len(BACKOFF)) - 1])
                continue
            return self._answer(status, body, kind, path)

    def _send(self, target: str) -> tuple[int, bytes, str]:
        connection = self._connection or self._connect()
        self._connection = connection
        connection.request("GET", target, headers=self._headers)
        response = connection.getresponse()
        body = response.read()
        if response.will_close:
            self.close()
        return response.status, body, response.getheader("content-type") or ""

    def _connect(self) -> http.client.HTTPConnection:
        """A connection opened within ``CONNECT_TIMEOUT``, then patient for ``READ_TIMEOUT``."""
        connection: http.client.HTTPConnection
        if self._https:
            connection = http.client.HTTPSConnection(
                self._host, self._port, timeout=CONNECT_TIMEOUT, context=_tls()
            )
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=CONNECT_TIMEOUT)
        try:
            connection.connect()
        except TimeoutError as exc:
            raise _ConnectTimeout from exc
        except socket.gaierror:
            raise  # an unknown host: its own words, as httpx gives them
        except OSError as exc:
            # httpx (through anyio) says this of a refused or failed connection.
            raise _ConnectFailed("All connection attempts failed") from exc
        assert connection.sock is not None
        connection.sock.settimeout(READ_TIMEOUT)
        return connection

    def _answer(self, status: int, body: bytes, kind: str, path: str) -> Any:
        parsed: Any = None
        if "json" in kind:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        if status >= 400:
            error = error_from_body(status, parsed, where=self.where)
            if status == 404 and not _is_error_body(parsed):
                raise not_taskyard(self.server, f"no {path}")
            raise error
        if parsed is None:
            raise not_taskyard(self.server, f"{path} answered without JSON")
        return parsed


class _ConnectTimeout(OSError):
    """The server did not accept the connection within ``CONNECT_TIMEOUT``."""


class _ConnectFailed(OSError):
    """No connection could be opened (refused, no route)."""


def _is_error_body(parsed: Any) -> bool:
    return isinstance(parsed, dict) and isinstance(parsed.get("error"), dict)


def _tls() -> Any:
    """The TLS context httpx would make: ``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's."""
    import ssl

    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _reason(exc: BaseException) -> str:
    """A network error in a few words, as ``core.remote.transport`` words httpx's."""
    if isinstance(exc, _ConnectTimeout):
        return "no connection within the connect timeout"
    if isinstance(exc, TimeoutError):
        return "no answer within the timeout"
    if isinstance(exc, _ConnectFailed | socket.gaierror):
        return f"connection refused or failed ({exc})"
    if isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError):
        return "the server closed the connection"
    return str(exc) or type(exc).__name__
