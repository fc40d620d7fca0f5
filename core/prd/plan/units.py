"""The unit: everything the later planning steps need about one would-be task.

Built by ``core.prd.plan.builder`` (sections, steps, the document) and
``core.prd.plan.buckets`` (list items and table rows that are tasks of their own).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.models import Priority
from core.prd.parse import ListItem, Section
from core.prd.plan.prose import DepRef
from core.prd.plan.scan import Meta


@dataclass(eq=False)
class Unit:
    """A would-be task: a section, a list item or table row, a step (fine), or the document.

    Compared by identity: two units with the same text are still two tasks.
    """

    key: str
    title: str
    path: list[str]
    line_start: int
    line_end: int
    description: str
    meta: Meta
    section: Section | None
    inherited: Inherited
    parent: Unit | None = None
    """The section task a fine step belongs to."""
    item: ListItem | None = None
    words: int = 0
    """Words in the description, for the ``too_big`` warning; 0 when too short to matter."""
    empty: bool = False
    origin: str = "section"
    """``section``, ``item`` (a list item that is a task), ``row`` (a table row), ``step`` (a
    fine child of a section task) or ``document``."""
    ident: str | None = None
    """The id the task is known by (``EX-01``, ``R3``), from its title or its id column."""
    number: str | None = None
    """A numbered item's number as written (``7.``): "(needs 7)", "items 9 and 10" name it."""
    holder: Section | None = None
    """The section an item or row task was listed in."""
    milestone: str | None = None
    """The milestone a milestone table lists the task in (its key)."""


@dataclass(frozen=True)
class Inherited:
    """The settings a section passes down to the tasks below it (frozen: siblings share it)."""

    priority: Priority | None = None
    task_type: str | None = None
    milestone: str | None = None
    area: str | None = None
    deps: tuple[DepRef, ...] = ()
