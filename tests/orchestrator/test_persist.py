"""A worker's write on an unreachable store is retried for as long as the run's lease lasts."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from core import request_keys
from core.domain.models import Priority
from core.domain.runs import Claim
from core.errors import AnswerLostError, LeaseLostError, RequestInProgressError, StorageError
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
    """A write that fails ``failures`` times with ``error``, then succeeds.

    It takes a request key as the remote transport would for its POST (``keys``).
    """

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0
        self.done = False
        self.keys: list[str] = []

    async def __call__(self) -> None:
        self.calls += 1
        self.keys.append(request_keys.next_key())
        if self.calls <= self.failures:
            raise self.error
        self.done = True


@pytest.fixture(autouse=True)
def quick_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "RETRY_PAUSE_MAX", 0.001)


async def test_a_write_outlasts_the_fixed_retries_while_the_lease_lasts() -> None:
    """A server restarting for longer than the fixed retries: the finish still lands."""
    write = Flaky(STORAGE_RETRIES * 3, StorageError("unreachable"))
    await persist(handle(lease_left=60), write)
    assert write.done
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


async def test_every_try_of_a_write_sends_the_same_request_key() -> None:
    """A server that made the change before it went away must see the retry as the same request."""
    write = Flaky(3, StorageError("unreachable"))
    await persist(handle(lease_left=60), write)
    assert len(write.keys) == 4
    assert len(set(write.keys)) == 1
    other = Flaky(0, StorageError("unreachable"))
    await persist(handle(lease_left=60), other)
    assert other.keys[0] != write.keys[0]


async def test_a_first_try_still_running_on_the_server_is_waited_for() -> None:
    write = Flaky(2, RequestInProgressError("still being processed"))
    await persist(handle(lease_left=60), write)
    assert write.done
    assert write.calls == 3


async def test_a_write_whose_answer_was_lost_with_the_server_is_not_made_again() -> None:
    """The change is in (the server says so): one more try with a new key would make it twice."""
    write = Flaky(1, AnswerLostError("took effect, but its answer was lost"))
    await persist(handle(lease_left=60), write)
    assert write.calls == 1
