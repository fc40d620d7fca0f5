"""What callers ask the engine to do: validated request models with field-naming errors.

Every model forbids unknown fields (a typo is an error, not silently ignored). ``parse`` turns
pydantic's errors into one ``ValidationError`` that names the field, says what was wrong and
how to fix it, so the CLI, the TUI and the API all show the same words.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar, Literal, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.domain.models import Priority, TaskSource, TaskStatus
from core.errors import ValidationError

MAX_TITLE = 500
MAX_DESCRIPTION = 200_000
MAX_LABEL = 50
MAX_LABELS = 50
MAX_LIST_ITEM = 2_000
MAX_ATTACHMENT_NAME = 255
MAX_NAME = 200
"""A project's or milestone's name, created or renamed."""
TASK_TYPE_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"
DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024

M = TypeVar("M", bound=BaseModel)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


NUL_MESSAGE = "contains a NUL character (\\x00), which text cannot hold; remove it"
"""PostgreSQL refuses NUL in text and SQLite would keep it; both refuse typed text holding
it up front. Program output keeps it as U+FFFD instead (``outcomes.storable_output``)."""


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


def _no_nul_inside(value: Any) -> Any:
    """``value`` if no key or string anywhere inside it holds a NUL (metadata is free-form)."""
    if isinstance(value, str):
        _no_nul(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul_inside(key)
            _no_nul_inside(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _no_nul_inside(item)
    return value


def _clean_labels(labels: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for label in labels:
        text = label.strip()
        _no_nul(text)
        if not text:
            raise ValueError("labels cannot be empty")
        if len(text) > MAX_LABEL:
            raise ValueError(f"label {text[:20]!r}... is longer than {MAX_LABEL} characters")
        if "," in text:
            raise ValueError(f"label {text!r} contains a comma; give each label separately")
        seen.setdefault(text, None)
    if len(seen) > MAX_LABELS:
        raise ValueError(f"at most {MAX_LABELS} labels per task")
    return list(seen)


def _clean_items(items: list[str]) -> list[str]:
    cleaned = [i.strip() for i in items if i.strip()]
    for item in cleaned:
        _no_nul(item)
        if len(item) > MAX_LIST_ITEM:
            raise ValueError(f"an item is longer than {MAX_LIST_ITEM} characters")
    return cleaned


class AttachmentIn(_Request):
    """A file to store with a task, as base64 (the JSON-safe form every client can send)."""

    name: str = Field(min_length=1, max_length=MAX_ATTACHMENT_NAME)
    content_base64: str
    content_type: str | None = None

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if "/" in name or "\\" in name or name in {".", ".."}:
            raise ValueError("must be a file name, not a path")
        return name

    def decode(self, *, limit: int = DEFAULT_ATTACHMENT_LIMIT) -> bytes:
        """The attachment's bytes.

        Raises:
            ValidationError: not valid base64, or larger than ``limit`` bytes.
        """
        # Reject before decoding when even the encoded form is clearly too large.
        if len(self.content_base64) > (limit // 3 + 2) * 4 + 16:
            raise _too_large(self.name, limit)
        try:
            data = base64.b64decode(self.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError(
                f"Attachment {self.name!r} is not valid base64.",
                field="attachments.content_base64",
                hint="Encode the file with base64 (for example `base64 -w0 FILE`).",
            ) from exc
        if len(data) > limit:
            raise _too_large(self.name, limit)
        return data


def _size(n: int) -> str:
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    if n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"


def _too_large(name: str, limit: int) -> ValidationError:
    return ValidationError(
        f"Attachment {name!r} is larger than the {_size(limit)} limit.",
        field="attachments",
        hint="Attach a smaller file (compress it or keep only the relevant part), or raise "
        "[limits] attachment_max_bytes in taskyard.toml.",
        details={"limit_bytes": limit},
    )


class _TaskFields(_Request):
    """Fields shared by create and import."""

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    task_type: str = Field(default="feature", pattern=TASK_TYPE_PATTERN)
    priority: Priority = Priority.MEDIUM
    labels: list[str] = Field(default_factory=list)
    acceptance_criteria: list[str] = Field(default_factory=list)
    context_files: list[str] = Field(default_factory=list)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    assignee: str | None = Field(default=None, min_length=1, max_length=100)
    effort_estimate: float | None = Field(default=None, ge=0, le=1000)
    due_date: date | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    pipeline_template: str | None = Field(default=None, max_length=100)

    _labels = field_validator("labels")(_clean_labels)
    _items = field_validator("acceptance_criteria", "context_files")(_clean_items)
    _text = field_validator("title", "description", "external_id", "assignee", "pipeline_template")(
        _no_nul
    )
    _meta = field_validator("metadata")(_no_nul_inside)

    @field_validator("task_type", mode="before")
    @classmethod
    def _lower_type(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class TaskCreate(_TaskFields):
    """A new task, with references by id, slug or ref (v1-slugs-references-idempotency.md)."""

    status: Literal[TaskStatus.BACKLOG, TaskStatus.READY] = TaskStatus.BACKLOG
    when_unblocked: bool = False
    """With ``status=ready`` and unresolved blockers: park in blocked until they resolve."""
    blocked_by: list[str] = Field(default_factory=list)
    """Blockers by id or ref."""
    project: str | None = None
    """Project id, slug or key; the default project when omitted."""
    milestone: str | None = None
    """Milestone id, slug or name within the project."""
    create_milestone_if_missing: bool = False
    parent: str | None = None
    """Parent task by id or ref."""
    parent_external_id: str | None = None
    """Parent task by its external id in the same project."""
    attachments: list[AttachmentIn] = Field(default_factory=list)
    source: TaskSource = TaskSource.MANUAL


class TaskPatch(_Request):
    """Changes to a task: only the fields that are set change; ``None`` clears a nullable one."""

    title: str | None = Field(default=None, min_length=1, max_length=MAX_TITLE)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    task_type: str | None = Field(default=None, pattern=TASK_TYPE_PATTERN)
    priority: Priority | None = None
    labels: list[str] | None = None
    acceptance_criteria: list[str] | None = None
    context_files: list[str] | None = None
    milestone: str | None = None
    parent: str | None = None
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    assignee: str | None = Field(default=None, min_length=1, max_length=100)
    effort_estimate: float | None = Field(default=None, ge=0, le=1000)
    due_date: date | None = None
    metadata: dict[str, Any] | None = None
    pipeline_template: str | None = Field(default=None, max_length=100)

    NOT_NULL: ClassVar[frozenset[str]] = frozenset(
        {"title", "description", "task_type", "priority", "labels", "acceptance_criteria",
         "context_files", "metadata"}
    )  # fmt: skip

    _text = field_validator("title", "description", "external_id", "assignee", "pipeline_template")(
        _no_nul
    )
    _meta = field_validator("metadata")(_no_nul_inside)

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _clean_labels(value)

    @field_validator("acceptance_criteria", "context_files")
    @classmethod
    def _items(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _clean_items(value)

    def changes(self) -> dict[str, Any]:
        """The fields the caller set, by name, in the model's field order.

        The order is the declaration order, not ``model_fields_set``'s (a set, whose order
        changes with the hash seed), so the same edit writes the same ``task.updated``
        payload in every process.

        Raises:
            ValidationError: a field that cannot be empty was set to ``None``.
        """
        changed = {
            name: getattr(self, name)
            for name in type(self).model_fields
            if name in self.model_fields_set
        }
        for name, value in changed.items():
            if value is None and name in self.NOT_NULL:
                raise ValidationError(
                    f"{name} cannot be cleared.",
                    field=name,
                    hint=f"Give {name} a value instead of null.",
                )
        return changed


class SortField(enum.StrEnum):
    """What a task list can be sorted by."""

    CREATED = "created"
    UPDATED = "updated"
    PRIORITY = "priority"
    DUE = "due"
    TITLE = "title"
    STATUS = "status"


class TaskQuery(_Request):
    """Filters, sort and page for listing tasks (task-management-api.md's list, mapped)."""

    project: str | None = None
    milestone: str | None = None
    statuses: list[TaskStatus] = Field(default_factory=list)
    priorities: list[Priority] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    """Every label must be present (AND)."""
    assignee: str | None = None
    text: str | None = None
    """Case-insensitive search in ref, title and description."""
    include_completed: bool = False
    """Include done and cancelled tasks (always true when ``statuses`` names them)."""
    sort: SortField = SortField.CREATED
    descending: bool = True
    page: int = Field(default=1, ge=1)
    limit: int = Field(default=50, ge=1, le=1000)
    in_projects: list[str] | None = None
    """Only tasks of these projects (ids); ``None``: every project. The server sets it to a
    token's projects, so a limited token never sees another project's tasks, or counts them."""


class BoardQuery(_Request):
    """Which tasks the board shows, and how many cards per column to load at first."""

    project: str | None = None
    milestone: str | None = None
    statuses: list[TaskStatus] = Field(default_factory=lambda: list(TaskStatus))
    priorities: list[Priority] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    assignee: str | None = None
    text: str | None = None
    per_column: int = Field(default=50, ge=0, le=1000)
    in_projects: list[str] | None = None
    """Only tasks of these projects (ids); ``None``: every project (see ``TaskQuery``)."""


class ProjectCreate(_Request):
    """A new project; slug and key are derived from the name when omitted."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    slug: str | None = None
    key: str | None = None
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    repo_path: str | None = None

    _text = field_validator("name", "slug", "key", "description", "repo_path")(_no_nul)


class MilestoneCreate(_Request):
    """A new milestone in a project (by id, slug or key)."""

    project: str | None = None
    name: str = Field(min_length=1, max_length=MAX_NAME)
    slug: str | None = None
    start_date: date | None = None
    due_date: date | None = None

    _text = field_validator("project", "name", "slug")(_no_nul)


class _Rename(_Request):
    """Changes to a project or milestone: the fields that are set (not ``None``) change.

    None of these fields can be cleared, so ``None`` means "unchanged" rather than "clear"
    as in ``TaskPatch``: the patch then travels whole (every field, as JSON) and means the
    same on the server. Slugs and keys never change: they are how tasks, refs (``WEB-12``),
    URLs, scripts and tokens limited to a project name it, and a rename must not break them.
    """

    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)

    def changes(self) -> dict[str, Any]:
        """The fields the caller set to a value, by name, in the model's field order.

        The order is the declaration order, so the same rename writes the same event
        payload in every process.
        """
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if getattr(self, name) is not None
        }


class ProjectPatch(_Rename):
    """A project's new name and/or description (its slug and key stay)."""

    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)

    _text = field_validator("name", "description")(_no_nul)


