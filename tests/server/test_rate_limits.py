"""Rate limits per token: the headers on every answer, 429 with Retry-After, and the settings.

The module's server allows bursts of 3 requests refilled at 20 a minute (one every 3 s), set
in its taskyard.toml's ``[server]`` table, so the limit is reached in three requests, and a
slow machine still sends four before one more is earned.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.config_file import ConfigFile
from core.domain.access import TokenCreate, TokenScope
from core.errors import ValidationError
from core.server.rate_limit import TokenBuckets
from core.server.settings import ServerSettings

from .conftest import Served, error_of, new_project, new_task
from .own_servers import DATABASES, serving

RATE = 20
BURST = 3
REFILL = 60 // RATE
"""Seconds per request earned back."""


@pytest.fixture(scope="module", params=DATABASES)
def limited(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A server allowing each token 3 requests at once, then one every 3 s."""
    config = f"[server]\nrate_limit = {RATE}\nrate_burst = {BURST}\n"
    with serving(request, tmp_path_factory.mktemp("rate"), config=config) as served:
        yield served


def _fresh_token(served: Served) -> str:
    """A token of the test's own, with a full bucket."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    served.add_tokens(TokenCreate(name=name, scope=TokenScope.ADMIN))
    return name


def test_every_api_answer_says_where_the_token_stands(limited: Served) -> None:
    """IETF ``RateLimit-*`` and the older ``X-RateLimit-*`` headers, counting down."""
    token = _fresh_token(limited)
    with limited.client(token) as api:
        answers = [api.get("/api/v2/projects") for _ in range(2)]
    with limited.client(token=None) as anonymous:
        health = anonymous.get("/healthz")
        no_token = anonymous.get("/api/v2/projects")
    first, second = answers
    assert first.headers["RateLimit-Limit"] == str(BURST)
    assert first.headers["RateLimit-Policy"] == f"{BURST};w={BURST * REFILL}"
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1"]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1"]
    assert first.headers["X-RateLimit-Limit"] == str(BURST)
    assert 1 <= int(second.headers["RateLimit-Reset"]) <= BURST * REFILL
    reset_at = int(second.headers["X-RateLimit-Reset"])  # a Unix time, as GitHub sends it
    assert time.time() < reset_at <= time.time() + BURST * REFILL + 1
    assert "RateLimit-Limit" not in health.headers
    assert no_token.status_code == 401
    assert "RateLimit-Limit" not in no_token.headers


def test_a_token_over_its_limit_gets_429_with_retry_after(limited: Served) -> None:
    """The 4th request at once is refused with the error body; waiting Retry-After is enough.

    Other tokens are not affected: the bucket is the token's own.
    """
    token = _fresh_token(limited)
    project = new_project(limited)
    with limited.client(token) as api:
        for _ in range(BURST):
            assert api.get("/api/v2/projects").status_code == 200
        refused = api.post("/api/v2/tasks", json={"title": "Flood", "project": project["slug"]})
    with limited.client("reader") as other:
        unaffected = other.get("/api/v2/projects")
    wait = int(refused.headers["Retry-After"])
    time.sleep(wait)
    with limited.client(token) as api:
        later = api.get("/api/v2/projects")
    with limited.client("writer") as other:
        tasks = other.get("/api/v2/tasks", params={"project": project["slug"]}).json()
    assert refused.status_code == 429
    error = error_of(refused)
    assert error["code"] == "rate_limited"
    assert error["details"] == {"retry_after": wait, "limit": BURST}
    assert 1 <= wait <= REFILL
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert unaffected.status_code == 200
    assert later.status_code == 200
    assert tasks["items"] == []  # the refused create ran nothing


def test_a_304_gives_its_request_back(limited: Served) -> None:
    """Revalidating a cached task costs nothing of the allowance (as GitHub counts it)."""
    task = new_task(limited, new_project(limited))
    token = _fresh_token(limited)
    with limited.client(token) as api:
        read = api.get(f"/api/v2/tasks/{task['ref']}")
        cached = [
            api.get(f"/api/v2/tasks/{task['ref']}", headers={"If-None-Match": read.headers["ETag"]})
            for _ in range(BURST + 2)
        ]
    assert read.headers["RateLimit-Remaining"] == str(BURST - 1)
    assert {c.status_code for c in cached} == {304}
    assert {c.headers["RateLimit-Remaining"] for c in cached} == {str(BURST - 1)}


def test_the_cli_option_wins_and_zero_turns_limits_off(tmp_path: Path) -> None:
    """``serve --rate-limit`` over TASKYARD_RATE_LIMIT over ``[server]``; 0 is no limit."""
    config = ConfigFile(tmp_path / "taskyard.toml", {"server": {"rate_limit": 100}})
    env = {"TASKYARD_RATE_LIMIT": "200", "TASKYARD_RATE_BURST": "20"}
    assert ServerSettings.load(config, {}).rate_limit == 100
    assert ServerSettings.load(config, env).rate_limit == 200
    assert ServerSettings.load(config, env).burst == 20
    assert ServerSettings.load(config, env, rate_limit=0).rate_limit == 0
    assert ServerSettings.load(ConfigFile(), {}).burst == 600
    with pytest.raises(ValidationError, match="unknown key 'rate'"):
        ServerSettings.load(ConfigFile(None, {"server": {"rate": 1}}), {})
    with pytest.raises(ValidationError, match="TASKYARD_RATE_LIMIT is 'lots'"):
        ServerSettings.load(ConfigFile(), {"TASKYARD_RATE_LIMIT": "lots"})
    with pytest.raises(ValidationError, match="rate_burst"):
        ServerSettings.load(ConfigFile(None, {"server": {"rate_burst": 0}}), {})
    limits = ConfigFile(None, {"limits": {"attachment_max_bytes": 2048}})
    assert ServerSettings.load(limits, {}).attachment_max_bytes == 2048
    assert ServerSettings(rate_limit=5, rate_burst=2).environment() == {
        "TASKYARD_RATE_LIMIT": "5",
        "TASKYARD_RATE_BURST": "2",
        "TASKYARD_REQUEST_MAX_BYTES": str(64 * 1024 * 1024),
    }


def test_the_bucket_refills_at_the_rate_up_to_its_size() -> None:
    """Pure arithmetic with a fixed clock: no sleeping."""
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=2, clock=lambda: now[0])
    taken = [buckets.take("a").allowed for _ in range(3)]
    refused = buckets.take("a")
    now[0] = 1.0
    again = buckets.take("a")
    now[0] = 100.0
    full = buckets.take("a")
    assert taken == [True, True, False]
    assert (refused.retry_after, refused.remaining) == (1, 0)
    assert again.allowed
    assert (full.remaining, full.reset) == (1, 1)
    assert buckets.take("b").remaining == 1


async def test_a_server_without_limits_sends_no_rate_headers(sqlite_url: str) -> None:
    """``rate_limit = 0`` (``serve --rate-limit 0``) counts nothing and labels nothing."""
    from core.server.app import create_app
    from core.store.engine import SqlTaskEngine

    engine = await SqlTaskEngine.open(sqlite_url, actor="tester")
    secret = (await engine.create_token(TokenCreate(name="a", scope=TokenScope.ADMIN))).secret

    async def open_engine() -> SqlTaskEngine:
        return engine

    app = create_app(open_engine, ServerSettings(rate_limit=0))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {secret}"},
        ) as api,
    ):
        answers = [await api.get("/api/v2/projects") for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert all("RateLimit-Limit" not in a.headers for a in answers)
