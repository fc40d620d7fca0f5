"""The server trusts a token that passed for a short while: a revocation still lands quickly."""

from __future__ import annotations

import asyncio
import time

import pytest

from core.domain.access import ApiToken, TokenCreate, TokenScope
from core.errors import AuthenticationError
from core.server.auth import TOKEN_CACHE_SECONDS, TokenCache
from core.store.engine import SqlTaskEngine

from .conftest import Served, error_of


def test_a_token_revoked_elsewhere_is_refused_within_the_cache_bound(served: Served) -> None:
    """Revoked by another process while in use: refused at most TOKEN_CACHE_SECONDS later."""
    served.add_tokens(TokenCreate(name="soon-revoked", scope=TokenScope.READ))
    with served.client(token="soon-revoked") as api:
        assert api.get("/api/v2/projects").status_code == 200
        served.revoke("soon-revoked")
        revoked_at = time.monotonic()
        while api.get("/api/v2/projects").status_code == 200:
            assert time.monotonic() - revoked_at < TOKEN_CACHE_SECONDS + 1.0
            time.sleep(0.1)
        refused = api.get("/api/v2/projects")
    assert refused.status_code == 401
    assert "was revoked" in error_of(refused)["message"]


def test_a_new_token_works_at_once_and_a_bad_one_is_never_trusted(served: Served) -> None:
    """Refusals are not cached: a token created after a refusal of it works on the next try."""
    with served.client(token="ty_" + "B" * 43) as api:
        assert api.get("/api/v2/projects").status_code == 401
    served.add_tokens(TokenCreate(name="fresh", scope=TokenScope.READ))
    with served.client(token="fresh") as api:
        assert api.get("/api/v2/projects").status_code == 200


class CountingEngine:
    """A real engine whose token checks are counted (and can be held back)."""

    def __init__(self, engine: SqlTaskEngine) -> None:
        self.engine = engine
        self.checks = 0
        self.gate: asyncio.Event | None = None

    async def authenticate_token(self, secret: str) -> ApiToken:
        self.checks += 1
        if self.gate is not None:
            await self.gate.wait()
        return await self.engine.authenticate_token(secret)


async def _cache_with_token(sqlite_url: str) -> tuple[SqlTaskEngine, str]:
    engine = await SqlTaskEngine.open(sqlite_url, actor="tester")
    issued = await engine.create_token(TokenCreate(name="busy", scope=TokenScope.READ))
    return engine, issued.secret


async def test_requests_that_find_their_token_unchecked_share_one_check(sqlite_url: str) -> None:
    """32 requests at once with a token not checked yet (or lapsed): one database read."""
    engine, secret = await _cache_with_token(sqlite_url)
    counting = CountingEngine(engine)
    cache = TokenCache(ttl=0.2)
    try:
        callers = await asyncio.gather(
            *(cache.caller(secret, counting) for _ in range(32))  # type: ignore[arg-type]
        )
        assert {c.name for c in callers} == {"busy"}
        assert counting.checks == 1
        await asyncio.sleep(0.25)  # lapsed
        await asyncio.gather(*(cache.caller(secret, counting) for _ in range(32)))  # type: ignore[arg-type]
        assert counting.checks == 2
    finally:
        await engine.close()


async def test_a_token_in_use_is_checked_again_before_it_lapses(sqlite_url: str) -> None:
    """Past half its time a request is answered from the cache and starts one check in the
    background; a revocation that check finds refuses the next request, before the lapse."""
    engine, secret = await _cache_with_token(sqlite_url)
    counting = CountingEngine(engine)
    cache = TokenCache(ttl=1.0)
    try:
        await cache.caller(secret, counting)  # type: ignore[arg-type]
        await asyncio.sleep(0.6)
        counting.gate = asyncio.Event()  # the background check waits: nobody must wait on it
        answered = await asyncio.wait_for(
            asyncio.gather(*(cache.caller(secret, counting) for _ in range(10))),  # type: ignore[arg-type]
            timeout=0.1,
        )
        assert len(answered) == 10
        assert counting.checks == 2
        await engine.revoke_token("busy")
        counting.gate.set()
        await asyncio.sleep(0.05)
        with pytest.raises(AuthenticationError, match="revoked"):
            await cache.caller(secret, counting)  # type: ignore[arg-type]
    finally:
        await engine.close()


async def test_a_check_begun_before_forget_trusts_nothing_after_it(sqlite_url: str) -> None:
    """``forget`` (a token revoked here) wins over a check that read the token before it."""
    engine, secret = await _cache_with_token(sqlite_url)
    counting = CountingEngine(engine)
    cache = TokenCache(ttl=5.0)
    try:
        counting.gate = asyncio.Event()
        first = asyncio.ensure_future(cache.caller(secret, counting))  # type: ignore[arg-type]
        await asyncio.sleep(0.01)
        cache.forget()
        counting.gate.set()
        assert (await first).name == "busy"  # it was valid when it was asked
        await cache.caller(secret, counting)  # type: ignore[arg-type]
        assert counting.checks == 2  # not answered from what the old check stored
    finally:
        await engine.close()
