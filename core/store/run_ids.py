"""Finding a run or a quick run by the start of its id, as git finds a commit by a short hash.

Ids are lowercase UUIDs, so a prefix is a range of the primary key: ``id >= p AND id < p||'z'``
reads the index on every database and collation ('z' sorts after every hex digit and the
hyphen, also where punctuation is ignored), and ``LIKE p||'%'`` keeps exactly the ids that
start with ``p``. Run ids are time-ordered (UUIDv7): runs started within about a minute share
their first 8 characters, so an ambiguous prefix is answered with the candidates.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Connection, literal, select, union_all

from core.errors import NotFoundError, ValidationError
from core.store import tables as t

MIN_PREFIX = 4
"""Fewer characters match nearly every run made the same year."""
CANDIDATES = 10
"""How many matches an ambiguous prefix lists."""
ID_LENGTH = 36

RunKind = Literal["any", "run", "quick"]


def resolve_run_id(conn: Connection, prefix: str, *, kind: RunKind = "any") -> str:
    """The full id of the run (or quick run) whose id is or starts with ``prefix``.

    ``kind`` limits the search to runs or to quick runs.

    Raises:
        NotFoundError: no run or quick run id starts with ``prefix``.
        ValidationError: ``prefix`` is shorter than 4 characters, or starts several ids
            (``details["candidates"]`` lists up to 10).
    """
    text = prefix.strip().lower()
    what = {"any": "run or quick run", "run": "run", "quick": "quick run"}[kind]
    if 0 < len(text) < MIN_PREFIX and _hexlike(text):
        raise ValidationError(
            f"{text!r} is too short to name a {what}: give at least {MIN_PREFIX} characters of "
            "its id.",
            field="run_id",
            hint=_where(kind),
            details={"input": prefix},
        )
    found = _matches(conn, text, kind) if _hexlike(text) else []
    if text in (row_id for row_id, _ in found):
        return text
    if len(found) == 1:
        return found[0][0]
    if not found:
        raise NotFoundError(
            f"No {what} {prefix!r}.",
            hint=_where(kind),
            details={"field": "run_id", "input": prefix, "suggestions": []},
        )
    shown = [f"{row_id} ({'quick run' if is_quick else 'run'})" for row_id, is_quick in found]
    more = " or more" if len(found) == CANDIDATES else ""
    raise ValidationError(
        f"{text!r} starts {len(found)}{more} ids: " + ", ".join(shown) + ".",
        field="run_id",
        hint="Give more characters of the id, enough to tell them apart.",
        details={"input": prefix, "candidates": [row_id for row_id, _ in found]},
    )


def _hexlike(text: str) -> bool:
    return 0 < len(text) <= ID_LENGTH and all(c in "0123456789abcdef-" for c in text)


def _where(kind: RunKind) -> str:
    runs = "Find run ids with `taskyard runs REF`"
    quick = "quick runs with `taskyard quick list`"
    if kind == "run":
        return runs + "."
    if kind == "quick":
        return "Find " + quick + "."
    return f"{runs} and {quick}."


def _matches(conn: Connection, text: str, kind: RunKind) -> list[tuple[str, bool]]:
    parts = []
    for table, is_quick in ((t.runs, False), (t.quick_runs, True)):
        if kind == ("run" if is_quick else "quick"):
            continue
        parts.append(
            select(table.c.id.label("id"), literal(is_quick).label("is_quick")).where(
                table.c.id >= text, table.c.id < text + "z", table.c.id.like(text + "%")
            )
        )
    query = union_all(*parts) if len(parts) > 1 else parts[0]
    rows = conn.execute(query.order_by("id").limit(CANDIDATES))
    return [(str(row_id), bool(is_quick)) for row_id, is_quick in rows]
