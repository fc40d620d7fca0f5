"""Rate limits per token: a token bucket each, in this process, and the headers that say so.

A token may make ``burst`` requests at once; its bucket then refills at ``rate_limit`` per
minute. Every ``/api`` answer to an authenticated request carries where the token stands, in
the IETF draft's headers (``RateLimit-Limit``, ``-Remaining``, ``-Reset`` in seconds,
``RateLimit-Policy``) and in the older ``X-RateLimit-*`` ones (``-Reset`` as a Unix time, as
GitHub sends it). A request over the limit gets a 429 with ``Retry-After`` and runs nothing.
A 304 gives its request back: revalidating a cached task costs the server one read and
should not use up a polling client's allowance.

The buckets live in the process: with ``serve --workers N`` each process counts on its own,
so a token may make up to N times the rate in all. Requests without a valid token are not
counted (they are refused before they cost anything but the token lookup).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import RateLimitedError, TaskyardError
from core.server.auth import authenticate
from core.server.errors import error_response
from core.server.state import server_state


@dataclass(frozen=True)
class Decision:
    """Whether one request may run, and where its token's bucket stands afterwards."""

    allowed: bool
    limit: int
    """The bucket's size: requests a token may make at once."""
    remaining: int
    reset: int
    """Seconds until the bucket is full again."""
    retry_after: int
    """Seconds until the next request is accepted (0 when one would be now)."""
    policy: str
    """``RateLimit-Policy``: the bucket's size and the seconds it takes to refill."""

    def headers(self, now: float) -> list[tuple[str, str]]:
        """The rate-limit headers of a response (``now``: the Unix time)."""
        return [
            ("RateLimit-Limit", str(self.limit)),
            ("RateLimit-Remaining", str(self.remaining)),
            ("RateLimit-Reset", str(self.reset)),
            ("RateLimit-Policy", self.policy),
            ("X-RateLimit-Limit", str(self.limit)),
            ("X-RateLimit-Remaining", str(self.remaining)),
            ("X-RateLimit-Reset", str(math.ceil(now) + self.reset)),
        ]


class TokenBuckets:
    """One bucket per token id; the buckets of tokens that stopped asking refill by themselves.

    The map holds one entry per token that made a request (tokens are rows of the database,
    not something a client can invent), so it stays as small as the token table.
    """

    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.capacity = float(burst)
        self.per_second = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._policy = f"{burst};w={math.ceil(burst / self.per_second)}"

    def take(self, key: str) -> Decision:
        """Spend one request of ``key``'s bucket, if it holds one."""
        level = self._level(key)
        allowed = level >= 1.0
        if allowed:
            level -= 1.0
        self._buckets[key] = (level, self._clock())
        return self._decision(level, allowed=allowed)

    def give_back(self, key: str) -> Decision:
        """Return the request just taken (an answer that cost nothing, a 304)."""
        level = min(self.capacity, self._level(key) + 1.0)
        self._buckets[key] = (level, self._clock())
        return self._decision(level, allowed=True)

    def _level(self, key: str) -> float:
        level, since = self._buckets.get(key, (self.capacity, self._clock()))
        return min(self.capacity, level + (self._clock() - since) * self.per_second)

    def _decision(self, level: float, *, allowed: bool) -> Decision:
        return Decision(
            allowed=allowed,
            limit=int(self.capacity),
            remaining=int(level),
            reset=math.ceil((self.capacity - level) / self.per_second),
            retry_after=0 if level >= 1.0 else max(1, math.ceil((1.0 - level) / self.per_second)),
            policy=self._policy,
        )


class RateLimitMiddleware:
    """Counts each authenticated ``/api`` and ``/mcp`` request against its token's bucket.

    It sits outside the idempotency middleware and the body limit, so a refused request is
    refused before its body is read or a key reserved.
    """

    def __init__(self, app: ASGIApp, *, buckets: TokenBuckets | None) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a request over its token's limit; label every other answer."""
        buckets = self.buckets
        if buckets is None or scope["type"] != "http" or not _counted(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            caller = await authenticate(scope, server_state(scope["app"]).engine)
        except TaskyardError:  # no valid token: the route refuses it (401) uncounted
            await self.app(scope, receive, send)
            return
        decision = buckets.take(caller.token_id)
        if not decision.allowed:
            refusal = _refusal(scope, caller.name, buckets.per_minute, decision)
            await refusal(scope, receive, send)
            return

        async def labelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = decision
                if message["status"] == 304:
                    given = buckets.give_back(caller.token_id)
                headers = MutableHeaders(scope=message)
                for name, value in given.headers(time.time()):
                    headers.append(name, value)
            await send(message)

        await self.app(scope, receive, labelled)


def _counted(path: str) -> bool:
    """Whether a request to ``path`` counts: the API's, and the MCP server's (``/mcp``)."""
    return path.startswith("/api/") or path == "/mcp"


def _refusal(scope: Scope, token: str, per_minute: int, decision: Decision) -> ASGIApp:
    error = RateLimitedError(
        f"The token {token!r} is over its rate limit ({per_minute} requests a minute, "
        f"{decision.limit} at once); try again in {decision.retry_after} s.",
        hint="Wait for Retry-After seconds; if this client needs more, raise [server] "
        "rate_limit in the server's taskyard.toml (or TASKYARD_RATE_LIMIT).",
        details={"retry_after": decision.retry_after, "limit": decision.limit},
    )
    response = error_response(error, scope.get("state"))
    response.headers["Retry-After"] = str(decision.retry_after)
    for name, value in decision.headers(time.time()):
        response.headers.append(name, value)
    return response
