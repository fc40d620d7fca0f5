"""What a client asks a server before using it: is it up, which version, who am I to it.

``readiness`` runs when an ``HttpTaskEngine`` opens (one cheap request, which also refuses a
server of another API version); ``server_status`` is ``taskyard status``'s and ``taskyard
login``'s (a few more, and the token's identity from ``/api/v2/me``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from core import __version__
from core.errors import AuthenticationError, NotFoundError, TaskyardError
from core.remote.errors import IncompatibleServerError, not_taskyard
from core.remote.transport import Transport


def _not_taskyard(transport: Transport, what: str) -> IncompatibleServerError:
    return not_taskyard(transport.server, what)


async def readiness(transport: Transport) -> str:
    """The schema revision ``/readyz`` reports (the server and its database answer).

    Raises:
        IncompatibleServerError: the URL answers, but not as a taskyard server of this
            client's API version.
        StorageError: the server's database is down (503) or the server is unreachable.
    """
    revision, _version = await _ready(transport)
    return revision


async def _ready(transport: Transport) -> tuple[str, str | None]:
    """``/readyz``'s schema revision and the server's version (``None``: it does not say).

    A server that names its version must speak this client's API; one whose ``/readyz``
    predates the field is checked by ``server_status`` only, from its OpenAPI document.
    """
    try:
        data = await transport.json("GET", "/readyz")
    except NotFoundError:
        raise _not_taskyard(transport, "no /readyz") from None
    if not isinstance(data, dict) or not isinstance(data.get("revision"), str):
        raise _not_taskyard(transport, "an unexpected /readyz answer")
    version = data.get("version")
    if not isinstance(version, str):
        return str(data["revision"]), None
    if not compatible(version):
        raise _not_taskyard(transport, f"it runs taskyard {version}")
    return str(data["revision"]), version


def compatible(server_version: str, client_version: str = __version__) -> bool:
    """Whether a server speaks this client's API: the same major and minor version."""
    return server_version.split(".")[:2] == client_version.split(".")[:2]


@dataclass(frozen=True)
class ServerStatus:
    """What ``taskyard status`` reports about one server."""

    server: str
    version: str | None
    revision: str | None
    round_trip_ms: float
    token_name: str | None
    scope: str | None
    projects: tuple[str, ...]
    problem: TaskyardError | None = None

    @property
    def ok(self) -> bool:
        """Reachable, compatible and the token accepted."""
        return self.problem is None


async def server_status(transport: Transport) -> ServerStatus:
    """Check ``transport``'s server and token; a problem is reported, not raised."""
    version = revision = None
    name = scope = None
    projects: tuple[str, ...] = ()
    problem: TaskyardError | None = None
    elapsed = 0.0
    try:
        revision, version = await _ready(transport)
        elapsed = await round_trip_ms(transport)
        if version is None:  # a server whose /readyz does not say: its OpenAPI document does
            info = await transport.json("GET", "/openapi.json")
            version = str(((info or {}).get("info") or {}).get("version") or "") or None
            if version is not None and not compatible(version):
                raise _not_taskyard(transport, f"it runs taskyard {version}")
        name, scope, projects = await whoami(transport)
    except TaskyardError as exc:
        problem = exc
    return ServerStatus(
        transport.server, version, revision, elapsed, name, scope, projects, problem
    )


async def round_trip_ms(transport: Transport, tries: int = 3) -> float:
    """The fastest of a few ``/healthz`` round trips on the open connection, in ms."""
    best = float("inf")
    for _ in range(tries):
        started = time.perf_counter()
        await transport.request("GET", "/healthz")
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


async def whoami(transport: Transport) -> tuple[str, str, tuple[str, ...]]:
    """The token's name, scope and projects, as the server sees it.

    Raises:
        AuthenticationError: the server refuses the token.
    """
    try:
        data = await transport.json("GET", "/api/v2/me")
    except NotFoundError:
        # A server without the route (a 404 comes after the token check, so it was not
        # refused): check the token on a route every token may read, for a clear 401.
        await transport.json("GET", "/api/v2/state-machine")
        return "(not reported by this server)", "(unknown)", ()
    if not isinstance(data, dict):
        raise AuthenticationError(f"{transport.where} did not say who the token is.")
    return (
        str(data.get("name")),
        str(data.get("scope")),
        tuple(str(p) for p in data.get("projects") or ()),
    )
