"""Read operations: one task in full, filtered pages, the board's windows, the ready queue.

The board never loads every task: it counts per state with one grouped query and fetches a
window of cards per column through the
``(project_id, status, priority_rank, created_at, number, id)`` index, so 100,000 tasks cost
about what 100 do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, FromClause, bindparam, case, func, select, tuple_

from core.domain.commands import BoardQuery, SortField, TaskQuery
from core.domain.identifiers import parse_ref
from core.domain.models import Attachment, Task, TaskCard, TaskStatus
from core.domain.states import RESOLVED_STATES
from core.domain.views import BoardColumn, BoardView, Page
from core.errors import NotFoundError
from core.store import list_totals, task_json
from core.store import tables as t
from core.store.card_json import cards_from_json, cards_json
from core.store.events import last_seq
from core.store.folding import fold, fold_text
from core.store.hints import likely
from core.store.lookup import find_milestone, find_project, find_task
from core.store.rows import (
    attachment_from_row,
    select_cards,
    select_tasks,
    task_from_row,
)
from core.store.task_links import LINK_COLUMNS, Links, links_of, read_links

T, D, L, P, A = t.tasks, t.task_dependencies, t.task_labels, t.projects, t.attachments

#: Board column order; also the ``status`` sort order of lists.
STATUS_ORDER = {s.value: i for i, s in enumerate(TaskStatus)}

#: Cards within a column: the scheduler's order (priority, then age). Tasks created in one
#: transaction (an import) share ``created_at``; their number, given in file order, keeps them
#: in that order (``id`` is a random uuid and only settles ties across projects).
CARD_ORDER = (T.c.priority_rank, T.c.created_at, T.c.number, T.c.id)


@dataclass(frozen=True)
class FilterParts:
    """The filters a list and a board share, resolved (ids looked up, text folded).

    Task lists choose per filter how it is read (``store/list_plans.py``); the board and the
    offset list turn them into clauses with ``_filters``.
    """

    in_projects: list[str] | None
    project_id: str | None
    milestone_id: str | None
    ranks: list[int]
    labels: list[str]
    """Every one must be present; distinct, sorted."""
    assignee: str | None
    text: Any | None
    """The search clause, if any (it matches the project key: see ``needs_join``)."""
    needs_join: bool
    """The text is a ref (``WA-12``): its clause reads ``projects.key``."""


def filter_parts(conn: Connection, query: TaskQuery | BoardQuery) -> FilterParts:
    """``query``'s shared filters, resolved.

    Raises:
        NotFoundError: the project or milestone filter names nothing.
    """
    project_id: str | None = None
    if query.project:
        project_id = find_project(conn, query.project)["id"]
    milestone_id: str | None = None
    if query.milestone:
        if project_id is None:
            raise NotFoundError(
                f"Milestone {query.milestone!r} needs a project to be looked up in.",
                hint="Give the project too (--project SLUG).",
                details={"field": "milestone", "input": query.milestone, "suggestions": []},
            )
        milestone_id = find_milestone(conn, project_id, query.milestone)["id"]
    text: Any | None = None
    needs_join = False
    if query.text and query.text.strip():
        needle = query.text.strip()
        folded = fold_text(needle)
        text = fold(T.c.title).contains(folded, autoescape=True) | fold(T.c.description).contains(
            folded, autoescape=True
        )
        ref = parse_ref(needle)
        if ref is not None:
            text = text | ((P.c.key == ref[0]) & (T.c.number == ref[1]))
            needs_join = True
    return FilterParts(
        in_projects=None if query.in_projects is None else list(query.in_projects),
        project_id=project_id,
        milestone_id=milestone_id,
        ranks=sorted({p.rank for p in query.priorities}),
        labels=sorted({x.strip() for x in query.labels if x.strip()}),
        assignee=query.assignee,
        text=text,
        needs_join=needs_join,
    )


def _filters(
    conn: Connection,
    query: TaskQuery | BoardQuery,
    *,
    coarse: Callable[[Any], Any] = lambda clause: clause,
) -> list[Any]:
    """The WHERE clauses of the filters a list and a board share (not the states).

    ``coarse`` marks the filters that keep many rows (see ``task_filters``).
    """
    return _part_clauses(filter_parts(conn, query), coarse)


def _part_clauses(parts: FilterParts, coarse: Callable[[Any], Any]) -> list[Any]:
    """The clauses of resolved filters (``_filters``), for a caller that needs them twice."""
    clauses: list[Any] = []
    if parts.in_projects is not None:
        clauses.append(T.c.project_id.in_(parts.in_projects))
    if parts.project_id is not None:
        clauses.append(T.c.project_id == parts.project_id)
    if parts.milestone_id is not None:
        clauses.append(T.c.milestone_id == parts.milestone_id)
    if parts.ranks:
        clauses.append(coarse(T.c.priority_rank.in_(parts.ranks)))
    if parts.labels:
        having = (
            select(L.c.task_id)
            .where(L.c.label.in_(parts.labels))
            .group_by(L.c.task_id)
            .having(func.count() == len(parts.labels))
        )
        clauses.append(T.c.id.in_(having))
    if parts.assignee:
        clauses.append(T.c.assignee == parts.assignee)
    if parts.text is not None:
        clauses.append(parts.text)
    return clauses


def get_task(conn: Connection, ref: str, *, links: bool = True) -> Task:
    """One task with its blockers, dependents, children and attachments (``links``).

    Raises:
        NotFoundError: no such task.
    """
    if not links:
        return task_from_row(find_task(conn, ref))
    raw = conn.connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        task = task_json.read_task(raw, ref)
        if task is not None:
            return task
    return task_from_rows(conn, ref)


def task_from_rows(conn: Connection, ref: str) -> Task:
    """``get_task`` built from its row through SQLAlchemy.

    Every database but SQLite, and SQLite's tasks that carry a command; elsewhere on SQLite
    ``task_json.read_task`` gives the same task for less (``test_task_json`` holds them equal).

    Raises:
        NotFoundError: no such task.
    """
    row = find_task(conn, ref, statements=_FULL_BY_ID_OR_REF)
    return _linked(row, links_of(row))


_FULL_BY_ID_OR_REF = (
    select_tasks().add_columns(*LINK_COLUMNS).where(T.c.id == bindparam("id")),
    select_tasks()
    .add_columns(*LINK_COLUMNS)
    .where(P.c.key == bindparam("key"), T.c.number == bindparam("number")),
)
"""``get_task``'s row with its related things: one statement (built once)."""


