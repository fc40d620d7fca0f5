"""PostgreSQL's plain import as one autocommit statement: numbers, tasks and events at once.

A producer feeding the queue (a CI job, a script, pgqueuer's benchmark shape) adds a few
plain tasks at a time. On the general path (``bulk_import``) an import of 10 such tasks is
a pre-ping, BEGIN, the project lock, the number allocation, the tasks insert, the events
and COMMIT: 12–15 ms, so one producer could not feed more than ~800 tasks/s to the workers.
Here it is one round trip on the fast path's connections (``pg_fast.PgFastPath``), ~1 ms.

Only *plain* batches take it: one project that already exists, and no blockers, labels,
milestone, parent, external id or command on any item, that is, nothing ``bulk_import``
would have to look up, validate against stored rows, write to another table or approve.
Everything else, and a project that is missing (the general path creates the inbox or names
the nearest match), goes the general way. Both write the same rows and the same
``task.created`` events.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from core.domain.approval import command_text
from core.domain.commands import TaskImportItem
from core.domain.identifiers import format_ref
from core.domain.models import TaskStatus
from core.domain.views import ImportResult
from core.store.bulk_import import IMPORTED_AS_BLOCKED
from core.store.context import TxContext
from core.store.lookup import project_match
from core.store.pg_fast import PgFastPath, fetch_retrying

IMPORT = """
WITH target AS (
    SELECT id FROM projects
    WHERE id = $1 OR slug = $2 OR key = $3
    ORDER BY CASE WHEN id = $1 THEN 0 WHEN $4 AND key = $3 THEN 1 WHEN slug = $2 THEN 2
                  ELSE 3 END
    LIMIT 1
), proj AS (
    UPDATE projects AS p SET task_seq = p.task_seq + $5
    WHERE p.id = (SELECT id FROM target)
    RETURNING p.id, p.key, p.task_seq - $5 AS base
), input AS (
    SELECT * FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                         $11::int[], $12::text[], $13::text[], $14::text[], $15::text[],
                         $16::text[], $17::text[], $18::text[], $19::text[], $20::float8[],
                         $21::date[], $22::text[])
        WITH ORDINALITY AS i(id, title, description, task_type, priority, priority_rank,
                             status, acceptance_criteria, context_files, meta,
                             pipeline_template, blocked_reason, source, assignee,
                             effort_estimate, due_date, event_id, ord)
), created AS (
    INSERT INTO tasks (id, project_id, number, title, title_key, description, task_type,
                       priority, priority_rank, status, labels, acceptance_criteria,
                       context_files, meta, pipeline_template, retry_count, blocked_reason,
                       source, assignee, effort_estimate, due_date, unresolved_blockers,
                       version, created_at, updated_at, completed_at)
    SELECT i.id, p.id, p.base + i.ord, i.title, lower(i.title), i.description, i.task_type,
           i.priority, i.priority_rank, i.status, '[]'::jsonb, i.acceptance_criteria::jsonb,
           i.context_files::jsonb, i.meta::jsonb, i.pipeline_template, 0,
           i.blocked_reason::jsonb, i.source, i.assignee, i.effort_estimate, i.due_date, 0, 1,
           $23, $23, CASE WHEN i.status = 'done' THEN $23::timestamptz END
    FROM input AS i CROSS JOIN proj AS p
    ORDER BY i.ord
    RETURNING id, number
), new_events AS (
    INSERT INTO events (id, type, task_id, project_id, actor, at, payload)
    SELECT i.event_id, 'task.created', c.id, p.id, $24, $23,
        jsonb_build_object('ref', p.key || '-' || c.number, 'title', i.title,
                           'status', i.status, 'priority', i.priority,
                           'task_type', i.task_type, 'blocked_by', '[]'::jsonb,
                           'external_id', NULL, 'source', i.source, 'imported', true)
    FROM created AS c JOIN input AS i ON i.id = c.id CROSS JOIN proj AS p
    ORDER BY c.number
)
SELECT key, base FROM proj
"""
"""Create the tasks $6.. in the project named $1..$4 (``lookup.project_match``: id, then key
or slug first by case, as ``lookup.find_project`` matches), numbered after its ``task_seq``;
their ``task.created`` events; one commit. No row when no project matches: nothing was written.
"""

MANUAL_BLOCK = json.dumps(IMPORTED_AS_BLOCKED)


def is_plain(items: Sequence[TaskImportItem], project_ref: str | None) -> bool:
    """Whether ``import_plain`` can take ``items``: one project, nothing to look up."""
    if not items:
        return False
    refs = {item.project or project_ref for item in items}
    return len(refs) == 1 and not any(
        item.blocked_by
        or item.labels
        or item.external_id is not None
        or item.milestone
        or item.parent_external_id is not None
        or command_text(item.metadata) is not None
        for item in items
    )


async def import_plain(
    fast: PgFastPath, ctx: TxContext, items: Sequence[TaskImportItem], project_ref: str | None
) -> ImportResult | None:
    """Create plain ``items`` (see ``is_plain``) in one statement; ``None`` if no project matched.

    ``None`` means nothing was written: the general path then creates the default project or
    raises the ``NotFoundError`` with suggestions.
    """
    match = project_match(items[0].project or project_ref)
    rows = await fetch_retrying(
        fast,
        IMPORT,
        *match,
        len(items),
        [ctx.new_id() for _ in items],
        [i.title for i in items],
        [i.description for i in items],
        [i.task_type for i in items],
        [i.priority.value for i in items],
        [i.priority.rank for i in items],
        [i.status.value for i in items],
        [json.dumps(i.acceptance_criteria) for i in items],
        [json.dumps(i.context_files) for i in items],
        [json.dumps(i.metadata) for i in items],
        [i.pipeline_template for i in items],
        [MANUAL_BLOCK if i.status == TaskStatus.BLOCKED else None for i in items],
        [i.source.value for i in items],
        [i.assignee for i in items],
        [i.effort_estimate for i in items],
        [i.due_date for i in items],
        [ctx.new_id() for _ in items],
        ctx.now,
        ctx.actor,
    )
    if not rows:
        return None
    key, base = rows[0]["key"], rows[0]["base"]
    return ImportResult(
        created=[format_ref(key, base + n) for n in range(1, len(items) + 1)],
        existing=[],
        edges=0,
        warnings=[],
    )
