"""On PostgreSQL every host reads the time as the server keeps it: skewed clocks agree on leases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.domain.commands import ProjectCreate, TaskCreate
from core.domain.models import TaskStatus
from core.store.engine import SqlTaskEngine

pytestmark = pytest.mark.postgres


def _behind() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=30)


async def test_a_host_whose_clock_is_behind_still_writes_leases_others_honour(
    pg_schema_url: str,
) -> None:
    """A worker host 30 s behind: corrected, its 15 s lease is still running for another
    host's sweep; left to its own clock, the lease is over before it began."""
    honest = await SqlTaskEngine.open(pg_schema_url, lease_seconds=15)
    corrected = await SqlTaskEngine.open(
        pg_schema_url, clock=_behind, server_time=True, lease_seconds=15
    )
    uncorrected = await SqlTaskEngine.open(
        pg_schema_url, clock=_behind, server_time=False, lease_seconds=15
    )
    try:
        await honest.create_project(ProjectCreate(name="Inbox"))
        for title in ("a", "b"):
            await honest.create_task(TaskCreate(title=title, status=TaskStatus.READY))
        [kept] = await corrected.claim_tasks("slow-host", limit=1)
        [lost] = await uncorrected.claim_tasks("slow-host", limit=1)
        now = datetime.now(UTC)
        assert abs(kept.lease_expires_at - (now + timedelta(seconds=15))) < timedelta(seconds=2)
        assert lost.lease_expires_at < now  # 15 s after a clock 30 s behind
        assert await honest.expire_leases() == [lost.ref]
    finally:
        for engine in (honest, corrected, uncorrected):
            await engine.close()


async def test_a_pinned_clock_is_left_as_given(pg_schema_url: str) -> None:
    """Tests pin time: only the system clock is corrected unless asked."""
    pinned = datetime(2030, 1, 1, tzinfo=UTC)
    engine = await SqlTaskEngine.open(pg_schema_url, clock=lambda: pinned)
    try:
        await engine.create_project(ProjectCreate(name="Inbox"))
        task = (await engine.create_task(TaskCreate(title="t"))).task
        assert task.created_at == pinned
    finally:
        await engine.close()


async def test_a_run_never_starts_before_the_run_it_waited_for_ended(pg_schema_url: str) -> None:
    """A worker reads the time before its claim sees the blocker's finish; a worker whose clock
    was read long before (here: frozen at its start) still stamps the dependent's start no
    earlier than the blocker's end, as the monitor and the run history show them."""
    started = datetime.now(UTC)
    honest = await SqlTaskEngine.open(pg_schema_url, auto_approve=True)
    stale = await SqlTaskEngine.open(pg_schema_url, clock=lambda: started, server_time=True)
    try:
        await honest.create_project(ProjectCreate(name="Inbox"))
        blocker = (await honest.create_task(TaskCreate(title="a", status=TaskStatus.READY))).task
        waiting = (
            await honest.create_task(
                TaskCreate(
                    title="b",
                    status=TaskStatus.READY,
                    when_unblocked=True,
                    blocked_by=[blocker.ref],
                )
            )
        ).task
        [first] = await honest.claim_tasks("w1", limit=1)
        ended = await honest.finish_run(first.run_id, first.claim_token, success=True)
        [second] = await stale.claim_tasks("w2", limit=1)
        assert second.ref == waiting.ref
        [run] = await honest.runs_of(waiting.ref)
        assert ended.finished_at is not None
        assert ended.finished_at <= run.started_at
    finally:
        for engine in (honest, stale):
            await engine.close()
