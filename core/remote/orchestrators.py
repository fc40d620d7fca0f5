"""Orchestrators, the change feed and the one-transaction change, for ``HttpTaskEngine``.

The older task API is built on these: orchestrators, the commit-ordered change feed and the
one-transaction task change.

Their routes are hand-written in ``core.server.compat.orchestrators`` (``core.api.outside``
says why), so the calls are spelled out here, one per route.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from core.domain.commands import TaskQuery
from core.domain.models import Task
from core.domain.orchestrators import Orchestrator, OrchestratorCreate, TaskChanges
from core.domain.task_change import TaskChange
from core.remote.transport import Transport, write_task


def _seg(value: str) -> str:
    return quote(value, safe="")


class OrchestratorCalls:
    """``create/list/get/remove_orchestrator``, ``changed_tasks`` and ``change_task``."""

    transport: Transport

    async def create_orchestrator(self, request: OrchestratorCreate) -> Orchestrator:
        """See ``TaskEngine.create_orchestrator``."""
        data = await self.transport.json(
            "POST", "/api/v2/orchestrators", json=request.model_dump(mode="json")
        )
        return Orchestrator.model_validate(data)

    async def list_orchestrators(self, project: str | None = None) -> list[Orchestrator]:
        """See ``TaskEngine.list_orchestrators``."""
        data = await self.transport.json(
            "GET", "/api/v2/orchestrators", params={"project": project}
        )
        return [Orchestrator.model_validate(item) for item in data["items"]]

    async def get_orchestrator(self, ref: str, *, project: str | None = None) -> Orchestrator:
        """See ``TaskEngine.get_orchestrator``."""
        data = await self.transport.json(
            "GET", f"/api/v2/orchestrators/{_seg(ref)}", params={"project": project}
        )
        return Orchestrator.model_validate(data)

    async def remove_orchestrator(self, ref: str, *, project: str | None = None) -> Orchestrator:
        """See ``TaskEngine.remove_orchestrator``."""
        data = await self.transport.json(
            "DELETE", f"/api/v2/orchestrators/{_seg(ref)}", params={"project": project}
        )
        return Orchestrator.model_validate(data)

    async def changed_tasks(
        self, query: TaskQuery, *, since: int | datetime, limit: int = 100
    ) -> TaskChanges:
        """See ``TaskEngine.changed_tasks`` (the query's page, sort and limit are not sent)."""
        params = {
            "since": since.isoformat() if isinstance(since, datetime) else str(since),
            "limit": limit,
            "project": query.project,
            "milestone": query.milestone,
            "status": [s.value for s in query.statuses],
            "priority": [p.value for p in query.priorities],
            "label": query.labels,
            "assignee": query.assignee,
            "q": query.text,
            "include_completed": query.include_completed,
        }
        data = await self.transport.json("GET", "/api/v2/task-changes", params=params)
        return TaskChanges.model_validate(data)

    async def change_task(
        self, ref: str, change: TaskChange, *, expected_version: int | None = None
    ) -> Task:
        """See ``TaskEngine.change_task``."""
        path = f"/api/v2/tasks/{_seg(ref)}/changes"
        return await write_task(self.transport, "POST", path, change, expected_version)