def full_tasks(conn: Connection, rows: Sequence[Any]) -> list[Task]:
    """``select_tasks`` rows as tasks with their blockers, dependents, children and files."""
    links = read_links(conn, [r["id"] for r in rows])
    return [_linked(r, links.get(r["id"]) or Links()) for r in rows]


def _linked(row: Any, links: Links) -> Task:
    return task_from_row(
        row,
        blocked_by=links.blocked_by,
        blocks=links.blocks,
        children_ids=links.children_ids,
        attachments=links.attachments,
        run_ids=links.run_ids,
    )


def task_filters(conn: Connection, query: TaskQuery, *, in_order: bool = False) -> list[Any]:
    """The ``WHERE`` clauses of a task list (over ``tasks`` joined with ``projects``).

    ``in_order``: the caller reads the list in its sort index's order, a page at a time; the
    state and priority filters (a few values each, so they keep many rows) are then marked
    ``likely`` for SQLite's planner (see ``core/store/hints.py``).

    Raises:
        NotFoundError: the project or milestone filter names nothing.
    """
    coarse: Callable[[Any], Any] = likely if in_order else (lambda clause: clause)
    return [*_filters(conn, query, coarse=coarse), *_state_clauses(query, coarse)]


def _state_clauses(query: TaskQuery, coarse: Callable[[Any], Any]) -> list[Any]:
    """The state filter of a task list: the states named, or the open ones by default."""
    if query.statuses:
        return [coarse(T.c.status.in_([s.value for s in query.statuses]))]
    if not query.include_completed:
        return [coarse(T.c.status.not_in([s.value for s in RESOLVED_STATES]))]
    return []


