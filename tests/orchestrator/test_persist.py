"""A worker's write on an unreachable store is retried for as long as the run's lease lasts."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from core.domain.models import Priority
from core.domain.runs import Claim
from core.errors import LeaseLostError, StorageError
from core.orchestrator import steps
from core.orchestrator.steps import STORAGE_RETRIES, RunHandle, persist


def handle(lease_left: float) -> RunHandle:
    claim = Claim(
        run_id="r", task_id="t", ref="TY-1", project_id="p", title="t", task_type="feature",
        priority=Priority.MEDIUM, attempt=1, worker_id="w", claim_token="k",
        lease_expires_at=datetime.now(UTC),
    )  # fmt: skip
    return RunHandle(claim, lease_until=time.monotonic() + lease_left)


class Flaky:
    """A write that fails ``failures`` times with ``error``, then answers ``"done"``."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


@pytest.fixture(autouse=True)
def quick_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "RETRY_PAUSE_MAX", 0.001)


async def test_a_write_outlasts_the_fixed_retries_while_the_lease_lasts() -> None:
    """A server restarting for longer than the fixed retries: the finish still lands."""
    write = Flaky(STORAGE_RETRIES * 3, StorageError("unreachable"))
    assert await persist(handle(lease_left=60), write) == "done"
    assert write.calls == STORAGE_RETRIES * 3 + 1


async def test_past_the_lease_a_write_gives_up_after_the_fixed_retries() -> None:
    write = Flaky(STORAGE_RETRIES * 3, StorageError("unreachable"))
    with pytest.raises(StorageError):
        await persist(handle(lease_left=-1), write)
    assert write.calls == STORAGE_RETRIES


async def test_refusals_and_lost_runs_are_not_retried() -> None:
    refused = Flaky(1, LeaseLostError("lost"))
    with pytest.raises(LeaseLostError):
        await persist(handle(lease_left=60), refused)
    assert refused.calls == 1
    lost = handle(lease_left=60)
    lost.lost = True
    unreachable = Flaky(1, StorageError("unreachable"))
    with pytest.raises(StorageError):
        await persist(lost, unreachable)
    assert unreachable.calls == 1
