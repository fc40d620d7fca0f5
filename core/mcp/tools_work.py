"""The agent's work loop: claim the next ready task, renew its lease, log progress, finish it.

A claim is the orchestrator's: ``claim_tasks`` opens a run with a lease and a claim token,
and every later write names the run and carries the token. The engine checks the token in
the write's own transaction, so once a lease is lost (the agent died or went quiet past it,
the task was moved by hand) its late writes are refused with ``lease_lost`` and the task,
back in the queue, is someone else's. Expired leases are swept on every claim and renewal,
as workers sweep them on each heartbeat: no separate daemon is needed.
"""

from __future__ import annotations

import os
import socket
from typing import Literal

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult

from core.domain.models import TaskStatus
from core.engine import TaskEngine
from core.errors import LeaseLostError, ValidationError
from core.mcp.results import answer, task_detail
from core.mcp.server import Serving, calls, serving_of
from core.mcp.spec import tools, writes

AGENT_LEASE_SECONDS = 300.0
"""An agent's lease when it names none: an agent thinks for minutes between calls, where a
shell worker's 15 s beat would lose every claim. ``renew`` extends it."""

WORKER_PREFIX = "mcp:"
"""Agents' worker ids are ``mcp:NAME``, so the monitor tells them from shell workers."""


async def _worker(engine: TaskEngine, serving: Serving, name: str) -> str:
    """The worker id of agent ``name``, registered once per server process."""
    worker_id = f"{WORKER_PREFIX}{name}"[:100]
    if worker_id not in serving.registered:
        await engine.register_worker(worker_id, host=socket.gethostname(), pid=os.getpid())
        serving.registered.add(worker_id)
    return worker_id


async def claim(
    ctx: Context,
    agent: str | None = None,
    project: str | None = None,
    lease_seconds: float | None = None,
) -> CallToolResult:
    """Claim the next ready task: its detail, run_id and claim_token (keep it); null if none."""
    engine, guard = await calls(ctx, write=True)
    project = await guard.project(engine, project)
    await engine.expire_leases()
    worker_id = await _worker(engine, serving_of(ctx), agent or guard.name)
    claims = await engine.claim_tasks(
        worker_id,
        limit=1,
        project=project,
        lease_seconds=lease_seconds or AGENT_LEASE_SECONDS,
        in_projects=guard.within(),
    )
    if not claims:
        return answer(None)
    got = claims[0]
    task = await engine.get_task(got.task_id)
    return answer(
        {
            "run_id": got.run_id,
            "claim_token": got.claim_token,
            "lease_expires_at": got.lease_expires_at.isoformat(),
            "task": task_detail(task),
        }
    )


async def renew(
    ctx: Context, run_id: str, claim_token: str, lease_seconds: float | None = None
) -> CallToolResult:
    """Extend the lease of a claimed task; lease_lost means stop: it is no longer yours."""
    engine, guard = await calls(ctx, write=True)
    await guard.check_run(engine, run_id)
    await engine.expire_leases()
    run = await engine.get_run(run_id)
    renewed = await engine.heartbeat(
        run.worker_id, {run_id: claim_token}, lease_seconds=lease_seconds or AGENT_LEASE_SECONDS
    )
    if run_id not in renewed:
        raise LeaseLostError(
            f"The claim on run {run_id} is lost (its lease expired, or the task was moved "
            "or cancelled); nothing was renewed.",
            hint="Stop working on this task and claim the next one.",
            details={"run_id": run_id},
        )
    current = await engine.get_run(run_id)
    return answer({"run_id": run_id, "lease_expires_at": current.lease_expires_at.isoformat()})


async def progress(ctx: Context, run_id: str, claim_token: str, text: str) -> CallToolResult:
    """Write a progress note into the claimed task's log."""
    engine, guard = await calls(ctx, write=True)
    await guard.check_run(engine, run_id)
    seq = await engine.append_log(run_id, claim_token, text.rstrip("\n") + "\n")
    return answer({"seq": seq})


async def finish(
    ctx: Context,
    run_id: str,
    claim_token: str,
    outcome: Literal["done", "in_review", "failed"],
    summary: str | None = None,
    reason: str | None = None,
) -> CallToolResult:
    """End a claimed task: done, in_review, or failed with a reason (retried or blocked)."""
    engine, guard = await calls(ctx, write=True)
    await guard.check_run(engine, run_id)
    if outcome == "failed" and not (reason and reason.strip()):
        raise ValidationError(
            "A failed task needs a reason.",
            field="reason",
            hint="Say what went wrong: the next attempt (or a person) reads it.",
        )
    run = await engine.finish_run(
        run_id,
        claim_token,
        success=outcome != "failed",
        summary=summary,
        error=reason if outcome == "failed" else None,
    )
    task = await engine.get_task(run.task_id, links=False)
    if outcome == "done" and task.status is TaskStatus.IN_REVIEW:
        task = await engine.transition_task(
            task.ref, TaskStatus.DONE, expected_version=task.version
        )
    return answer({"ref": task.ref, "status": task.status.value, "run": run.status.value})


TOOLS = tools(
    (claim, writes(destructive=False, idempotent=False)),
    (renew, writes(destructive=False, idempotent=True)),
    (progress, writes(destructive=False, idempotent=False)),
    (finish, writes(destructive=True, idempotent=False)),
)
"""The work-loop tools."""
