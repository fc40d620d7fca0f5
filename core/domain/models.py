"""The things taskyard keeps: projects, milestones, tasks, attachments and events.

Pure data (pydantic v2, frozen): the store builds them from rows, the engine returns them, the
CLI and the server serialize them as JSON. Nothing here reads a clock or touches I/O.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.domain.approval import CommandInfo


class TaskStatus(enum.StrEnum):
    """The seven states of unified-task-orchestration.md, in board order."""

    BACKLOG = "backlog"
    READY = "ready"
    IN_PROGRESS = "in_progress"
    IN_REVIEW = "in_review"
    DONE = "done"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The state as people read it ("in progress")."""
        return self.value.replace("_", " ")


class Priority(enum.StrEnum):
    """Scheduling priority; ``rank`` orders the queue (critical first)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for critical ... 3 for low: the sort key stored beside the name."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


class TaskSource(enum.StrEnum):
    """Where a task came from (provenance)."""

    MANUAL = "manual"
    PRD_IMPORT = "prd_import"
    GENERATED = "generated"
    PROMOTED_QUICK_ACTION = "promoted_quick_action"


#: Task types with built-in meaning (pipelines are chosen by type); others are allowed.
KNOWN_TASK_TYPES: tuple[str, ...] = (
    "feature",
    "bug",
    "chore",
    "docs",
    "test",
    "refactor",
    "research",
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Project(_Frozen):
    """A body of work with its own ref prefix (``key``) and, optionally, a repository."""

    id: str
    slug: str
    key: str
    """Prefix of the project's task refs: ``TY`` in ``TY-42``."""
    name: str
    description: str = ""
    repo_path: str | None = None
    created_at: AwareDatetime


class Milestone(_Frozen):
    """A dated goal inside a project that tasks can be attached to."""

    id: str
    project_id: str
    slug: str
    name: str
    start_date: date | None = None
    due_date: date | None = None
    created_at: AwareDatetime


class Attachment(_Frozen):
    """A file stored with a task (the bytes are fetched separately)."""

    id: str
    task_id: str
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: AwareDatetime


class DependencyReason(_Frozen):
    """Parked until these blockers resolve; the task moves to ready by itself then."""

    kind: Literal["dependencies"] = "dependencies"
    blockers: list[str] = Field(default_factory=list)
    """Ids of the blockers that were unresolved when the task was parked."""


class FailureReason(_Frozen):
    """Execution failed after every allowed attempt."""

    kind: Literal["failure"] = "failure"
    step: str | None = None
    message: str
    attempts: int = 0
    exit_code: int | None = None
    output_tail: str | None = None

    def headline(self) -> str:
        """What failed, in one line, not repeating what the message already says.

        A worker's message names the step and the exit code ("step verify failed: exit code
        3"); an expired lease's names neither, so they are added after it.
        """
        extra = []
        if self.step and f"step {self.step}" not in self.message:
            extra.append(f"at step {self.step}")
        if self.exit_code is not None and f"exit code {self.exit_code}" not in self.message:
            extra.append(f"exit code {self.exit_code}")
        after = ""
        if self.attempts:
            after = f" after {self.attempts} attempt" + ("" if self.attempts == 1 else "s")
        return f"execution failed{after}: {self.message}" + (
            f" ({', '.join(extra)})" if extra else ""
        )


class ManualReason(_Frozen):
    """A person blocked the task and said why."""

    kind: Literal["manual"] = "manual"
    message: str


BlockedReason = Annotated[
    DependencyReason | FailureReason | ManualReason, Field(discriminator="kind")
]


class TaskLink(_Frozen):
    """Another task as seen from this one: enough to show "TY-3 Fix login (in review)"."""

    id: str
    ref: str
    title: str
    status: TaskStatus


class TaskCard(_Frozen):
    """What a board card or a list row shows: no description, no graph, cheap to load."""

    id: str
    ref: str
    project_id: str
    title: str
    task_type: str
    priority: Priority
    status: TaskStatus
    labels: list[str] = Field(default_factory=list)
    assignee: str | None = None
    milestone_id: str | None = None
    due_date: date | None = None
    unresolved_blocker_count: int = 0
    """How many blockers are not yet done or cancelled (the card's "blocked by N")."""
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime
    has_command_or_pipeline: bool | None = None
    """Whether it carries a shell command or names a pipeline, so a worker can run it
    whatever its type (``None``: not read). Without either, only a pipeline for its type
    gives a worker something to run."""
    command_pending: bool = False
    """It carries a command that is not approved: no worker runs it until someone approves
    it (``taskyard approve``)."""


class Task(_Frozen):
    """A unit of work on the board and in the queue, with every field the specs name."""

    id: str
    ref: str
    """Short human id, unique per project (``TY-42``): what people type and read."""
    project_id: str
    title: str
    description: str = ""
    task_type: str
    priority: Priority
    status: TaskStatus
    labels: list[str] = Field(default_factory=list)
    parent_id: str | None = None
    children_ids: list[str] = Field(default_factory=list)
    blocked_by: list[TaskLink] = Field(default_factory=list)
    """The tasks this one waits for, each with its current state."""
    blocks: list[TaskLink] = Field(default_factory=list)
    """The tasks waiting for this one."""
    unresolved_blocker_count: int = 0
    acceptance_criteria: list[str] = Field(default_factory=list)
    context_files: list[str] = Field(default_factory=list)
    pipeline_template: str | None = None
    current_step: str | None = None
    current_agent_id: str | None = None
    run_ids: list[str] = Field(default_factory=list)
    retry_count: int = 0
    interruptions: int = 0
    """Runs that ended through no fault of the task (lease lost, worker stopped): they are
    not failed attempts (``retry_count - interruptions`` is)."""
    error: str | None = None
    blocked_reason: BlockedReason | None = None
    source: TaskSource = TaskSource.MANUAL
    milestone_id: str | None = None
    external_id: str | None = None
    assignee: str | None = None
    effort_estimate: float | None = None
    due_date: date | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    command: CommandInfo | None = None
    """The shell command it carries (``metadata.command``): its text, who set it and who
    approved it. ``None``: it has none (text in the description never runs)."""
    attachments: list[Attachment] = Field(default_factory=list)
    version: int
    """Bumped by every change; updates name the version they read (optimistic concurrency)."""
    created_at: AwareDatetime
    updated_at: AwareDatetime
    completed_at: AwareDatetime | None = None

    def link(self) -> TaskLink:
        """This task as another task's blocker or dependent."""
        return TaskLink(id=self.id, ref=self.ref, title=self.title, status=self.status)


class Event(_Frozen):
    """One entry of the audit trail, numbered by ``seq`` so readers can resume after a gap."""

    seq: int
    id: str
    type: str
    """Dotted kind: ``task.created``, ``task.completed``, ``task.unblocked`` ..."""
    task_id: str | None = None
    project_id: str | None = None
    actor: str
    at: AwareDatetime
    payload: dict[str, Any] = Field(default_factory=dict)
