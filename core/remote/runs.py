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
from core.domain.models import Task
from core.remote.transport import Transport

_CLAIMS = TypeAdapter(list[Claim])
_RUNS = TypeAdapter(list[Run])
_STEPS = TypeAdapter(list[RunStep])
_WORKERS = TypeAdapter(list[Worker])
_CHUNKS = TypeAdapter(list[LogChunk])
_QUICK = TypeAdapter(list[QuickRun])
LOG_PAGE = 1000


def _seg(value: str) -> str:
    return quote(value, safe="")


def _ids(values: Collection[str] | None) -> list[str] | None:
    return None if values is None else list(values)


class RunCalls:
    """Workers, claims, runs, logs and quick runs, over ``self.transport``."""

    transport: Transport

    async def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        return await self.transport.json(method, "/api/v2" + path, json=body, params=params)

    # -- workers and claims ----------------------------------------------------------
    async def register_worker(
        self, worker_id: str, *, host: str, pid: int, slots: int = 1
    ) -> Worker:
        body = {"id": worker_id, "host": host, "pid": pid, "slots": slots}
        return Worker.model_validate(await self._call("POST", "/workers", body))

    async def heartbeat(
        self,
        worker_id: str,
        leases: Mapping[str, str] | None = None,
        *,
        lease_seconds: float | None = None,
    ) -> list[str]:
        body = {"leases": None if leases is None else dict(leases), "lease_seconds": lease_seconds}
        data = await self._call("POST", f"/workers/{_seg(worker_id)}/heartbeat", body)
        return [str(r) for r in data["renewed"]]

    async def stop_worker(self, worker_id: str) -> Worker:
        return Worker.model_validate(await self._call("POST", f"/workers/{_seg(worker_id)}/stop"))

    async def list_workers(self) -> list[Worker]:
        return _WORKERS.validate_python((await self._call("GET", "/workers"))["items"])

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
        body = {
            "limit": limit,
            "project": project,
            "lease_seconds": lease_seconds,
            "max_per_project": max_per_project,
            "pipelines": _ids(pipelines),
            "approved_by": _ids(approved_by),
            "in_projects": _ids(in_projects),
        }
        data = await self._call("POST", f"/workers/{_seg(worker_id)}/claims", body)
        return _CLAIMS.validate_python(data["items"])

    async def adopt_forced_runs(
        self,
        worker_id: str,
        *,
        limit: int = 1,
        lease_seconds: float | None = None,
        run_id: str | None = None,
        in_projects: Collection[str] | None = None,
    ) -> list[Claim]:
        body = {
            "limit": limit,
            "lease_seconds": lease_seconds,
            "run_id": run_id,
            "in_projects": _ids(in_projects),
        }
        data = await self._call("POST", f"/workers/{_seg(worker_id)}/adoptions", body)
        return _CLAIMS.validate_python(data["items"])

    # -- a run's steps, log and end (fenced by the claim token) ------------------------
    async def _run_write(self, run_id: str, what: str, body: dict[str, Any]) -> Any:
        return await self._call("POST", f"/runs/{_seg(run_id)}/{what}", body)

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
        body = {"token": token, "step": step, "index": index, "total": total, "profile": profile}
        return Run.model_validate(await self._run_write(run_id, "steps", body))

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
        body = {
            "token": token,
            "step": step,
            "success": success,
            "exit_code": exit_code,
            "summary": summary,
        }
        return Run.model_validate(await self._run_write(run_id, "steps/finish", body))

    async def block_run(
        self, run_id: str, token: str, *, reason: str, step: str | None = None
    ) -> Run:
        body = {"token": token, "reason": reason, "step": step}
        return Run.model_validate(await self._run_write(run_id, "block", body))

    async def interrupt_run(
        self,
        run_id: str,
        token: str,
        *,
        reason: str,
        exit_code: int | None = None,
        summary: str | None = None,
    ) -> Run:
        body = {"token": token, "reason": reason, "exit_code": exit_code, "summary": summary}
        return Run.model_validate(await self._run_write(run_id, "interrupt", body))

    async def append_log(
        self,
        run_id: str,
        token: str,
        text: str,
        *,
        stream: str = "stdout",
        step: str | None = None,
    ) -> int:
        body = {"token": token, "text": text, "stream": stream, "step": step}
        return int((await self._run_write(run_id, "log", body))["seq"])

    async def record_lost_output(
        self,
        run_id: str,
        token: str,
        *,
        lost_bytes: int,
        reason: str,
        step: str | None = None,
    ) -> int:
        body = {"token": token, "lost_bytes": lost_bytes, "reason": reason, "step": step}
        return int((await self._run_write(run_id, "lost-output", body))["seq"])

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
        body = {
            "token": token,
            "success": success,
            "summary": summary,
            "exit_code": exit_code,
            "error": error,
            "step": step,
        }
        return Run.model_validate(await self._run_write(run_id, "finish", body))

    async def finish_runs(self, outcomes: Sequence[RunOutcome]) -> list[Run]:
        body = {"outcomes": [o.model_dump(mode="json") for o in outcomes]}
        return _RUNS.validate_python((await self._call("POST", "/runs/finish", body))["items"])

    async def expire_leases(self, now: datetime | None = None) -> list[str]:
        body = {"now": None if now is None else now.isoformat()}
        data = await self._call("POST", "/runs/expire-leases", body)
        return [str(r) for r in data["refs"]]

    # -- logs ----------------------------------------------------------------------------
    async def read_log(self, owner_id: str, *, since: int = 0, limit: int = 1000) -> list[LogChunk]:
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
        data = await self._call("GET", f"/runs/{_seg(run_id)}/steps")
        return _STEPS.validate_python(data["items"])

    # -- the task's runs -------------------------------------------------------------------
    async def run_now(self, ref: str) -> Run:
        return Run.model_validate(await self._call("POST", f"/tasks/{_seg(ref)}/run"))

    async def retry(self, ref: str) -> Task:
        return Task.model_validate(await self._call("POST", f"/tasks/{_seg(ref)}/retry"))

    async def cancel(self, ref: str, reason: str) -> Task:
        data = await self._call("POST", f"/tasks/{_seg(ref)}/cancel", {"reason": reason})
        return Task.model_validate(data)

    async def runs_of(self, ref: str) -> list[Run]:
        return _RUNS.validate_python((await self._call("GET", f"/tasks/{_seg(ref)}/runs"))["items"])

    async def resolve_run_id(
        self, prefix: str, *, kind: Literal["any", "run", "quick"] = "any"
    ) -> str:
        return str((await self._call("GET", "/runs/resolve", prefix=prefix, kind=kind))["id"])

    async def get_run(self, run_id: str) -> Run:
        return Run.model_validate(await self._call("GET", f"/runs/{_seg(run_id)}"))

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
        params = {
            "queue_limit": queue_limit,
            "recent_limit": recent_limit,
            "max_per_project": max_per_project,
            # One empty value stands for "no pipelines at all", as opposed to no filter.
            "pipeline": None if pipelines is None else (list(pipelines) or [""]),
            "approved_by": _ids(approved_by),
            "in_project": _ids(in_projects),
        }
        data = await self._call("GET", "/execution/overview", **params)
        return ExecutionOverview.model_validate(data)

    # -- quick actions ---------------------------------------------------------------------
    async def create_quick_run(self, request: QuickRunCreate) -> QuickRun:
        data = await self._call("POST", "/quick-runs", request.model_dump(mode="json"))
        return QuickRun.model_validate(data)

    async def append_quick_log(
        self, quick_run_id: str, text: str, *, stream: str = "stdout"
    ) -> int:
        body = {"text": text, "stream": stream}
        data = await self._call("POST", f"/quick-runs/{_seg(quick_run_id)}/log", body)
        return int(data["seq"])

    async def finish_quick_run(
        self,
        quick_run_id: str,
        *,
        success: bool | None,
        exit_code: int | None = None,
        summary: str | None = None,
    ) -> QuickRun:
        body = {"success": success, "exit_code": exit_code, "summary": summary}
        data = await self._call("POST", f"/quick-runs/{_seg(quick_run_id)}/finish", body)
        return QuickRun.model_validate(data)

    async def get_quick_run(self, quick_run_id: str) -> QuickRun:
        return QuickRun.model_validate(await self._call("GET", f"/quick-runs/{_seg(quick_run_id)}"))

    async def list_quick_runs(self, *, limit: int = 20) -> list[QuickRun]:
        return _QUICK.validate_python((await self._call("GET", "/quick-runs", limit=limit))["items"])

    async def promote_quick_run(self, quick_run_id: str, *, project: str | None = None) -> Task:
        path = f"/quick-runs/{_seg(quick_run_id)}/promote"
        body = None if project is None else {"project": project}
        return Task.model_validate(await self._call("POST", path, body))