def sort_column(sort: SortField) -> Any:
    """The expression a task list sorts by first (ties go by creation)."""
    return {
        SortField.CREATED: T.c.created_at,
        SortField.UPDATED: T.c.updated_at,
        SortField.PRIORITY: T.c.priority_rank,
        SortField.DUE: T.c.due_date,
        SortField.TITLE: T.c.title_key,
        SortField.STATUS: case(STATUS_ORDER, value=T.c.status),
    }[sort]


_BY_IDS = select_tasks().where(T.c.id.in_(bindparam("ids", expanding=True)))
"""A page's tasks by id (built once: building it costs more than running it)."""

_OPEN_STATES = [s.value for s in TaskStatus if s not in RESOLVED_STATES]

SPARSE_TOTAL = 2500
"""Up to this many matches the page is found through the most selective filter's index and
its matches sorted; above it, the filters keep many rows and the page walks the sort's index
(``core/store/hints.py``; ``list_plans.SPARSE_ROWS`` has the measurements)."""


def _plain(clause: Any) -> Any:
    return clause


def list_tasks(conn: Connection, query: TaskQuery) -> Page[Task]:
    """A page of tasks matching ``query``, in full.

    The page's ids are read from ``tasks`` alone (``projects`` only for a ref search) and
    then those rows loaded: the offset is skipped inside the sort's index, not by reading
    full joined rows (newest first, ``ix_tasks_newest_first`` holds the order and the
    state). The total counts the open states by name (a range each in the status index,
    where ``NOT IN`` reads all of it) and is kept while the database is unchanged
    (``list_totals``).

    Raises:
        NotFoundError: the project or milestone filter names nothing.
    """
    parts = filter_parts(conn, query)
    base = T.join(P, P.c.id == T.c.project_id) if parts.needs_join else T
    states = [s.value for s in query.statuses] or ([] if query.include_completed else _OPEN_STATES)
    counted = _part_clauses(parts, _plain)
    if states:
        counted.append(T.c.status.in_(states))
    key = query.model_dump_json(exclude={"page", "limit", "sort", "descending"})
    total = list_totals.count(conn, select(func.count()).select_from(base).where(*counted), key)
    hint: Callable[[Any], Any] = likely if total > SPARSE_TOTAL else _plain
    offset, limit = (query.page - 1) * query.limit, query.limit
    # Past the middle a page is nearer the list's end: on SQLite it is read from there, in
    # the reverse order (the total and the page are one read transaction's snapshot, and
    # ``list_totals`` keeps a total only while nothing was committed), so no page walks
    # more than half the list. PostgreSQL reads each statement afresh: it walks forward.
    backwards = conn.dialect.name == "sqlite" and offset > total // 2
    if backwards:
        end = max(total - offset, 0)
        offset, limit = max(end - limit, 0), min(limit, end)
    ids = list(
        conn.execute(
            select(T.c.id)
            .select_from(base)
            .where(*_part_clauses(parts, hint), *_state_clauses(query, hint))
            .order_by(*_list_order(query, parts, reverse=backwards))
            .limit(limit)
            .offset(offset)
        ).scalars()
    )
    if backwards:
        ids.reverse()
    items = full_tasks(conn, rows_by_ids(conn, ids))
    return Page[Task](items=items, total=total, page=query.page, limit=query.limit)


def rows_by_ids(conn: Connection, ids: Sequence[str]) -> list[Any]:
    """``select_tasks`` rows of ``ids``, in that order (a page found by id, then loaded).

    A task deleted since its id was read (PostgreSQL reads each statement afresh) is left out.
    """
    if not ids:
        return []
    by_id = {r["id"]: r for r in conn.execute(_BY_IDS, {"ids": list(ids)}).mappings()}
    return [by_id[i] for i in ids if i in by_id]


