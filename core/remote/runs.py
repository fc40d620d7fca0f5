"""The worker, claim, run, log and quick-run half of ``HttpTaskEngine``.

Every write a worker makes with a claim carries its claim token in the body: the server's
engine fences it exactly as a local one would (``LeaseLostError`` when the lease is gone).
Claims, heartbeats and finishes are POSTs with an ``Idempotency-Key``, so a worker whose
connection dropped mid-request sends them again without claiming or finishing twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from pydantic import TypeAdapter

from core.api.endpoints import ENDPOINTS_BY_METHOD
from core.domain.models import Task
from core.domain.outcomes import RunOutcome
from core.domain.runs import (
    Claim,
    ExecutionOverview,
    LogChunk,
    QuickRun,
    QuickRunCreate,
    Run,
    RunStep,
    Worker,
)
from core.remote.transport import Transport

_CHUNKS = TypeAdapter(list[LogChunk])


def _seg(value: str) -> str:
    return quote(value, safe="")


def _ids(values: Collection[str] | None) -> list[str] | None:
    return None if values is None else list(values)


class RunCalls:
    """Workers, claims, runs, logs and quick runs, over ``self.transport``."""

    transport: Transport

    async def _api(self, method: str, **args: Any) -> Any:
        """Call the engine method ``method`` through its entry in the API table."""
        entry = ENDPOINTS_BY_METHOD[method]
        call = entry.call(args)
        data = await self.transport.json(call.method, call.url, params=call.params, json=call.json)
        return entry.result(data)

    async def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """A route the table leaves out (``core.api.outside.HAND_WRITTEN``)."""
        return await self.transport.json(method, "/api/v2" + path, json=body, params=params)

    # -- workers and claims ----------------------------------------------------------
    async def register_worker(
        self, worker_id: str, *, host: str, pid: int, slots: int = 1
    ) -> Worker:
        """See ``TaskEngine.register_worker``."""
        result: Worker = await self._api(
            "register_worker", worker_id=worker_id, host=host, pid=pid, slots=slots
        )
        return result

    async def heartbeat(
        self,
        worker_id: str,
        leases: Mapping[str, str] | None = None,
        *,
        lease_seconds: float | None = None,
    ) -> list[str]:
        """See ``TaskEngine.heartbeat``."""
        leased = None if leases is None else dict(leases)
        result: list[str] = await self._api(
            "heartbeat", worker_id=worker_id, leases=leased, lease_seconds=lease_seconds
        )
        return result

    async def stop_worker(self, worker_id: str) -> Worker:
        """See ``TaskEngine.stop_worker``."""
        result: Worker = await self._api("stop_worker", worker_id=worker_id)
        return result

    async def list_workers(self) -> list[Worker]:
        """See ``TaskEngine.list_workers``."""
        result: list[Worker] = await self._api("list_workers")
        return result

    async def claim_tasks(
        self,
        worker_id: str,
        *,
        limit: int = 1,
        project: str | None = None,
        lease_seconds: float | None = None,
        max_per_project: int | None = None,
        pipelines: Collection[str] | None = None,
        approved_by: Collection[str] | None = None,
        in_projects: Collection[str] | None = None,
    ) -> list[Claim]:
        """See ``TaskEngine.claim_tasks``."""
        result: list[Claim] = await self._api(
            "claim_tasks",
            worker_id=worker_id,
            limit=limit,
            project=project,
            lease_seconds=lease_seconds,
            max_per_project=max_per_project,
            pipelines=_ids(pipelines),
            approved_by=_ids(approved_by),
            in_projects=_ids(in_projects),
        )
        return result

    async def adopt_forced_runs(
        self,
        worker_id: str,
        *,
        limit: int = 1,
        lease_seconds: float | None = None,
        run_id: str | None = None,
        in_projects: Collection[str] | None = None,
    ) -> list[Claim]:
        """See ``TaskEngine.adopt_forced_runs``."""
        result: list[Claim] = await self._api(
            "adopt_forced_runs",
            worker_id=worker_id,
            limit=limit,
            lease_seconds=lease_seconds,
            run_id=run_id,
            in_projects=_ids(in_projects),
        )
        return result

    # -- a run's steps, log and end (fenced by the claim token) ------------------------
    async def start_step(
        self,
        run_id: str,
        token: str,
        step: str,
        *,
        index: int | None = None,
        total: int | None = None,
        profile: str = "shell",
    ) -> Run:
        """See ``TaskEngine.start_step``."""
        result: Run = await self._api(
            "start_step",
            run_id=run_id,
            token=token,
            step=step,
            index=index,
            total=total,
            profile=profile,
        )
        return result

    async def finish_step(
        self,
        run_id: str,
        token: str,
        step: str,
        *,
        success: bool,
        exit_code: int | None = None,
        summary: str | None = None,
    ) -> Run:
        """See ``TaskEngine.finish_step``."""
        result: Run = await self._api(
            "finish_step",
            run_id=run_id,
            token=token,
            step=step,
            success=success,
            exit_code=exit_code,
            summary=summary,
        )
        return result

    async def block_run(
        self, run_id: str, token: str, *, reason: str, step: str | None = None
    ) -> Run:
        """See ``TaskEngine.block_run``."""
        result: Run = await self._api(
            "block_run", run_id=run_id, token=token, reason=reason, step=step
        )
        return result

    async def interrupt_run(
        self,
        run_id: str,
        token: str,
        *,
        reason: str,
        exit_code: int | None = None,
        summary: str | None = None,
    ) -> Run:
        """See ``TaskEngine.interrupt_run``."""
        result: Run = await self._api(
            "interrupt_run",
            run_id=run_id,
            token=token,
            reason=reason,
            exit_code=exit_code,
            summary=summary,
        )
        return result

    async def append_log(
        self,
        run_id: str,
        token: str,
        text: str,
        *,
        stream: str = "stdout",
        step: str | None = None,
    ) -> int:
        """See ``TaskEngine.append_log``."""
        result: int = await self._api(
            "append_log", run_id=run_id, token=token, text=text, stream=stream, step=step
        )
        return result

    async def record_lost_output(
        self,
        run_id: str,
        token: str,
        *,
        lost_bytes: int,
        reason: str,
        step: str | None = None,
    ) -> int:
        """See ``TaskEngine.record_lost_output``."""
        result: int = await self._api(
            "record_lost_output",
            run_id=run_id,
            token=token,
            lost_bytes=lost_bytes,
            reason=reason,
            step=step,
        )
        return result

    async def finish_run(
        self,
        run_id: str,
        token: str,
        *,
        success: bool,
        summary: str | None = None,
        exit_code: int | None = None,
        error: str | None = None,
        step: str | None = None,
    ) -> Run:
        """See ``TaskEngine.finish_run``."""
        result: Run = await self._api(
            "finish_run",
            run_id=run_id,
            token=token,
            success=success,
            summary=summary,
            exit_code=exit_code,
            error=error,
            step=step,
        )
        return result

    async def finish_runs(self, outcomes: Sequence[RunOutcome]) -> list[Run]:
        """See ``TaskEngine.finish_runs``."""
        result: list[Run] = await self._api("finish_runs", outcomes=list(outcomes))
        return result

    async def expire_leases(self, now: datetime | None = None) -> list[str]:
        """See ``TaskEngine.expire_leases``."""
        result: list[str] = await self._api("expire_leases", now=now)
        return result

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

    async def run_steps(self, run_id: str) -> list[RunStep]:
        """See ``TaskEngine.run_steps``."""
        result: list[RunStep] = await self._api("run_steps", run_id=run_id)
        return result

    # -- the task's runs -------------------------------------------------------------------
    async def run_now(self, ref: str) -> Run:
        """See ``TaskEngine.run_now``."""
        return Run.model_validate(await self._call("POST", f"/tasks/{_seg(ref)}/run"))

    async def retry(self, ref: str) -> Task:
        """See ``TaskEngine.retry``."""
        result: Task = await self._api("retry", ref=ref)
        return result

    async def cancel(self, ref: str, reason: str) -> Task:
        """See ``TaskEngine.cancel``."""
        result: Task = await self._api("cancel", ref=ref, reason=reason)
        return result

    async def runs_of(self, ref: str) -> list[Run]:
        """See ``TaskEngine.runs_of``."""
        result: list[Run] = await self._api("runs_of", ref=ref)
        return result

    async def resolve_run_id(
        self, prefix: str, *, kind: Literal["any", "run", "quick"] = "any"
    ) -> str:
        """See ``TaskEngine.resolve_run_id``."""
        return str((await self._call("GET", "/runs/resolve", prefix=prefix, kind=kind))["id"])

    async def get_run(self, run_id: str) -> Run:
        """See ``TaskEngine.get_run``."""
        result: Run = await self._api("get_run", run_id=run_id)
        return result

    async def execution_overview(
        self,
        *,
        queue_limit: int = 50,
        recent_limit: int = 20,
        max_per_project: int | None = None,
        pipelines: Collection[str] | None = None,
        approved_by: Collection[str] | None = None,
        in_projects: Collection[str] | None = None,
    ) -> ExecutionOverview:
        """See ``TaskEngine.execution_overview``."""
        result: ExecutionOverview = await self._api(
            "execution_overview",
            queue_limit=queue_limit,
            recent_limit=recent_limit,
            max_per_project=max_per_project,
            pipelines=_ids(pipelines),
            approved_by=_ids(approved_by),
            in_projects=_ids(in_projects),
        )
        return result

    # -- quick actions ---------------------------------------------------------------------
    async def create_quick_run(self, request: QuickRunCreate) -> QuickRun:
        """See ``TaskEngine.create_quick_run``."""
        result: QuickRun = await self._api("create_quick_run", request=request)
        return result

    async def append_quick_log(
        self, quick_run_id: str, text: str, *, stream: str = "stdout"
    ) -> int:
        """See ``TaskEngine.append_quick_log``."""
        result: int = await self._api(
            "append_quick_log", quick_run_id=quick_run_id, text=text, stream=stream
        )
        return result

    async def finish_quick_run(
        self,
        quick_run_id: str,
        *,
        success: bool | None,
        exit_code: int | None = None,
        summary: str | None = None,
    ) -> QuickRun:
        """See ``TaskEngine.finish_quick_run``."""
        result: QuickRun = await self._api(
            "finish_quick_run",
            quick_run_id=quick_run_id,
            success=success,
            exit_code=exit_code,
            summary=summary,
        )
        return result

    async def get_quick_run(self, quick_run_id: str) -> QuickRun:
        """See ``TaskEngine.get_quick_run``."""
        result: QuickRun = await self._api("get_quick_run", quick_run_id=quick_run_id)
        return result

    async def list_quick_runs(self, *, limit: int = 20) -> list[QuickRun]:
        """See ``TaskEngine.list_quick_runs``."""
        result: list[QuickRun] = await self._api("list_quick_runs", limit=limit)
        return result

    async def promote_quick_run(self, quick_run_id: str, *, project: str | None = None) -> Task:
        """See ``TaskEngine.promote_quick_run``."""
        path = f"/quick-runs/{_seg(quick_run_id)}/promote"
        body = None if project is None else {"project": project}
        return Task.model_validate(await self._call("POST", path, body))
