"""The request body of ``POST /v1/tasks`` (v1-slugs-references-idempotency.md, step 2).

The old flat fields (``project_id``, ``milestone_slug``, ``parent_task_external_id`` ...) and
the richer ``references`` object both name the same three things; ``V1TaskCreate.refs``
settles each to one reference and remembers where in the body it came from, so an
unresolved one is reported at the ``loc`` the client sent.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from core.domain.commands import AttachmentIn
from core.domain.models import Priority

MAX_V1_ATTACHMENTS = 20
"""Files one request may carry; each is also held to the store's per-file limit."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProjectRef(_Body):
    """The project, by id or by slug (a slug or key)."""

    id: str | None = Field(default=None, min_length=1, max_length=200)
    slug: str | None = Field(default=None, min_length=1, max_length=200)


class MilestoneRef(_Body):
    """The milestone, by id, slug or name, within the project."""

    id: str | None = Field(default=None, min_length=1, max_length=200)
    slug: str | None = Field(default=None, min_length=1, max_length=200)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    auto_create: bool = False
    """Create the milestone (from its slug or name) when the project has none such."""


class ParentRef(_Body):
    """The parent task, by id (or ref) or by external_id within the project."""

    id: str | None = Field(default=None, min_length=1, max_length=200)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)


class References(_Body):
    """What the task belongs to, each by whichever name the client has."""

    project: ProjectRef | None = None
    milestone: MilestoneRef | None = None
    parent_task: ParentRef | None = None


class Options(_Body):
    """How far the server may go to make the references resolve."""

    resolve_inline: bool = False
    """Create a project named by slug that does not exist yet (tokens for every project)."""
    create_milestone_if_missing: bool = False


class Ref(NamedTuple):
    """One reference as given: its text, and where in the body it was."""

    value: str
    loc: tuple[str, ...]


class Refs(NamedTuple):
    """The references of a create request, one of each at most."""

    project: Ref | None
    project_by_slug: bool
    milestone: Ref | None
    milestone_by_id: bool
    parent: Ref | None
    parent_external_id: Ref | None


PRIORITY_BY_SCORE = {
    5: Priority.CRITICAL,
    4: Priority.HIGH,
    3: Priority.MEDIUM,
    2: Priority.LOW,
    1: Priority.LOW,
}
"""``priority_score`` 1-5 (5 most urgent) onto the four priorities."""

SCORE_BY_PRIORITY = {
    Priority.CRITICAL: 5,
    Priority.HIGH: 4,
    Priority.MEDIUM: 3,
    Priority.LOW: 1,
}
"""A task's priority as the score a v1 client reads back (low reads as 1)."""


class V1TaskCreate(_Body):
    """``POST /v1/tasks``: the old simple fields, the ``references`` object, or both."""

    title: str = Field(min_length=1, max_length=500)
    description: str = ""
    references: References | None = None
    project_id: str | None = Field(default=None, min_length=1, max_length=200)
    project_slug: str | None = Field(default=None, min_length=1, max_length=200)
    milestone_id: str | None = Field(default=None, min_length=1, max_length=200)
    milestone_slug: str | None = Field(default=None, min_length=1, max_length=200)
    parent_task_id: str | None = Field(default=None, min_length=1, max_length=200)
    parent_task_external_id: str | None = Field(default=None, min_length=1, max_length=200)
    effort_estimate: float | None = Field(default=None, ge=0, le=1000)
    priority_score: int | None = Field(default=None, ge=1, le=5)
    """1 (least urgent) to 5 (most): 5 critical, 4 high, 3 medium, 1-2 low."""
    assignee_persona: str | None = Field(default=None, min_length=1, max_length=100)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_V1_ATTACHMENTS)
    options: Options = Field(default_factory=Options)

    def refs(self) -> Refs:
        """Each reference once: ``references`` first, then the old flat fields."""
        refs = self.references or References()
        project = refs.project or ProjectRef()
        milestone = refs.milestone or MilestoneRef()
        parent = refs.parent_task or ParentRef()
        base = ("body", "references")
        project_ref = _first(
            (project.id, (*base, "project", "id")),
            (project.slug, (*base, "project", "slug")),
            (self.project_id, ("body", "project_id")),
            (self.project_slug, ("body", "project_slug")),
        )
        milestone_ref = _first(
            (milestone.id, (*base, "milestone", "id")),
            (milestone.slug, (*base, "milestone", "slug")),
            (milestone.name, (*base, "milestone", "name")),
            (self.milestone_id, ("body", "milestone_id")),
            (self.milestone_slug, ("body", "milestone_slug")),
        )
        return Refs(
            project=project_ref,
            project_by_slug=project_ref is not None and project_ref.loc[-1].endswith("slug"),
            milestone=milestone_ref,
            milestone_by_id=milestone_ref is not None and milestone_ref.loc[-1].endswith("id"),
            parent=_first(
                (parent.id, (*base, "parent_task", "id")),
                (self.parent_task_id, ("body", "parent_task_id")),
            ),
            parent_external_id=_first(
                (parent.external_id, (*base, "parent_task", "external_id")),
                (self.parent_task_external_id, ("body", "parent_task_external_id")),
            ),
        )

    @property
    def create_milestone(self) -> bool:
        """Whether a missing milestone is to be created (either way of asking)."""
        milestone = self.references.milestone if self.references else None
        return self.options.create_milestone_if_missing or bool(milestone and milestone.auto_create)


def _first(*candidates: tuple[str | None, tuple[str, ...]]) -> Ref | None:
    for value, loc in candidates:
        if value is not None:
            return Ref(value, loc)
    return None


class V1Milestone(BaseModel):
    """A milestone as v1 shows it; ``due`` is the spec example's name for ``due_date``."""

    id: str
    slug: str
    name: str
    start_date: str | None
    due_date: str | None
    due: str | None
    url: str


class Suggestion(BaseModel):
    """A near match a client can use at once: its slug (or ref) and its id."""

    slug: str
    id: str | None
    name: str | None = None


class V1Milestones(BaseModel):
    """The lookup's answer."""

    ok: bool
    milestones: list[V1Milestone]
    suggestions: list[Suggestion] | None = None
    """Only when nothing matched: the project's milestones closest to what was asked."""


class V1Attachment(BaseModel):
    """A stored file; ``url`` downloads it."""

    id: str
    name: str
    content_type: str
    size: int
    url: str


class V1Task(BaseModel):
    """A task as v1 shows it (``parent_task_id``, ``assignee_persona``, ``url``)."""

    id: str
    ref: str
    title: str
    description: str
    status: str
    priority: str
    priority_score: int
    project_id: str
    milestone_id: str | None
    parent_task_id: str | None
    assignee_persona: str | None
    effort_estimate: float | None
    external_id: str | None
    attachments: list[V1Attachment]
    url: str
    created_at: str
    updated_at: str


class V1TaskAnswer(BaseModel):
    """A create's or a read's answer."""

    ok: bool
    status: int | None = None
    task: V1Task
    note: str | None = None
    """``"existing"`` when the external_id named a task made before (200)."""


class V1ErrorItem(BaseModel):
    """One problem: its kind, where in the request, and near matches for a reference."""

    type: str
    loc: list[str | int]
    msg: str
    input: object = None
    suggestions: list[Suggestion] | None = None
    """Near matches with their ids (for an unresolved reference)."""
    ctx: dict[str, object] | None = None
    """What else the error knows (a refused scope, a limit), as pydantic's ``ctx``."""


class V1ErrorBody(BaseModel):
    """Every v1 failure: ``{ok: false, status, detail: [...]}``."""

    ok: bool
    status: int
    detail: list[V1ErrorItem]
