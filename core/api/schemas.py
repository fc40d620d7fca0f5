"""Wire models where the API's shape differs from the engine's: request bodies and envelopes.

Everything else goes out as the domain's own models (``Task``, ``Project``, ``BoardView``),
so the API and the CLI's ``--json`` describe a task with the same fields.
"""

from __future__ import annotations

from datetime import date
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from core import __version__
from core.domain.models import TaskStatus

T = TypeVar("T")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Items(BaseModel, Generic[T]):
    """A whole list (short ones: projects, milestones, the ready queue) in the paged shape."""

    items: list[T]
    next_cursor: str | None = None
    """Always ``None``: the list is complete."""


class MilestoneBody(_Body):
    """A new milestone of the project named in the path."""

    name: str = Field(min_length=1, max_length=200)
    slug: str | None = None
    due: date | None = None
    start: date | None = None


class TransitionBody(_Body):
    """Move a task through the state machine."""

    to: TaskStatus
    if_version: int | None = Field(default=None, ge=1)
    """Refuse (412) unless the task is at this version (as ``If-Match``)."""
    when_unblocked: bool = False
    """For ``ready`` with unresolved blockers: wait in blocked and become ready by itself."""
    reason: str | None = Field(default=None, max_length=2000)
    """Why (kept when blocking or cancelling by hand)."""
    force: bool = False
    """Into ``in_progress`` without a worker's claim (the explicit force path)."""


class DependencyBody(_Body):
    """Make the task wait for ``blocker`` (an id or ref in the same project)."""

    blocker: str = Field(min_length=1, max_length=200)


class AssignBody(_Body):
    """Set (or, with ``null``, clear) the assignee of many tasks."""

    refs: list[str] = Field(min_length=1, max_length=500)
    assignee: str | None = Field(max_length=100)


class CardPosition(BaseModel):
    """Where a task's card sits on a board with these filters (``null``: filtered out)."""

    status: TaskStatus | None
    index: int | None


class Deleted(BaseModel):
    """A task that was deleted."""

    ref: str
    deleted: Literal[True] = True


class Health(BaseModel):
    """The process answers."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """The database answers and its schema is the one this server needs."""

    status: Literal["ready"] = "ready"
    revision: str
    version: str = Field(
        default=__version__,
        description="The server's taskyard version: a client checks it speaks the same API "
        "(major and minor) when it connects",
    )


class ReadyQuery(BaseModel):
    """The query string of ``GET /tasks/ready``."""

    project: str | None = Field(default=None, description="Project id, slug or key")
    limit: int = Field(default=50, ge=1, le=500)


class MilestoneSearch(BaseModel):
    """The query string of ``GET /projects/{project}/milestones/search``."""

    slug: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=10, ge=1, le=500)