class MilestonePatch(_Rename):
    """A milestone's new name (its slug stays)."""

    _text = field_validator("name")(_no_nul)


class TaskImportItem(_TaskFields):
    """One line of a JSONL import: statuses are kept (a migration keeps its history)."""

    status: TaskStatus = TaskStatus.BACKLOG
    blocked_by: list[str] = Field(default_factory=list)
    """Blockers by external id (in this file or already in the project), or by ref or id."""
    project: str | None = None
    milestone: str | None = None
    parent_external_id: str | None = None
    source: TaskSource = TaskSource.MANUAL


def parse(model: type[M], data: Any, *, where: str = "") -> M:
    """Validate ``data`` as ``model``, or raise one error naming the first bad field and the fix.

    Args:
        model: The request model.
        data: A mapping (JSON object) to validate.
        where: A prefix for the message, such as ``"line 12: "``.

    Raises:
        ValidationError: with ``details["errors"]`` listing every problem found.
    """
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc, where=where) from exc


def from_pydantic(exc: pydantic.ValidationError, *, where: str = "") -> ValidationError:
    """One ``ValidationError`` from pydantic's list of errors (the first leads the message)."""
    return from_error_list(exc.errors(include_url=False), where=where)


def from_error_list(errors: Sequence[Any], *, where: str = "") -> ValidationError:
    """One ``ValidationError`` from pydantic-shaped error dicts (``loc``, ``type``, ``msg``).

    FastAPI reports a request's bad fields in this shape; the API answers with the same words
    the CLI uses.
    """
    problems = [_describe(err) for err in errors]
    field, message, hint = problems[0]
    return ValidationError(
        f"{where}{message}",
        field=field,
        hint=hint,
        details={"errors": [{"field": f, "message": m} for f, m, _ in problems]},
    )


