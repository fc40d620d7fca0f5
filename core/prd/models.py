"""The PRD import's data: options, the plan (what would be created), its preview and the job.

Pure pydantic models that serialize as JSON, shared by the planner (``core.prd.plan``), the
engine (preview against the database, commit), the CLI, the TUI and later the HTTP API.
A plan is editable before commit (drop a task or an edge, change a priority or type), so the
commit takes the plan itself, not the document.
"""

from __future__ import annotations

import enum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.domain.models import Priority


class Granularity(enum.StrEnum):
    """How finely a document is cut into tasks (rules in ``core.prd.plan``)."""

    COARSE = "coarse"
    BALANCED = "balanced"
    FINE = "fine"


class ImportOptions(BaseModel):
    """The controls of an import (spec 2.2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    granularity: Granularity = Granularity.BALANCED
    auto_ready: bool = False
    """Tasks without blockers become ready; the others wait in blocked until unblocked."""
    max_parallelism_hint: int = Field(default=4, ge=1, le=1000)
    """Workers assumed when estimating waves."""
    milestone: str | None = None
    """Attach every task without a milestone of its own to this milestone (slug or name)."""
    order_dependencies: bool = False
    """Items of a numbered list depend on the item before them."""
    project: str | None = None
    """The project to import into (default project when None)."""
    commands: bool = False
    """A task's first shell code block becomes its command, which waits for approval before
    any worker runs it. Off: code blocks are documentation and nothing runs."""


class SourceSpan(BaseModel):
    """Where a planned task came from in the document."""

    model_config = ConfigDict(frozen=True)

    section_path: list[str]
    """Heading titles from the top down, e.g. ``["Checkout", "Payment form"]``."""
    line_start: int
    line_end: int
    kind: Literal["section", "item", "row", "step", "document"] = "section"
    """Why it is a task: a section of work, a list item or table row that is work of its own
    (its section is a bucket of work, or it carries its own id, priority or dependency), a
    step of a section task (fine granularity), or the whole document (no headings)."""


class PlannedMilestone(BaseModel):
    """A milestone the document names (a "Milestones" section, or "M1: …" headings)."""

    model_config = ConfigDict(frozen=True)

    key: str
    """Stable id inside the plan (slug-like)."""
    name: str
    due_date: str | None = None
    """ISO date when the document gives one."""


class PlannedTask(BaseModel):
    """One task the import would create (or update, on re-import)."""

    model_config = ConfigDict(frozen=True)

    key: str
    """Stable id derived from the source and the section path: the task's external_id."""
    title: str = Field(min_length=1, max_length=500)
    description: str = ""
    task_type: str = "feature"
    priority: Priority = Priority.MEDIUM
    labels: list[str] = Field(default_factory=list)
    acceptance_criteria: list[str] = Field(default_factory=list)
    context_files: list[str] = Field(default_factory=list)
    milestone_key: str | None = None
    parent_key: str | None = None
    command: str | None = Field(default=None, max_length=100_000)
    """The shell command the task will carry (``metadata.command``), not approved: only with
    ``ImportOptions.commands``, or written into a plan by hand."""
    source: SourceSpan


class PlannedEdge(BaseModel):
    """``task_key`` waits for ``blocker_key``."""

    model_config = ConfigDict(frozen=True)

    task_key: str
    blocker_key: str
    reason: Literal["explicit", "order", "parent", "suggested"] = "explicit"
    """Why: a "Depends on" line, numbered-list order, a parent waiting for its children, or an
    agent's suggestion (``--planner agent``; ``because`` holds its reason)."""
    line: int | None = None
    because: str = ""
    """The document's words that gave the edge (``Depends on: A1``, ``once X ships``, ``the
    steps run in order``), for the preview."""


WarningCode = Literal[
    "cycle",
    "dangling_reference",
    "ambiguous_reference",
    "duplicate_title",
    "empty_section",
    "too_big",
    "no_headings",
    "dropped_edge",
    # Shell code blocks: made commands that wait for approval, or left as documentation.
    "commands",
    "shell_blocks_kept_as_text",
    # Written by the commit, not the planner: a started task the document changed, and a
    # task the document no longer lists; both are left as they are.
    "started_task_kept",
    "removed_task_kept",
    # A commit that failed: its job is recorded as failed, the reason as this warning.
    "import_failed",
]
"""What a ``PlanWarning`` is about."""


class PlanWarning(BaseModel):
    """Something the author should look at; the import is still possible."""

    model_config = ConfigDict(frozen=True)

    code: WarningCode
    message: str
    line: int | None = None
    task_key: str | None = None
    details: dict[str, object] = Field(default_factory=dict)


