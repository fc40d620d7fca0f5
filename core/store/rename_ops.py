"""Renaming projects and milestones: new names and descriptions, never new slugs or keys.

Slugs and keys are how tasks, refs, URLs and tokens name a project or milestone, so they
stay put; only what people read changes. Each change writes one event holding the fields
that changed, their new values (a description is too long to repeat: named only) and what
they were.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, Table, select, update

from core.domain.commands import MilestonePatch, ProjectPatch
from core.domain.models import Milestone, Project
from core.errors import DuplicateError
from core.store import tables as t
from core.store.context import TxContext
from core.store.folding import fold, fold_text
from core.store.lookup import find_milestone, find_project
from core.store.rows import milestone_from_row, project_from_row

P, M = t.projects, t.milestones

_NOT_REPEATED = frozenset({"description"})
"""Fields an event names without repeating their (possibly long) text."""


def update_project(conn: Connection, ctx: TxContext, ref: str, patch: ProjectPatch) -> Project:
    """Change a project's name or description; see ``TaskEngine.update_project``.

    Raises:
        NotFoundError: no such project.
    """
    row = find_project(conn, ref, lock=ctx.dialect == "postgresql")
    changed = _changed(row, patch.changes())
    said = {"slug": row["slug"], "key": row["key"]}
    _write(conn, ctx, P, row, changed, "project.updated", row["id"], said)
    return project_from_row({**row, **changed})


def update_milestone(
    conn: Connection, ctx: TxContext, project: str, milestone: str, patch: MilestonePatch
) -> Milestone:
    """Rename a milestone; see ``TaskEngine.update_milestone``.

    The project row is locked on PostgreSQL, so two renames in one project take turns and
    cannot both take the same name.

    Raises:
        NotFoundError: no such project, or no such milestone in it.
        DuplicateError: another milestone of the project has the new name.
    """
    owner = find_project(conn, project, lock=ctx.dialect == "postgresql")
    row = find_milestone(conn, owner["id"], milestone)
    changed = _changed(row, patch.changes())
    if "name" in changed:
        _refuse_taken_name(conn, owner, row, changed["name"])
    said = {"milestone_id": row["id"], "slug": row["slug"]}
    _write(conn, ctx, M, row, changed, "milestone.updated", owner["id"], said)
    return milestone_from_row({**row, **changed})


def _changed(row: RowMapping, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes that differ from the row (a rename to the same name writes nothing)."""
    return {name: value for name, value in changes.items() if row[name] != value}


def _write(
    conn: Connection,
    ctx: TxContext,
    table: Table,
    row: RowMapping,
    changed: dict[str, Any],
    event: str,
    project_id: str,
    said: dict[str, Any],
) -> None:
    """Write ``changed`` to the row, and its event (nothing at all when nothing changed).

    The event says ``said``, then which fields changed, their new and their old values.
    """
    if not changed:
        return
    conn.execute(update(table).where(table.c.id == row["id"]).values(**changed))
    shown = [name for name in changed if name not in _NOT_REPEATED]
    payload = {
        **said,
        "fields": sorted(changed),
        "changes": {name: changed[name] for name in shown},
        "before": {name: row[name] for name in shown},
    }
    ctx.emit(event, project_id=project_id, payload=payload)


def _refuse_taken_name(conn: Connection, owner: RowMapping, row: RowMapping, name: str) -> None:
    """Raise if another milestone of the project answers to ``name`` (case-insensitively).

    Raises:
        DuplicateError: naming the milestone that has it.
    """
    taken = conn.execute(
        select(M.c.slug).where(
            M.c.project_id == owner["id"],
            M.c.id != row["id"],
            fold(M.c.name) == fold_text(name),
        )
    ).first()
    if taken is not None:
        raise DuplicateError(
            f"Project {owner['slug']} already has a milestone named {name!r} ({taken.slug}).",
            hint="Pick another name, or rename that milestone first.",
            details={"field": "name", "input": name, "milestone": taken.slug},
        )
