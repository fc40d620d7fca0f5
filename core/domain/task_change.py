"""Several changes to one task, made in one transaction: fields, moves and its blockers.

task-management-api.md's PATCH changes fields, the status and the dependency set at once,
and is refused as a whole. The moves are the state machine's own (a caller that maps
another status model plans the path; the engine checks every step as ``transition_task``
would), and the new blocker set is checked as a whole: every missing blocker and every one
that would close a cycle is reported together.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from core.domain.commands import TaskPatch
from core.domain.models import TaskStatus


class TaskMove(BaseModel):
    """One step through the state machine, with ``transition_task``'s options."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    status: TaskStatus
    force: bool = False
    """Into in_progress: marked as worked on by hand (no run, no lease)."""
    when_unblocked: bool = False
    """Into ready with unresolved blockers: park in blocked until they resolve."""
    reason: str | None = Field(default=None, max_length=2000)
    """Why (kept as the blocked reason; for cancelled, the run's end reason)."""


class TaskChange(BaseModel):
    """Everything to change; what is left ``None`` (or empty) stays as it is."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    fields: TaskPatch | None = None
    blocked_by: list[str] | None = None
    """The whole new set of blockers (ids or refs), replacing the current one."""
    moves: list[TaskMove] = Field(default_factory=list)
    """Made in order, after the fields and the blockers."""