class SkippedSection(BaseModel):
    """A section the planner did not make a task, and why (the preview says so)."""

    model_config = ConfigDict(frozen=True)

    section_path: list[str]
    line_start: int
    reason: str
    """In words: "open questions, not work", "struck through: dropped", "lists milestones"…"""
    line_end: int = 0
    """The section's last line (its sub-sections included)."""
    text: str = ""
    """The section's own text under its heading: the description if a person makes it a task
    after all (``core.prd.edit.make_task``)."""


class PlanSuggestion(BaseModel):
    """One change an agent proposed to the deterministic plan (``--planner agent``).

    Applied suggestions are in the plan (an edge with reason ``suggested``, a priority, new
    sub-tasks) and listed here with the agent's reason; refused ones say why. Nothing an agent
    says is committed without the preview that shows it.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["edge", "priority", "split"]
    task_key: str
    blocker_key: str | None = None
    """For an edge: the task that ``task_key`` would wait for."""
    priority: Priority | None = None
    parts: list[str] = Field(default_factory=list)
    """For a split: the titles of the sub-tasks."""
    reason: str = ""
    """The agent's one-line reason."""
    agent: str = ""
    """The profile that suggested it."""
    applied: bool = False
    refused: str = ""
    """Why a suggestion was not applied (an unknown key, a cycle, nothing to change)."""


class ImportPlan(BaseModel):
    """Everything an import would write, computed without touching the database."""

    model_config = ConfigDict(frozen=True)

    source: str
    """The document's name (file path or "pasted text")."""
    source_key: str
    """Stable prefix of every task key: the same document re-imported gives the same keys."""
    options: ImportOptions
    tasks: list[PlannedTask]
    edges: list[PlannedEdge]
    milestones: list[PlannedMilestone] = Field(default_factory=list)
    warnings: list[PlanWarning] = Field(default_factory=list)
    not_tasks: list[SkippedSection] = Field(default_factory=list)
    """Sections that are not tasks, each with the reason."""
    waves: list[list[str]] = Field(default_factory=list)
    """Task keys that could run in parallel, wave by wave, at ``max_parallelism_hint``."""
    critical_path: list[str] = Field(default_factory=list)
    """The longest chain of dependent task keys."""
    blocked_roots: list[str] = Field(default_factory=list)
    """Keys of tasks with no blockers that others wait for (where work must start)."""
    suggestions: list[PlanSuggestion] = Field(default_factory=list)
    """What an agent proposed (``--planner agent``), applied or refused, with its reasons."""


class DiffKind(enum.StrEnum):
    """What committing would do with a planned task, compared with what is stored."""

    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REMOVED = "removed"
    """Stored from an earlier import of this source, no longer in the document."""
    RENAMED = "renamed"
    """A stored task whose title (so its key) changed in the document, matched by its words:
    committing keeps the task, its ref and history, under the new title and key."""


class TaskDiff(BaseModel):
    """One line of the re-import diff."""

    model_config = ConfigDict(frozen=True)

    key: str
    kind: DiffKind
    title: str
    ref: str | None = None
    """The stored task's ref, when there is one."""
    changed_fields: list[str] = Field(default_factory=list)
    previous_key: str | None = None
    """For a renamed task: the key it is stored under (the key of the earlier title)."""
    previous_title: str | None = None
    """For a renamed task: its stored title."""
    started: bool = False
    """The stored task has started (in progress or later): never changed or removed
    automatically, only flagged."""


class ImportPreview(BaseModel):
    """A plan with the diff against the database: what ``commit`` would do, exactly."""

    model_config = ConfigDict(frozen=True)

    plan: ImportPlan
    diff: list[TaskDiff]

    def count(self, kind: DiffKind) -> int:
        """How many tasks the diff puts in ``kind``."""
        return sum(1 for d in self.diff if d.kind == kind)


class ImportJobStatus(enum.StrEnum):
    """Where a committed import stands."""

    COMMITTED = "committed"
    FAILED = "failed"


class ImportJob(BaseModel):
    """A committed import (spec 3.3)."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    status: ImportJobStatus
    task_count: int
    edge_count: int
    warnings: list[PlanWarning] = Field(default_factory=list)
    created_task_ids: list[str] = Field(default_factory=list)
    updated_task_ids: list[str] = Field(default_factory=list)
    flagged_task_ids: list[str] = Field(default_factory=list)
    """Started tasks the document changed or no longer lists: left as they are, flagged."""
    options: ImportOptions
    created_at: AwareDatetime
    source_key: str = ""
    """The plan's ``source_key``: every job of one document shares it."""
    project_id: str | None = None
    """The project the tasks were imported into."""
    actor: str | None = None
    """Who committed the import."""
    created_refs: list[str] = Field(default_factory=list)
    """Refs of ``created_task_ids`` that still exist, in the same order (read-time)."""
