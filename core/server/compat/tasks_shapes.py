"""task-management-api.md's words for taskyard's: statuses, priorities, bodies and the task.

The five statuses map onto the seven both ways (docs/api-compat.md has the table):

* Reading, each state shows as one status: backlog and ready are TODO, in_progress and
  in_review are IN_PROGRESS; blocked, done and cancelled keep their names. A filter on a
  status matches every state that shows as it.
* Writing, a PATCH to a status is a path of moves from the task's state (``plan_moves``),
  checked by the engine step by step and made in one transaction. IN_PROGRESS is the
  "worked on by hand" move (``force``): the orchestrator's daemon works the task itself, so
  no taskyard worker runs it and no lease applies. DONE from IN_PROGRESS passes through
  review. A move the old API forbids (DONE and CANCELLED are terminal, DONE only from
  IN_PROGRESS) is refused even where taskyard would allow it.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.domain.models import Priority, Task, TaskCard, TaskStatus
from core.domain.orchestrators import Orchestrator
from core.domain.task_change import TaskMove
from core.errors import InvalidTransitionError

S = TaskStatus

API_VERSION = "1.0.0"

PRIVATE_KEY = "_api"
"""The metadata key that keeps what taskyard has no field for (``channelId``, ``createdById``);
it is left out of the ``metadata`` the old API shows."""


class LegacyStatus(enum.StrEnum):
    """The five statuses of task-management-api.md."""

    TODO = "TODO"
    IN_PROGRESS = "IN_PROGRESS"
    BLOCKED = "BLOCKED"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class LegacyPriority(enum.StrEnum):
    """The four priorities, in capitals."""

    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"

    @property
    def engine(self) -> Priority:
        """The engine's priority."""
        return Priority(self.value.lower())


SHOWN_AS: dict[TaskStatus, LegacyStatus] = {
    S.BACKLOG: LegacyStatus.TODO,
    S.READY: LegacyStatus.TODO,
    S.IN_PROGRESS: LegacyStatus.IN_PROGRESS,
    S.IN_REVIEW: LegacyStatus.IN_PROGRESS,
    S.BLOCKED: LegacyStatus.BLOCKED,
    S.DONE: LegacyStatus.DONE,
    S.CANCELLED: LegacyStatus.CANCELLED,
}
"""How each of taskyard's states reads in the old API."""


def states_of(statuses: list[LegacyStatus]) -> list[TaskStatus]:
    """Every state that shows as one of ``statuses``, in the state machine's order."""
    wanted = set(statuses)
    return [s for s in TaskStatus if SHOWN_AS[s] in wanted]


def _force() -> TaskMove:
    return TaskMove(status=S.IN_PROGRESS, force=True)


_PATHS: dict[LegacyStatus, dict[TaskStatus, list[TaskMove]]] = {
    LegacyStatus.TODO: {
        S.IN_PROGRESS: [TaskMove(status=S.READY)],
        S.BLOCKED: [TaskMove(status=S.READY)],
    },
    LegacyStatus.IN_PROGRESS: {
        S.BACKLOG: [TaskMove(status=S.READY), _force()],
        S.READY: [_force()],
        S.BLOCKED: [TaskMove(status=S.READY), _force()],
    },
    LegacyStatus.BLOCKED: {
        S.READY: [TaskMove(status=S.BLOCKED)],
        S.IN_PROGRESS: [TaskMove(status=S.BLOCKED)],
        S.IN_REVIEW: [TaskMove(status=S.BLOCKED)],
    },
    LegacyStatus.DONE: {
        S.IN_PROGRESS: [TaskMove(status=S.IN_REVIEW), TaskMove(status=S.DONE)],
        S.IN_REVIEW: [TaskMove(status=S.DONE)],
    },
    LegacyStatus.CANCELLED: {
        S.BACKLOG: [TaskMove(status=S.CANCELLED)],
        S.READY: [TaskMove(status=S.CANCELLED)],
        S.IN_PROGRESS: [TaskMove(status=S.CANCELLED)],
        S.BLOCKED: [TaskMove(status=S.CANCELLED)],
        S.IN_REVIEW: [TaskMove(status=S.BLOCKED), TaskMove(status=S.CANCELLED)],
    },
}
"""The moves that take a task from its state to a status (its own status needs none)."""


def plan_moves(task: Task, target: LegacyStatus, *, unresolved: bool) -> list[TaskMove]:
    """The engine moves that bring ``task`` to ``target`` (none when it shows as it already).

    ``unresolved``: the task waits for blockers; TODO to BLOCKED then parks it in blocked
    until they resolve instead of blocking it by hand.

    Raises:
        InvalidTransitionError: the old API does not allow this change of status.
    """
    current = SHOWN_AS[task.status]
    if current is target:
        return []
    if target is LegacyStatus.BLOCKED and task.status is S.BACKLOG:
        if unresolved:
            return [TaskMove(status=S.READY, when_unblocked=True)]
        return [TaskMove(status=S.READY), TaskMove(status=S.BLOCKED)]
    path = _PATHS[target].get(task.status)
    if path is None:
        raise InvalidTransitionError(
            f"Cannot move a task from {current.value} to {target.value}.",
            hint="DONE and CANCELLED are final, and only a task IN_PROGRESS can become DONE.",
            details={"from": current.value, "to": target.value, "state": task.status.value},
        )
    return path


