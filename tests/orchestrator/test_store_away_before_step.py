"""A store that is away between a claim and its first step costs the task no attempt.

Before its first step a worker reads the task's project (where the step runs). A remote worker
reads it from the server; a server restarting or a database failing over answers that read
with a ``StorageError``. That is not the task's fault: the read is retried while the lease
lasts, and a store still away then ends the run interrupted (the task back to ready, no
attempt used), never failed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from core.domain.commands import TaskCreate
from core.domain.models import TaskStatus
from core.domain.runs import RunStatus
from core.errors import StorageError
from core.orchestrator.steps import RunHandle, execute_claim
from core.store.engine import SqlTaskEngine

from .conftest import Opener, make_config


class ProjectsAway:
    """The engine, with its project reads failing as an unreachable server's do, ``times`` times."""

    def __init__(self, engine: SqlTaskEngine, times: int) -> None:
        self._engine = engine
        self.left = times

    async def get_project(self, *args: Any, **kwargs: Any) -> Any:
        if self.left > 0:
            self.left -= 1
            raise StorageError("The server cannot be reached: connection refused.")
        return await self._engine.get_project(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


async def claimed_task(open_engine: Opener, tmp_path: Path) -> tuple[SqlTaskEngine, Any, Path]:
    marker = tmp_path / "ran"
    # No heartbeat renews the lease here: the store's lease outlasts the retries.
    config = make_config({"orchestrator": {"lease_seconds": 60}})
    engine = await open_engine(config)
    await engine.create_task(
        TaskCreate(
            title="Deploy", status=TaskStatus.READY, metadata={"command": f"echo ran >> {marker}"}
        )
    )
    [claim] = await engine.claim_tasks("w", pipelines=[])
    return engine, claim, marker


async def test_a_store_back_within_the_lease_lets_the_run_go_on(
    open_engine: Opener, tmp_path: Path
) -> None:
    engine, claim, marker = await claimed_task(open_engine, tmp_path)
    away = ProjectsAway(engine, times=2)
    handle = RunHandle(claim, lease_until=time.monotonic() + 30)
    outcome = await execute_claim(away, make_config({}), handle)
    assert outcome == "succeeded"
    assert away.left == 0
    assert marker.read_text() == "ran\n"
    [run] = await engine.runs_of(claim.ref)
    assert run.status == RunStatus.SUCCEEDED


async def test_a_store_away_past_the_lease_interrupts_the_run_instead_of_failing_it(
    open_engine: Opener, tmp_path: Path
) -> None:
    engine, claim, marker = await claimed_task(open_engine, tmp_path)
    away = ProjectsAway(engine, times=1_000)
    handle = RunHandle(claim, lease_until=time.monotonic() + 1)
    outcome = await execute_claim(away, make_config({}), handle)
    assert outcome == "stopped"
    assert not marker.exists()
    [run] = await engine.runs_of(claim.ref)
    assert run.status == RunStatus.INTERRUPTED
    assert run.step is None
    task = await engine.get_task(claim.ref)
    assert task.status == TaskStatus.READY
