"""The worker, claim, run, log and quick-run half of ``HttpTaskEngine``.

Every write a worker makes with a claim carries its claim token in the body: the server's
engine fences it exactly as a local one would (``LeaseLostError`` when the lease is gone).
Claims, heartbeats and finishes are POSTs with an ``Idempotency-Key``, so a worker whose
connection dropped mid-request sends them again without claiming or finishing twice.

Most of these methods are their API table entry's call (``table_method``); the routes
written out on the server (``core.api.outside.HAND_WRITTEN``) are called by hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal
from urllib.parse import quote

from pydantic import TypeAdapter

from core.domain.models import Task
from core.domain.runs import LogChunk, Run
from core.engine import TaskEngine
from core.remote.table import TableCalls, table_method

_CHUNKS = TypeAdapter(list[LogChunk])


def _seg(value: str) -> str:
    return quote(value, safe="")


class RunCalls(TableCalls):
    """Workers, claims, runs, logs and quick runs, over ``self.transport``."""

    async def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """A route the table leaves out (``core.api.outside.HAND_WRITTEN``)."""
        return await self.transport.json(method, "/api/v2" + path, json=body, params=params)

    # -- workers and claims ----------------------------------------------------------
    register_worker = table_method(TaskEngine.register_worker)
    heartbeat = table_method(TaskEngine.heartbeat)
    stop_worker = table_method(TaskEngine.stop_worker)
    list_workers = table_method(TaskEngine.list_workers)
    claim_tasks = table_method(TaskEngine.claim_tasks)
    adopt_forced_runs = table_method(TaskEngine.adopt_forced_runs)

    # -- a run's steps, log and end (fenced by the claim token) ------------------------
    start_step = table_method(TaskEngine.start_step)
    finish_step = table_method(TaskEngine.finish_step)
    block_run = table_method(TaskEngine.block_run)
    interrupt_run = table_method(TaskEngine.interrupt_run)
    append_log = table_method(TaskEngine.append_log)
    record_lost_output = table_method(TaskEngine.record_lost_output)
    finish_run = table_method(TaskEngine.finish_run)
    finish_runs = table_method(TaskEngine.finish_runs)
    expire_leases = table_method(TaskEngine.expire_leases)

    # -- logs ----------------------------------------------------------------------------
    async def read_log(self, owner_id: str, *, since: int = 0, limit: int = 1000) -> list[LogChunk]:
        """See ``TaskEngine.read_log``."""
        data = await self._call("GET", f"/logs/{_seg(owner_id)}", since=since, limit=limit)
        return _CHUNKS.validate_python(data["items"])

    async def follow_log(
        self, owner_id: str, *, since: int = 0, poll_interval: float = 0.25
    ) -> AsyncIterator[LogChunk]:
        """The log's SSE stream, resumed with ``Last-Event-ID`` after a dropped connection."""
        from core.remote.logs import follow_log_stream

        async for chunk in follow_log_stream(
            self.transport, owner_id, since=since, poll_interval=poll_interval
        ):
            yield chunk

    run_steps = table_method(TaskEngine.run_steps)

    # -- the task's runs -------------------------------------------------------------------
    async def run_now(self, ref: str) -> Run:
        """See ``TaskEngine.run_now``."""
        return Run.model_validate(await self._call("POST", f"/tasks/{_seg(ref)}/run"))

    retry = table_method(TaskEngine.retry)
    cancel = table_method(TaskEngine.cancel)
    runs_of = table_method(TaskEngine.runs_of)

    async def resolve_run_id(
        self, prefix: str, *, kind: Literal["any", "run", "quick"] = "any"
    ) -> str:
        """See ``TaskEngine.resolve_run_id``."""
        return str((await self._call("GET", "/runs/resolve", prefix=prefix, kind=kind))["id"])

    get_run = table_method(TaskEngine.get_run)
    execution_overview = table_method(TaskEngine.execution_overview)

    # -- quick actions ---------------------------------------------------------------------
    create_quick_run = table_method(TaskEngine.create_quick_run)
    append_quick_log = table_method(TaskEngine.append_quick_log)
    finish_quick_run = table_method(TaskEngine.finish_quick_run)
    get_quick_run = table_method(TaskEngine.get_quick_run)
    list_quick_runs = table_method(TaskEngine.list_quick_runs)

    async def promote_quick_run(self, quick_run_id: str, *, project: str | None = None) -> Task:
        """See ``TaskEngine.promote_quick_run``."""
        path = f"/quick-runs/{_seg(quick_run_id)}/promote"
        body = None if project is None else {"project": project}
        return Task.model_validate(await self._call("POST", path, body))
