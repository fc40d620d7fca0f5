"""Small formatting helpers every output module uses: dates, sizes, states, one task a line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.domain.models import Task, TaskCard, TaskLink, TaskStatus

PRIORITY_WIDTH = 8
"""Width of the priority column: ``critical`` is the longest name."""

TITLE_WIDTH = 70
"""Titles are cut to this many characters in lists and on the board (``task show`` has all)."""


def iso(value: date | datetime | None) -> str:
    """A date or time as ISO 8601 (times to the second), or an empty string."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def number(value: float) -> str:
    """``3`` rather than ``3.0``; ``2.5`` stays."""
    return f"{value:g}"


def size(n: int) -> str:
    """A byte count as people read it."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def shorten(text: str, width: int = TITLE_WIDTH) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (one line)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def label(status: str) -> str:
    """A state as people read it: ``in progress``."""
    return str(status).replace("_", " ")


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``1 task``, ``3 tasks``."""
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


def link_text(link: TaskLink) -> str:
    """``TY-3 "Fix login" (in review)``."""
    return f'{link.ref} "{shorten(link.title, 50)}" ({label(link.status)})'


def _card_tail(card: TaskCard | Task) -> str:
    parts: list[str] = []
    if card.labels:
        parts.append("[" + ", ".join(card.labels) + "]")
    if card.assignee:
        parts.append(f"@{card.assignee}")
    if card.due_date is not None:
        parts.append(f"due {iso(card.due_date)}")
    if card.unresolved_blocker_count:
        parts.append(f"(blocked by {card.unresolved_blocker_count})")
    return "  ".join(parts)


def card_line(card: TaskCard | Task, ref_width: int, *, status_width: int = 0) -> str:
    """One task on one line: ``TY-12  high      Fix login  [backend] @alice  (blocked by 1)``.

    Args:
        card: The task.
        ref_width: Width to pad refs to, so titles line up.
        status_width: Width of a state column; 0 leaves the state out (the board's sections
            already say it).
    """
    cols = [card.ref.ljust(ref_width)]
    if status_width:
        cols.append(label(card.status).ljust(status_width))
    cols.append(str(card.priority).ljust(PRIORITY_WIDTH))
    cols.append(shorten(card.title))
    tail = _card_tail(card)
    if tail:
        cols.append(tail)
    return "  ".join(cols).rstrip()


def ref_width(cards: Iterable[TaskCard | Task]) -> int:
    """The width of the longest ref, so that titles line up."""
    return max((len(c.ref) for c in cards), default=0)


def ref_list(refs: Sequence[str], shown: int = 10) -> str:
    """``TY-1, TY-2, … and 4,998 more``: a list of refs that stays one short line."""
    head = ", ".join(refs[:shown])
    return head + (f", … and {len(refs) - shown:,} more" if len(refs) > shown else "")


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as aligned columns (the first row is the header)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def resolved(status: TaskStatus) -> bool:
    """Whether a blocker in ``status`` no longer holds its dependents back (the domain's rule).

    Imported here, not at the top: the domain module loads pydantic, which the models being
    shown have loaded already, and which ``taskyard --version`` must not pay for.
    """
    from core.domain.states import is_resolved

    return is_resolved(status)