def _describe(err: Any) -> tuple[str, str, str]:
    loc = ".".join(str(p) for p in err["loc"]) or "input"
    kind = err["type"]
    ctx = err.get("ctx") or {}
    given = err.get("input")
    if kind == "extra_forbidden":
        return loc, f"Unknown field {loc!r}.", "Remove it, or check its spelling."
    if kind == "missing":
        return loc, f"{loc} is required.", f"Give a value for {loc}."
    if kind == "string_too_short":
        return (
            loc,
            f"{loc} cannot be empty.",
            f"Give {loc} at least {ctx.get('min_length', 1)} character(s).",
        )
    if kind == "string_too_long":
        n = ctx.get("max_length")
        size = len(given) if isinstance(given, str) else "too many"
        return (
            loc,
            f"{loc} is {size} characters long; the limit is {n}.",
            f"Shorten {loc} to {n} characters or fewer.",
        )
    if kind in {"enum", "literal_error"}:
        expected = re.sub(r"<\w+\.\w+: ('[^']*')>", r"\1", str(ctx.get("expected", "")))
        return loc, f"{loc} {given!r} is not one of {expected}.", f"Use one of {expected}."
    if kind == "string_pattern_mismatch" and loc.endswith("task_type"):
        return (
            loc,
            f"task_type {given!r} is not a valid type name.",
            "Use a lowercase word such as feature, bug, chore, docs or test.",
        )
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return (
            loc,
            f"{loc} {given!r} is out of range ({err['msg'].lower()}).",
            f"Give {loc} a value in range.",
        )
    if kind.startswith("date") or kind.startswith("datetime"):
        return loc, f"{loc} {given!r} is not a date.", "Write dates as YYYY-MM-DD."
    msg = str(err["msg"]).removeprefix("Value error, ")
    return loc, f"{loc}: {msg}.", f"Fix {loc} and try again."