def due_date(value: datetime | None) -> date | None:
    """A due date-time as the date taskyard keeps (the time of day is dropped)."""
    return None if value is None else value.astimezone(UTC).date()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _due(value: date | None) -> str | None:
    return None if value is None else _iso(datetime.combine(value, time(0), tzinfo=UTC))


def vp_view(vp: Orchestrator | None) -> dict[str, Any] | None:
    """An orchestrator as the task's nested ``vp``."""
    if vp is None:
        return None
    user = vp.user
    return {
        "id": vp.id,
        "role": vp.role,
        "user": {"id": user.id, "name": user.name, "email": user.email},
    }


class Orchestrators:
    """The orchestrators a request may name, by project and name (a task's assignee)."""

    def __init__(self, every: list[Orchestrator]) -> None:
        self._by_name = {(o.project_id, o.name): o for o in every}

    def of(self, project_id: str, assignee: str | None) -> Orchestrator | None:
        """The orchestrator a task of ``project_id`` assigned to ``assignee`` belongs to."""
        return None if assignee is None else self._by_name.get((project_id, assignee))


def task_view(task: Task, vps: Orchestrators) -> dict[str, Any]:
    """A task in the old API's fields (camelCase, five statuses, ``vp`` nested)."""
    vp = vps.of(task.project_id, task.assignee)
    private = task.metadata.get(PRIVATE_KEY)
    kept = private if isinstance(private, dict) else {}
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description or None,
        "priority": task.priority.value.upper(),
        "status": SHOWN_AS[task.status].value,
        "vpId": vp.id if vp else None,
        "workspaceId": task.project_id,
        "channelId": kept.get("channelId"),
        "createdById": kept.get("createdById"),
        "assignedToId": vp.id if vp else task.assignee,
        "estimatedHours": task.effort_estimate,
        "dueDate": _due(task.due_date),
        "tags": list(task.labels),
        "dependsOn": [b.id for b in task.blocked_by],
        "metadata": {k: v for k, v in task.metadata.items() if k != PRIVATE_KEY},
        "createdAt": _iso(task.created_at),
        "updatedAt": _iso(task.updated_at),
        "completedAt": _iso(task.completed_at),
        "vp": vp_view(vp),
    }


def card_view(card: TaskCard, vps: Orchestrators) -> dict[str, Any]:
    """What an assignment answers for each task (the fields a card carries)."""
    vp = vps.of(card.project_id, card.assignee)
    return {
        "id": card.id,
        "title": card.title,
        "priority": card.priority.value.upper(),
        "status": SHOWN_AS[card.status].value,
        "vpId": vp.id if vp else None,
        "workspaceId": card.project_id,
        "assignedToId": vp.id if vp else card.assignee,
        "dueDate": _due(card.due_date),
        "tags": list(card.labels),
        "updatedAt": _iso(card.updated_at),
    }


class _Body(BaseModel):
    """A body in the old API's camelCase names; unknown fields are refused, as in v2."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LegacyTaskCreate(_Body):
    """``POST /api/tasks``."""

    title: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=200_000)
    priority: LegacyPriority = LegacyPriority.MEDIUM
    status: LegacyStatus = LegacyStatus.TODO
    vpId: str = Field(min_length=1, max_length=200)
    workspaceId: str = Field(min_length=1, max_length=200)
    channelId: str | None = Field(default=None, max_length=200)
    estimatedHours: int | None = Field(default=None, ge=1, le=1000)
    dueDate: AwareDatetime | None = None
    tags: list[str] = Field(default_factory=list, max_length=50)
    dependsOn: list[str] = Field(default_factory=list, max_length=200)
    assignedToId: str | None = Field(default=None, max_length=200)
    metadata: dict[str, Any] = Field(default_factory=dict)


class LegacyTaskPatch(_Body):
    """``PATCH /api/tasks/{id}``: only the fields given change."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=200_000)
    priority: LegacyPriority | None = None
    status: LegacyStatus | None = None
    estimatedHours: int | None = Field(default=None, ge=1, le=1000)
    dueDate: AwareDatetime | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    dependsOn: list[str] | None = Field(default=None, max_length=200)
    assignedToId: str | None = Field(default=None, max_length=200)
    metadata: dict[str, Any] | None = None


class AssignBody(_Body):
    """``POST /api/tasks/assign``."""

    taskIds: list[str] = Field(min_length=1, max_length=100)
    assigneeId: str = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)
    metadata: dict[str, Any] = Field(default_factory=dict)


class PollBody(_Body):
    """``POST /api/tasks/poll``."""

    vpId: str = Field(min_length=1, max_length=200)
    workspaceId: str | None = Field(default=None, max_length=200)
    status: list[LegacyStatus] = Field(default_factory=list)
    minPriority: LegacyPriority | None = None
    since: str | None = Field(default=None, max_length=64)
    """A previous answer's ``metadata.cursor`` (never misses a change) or a time."""
    limit: int = Field(default=100, ge=1, le=1000)


def at_or_above(priority: LegacyPriority | None) -> list[Priority]:
    """The priorities at or above ``priority`` (all of them for ``None``)."""
    if priority is None:
        return []
    return [p for p in Priority if p.rank <= priority.engine.rank]
