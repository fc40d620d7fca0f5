"""Finding projects, milestones and tasks by what people type: id, slug, key, name or ref.

A miss is a ``NotFoundError`` that lists the nearest matches (``details["suggestions"]``), so
"web-ap" answers "did you mean web-app?" in the CLI, the TUI and the API alike.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, RowMapping, Select, bindparam, select

from core.domain.identifiers import derive_key, format_ref, parse_ref, slugify
from core.errors import NotFoundError, ValidationError
from core.store import tables as t
from core.store.context import TxContext
from core.store.folding import fold, fold_text
from core.store.rows import select_tasks

DEFAULT_PROJECT_SLUG = "inbox"
DEFAULT_PROJECT_NAME = "Inbox"
DEFAULT_PROJECT_KEY = "TY"

CHUNK = 900  # stay far below every driver's bound-parameter limit


def chunks(items: Sequence[str], size: int = CHUNK) -> list[Sequence[str]]:
    """``items`` in slices of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def near_matches(word: str, candidates: Iterable[str], *, limit: int = 3) -> list[str]:
    """The candidates closest to ``word`` (case-insensitive), best first."""
    pool = {c.lower(): c for c in candidates}
    hits = difflib.get_close_matches(word.lower(), list(pool), n=limit, cutoff=0.5)
    prefix = [c for lc, c in pool.items() if lc.startswith(word.lower()) and c not in hits]
    return ([pool[h] for h in hits] + prefix)[:limit]


def did_you_mean(suggestions: Sequence[str], fallback: str) -> str:
    """A hint that names the suggestions, or ``fallback`` when there are none."""
    if suggestions:
        return "Did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
    return fallback


class ProjectMatch(NamedTuple):
    """What a project reference is compared with, in order: the id, then the key or the slug.

    One project's slug may equal another's key ("wa" / "WA"): the id wins; then text typed in
    capitals is taken as a key first (keys are written in capitals), anything else as a slug.
    ``find_project`` and PostgreSQL's one-statement import (``pg_import``) both match this way.
    """

    id: str | None
    slug: str
    key: str | None
    key_first: bool


def project_match(ref: str | None) -> ProjectMatch:
    """How ``ref`` names a project; ``None`` names the default project (by its slug)."""
    if ref is None:
        return ProjectMatch(None, DEFAULT_PROJECT_SLUG, None, False)
    text = ref.strip()
    return ProjectMatch(text, text.lower(), text.upper(), text.isupper())


def find_project(conn: Connection, ref: str, *, lock: bool = False) -> RowMapping:
    """The project whose id, slug or key is ``ref`` (slug and key case-insensitively).

    Raises:
        NotFoundError: no such project; suggestions name the closest slugs.
    """
    P = t.projects
    match = project_match(ref)
    by_slug, by_key = P.c.slug == match.slug, P.c.key == match.key
    order = (by_key, by_slug) if match.key_first else (by_slug, by_key)
    for condition in (P.c.id == match.id, *order):
        query = select(P).where(condition)
        if lock:
            query = query.with_for_update()
        row = conn.execute(query).mappings().first()
        if row is not None:
            return row
    names = [r.slug for r in conn.execute(select(P.c.slug, P.c.key))] + [
        r.key for r in conn.execute(select(P.c.key))
    ]
    suggestions = near_matches(ref.strip(), names)
    raise NotFoundError(
        f"No project {ref!r}.",
        hint=did_you_mean(suggestions, "List projects with `taskyard project list`."),
        details={"field": "project", "input": ref, "suggestions": suggestions},
    )


def default_project(conn: Connection, ctx: TxContext, *, lock: bool = False) -> RowMapping:
    """The project for tasks that name none: ``inbox``, created the first time it is needed."""
    P = t.projects
    query = select(P).where(P.c.slug == DEFAULT_PROJECT_SLUG)
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if row is not None:
        return row
    key = DEFAULT_PROJECT_KEY
    if conn.execute(select(P.c.id).where(P.c.key == key)).first() is not None:
        key = unique_key(conn, derive_key(DEFAULT_PROJECT_NAME))
    project_id = ctx.new_id()
    # Two first-ever creates can race here on PostgreSQL: the loser inserts nothing and
    # reads the winner's row below.
    # Imported here: the PostgreSQL dialect package costs ~25 ms of every SQLite start-up.
    dialect_insert: Any
    if ctx.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    created = conn.execute(
        dialect_insert(t.projects)
        .values(
            id=project_id,
            slug=DEFAULT_PROJECT_SLUG,
            key=key,
            name=DEFAULT_PROJECT_NAME,
            description="Tasks that were not given a project.",
            task_seq=0,
            created_at=ctx.now,
        )
        .on_conflict_do_nothing()
    ).rowcount
    if created:
        ctx.emit(
            "project.created",
            project_id=project_id,
            payload={"slug": DEFAULT_PROJECT_SLUG, "key": key, "name": DEFAULT_PROJECT_NAME},
        )
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:  # pragma: no cover - the key, not the slug, collided in the race
        raise NotFoundError("The default project could not be created.", hint="Try again.")
    return row


