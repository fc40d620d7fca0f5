"""How a keyset page of the task list is read: which index, for every sort and filter.

A page must cost what the first one does, at any depth, whatever the filters; so it is read
in its sort's order from an index and stops after the page, never by sorting every match:

* **walk**: creation order, last change, title and due date have an index each
  (``tables.tasks``; 0011, 0012). The page walks it from the cursor and checks the filters
  on each row it passes. A filter that keeps a share ``d`` of the tasks costs ``limit / d``
  rows read, about 0.3 µs each on SQLite.
* **cells**: priority and state have a few values each, and the card-order index
  ``(status, priority_rank, created_at, number, id)`` (with or without ``project_id``
  first) holds every (state, priority) pair as a range in creation order. A page by
  priority reads, for one priority after another, the ranges of the states shown, merged;
  a page by state, one state after another, the ranges of its priorities. Each range is
  read from the cursor, at most a page of it, so no extra index is kept for these sorts.
* **driver**: a filter that keeps few tasks (a rare label or assignee, a small project,
  a milestone) is read through its own index instead, and only its matches are sorted:
  0.4-2 µs a match on SQLite, so below ``SPARSE_ROWS`` matches that is cheaper than
  walking past the thousands of rows that fail it (the walk's cost grows as the filter
  gets rarer; the driver's shrinks). Which filter keeps few is counted, up to
  ``SPARSE_ROWS``, on the filter's index before each page (~0.1 ms).

PostgreSQL keeps statistics and plans the walk or the driver itself; SQLite does not, so
the filters carry ``likely``/``unlikely`` (``store/hints.py``) to say which reading is meant.

Every reading yields the same rows, in the same order, with the same key: the plan changes
the cost, never the list.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, case, exists, func, literal, select, tuple_, union_all

from core.domain.commands import SortField, TaskQuery
from core.domain.models import Priority, TaskStatus
from core.domain.states import RESOLVED_STATES
from core.store import tables as t
from core.store.hints import likely, unlikely
from core.store.queries import STATUS_ORDER, FilterParts

T, P, L = t.tasks, t.projects, t.task_labels

SPARSE_ROWS = 2500
"""Below this many matches a filter drives the page: its matches cost less to sort than the
rows failing it cost to walk past. Measured at 100,000 tasks (SQLite), the two cost the same
(~2-3 ms) at ~1,200 matches for a label, ~2,000 for an assignee and 2,000-4,000 for a
project (its rows are read in creation order, close together); above that the walk wins."""

#: Undated tasks come last in both directions: their due date reads as the far end.
UNDATED_ASC = date(9999, 12, 31)
UNDATED_DESC = date(1, 1, 1)

TAIL = (T.c.created_at, T.c.number, T.c.id)
"""Every key ends in creation order (an import's tasks share a time; number keeps file order)."""

KeyRow = tuple[Any, ...]
"""A page row's key values, in key order; the id is the last."""


def undated(descending: bool) -> date:
    """The due date an undated task sorts as."""
    return UNDATED_DESC if descending else UNDATED_ASC


def key_exprs(query: TaskQuery) -> list[Any]:
    """The keyset's expressions in order: the sort's own (if not creation), then ``TAIL``."""
    first: Any
    match query.sort:
        case SortField.CREATED:
            return list(TAIL)
        case SortField.UPDATED:
            first = T.c.updated_at
        case SortField.PRIORITY:
            first = T.c.priority_rank
        case SortField.TITLE:
            first = T.c.title_key
        case SortField.STATUS:
            first = case(STATUS_ORDER, value=T.c.status)
        case SortField.DUE:
            first = func.coalesce(T.c.due_date, literal(undated(query.descending), Date()))
    return [first, *TAIL]


@dataclass(frozen=True)
class _Plan:
    """What a page reads: its filters as clauses, the states and priorities it keeps."""

    query: TaskQuery
    parts: FilterParts
    where: list[Any]
    """Every filter but the state and priority ones (the cells read those as ranges)."""
    statuses: list[str] | None
    """The states shown (``None``: all)."""
    driven: bool

    @property
    def base(self) -> Any:
        return T.join(P, P.c.id == T.c.project_id) if self.parts.needs_join else T

    def states_clause(self) -> list[Any]:
        if self.statuses is None:
            return []
        return [likely(T.c.status.in_(self.statuses))]

    def ranks_clause(self) -> list[Any]:
        return [likely(T.c.priority_rank.in_(self.parts.ranks))] if self.parts.ranks else []


def page_keys(
    conn: Connection, query: TaskQuery, parts: FilterParts, bound: KeyRow | None, limit: int
) -> list[KeyRow]:
    """The keys of up to ``limit`` tasks after ``bound`` (from the start when ``None``).

    The keys are ``key_exprs(query)``'s values; ``bound`` is one of them, from a cursor.
    """
    if conn.dialect.name == "postgresql":
        # A page reads at most a few thousand index entries; PostgreSQL still plans a walk
        # past a rare label as a parallel scan, whose workers took 20-30 ms to start (36 ms
        # for the page against 8 ms serial, 100k tasks). For this transaction only.
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
    plan = _plan(conn, query, parts)
    if plan.driven or query.sort in (SortField.CREATED, SortField.UPDATED, SortField.TITLE):
        where = [*plan.where, *plan.states_clause(), *plan.ranks_clause()]
        return _walk(conn, plan, where, key_exprs(query), bound, limit)
    if query.sort == SortField.DUE:
        return _due(conn, plan, bound, limit)
    return _cells(conn, plan, bound, limit)


def shown_statuses(query: TaskQuery) -> list[str] | None:
    """The states a list keeps (``None``: every state)."""
    if query.statuses:
        return [s.value for s in query.statuses]
    if query.include_completed:
        return None
    return [s.value for s in TaskStatus if s not in RESOLVED_STATES]


def _plan(conn: Connection, query: TaskQuery, parts: FilterParts) -> _Plan:
    """The filters as clauses, each marked for the reading its share of the tasks calls for."""
    driver = _sparsest(conn, query, parts)
    where: list[Any] = []

    def mark(name: str, clause: Any) -> Any:
        return unlikely(clause) if name == driver else likely(clause)

    one_project = parts.project_id is not None
    if parts.in_projects is not None:
        where.append(mark("projects", T.c.project_id.in_(parts.in_projects)))
    if one_project:
        # Creation order and the cells have an index that starts with the project: there the
        # project is a range, not a filter; elsewhere it is one like the others.
        clause = T.c.project_id == parts.project_id
        by_project_index = query.sort in (SortField.CREATED, SortField.PRIORITY, SortField.STATUS)
        where.append(clause if by_project_index and driver is None else mark("project", clause))
    if parts.milestone_id is not None:
        where.append(mark("milestone", T.c.milestone_id == parts.milestone_id))
    for label in parts.labels:
        if label == driver:
            where.append(unlikely(T.c.id.in_(select(L.c.task_id).where(L.c.label == label))))
        else:
            probe = exists().where(L.c.task_id == T.c.id, L.c.label == label)
            where.append(likely(probe))
    if parts.assignee:
        where.append(mark("assignee", T.c.assignee == parts.assignee))
    if parts.text is not None:
        where.append(parts.text)
    return _Plan(query, parts, where, shown_statuses(query), driven=driver is not None)


def _sparsest(conn: Connection, query: TaskQuery, parts: FilterParts) -> str | None:
    """The filter keeping the fewest tasks, if under ``SPARSE_ROWS`` (its name or label).

    Each candidate is counted on its own index, up to ``SPARSE_ROWS`` entries, selecting
    only the column that index holds (so no table row is read): cheap for every filter,
    however many tasks it keeps.

    SQLite only: PostgreSQL's statistics tell its planner which filters keep few tasks, and
    there the count itself cost more than the page (a sequential scan that stops after
    ``SPARSE_ROWS`` matches reads every row between them).
    """
    if conn.dialect.name != "sqlite":
        return None
    candidates: list[tuple[str, Any]] = [
        (label, select(L.c.task_id).where(L.c.label == label)) for label in parts.labels
    ]
    if parts.assignee:
        candidates.append(("assignee", select(T.c.assignee).where(T.c.assignee == parts.assignee)))
    if parts.milestone_id is not None:
        candidates.append(
            ("milestone", select(T.c.milestone_id).where(T.c.milestone_id == parts.milestone_id))
        )
    if parts.project_id is not None and query.sort not in (
        SortField.CREATED,
        SortField.PRIORITY,
        SortField.STATUS,
    ):
        one = T.c.project_id == parts.project_id
        candidates.append(("project", select(T.c.project_id).where(one)))
    if parts.in_projects is not None:
        in_projects = T.c.project_id.in_(parts.in_projects)
        candidates.append(("projects", select(T.c.project_id).where(in_projects)))
    best: tuple[int, str] | None = None
    for name, matches in candidates:
        counted = select(func.count()).select_from(matches.limit(SPARSE_ROWS).subquery())
        count = int(conn.execute(counted).scalar_one())
        if count < SPARSE_ROWS and (best is None or count < best[0]):
            best = (count, name)
    return None if best is None else best[1]


def _after(exprs: Sequence[Any], bound: KeyRow | None, descending: bool) -> list[Any]:
    """The keyset condition: rows strictly after ``bound`` in the list's direction."""
    if bound is None:
        return []
    values = tuple_(*(literal(v, e.type) for e, v in zip(exprs, bound, strict=True)))
    return [tuple_(*exprs) < values if descending else tuple_(*exprs) > values]


def _ordered(exprs: Sequence[Any], descending: bool) -> list[Any]:
    return [e.desc() if descending else e.asc() for e in exprs]


def _walk(
    conn: Connection,
    plan: _Plan,
    where: list[Any],
    exprs: Sequence[Any],
    bound: KeyRow | None,
    limit: int,
) -> list[KeyRow]:
    """Read ``exprs`` in order from the index that has them, from ``bound``, filtered."""
    descending = plan.query.descending
    query = (
        select(*exprs)
        .select_from(plan.base)
        .where(*where, *_after(exprs, bound, descending))
        .order_by(*_ordered(exprs, descending))
        .limit(limit)
    )
    return [tuple(row) for row in conn.execute(query)]


def _due(conn: Connection, plan: _Plan, bound: KeyRow | None, limit: int) -> list[KeyRow]:
    """By due date: the dated tasks through their partial index, then the undated ones.

    The undated sort as ``undated()`` (last, both directions), in creation order: a range of
    the creation index filtered by ``due_date IS NULL``.
    """
    where = [*plan.where, *plan.states_clause(), *plan.ranks_clause()]
    sentinel = undated(plan.query.descending)
    rows: list[KeyRow] = []
    tail_bound: KeyRow | None = None
    if bound is None or bound[0] != sentinel:
        dated = [T.c.due_date, *TAIL]
        rows = _walk(conn, plan, [*where, T.c.due_date.is_not(None)], dated, bound, limit)
        if len(rows) >= limit:
            return rows
    else:
        tail_bound = bound[1:]
    rest = _walk(conn, plan, [*where, T.c.due_date.is_(None)], TAIL, tail_bound, limit - len(rows))
    return rows + [(sentinel, *row) for row in rest]


def _cells(conn: Connection, plan: _Plan, bound: KeyRow | None, limit: int) -> list[KeyRow]:
    """By priority or state: one value after another, each the merge of its index ranges.

    A phase is one priority (by priority) or one state (by state); its ranges are the
    (state, priority) pairs with that value, each read in creation order from the card-order
    index, at most ``limit`` rows from the cursor. Phases before the cursor's are skipped.
    """
    query = plan.query
    statuses = plan.statuses if plan.statuses is not None else [s.value for s in TaskStatus]
    ranks = plan.parts.ranks or sorted(p.rank for p in Priority)
    by_priority = query.sort == SortField.PRIORITY
    phases: list[tuple[int, list[tuple[str, int]]]]
    if by_priority:
        phases = [(r, [(s, r) for s in statuses]) for r in ranks]
    else:
        by_order = sorted(statuses, key=STATUS_ORDER.__getitem__)
        phases = [(STATUS_ORDER[s], [(s, r) for r in ranks]) for s in by_order]
    if query.descending:
        phases.reverse()
    rows: list[KeyRow] = []
    for value, pairs in phases:
        tail_bound: KeyRow | None = None
        if bound is not None:
            passed = value > bound[0] if query.descending else value < bound[0]
            if passed:
                continue
            if value == bound[0]:
                tail_bound = bound[1:]
        want = limit - len(rows)
        found = _merge(conn, plan, pairs, tail_bound, want)
        rows.extend((value, *row) for row in found)
        if len(rows) >= limit:
            break
    return rows


def _merge(
    conn: Connection,
    plan: _Plan,
    pairs: list[tuple[str, int]],
    bound: KeyRow | None,
    limit: int,
) -> list[KeyRow]:
    """The first ``limit`` rows, in creation order, of the (state, priority) ranges merged.

    SQLite computes a row when it is fetched, so there the ranges are merged here, pulling
    from each only as far as the merged page reaches: under a filter that keeps one task in
    ten, five ranges cost the ~500 rows the page passes, not five times that. PostgreSQL
    reads a page of each range in one statement (one round trip) and merges them itself.
    """
    descending = plan.query.descending
    ranges = [
        select(*TAIL)
        .select_from(plan.base)
        .where(
            T.c.status == status,
            T.c.priority_rank == rank,
            *plan.where,
            *_after(TAIL, bound, descending),
        )
        .order_by(*_ordered(TAIL, descending))
        .limit(limit)
        for status, rank in pairs
    ]
    if conn.dialect.name == "sqlite" or len(ranges) == 1:
        streams = [(tuple(row) for row in conn.execute(one)) for one in ranges]
        return list(itertools.islice(heapq.merge(*streams, reverse=descending), limit))
    merged = union_all(*(select(*one.subquery().c) for one in ranges)).subquery()
    cols = [merged.c.created_at, merged.c.number, merged.c.id]
    query = select(*cols).order_by(*_ordered(cols, descending)).limit(limit)
    return [tuple(row) for row in conn.execute(query)]
