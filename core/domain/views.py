"""What the engine answers with, beyond single models: pages, the board, bulk results."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from core.domain.models import Task, TaskCard, TaskStatus

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a filtered, sorted list."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    items: list[T]
    total: int
    page: int
    limit: int

    @property
    def pages(self) -> int:
        """How many pages there are at this page size."""
        return max(1, -(-self.total // self.limit))

    @property
    def has_next(self) -> bool:
        """Whether a later page exists."""
        return self.page < self.pages


class BoardColumn(BaseModel):
    """One state's column: how many tasks it holds and a window of their cards."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    status: TaskStatus
    count: int
    offset: int = 0
    cards: list[TaskCard] = Field(default_factory=list)


class BoardView(BaseModel):
    """Every column of the board with its count and first window of cards."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    columns: list[BoardColumn]
    last_event_seq: int = 0
    """The newest event when the board was read: follow events from here to stay current."""

    def column(self, status: TaskStatus) -> BoardColumn:
        """The column for ``status``."""
        for col in self.columns:
            if col.status == status:
                return col
        raise KeyError(status)

    @property
    def total(self) -> int:
        """Tasks on the board (in the shown columns)."""
        return sum(c.count for c in self.columns)


class CreateResult(BaseModel):
    """A created task, or the one that already had this external id (``created=False``)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    task: Task
    created: bool


class BulkItemResult(BaseModel):
    """The outcome for one task of a bulk operation."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    ref: str
    """The reference as given by the caller."""
    ok: bool
    task: TaskCard | None = None
    error: dict[str, object] | None = None
    """The error envelope (``code``, ``message``, ``hint``) when ``ok`` is false."""


class BulkResult(BaseModel):
    """Per-item results of a bulk operation and their summary."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    items: list[BulkItemResult]

    @property
    def succeeded(self) -> int:
        """How many items succeeded."""
        return sum(1 for i in self.items if i.ok)

    @property
    def failed(self) -> int:
        """How many items failed (for any reason, including not found)."""
        return sum(1 for i in self.items if not i.ok)

    @property
    def not_found(self) -> list[str]:
        """The references that matched no task."""
        return [i.ref for i in self.items if i.error and i.error.get("code") == "not_found"]


class ImportResult(BaseModel):
    """What a bulk import wrote: new tasks, ones already there, edges and warnings."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    created: list[str] = Field(default_factory=list)
    """Refs of the tasks created, in file order."""
    existing: list[str] = Field(default_factory=list)
    """Refs of tasks whose external id was already in the project (left unchanged)."""
    edges: int = 0
    warnings: list[str] = Field(default_factory=list)


class CursorPage(BaseModel, Generic[T]):
    """One page of a list read by keyset: every page costs the same, however deep.

    ``next_cursor`` continues the same list (same filters and sort) after the last item;
    ``None`` when there is nothing after it. ``total`` is counted only when asked for: a
    count reads every matching row, which at 100,000 tasks costs more than the page.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    items: list[T]
    limit: int
    next_cursor: str | None = None
    total: int | None = None