def project_or_default(
    conn: Connection, ctx: TxContext, ref: str | None, *, lock: bool = False
) -> RowMapping:
    """``find_project(ref)``, or the default project when ``ref`` is ``None``."""
    if ref is None:
        return default_project(conn, ctx, lock=lock)
    return find_project(conn, ref, lock=lock)


def unique_key(conn: Connection, base: str) -> str:
    """``base``, or ``base2``, ``base3`` ... whichever is free."""
    taken = {r.key for r in conn.execute(select(t.projects.c.key))}
    if base not in taken:
        return base
    n = 2
    while f"{base[:8]}{n}" in taken:
        n += 1
    return f"{base[:8]}{n}"


def find_milestone(
    conn: Connection, project_id: str, ref: str, *, field: str = "milestone"
) -> RowMapping:
    """The project's milestone whose id, slug or name is ``ref`` (case-insensitively).

    Raises:
        NotFoundError: none matches; suggestions name the closest slugs.
    """
    M = t.milestones
    text = ref.strip()
    row = (
        conn.execute(
            select(M).where(
                M.c.project_id == project_id,
                (M.c.id == text)
                | (M.c.slug == text.lower())
                | (M.c.slug == slugify(text))
                | (fold(M.c.name) == fold_text(text)),
            )
        )
        .mappings()
        .first()
    )
    if row is not None:
        return row
    slugs = [r.slug for r in conn.execute(select(M.c.slug).where(M.c.project_id == project_id))]
    suggestions = near_matches(text, slugs)
    raise NotFoundError(
        f"No milestone {ref!r} in this project.",
        hint=did_you_mean(
            suggestions,
            "List milestones with `taskyard milestone list`, or create it "
            "(--create-milestone when adding a task).",
        ),
        details={"field": field, "input": ref, "suggestions": suggestions},
    )


# One task by id or by ref, built once: every read and change of a task starts here, and
# building the statement cost more Python than SQLite takes to find the row.
_BY_ID = select_tasks().where(t.tasks.c.id == bindparam("id"))
_BY_REF = select_tasks().where(
    t.projects.c.key == bindparam("key"), t.tasks.c.number == bindparam("number")
)


def find_task(
    conn: Connection,
    ref: str,
    *,
    lock: bool = False,
    field: str = "task",
    statements: tuple[Select[Any], Select[Any]] = (_BY_ID, _BY_REF),
) -> RowMapping:
    """The task whose id or ref (``TY-42``, any case) is ``ref`` (``find_tasks`` for one).

    ``statements``: the row by id and by ref, when more than ``select_tasks()``'s columns are
    wanted (bound as ``id``, and as ``key`` and ``number``).

    Raises:
        NotFoundError: no such task.
    """
    parsed = parse_ref(ref)
    query = statements[0] if parsed is None else statements[1]
    if lock:
        query = query.with_for_update(of=t.tasks)
    params = {"id": ref.strip()} if parsed is None else {"key": parsed[0], "number": parsed[1]}
    row = conn.execute(query, params).mappings().first()
    if row is not None:
        return row
    raise task_not_found(conn, ref, field=field)


def find_tasks(
    conn: Connection, refs: Sequence[str], *, lock: bool = False
) -> dict[str, RowMapping]:
    """The tasks named by ``refs`` (ids or refs), keyed by the reference as given.

    Rows are locked in id order when ``lock`` is set, so concurrent writers cannot deadlock
    on the same set of tasks.
    """
    T, P = t.tasks, t.projects
    ids = [r.strip() for r in refs if parse_ref(r) is None]
    parsed = {r: p for r in refs if (p := parse_ref(r)) is not None}
    found: dict[str, RowMapping] = {}
    conditions: list[Any] = []
    if ids:
        conditions.append(T.c.id.in_(ids))
    for key, number in set(parsed.values()):
        conditions.append((P.c.key == key) & (T.c.number == number))
    if not conditions:
        return found
    query = select_tasks().where(_any(conditions)).order_by(T.c.id)
    if lock:
        query = query.with_for_update(of=T)
    rows = list(conn.execute(query).mappings())
    by_id = {r["id"]: r for r in rows}
    by_ref = {(r["key"], r["number"]): r for r in rows}
    for ref in refs:
        p = parse_ref(ref)
        row = by_ref.get(p) if p is not None else by_id.get(ref.strip())
        if row is not None:
            found[ref] = row
    return found


