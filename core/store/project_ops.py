"""Projects and milestones: create, list, find (case-insensitive slugs, near-match hints)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select

from core.domain.commands import MilestoneCreate, ProjectCreate
from core.domain.identifiers import derive_key, normalize_key, normalize_slug, slugify
from core.domain.models import Milestone, Project
from core.errors import DuplicateError, NotFoundError, ValidationError
from core.store import tables as t
from core.store.context import TxContext
from core.store.folding import fold, fold_text
from core.store.lookup import find_milestone, find_project, project_or_default, unique_key
from core.store.rows import milestone_from_row, project_from_row

P, M = t.projects, t.milestones


def create_project(conn: Connection, ctx: TxContext, req: ProjectCreate) -> Project:
    """Create a project; slug and key come from the name unless given.

    Raises:
        ValidationError: the slug or key is malformed, or the name has nothing to slug.
        DuplicateError: the slug or the key is taken.
    """
    slug = _slug("Project", req.name, req.slug)
    if conn.execute(select(P.c.id).where(P.c.slug == slug)).first() is not None:
        raise DuplicateError(
            f"A project with slug {slug!r} already exists.",
            hint="Pick another name or --slug.",
            details={"field": "slug", "input": slug},
        )
    if req.key:
        key = normalize_key(req.key)
        if conn.execute(select(P.c.id).where(P.c.key == key)).first() is not None:
            raise DuplicateError(
                f"Project key {key!r} is already used by another project.",
                hint="Pick another --key.",
                details={"field": "key", "input": key},
            )
    else:
        key = unique_key(conn, derive_key(req.name))
    project_id = ctx.new_id()
    row = {
        "id": project_id,
        "slug": slug,
        "key": key,
        "name": req.name,
        "description": req.description,
        "repo_path": req.repo_path,
        "task_seq": 0,
        "created_at": ctx.now,
    }
    conn.execute(insert(P).values(**row))
    ctx.emit(
        "project.created",
        project_id=project_id,
        payload={"slug": slug, "key": key, "name": req.name},
    )
    return project_from_row(row)


def list_projects(conn: Connection) -> list[Project]:
    """Every project, by slug."""
    return [project_from_row(r) for r in conn.execute(select(P).order_by(P.c.slug)).mappings()]


def create_milestone(conn: Connection, ctx: TxContext, req: MilestoneCreate) -> Milestone:
    """Create a milestone in a project.

    Raises:
        NotFoundError: no such project.
        DuplicateError: the slug is taken in the project.
    """
    project = project_or_default(conn, ctx, req.project)
    slug = _slug("Milestone", req.name, req.slug)
    taken = select(M.c.id).where(M.c.project_id == project["id"], M.c.slug == slug)
    if conn.execute(taken).first() is not None:
        raise DuplicateError(
            f"Project {project['slug']} already has a milestone {slug!r}.",
            hint="Pick another name or slug, or use the existing milestone.",
            details={"field": "slug", "input": slug},
        )
    if req.start_date and req.due_date and req.due_date < req.start_date:
        raise ValidationError(
            "The milestone's due date is before its start date.",
            field="due_date",
            hint="Swap the dates or correct one of them.",
        )
    row = _insert_milestone(
        conn,
        ctx,
        project["id"],
        slug=slug,
        name=req.name,
        start_date=req.start_date,
        due_date=req.due_date,
    )
    return milestone_from_row(row)


def resolve_milestone(
    conn: Connection,
    ctx: TxContext,
    project_id: str,
    ref: str,
    *,
    create: bool,
    due_date: date | None = None,
) -> str:
    """The milestone id for ``ref`` in the project, creating it when asked and missing.

    A task names its milestone this way (and a PRD plan its milestones, with ``due_date`` for
    one it creates).

    Raises:
        NotFoundError: it does not exist and ``create`` is false.
        ValidationError: it is to be created, but its name has nothing to make a slug from.
    """
    try:
        return str(find_milestone(conn, project_id, ref)["id"])
    except NotFoundError:
        if not create:
            raise
    slug = slugify(ref)
    if not slug:
        raise ValidationError(
            f"Milestone {ref!r} has no letters or digits to make a slug from.",
            field="milestone",
            hint="Name the milestone with letters or digits.",
        )
    row = _insert_milestone(conn, ctx, project_id, slug=slug, name=ref.strip(), due_date=due_date)
    return str(row["id"])


def _slug(kind: str, name: str, given: str | None) -> str:
    """The slug given (normalized), else one made from the name.

    Raises:
        ValidationError: the name has no letters or digits to make a slug from.
    """
    slug = normalize_slug(given) if given else slugify(name)
    if not slug:
        raise ValidationError(
            f"{kind} name {name!r} has no letters or digits to make a slug from.",
            field="slug",
            hint="Give a slug with --slug.",
        )
    return slug


def _insert_milestone(
    conn: Connection,
    ctx: TxContext,
    project_id: str,
    *,
    slug: str,
    name: str,
    start_date: date | None = None,
    due_date: date | None = None,
) -> dict[str, Any]:
    """Write a milestone row and its ``milestone.created`` event; returns the row."""
    row = {
        "id": ctx.new_id(),
        "project_id": project_id,
        "slug": slug,
        "name": name,
        "start_date": start_date,
        "due_date": due_date,
        "created_at": ctx.now,
    }
    conn.execute(insert(M).values(**row))
    ctx.emit(
        "milestone.created",
        project_id=project_id,
        payload={"milestone_id": row["id"], "slug": slug, "name": name},
    )
    return row


def list_milestones(conn: Connection, project: str | None) -> list[Milestone]:
    """Milestones by due date (undated last), then slug.

    Raises:
        NotFoundError: no such project.
    """
    query = select(M).order_by(M.c.due_date.is_(None), M.c.due_date, M.c.slug)
    if project:
        query = query.where(M.c.project_id == find_project(conn, project)["id"])
    return [milestone_from_row(r) for r in conn.execute(query).mappings()]


def find_milestones(
    conn: Connection, project: str, *, slug: str | None, name: str | None, limit: int
) -> list[Milestone]:
    """Milestones whose slug or name matches case-insensitively (empty list when none do).

    Raises:
        NotFoundError: no such project.
    """
    project_id = find_project(conn, project)["id"]
    query = select(M).where(M.c.project_id == project_id)
    if slug:
        query = query.where(M.c.slug == slug.strip().lower())
    if name:
        query = query.where(fold(M.c.name) == fold_text(name.strip()))
    rows = conn.execute(query.order_by(M.c.slug).limit(limit)).mappings()
    return [milestone_from_row(r) for r in rows]
