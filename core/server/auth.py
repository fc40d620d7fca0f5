"""Who is asking: the bearer token of a request, checked once and kept for the request.

Every ``/api`` route needs ``Authorization: Bearer ty_...``, on localhost too (anyone with a
shell on a shared machine could otherwise drive its workers). A missing, unknown, expired
or revoked token is a 401; a token whose scope or projects do not cover the request a 403.

A token that passed is trusted again for ``TOKEN_CACHE_SECONDS`` without reading the
database (``TokenCache``): a revocation made meanwhile, by this server or another process,
takes effect within that bound; an expiry takes effect at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from starlette.types import Scope

from core.domain.access import TOKEN_PREFIX, ApiToken, TokenScope
from core.engine import TaskEngine
from core.errors import AuthenticationError, PermissionDeniedError


@dataclass(frozen=True)
class Caller:
    """The token a request came with: its name is the actor of every change the request makes."""

    token_id: str
    name: str
    scope: TokenScope
    project_ids: frozenset[str] | None
    """The projects it may see (ids); ``None``: every project."""
    project_slugs: tuple[str, ...] = ()

    @classmethod
    def from_token(cls, token: ApiToken) -> Caller:
        """The caller a valid token makes."""
        return cls(
            token_id=token.id,
            name=token.name,
            scope=token.scope,
            project_ids=frozenset(token.project_ids) if token.project_ids else None,
            project_slugs=tuple(token.projects),
        )

    @property
    def restricted(self) -> bool:
        """Whether the token is limited to some projects."""
        return self.project_ids is not None

    def sees(self, project_id: str) -> bool:
        """Whether the token may see the project with this id."""
        return self.project_ids is None or project_id in self.project_ids

    def visible(self) -> list[str] | None:
        """The project ids to limit queries to (``None``: no limit)."""
        return None if self.project_ids is None else sorted(self.project_ids)

    def require(self, needed: TokenScope) -> None:
        """Refuse unless the token's scope covers ``needed``.

        Raises:
            PermissionDeniedError: it does not.
        """
        if not self.scope.allows(needed):
            raise PermissionDeniedError(
                f"The token {self.name!r} has scope {self.scope.value}; this needs {needed.value}.",
                hint=f"Use a token created with --scope {needed.value} (taskyard token create).",
                details={"scope": self.scope.value, "needed": needed.value},
            )

    def require_every_project(self, doing: str) -> None:
        """Refuse a token limited to some projects (``doing`` says what it wanted).

        Raises:
            PermissionDeniedError: the token is limited to some projects.
        """
        if self.restricted:
            raise PermissionDeniedError(
                f"The token {self.name!r} is limited to projects "
                f"{', '.join(self.project_slugs)}; {doing} needs a token for every project.",
                hint="Use a token created without --project.",
                details={"projects": list(self.project_slugs)},
            )


def bearer_secret(scope: Scope) -> str:
    """The token in the request's ``Authorization: Bearer`` header.

    Raises:
        AuthenticationError: there is none, or it is not a taskyard token.
    """
    header = ""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            header = str(value.decode("latin-1")).strip()
            break
    if not header:
        raise AuthenticationError(
            "This needs an API token: send it as `Authorization: Bearer TOKEN`.",
            hint="Create one on the server with `taskyard token create NAME`.",
        )
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(TOKEN_PREFIX):
        raise AuthenticationError(
            "The Authorization header must be `Bearer ty_...` (a taskyard API token).",
            hint="Create a token on the server with `taskyard token create NAME`.",
        )
    return secret


TOKEN_CACHE_SECONDS = 2.0
"""How long a token that passed is trusted without reading the database again: the longest
a revocation made elsewhere (``taskyard token revoke``) can take to be honoured here."""

RECHECK_AFTER = 0.5
"""The fraction of ``TOKEN_CACHE_SECONDS`` after which a request that finds its token cached
also starts checking it again in the background (and is answered from the cache)."""

_MAX_CACHED = 1000


class TokenCache:
    """Tokens that authenticated recently, by the SHA-256 of their secret.

    Checking a token read the database on every request: a thread hop and two queries, a
    fifth of the server's time for a ``GET`` of one task. Trusting a token that passed for
    ``ttl`` seconds costs a revocation at most that long; expiry is checked on every
    request against the token's own ``expires_at``. Refusals are never kept, so a token
    created a moment ago works at once, and an unknown secret is looked up every time.

    A token in use is checked again before its entry lapses: past ``RECHECK_AFTER`` of the
    ``ttl``, one request starts a check in the background and every request is still
    answered from the cache. Waiting for the lapse instead stalled every request in flight
    at once: each found the entry stale and read the database, 32 reads queued on two reader
    threads, 25-77 ms every two seconds for a task read under load — its whole p99
    (docs/performance.md). One check per token runs at a time; requests that must wait for
    it (a new token, a lapsed entry) share it.
    """

    def __init__(self, ttl: float = TOKEN_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._valid: dict[str, tuple[float, ApiToken, Caller]] = {}
        self._checking: dict[str, asyncio.Task[Caller]] = {}
        self._generation = 0
        """Bumped by ``forget``: a check that began before it stores nothing."""

    async def caller(self, secret: str, engine: TaskEngine) -> Caller:
        """The caller ``secret`` authenticates, from the cache while it is fresh.

        Raises:
            AuthenticationError: not a valid token (unknown, expired or revoked).
        """
        key = hashlib.sha256(secret.encode()).hexdigest()
        kept = self._valid.get(key)
        if kept is not None:
            age = time.monotonic() - kept[0]
            if age < self.ttl and kept[1].state(datetime.now(UTC)) == "active":
                if age >= self.ttl * RECHECK_AFTER and key not in self._checking:
                    self._start_check(key, secret, engine)
                return kept[2]
        check = self._checking.get(key) or self._start_check(key, secret, engine)
        # Shielded: a request whose client left must not cancel a check others wait for.
        return await asyncio.shield(check)

    def forget(self) -> None:
        """Trust no token until it is checked again (after revoking one here, say)."""
        self._valid.clear()
        self._generation += 1

    def _start_check(self, key: str, secret: str, engine: TaskEngine) -> asyncio.Task[Caller]:
        check = asyncio.ensure_future(self._check(key, secret, engine, self._generation))
        self._checking[key] = check
        check.add_done_callback(lambda done: self._checked(key, done))
        return check

    async def _check(self, key: str, secret: str, engine: TaskEngine, generation: int) -> Caller:
        checked_at = time.monotonic()
        try:
            token = await engine.authenticate_token(secret)
        except AuthenticationError:
            if generation == self._generation:
                self._valid.pop(key, None)  # revoked or expired: the next request is refused
            raise
        caller = Caller.from_token(token)
        if generation == self._generation:
            if len(self._valid) >= _MAX_CACHED:
                self._valid = {k: v for k, v in self._valid.items() if checked_at - v[0] < self.ttl}
            self._valid[key] = (checked_at, token, caller)
        return caller

    def _checked(self, key: str, check: asyncio.Task[Caller]) -> None:
        if self._checking.get(key) is check:
            del self._checking[key]
        if not check.cancelled():
            # A background check that failed has nobody awaiting it; its error has done its
            # work (the entry is gone). Retrieved here so asyncio does not log it as lost.
            check.exception()


async def authenticate(scope: Scope, engine: TaskEngine) -> Caller:
    """The request's caller, checked once per request (kept in ``scope["state"]``).

    Raises:
        AuthenticationError: no token, or not a valid one.
    """
    from core.server.state import server_state

    state: dict[str, Any] = scope.setdefault("state", {})
    caller = state.get("caller")
    if isinstance(caller, Caller):
        return caller
    caller = await server_state(scope["app"]).tokens.caller(bearer_secret(scope), engine)
    state["caller"] = caller
    return caller


async def current_caller(request: Request) -> Caller:
    """FastAPI dependency: the authenticated caller (401 without a valid token)."""
    from core.server.state import server_state

    return await authenticate(request.scope, server_state(request.app).engine)


def require_scope(needed: TokenScope) -> Callable[[Request], Coroutine[Any, Any, Caller]]:
    """A dependency that authenticates and then insists on ``needed`` (403 otherwise)."""

    async def dependency(request: Request) -> Caller:
        caller = await current_caller(request)
        caller.require(needed)
        return caller

    dependency.__name__ = f"require_{needed.value}"
    return dependency