def _any(conditions: list[Any]) -> Any:
    clause = conditions[0]
    for c in conditions[1:]:
        clause = clause | c
    return clause


def task_not_found(conn: Connection, ref: str, *, field: str = "task") -> NotFoundError:
    """The error for a task reference that matches nothing, with a hint that fits the input."""
    parsed = parse_ref(ref)
    if parsed is not None:
        key, number = parsed
        has_key = conn.execute(select(t.projects.c.id).where(t.projects.c.key == key)).first()
        if has_key is None:
            keys = [r.key for r in conn.execute(select(t.projects.c.key))]
            suggestions = [format_ref(k, number) for k in near_matches(key, keys)]
            return NotFoundError(
                f"No task {ref!r}: no project uses the key {key!r}.",
                hint=did_you_mean(suggestions, "List projects with `taskyard project list`."),
                details={"field": field, "input": ref, "suggestions": suggestions},
            )
        return NotFoundError(
            f"No task {ref!r}.",
            hint="It may have been deleted; list tasks with `taskyard task list`.",
            details={"field": field, "input": ref, "suggestions": []},
        )
    return NotFoundError(
        f"No task {ref!r}.",
        hint="Refer to a task by its ref (like TY-42) or its id; "
        "list tasks with `taskyard task list`.",
        details={"field": field, "input": ref, "suggestions": []},
    )


def require_same_project(task: RowMapping, other: RowMapping, *, field: str) -> None:
    """Dependencies and parents stay inside one project.

    Raises:
        ValidationError: the two tasks are in different projects.
    """
    if task["project_id"] != other["project_id"]:
        raise ValidationError(
            f"{format_ref(other['key'], other['number'])} is in another project than "
            f"{format_ref(task['key'], task['number'])}.",
            field=field,
            hint="Dependencies and parents must be in the same project; move one of the tasks "
            "or pick a task from the same project.",
        )


class Resolved(NamedTuple):
    """What one name of a blocker or a parent means for a task being created."""

    row: RowMapping | None
    """The stored task it names (id, project_id, key, number, title, status); ``None``: none."""
    in_project: bool
    """The task is in the creating task's project: only then may the two be linked."""
    by_ref: bool
    """It matched as a ref or an id (not as an external id)."""


class TaskResolver:
    """The stored tasks that new tasks name as blockers or parents, read in a few queries.

    The one place the single create (``task_create.create_task``) and the bulk import
    (``bulk_import.import_tasks``, which a PRD commit goes through) decide what such a name
    means, so the two cannot drift: an external id names a task of the creating task's own
    project and wins over a ref; a ref or an id names a task anywhere, and links only to a
    task of the same project. Each path words the refusal its own way (the single create
    raises at the first, the import lists them all).
    """

    def __init__(self, conn: Connection) -> None:
        """A resolver that has read nothing yet (see ``read``)."""
        self._conn = conn
        self._by_external: dict[tuple[str, str], RowMapping] = {}
        self._by_ref: dict[str, RowMapping] = {}

    def read(
        self, *, external_ids: Iterable[tuple[str, str]] = (), refs: Iterable[str] = ()
    ) -> TaskResolver:
        """Read the tasks named by ``(project id, external id)`` pairs and by refs or ids."""
        T, P = t.tasks, t.projects
        wanted: dict[str, list[str]] = defaultdict(list)
        for project_id, external_id in sorted(set(external_ids)):
            wanted[project_id].append(external_id)
        columns = (T.c.id, T.c.project_id, T.c.number, T.c.title, T.c.status, T.c.external_id)
        for project_id, external in wanted.items():
            for part in chunks(external):
                query = (
                    select(*columns, P.c.key)
                    .select_from(T.join(P, P.c.id == T.c.project_id))
                    .where(T.c.project_id == project_id, T.c.external_id.in_(part))
                )
                for row in self._conn.execute(query).mappings():
                    self._by_external[(project_id, row["external_id"])] = row
        for part in chunks(list(dict.fromkeys(refs))):
            self._by_ref.update(find_tasks(self._conn, part))
        return self

    def stored(self, project_id: str, external_id: str) -> RowMapping | None:
        """The task of the project with this external id, if it was read and exists."""
        return self._by_external.get((project_id, external_id))

    def resolve(
        self, project_id: str, name: str, *, by_external_id: bool = True, by_ref: bool = True
    ) -> Resolved:
        """What ``name`` means for a new task of ``project_id`` (as far as ``read`` has read)."""
        row = self._by_external.get((project_id, name)) if by_external_id else None
        if row is not None:
            return Resolved(row, True, False)
        row = self._by_ref.get(name) if by_ref else None
        return Resolved(row, row is not None and row["project_id"] == project_id, True)