def _list_order(query: TaskQuery, parts: FilterParts, *, reverse: bool = False) -> list[Any]:
    """The offset list's ``ORDER BY``: the sort, then creation in its direction, then id.

    ``reverse`` gives the exact reverse order, to read a page from the list's end. Terms
    that cannot break a tie are left out, so SQLite reads the order from an index instead
    of sorting each run of equal keys: creation order repeats nothing after ``created_at``,
    and within one project ``number`` is unique, so ``id`` decides nothing.
    """
    descending = query.descending != reverse

    def way(term: Any, down: bool) -> Any:
        return term.desc() if down else term.asc()

    order = [way(sort_column(query.sort), descending)]
    if query.sort == SortField.DUE:
        order.insert(0, way(T.c.due_date.is_(None), reverse))  # undated last, both directions
    # Ties go by creation, in the list's direction: time, then number (an import's tasks share
    # one time and are numbered in file order).
    if query.sort != SortField.CREATED:
        order.append(way(T.c.created_at, descending))
    order.append(way(T.c.number, descending))
    if parts.project_id is None:
        order.append(way(T.c.id, reverse))
    return order


def _board_source(conn: Connection, query: BoardQuery) -> tuple[list[Any], FromClause]:
    """The board's WHERE clauses and the tables they read.

    The tasks alone, or joined with their projects when the search text is a ref (its
    clause reads ``projects.key``); counts and windows must agree, so all three use this.
    """
    clauses = _filters(conn, query)
    needs_join = query.text is not None and parse_ref(query.text.strip()) is not None
    return clauses, (T.join(P, P.c.id == T.c.project_id) if needs_join else T)


def board(conn: Connection, query: BoardQuery, *, event_seq: int | None = None) -> BoardView:
    """Per-state counts and the first ``per_column`` cards of each shown column.

    ``event_seq`` is where a follower of the event log picks up from this board (by default
    the newest event, right for SQLite's one writer; on PostgreSQL the engine passes a cursor
    it made safe first, ``event_feed.safe_cursor``).

    Raises:
        NotFoundError: the project or milestone filter names nothing.
    """
    seq = last_seq(conn) if event_seq is None else event_seq
    clauses, base = _board_source(conn, query)
    grouped = select(T.c.status, func.count()).select_from(base).where(*clauses)
    counts: dict[str, int] = {
        status: int(n) for status, n in conn.execute(grouped.group_by(T.c.status))
    }
    columns = [
        BoardColumn(
            status=status,
            count=int(counts.get(status.value, 0)),
            offset=0,
            cards=_window(conn, clauses, status, 0, query.per_column)
            if counts.get(status.value)
            else [],
        )
        for status in query.statuses
    ]
    return BoardView(columns=columns, last_event_seq=seq)


def board_column(
    conn: Connection, query: BoardQuery, status: TaskStatus, *, offset: int, limit: int
) -> BoardColumn:
    """A window of one column (for scrolling), with the column's current count.

    Raises:
        NotFoundError: the project or milestone filter names nothing.
    """
    clauses, base = _board_source(conn, query)
    count = conn.execute(
        select(func.count()).select_from(base).where(*clauses, T.c.status == status.value)
    ).scalar_one()
    return BoardColumn(
        status=status,
        count=count,
        offset=offset,
        cards=_window(conn, clauses, status, offset, limit, base=base, count=count),
    )


def _window(
    conn: Connection,
    clauses: list[Any],
    status: TaskStatus,
    offset: int,
    limit: int,
    *,
    base: Any = None,
    count: int | None = None,
) -> list[TaskCard]:
    if limit <= 0:
        return []
    where = [*clauses, T.c.status == status.value]
    if offset > 0:
        # A deep window (scrolling, ``end`` in a 38,000-card column): a plain ``OFFSET`` on
        # the card query reads and joins every skipped row. Instead, find the sort key of the
        # window's first card with an ``OFFSET`` over the card-order index alone (covering:
        # no table row is read), skipping from whichever end of the column is nearer, then
        # read the window from that key on (an index range). Same cards, same order.
        key = _key_at(conn, where, offset, base=base if base is not None else T, count=count)
        if key is None:
            return []
        where.append(tuple_(*CARD_ORDER) >= tuple_(*key))
    rows = conn.execute(select_cards().where(*where).order_by(*CARD_ORDER).limit(limit))
    return cards_from_json(rows.scalars().all())


