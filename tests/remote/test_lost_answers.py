"""A worker's write whose answers are lost on the way back is made once, however often it is sent.

The server makes the change and answers; the connection drops before the answer arrives (a
network cut, a proxy timing out). The transport resends it a few times, the worker's
``persist`` then tries again while the lease lasts: every send must carry the same
``Idempotency-Key``, or the server makes the change again (a second ``task.step_started``,
a log chunk twice). A real server in a thread, real HTTP; only the answers are dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from core.domain.commands import TaskCreate
from core.domain.models import TaskStatus
from core.domain.runs import Claim
from core.orchestrator import steps
from core.orchestrator.steps import RunHandle, persist
from core.remote.engine import HttpTaskEngine
from core.remote.transport import ATTEMPTS, Transport
from tests.fixtures.remote import ThreadServer, start_thread_server


class LosesAnswers(httpx.AsyncBaseTransport):
    """The real network, except that the answers to the first ``drops`` POSTs whose path
    ends with ``ending`` are lost after the server sent them."""

    def __init__(self, ending: str, drops: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.ending = ending
        self.drops = drops
        self.keys: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith(self.ending):
            self.keys.append(request.headers["Idempotency-Key"])
            if len(self.keys) <= self.drops:
                await response.aread()
                await response.aclose()
                raise httpx.ReadError("the connection dropped before the answer", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Lossy:
    """A served SQLite file, a client whose answers to ``ending`` POSTs get lost, one claim."""

    engine: HttpTaskEngine
    network: LosesAnswers
    claim: Claim

    def handle(self) -> RunHandle:
        return RunHandle(self.claim, lease_until=time.monotonic() + 60)

    async def kinds(self) -> list[str]:
        return [e.type for e in await self.engine.events(task=self.claim.ref)]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.remote.transport.BACKOFF", (0.0, 0.0, 0.0))
    monkeypatch.setattr(steps, "RETRY_PAUSE_MAX", 0.01)


async def lossy(tmp_path: Path, sqlite_template: Path, ending: str) -> AsyncIterator[Lossy]:
    server, url, secret = await start_thread_server(tmp_path, sqlite_template)
    # Twice as many lost answers as the transport sends one request: persist tries again.
    network = LosesAnswers(ending, drops=ATTEMPTS * 2)
    engine = HttpTaskEngine(Transport(url, secret, http_transport=network))
    try:
        await engine.create_task(TaskCreate(title="Once only", status=TaskStatus.READY))
        [claim] = await engine.claim_tasks("w-lossy", limit=1)
        yield Lossy(engine, network, claim)
    finally:
        await engine.close()
        await stop(server)


async def stop(server: ThreadServer) -> None:
    await asyncio.to_thread(server.stop)


@pytest.fixture
async def steps_lossy(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Lossy]:
    async for made in lossy(tmp_path, sqlite_template, "/steps"):
        yield made


@pytest.fixture
async def logs_lossy(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Lossy]:
    async for made in lossy(tmp_path, sqlite_template, "/log"):
        yield made


async def test_a_step_start_whose_answers_were_lost_is_recorded_once(steps_lossy: Lossy) -> None:
    claim = steps_lossy.claim
    await persist(
        steps_lossy.handle(),
        steps_lossy.engine.start_step,
        claim.run_id,
        claim.claim_token,
        "work",
        index=1,
        total=1,
        profile="shell",
    )
    sent = steps_lossy.network.keys
    assert len(sent) == ATTEMPTS * 2 + 1, "persist gave up before an answer came back"
    assert len(set(sent)) == 1, "a retry was sent with a new Idempotency-Key"
    assert (await steps_lossy.kinds()).count("task.step_started") == 1
    [run] = await steps_lossy.engine.runs_of(claim.ref)
    assert (run.step, run.step_index) == ("work", 1)


async def test_a_log_chunk_whose_answers_were_lost_is_written_once(logs_lossy: Lossy) -> None:
    claim = logs_lossy.claim
    await persist(
        logs_lossy.handle(),
        logs_lossy.engine.append_log,
        claim.run_id,
        claim.claim_token,
        "built in 3.2 s\n",
    )
    chunks = await logs_lossy.engine.read_log(claim.run_id)
    assert [c.text for c in chunks] == ["built in 3.2 s\n"]