def _key_at(
    conn: Connection, where: list[Any], offset: int, *, base: Any, count: int | None
) -> tuple[Any, ...] | None:
    """The ``CARD_ORDER`` key of the card at ``offset`` under ``where`` (``None``: past the end)."""
    keys = select(*CARD_ORDER).select_from(base).where(*where).limit(1)
    if count is not None and offset >= count:
        return None
    if count is not None and offset > count // 2:
        keys = keys.order_by(*(c.desc() for c in CARD_ORDER)).offset(count - 1 - offset)
    else:
        keys = keys.order_by(*CARD_ORDER).offset(offset)
    row = conn.execute(keys).first()
    return None if row is None else tuple(row)


#: The ready queue's head across projects, what workers and boards poll most: built once, so a
#: read spends nothing on building the statement or its cache key (and read on the driver's
#: own connection where the runner can: ``Runner.read_first_column``).
READY_HEAD = (
    select_cards()
    .where(T.c.status == TaskStatus.READY.value)
    .order_by(*CARD_ORDER)
    .limit(bindparam("limit"))
)


def ready_queue(
    conn: Connection,
    *,
    limit: int,
    project: str | None,
    in_projects: Sequence[str] | None = None,
) -> list[TaskCard]:
    """Ready tasks in scheduler order: priority, then creation time.

    A ready task never has an unresolved blocker (the store keeps that invariant), so this is
    one range scan of the ``(status, priority_rank, created_at, number, id)`` index.
    ``in_projects`` keeps only those projects' tasks (ids).

    Raises:
        NotFoundError: the project names nothing.
    """
    return cards_from_json(_ready_cards(conn, limit, project, in_projects))


def ready_queue_json(
    conn: Connection,
    *,
    limit: int,
    project: str | None,
    in_projects: Sequence[str] | None = None,
) -> str:
    """``ready_queue``'s cards as the JSON array pydantic would write for them.

    Raises:
        NotFoundError: the project names nothing.
    """
    return cards_json(_ready_cards(conn, limit, project, in_projects), conn.dialect.name)


def _ready_cards(
    conn: Connection, limit: int, project: str | None, in_projects: Sequence[str] | None
) -> Sequence[str]:
    if in_projects is None and not project:
        return conn.execute(READY_HEAD, {"limit": limit}).scalars().all()
    clauses: list[Any] = [T.c.status == TaskStatus.READY.value]
    if in_projects is not None:
        clauses.append(T.c.project_id.in_(list(in_projects)))
    if project:
        clauses.append(T.c.project_id == find_project(conn, project)["id"])
    statement = select_cards().where(*clauses).order_by(*CARD_ORDER).limit(limit)
    return conn.execute(statement).scalars().all()


def attachment_content(conn: Connection, attachment_id: str) -> tuple[Attachment, bytes]:
    """An attachment's metadata and bytes.

    Raises:
        NotFoundError: no such attachment.
    """
    row = conn.execute(select(A).where(A.c.id == attachment_id)).mappings().first()
    if row is None:
        raise NotFoundError(
            f"No attachment {attachment_id!r}.",
            hint="See a task's attachments with `taskyard task show REF`.",
            details={"field": "attachment", "input": attachment_id, "suggestions": []},
        )
    return attachment_from_row(row), bytes(row["content"])


def card_position(
    conn: Connection, query: BoardQuery, task_id: str
) -> tuple[TaskStatus, int] | None:
    """Where a task's card sits on the board: its column and its index in that column.

    ``None`` when the board's filters leave the task out.

    Raises:
        NotFoundError: the project or milestone filter names nothing.
    """
    clauses, base = _board_source(conn, query)
    row = conn.execute(
        select(T.c.status, *CARD_ORDER).select_from(base).where(*clauses, T.c.id == task_id)
    ).first()
    if row is None:
        return None
    status = TaskStatus(row[0])
    before = conn.execute(
        select(func.count())
        .select_from(base)
        .where(*clauses, T.c.status == status.value, tuple_(*CARD_ORDER) < tuple_(*row[1:]))
    ).scalar_one()
    return status, int(before)
