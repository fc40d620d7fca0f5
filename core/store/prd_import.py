"""PRD import against the database: the re-import diff (preview) and the commit.

A plan (``core.prd.models.ImportPlan``) names every task by a stable ``key`` that is stored as
the task's ``external_id``, so importing the same document again is a diff, not a duplicate.

Commit semantics, all in the caller's one transaction (nothing is written if any step fails):

1. The plan is checked before anything is written: unique keys, parent, milestone and edge
   keys that name something in the plan, every field within the store's limits (a
   ``ValidationError`` names the task key and the field), and no dependency cycle among the
   plan's edges (``CycleError`` with the path of keys).
2. Milestones of the plan and ``options.milestone`` are found by slug or name, or created.
3. ``new`` tasks are created through the bulk importer (``bulk_import.import_tasks``): source
   ``prd_import``, ``external_id`` = key, parent by key, edges, refs, counters and events.
4. ``changed`` tasks that have not started are updated (versioned against the version the diff
   read; a concurrent edit is a ``ConflictError``), with their ``task.updated`` events.
5. Edges between tasks of this document follow the plan: missing ones are added, ones the
   document dropped are removed (the dependency machinery keeps counters and parking exact).
   Edges to tasks of other sources are never touched.
6. Started tasks (in progress, in review, done) are never modified: when the document changed
   them they are flagged. Tasks of an earlier import that the document no longer lists are
   kept as they are (an import never deletes work) and flagged too; both come with a warning.
7. ``auto_ready``: new and backlog tasks of the plan without unresolved blockers become ready;
   the others wait in blocked with a dependency reason and become ready by themselves when
   their last blocker resolves. Without it new tasks start in backlog.
8. The ``import_jobs`` row and an ``import.committed`` event are written last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, RowMapping, desc, insert, select

from core.domain import graph
from core.domain.commands import TaskImportItem, TaskPatch, parse
from core.domain.identifiers import slugify
from core.domain.models import TaskSource, TaskStatus
from core.errors import NotFoundError, TaskyardError, ValidationError
from core.prd.models import (
    DiffKind,
    ImportJob,
    ImportJobStatus,
    ImportOptions,
    ImportPlan,
    ImportPreview,
    PlannedMilestone,
    PlannedTask,
    PlanWarning,
    TaskDiff,
)
from core.store import bulk_import, graph_ops, task_ops
from core.store import tables as t
from core.store.context import TxContext
from core.store.graph_ops import refs_by_id
from core.store.lookup import (
    DEFAULT_PROJECT_SLUG,
    chunks,
    find_project,
    near_matches,
    project_or_default,
)
from core.store.project_ops import resolve_milestone

T, D, M, J = t.tasks, t.task_dependencies, t.milestones, t.import_jobs
S = TaskStatus

STARTED = frozenset({S.IN_PROGRESS, S.IN_REVIEW, S.DONE})
"""States in which a task's work has begun: an import never changes such a task."""

META_KEY = "prd_import"
"""Where a created task records its provenance in ``meta`` (source, source_key, section)."""

COMPARED_FIELDS = (
    "title",
    "description",
    "task_type",
    "priority",
    "labels",
    "acceptance_criteria",
    "context_files",
    "milestone",
    "dependencies",
    "command",
)
"""What a re-import compares, in the order ``changed_fields`` lists them (``command`` only
when the plan gives one)."""

MAX_MILESTONE_NAME = 200


# -- checking a plan ---------------------------------------------------------------------------
def _bad(key: str, field_name: str, message: str, hint: str | None = None) -> ValidationError:
    return ValidationError(
        f"Task {key!r}: {message}. Nothing was imported.",
        field=field_name,
        hint=hint or "Fix the plan (or the document) and commit again.",
        details={"key": key, "field": field_name},
    )


def _milestone_ref(task: PlannedTask, plan: ImportPlan, names: dict[str, str]) -> str | None:
    """The milestone a planned task belongs to, by name (slug or name for ``options``)."""
    if task.milestone_key is not None:
        return names[task.milestone_key]
    return plan.options.milestone


def check_plan(plan: ImportPlan) -> dict[str, TaskImportItem]:
    """Validate a plan as the store will write it; returns each task as an import item.

    The items carry no blockers, parent or milestone yet (the commit fills those in).

    Raises:
        ValidationError: naming the task key and the field (``details["key"]``).
        CycleError: the plan's edges form a cycle (the path of keys in the message).
    """
    tasks: dict[str, PlannedTask] = {}
    for task in plan.tasks:
        if task.key in tasks:
            raise _bad(task.key, "key", "the key appears twice in the plan")
        if not task.key or len(task.key) > 200:
            raise _bad(task.key, "key", "a key must be 1 to 200 characters long")
        tasks[task.key] = task
    milestones: dict[str, PlannedMilestone] = {}
    for m in plan.milestones:
        if not m.name.strip() or len(m.name) > MAX_MILESTONE_NAME or not slugify(m.name):
            raise _bad(m.key, "milestones.name", f"milestone name {m.name!r} is not usable")
        if m.due_date is not None:
            try:
                date.fromisoformat(m.due_date)
            except ValueError:
                raise _bad(
                    m.key, "milestones.due_date", f"due date {m.due_date!r} is not YYYY-MM-DD"
                ) from None
        milestones[m.key] = m
    for task in plan.tasks:
        if task.parent_key is not None and task.parent_key not in tasks:
            raise _bad(
                task.key, "parent_key", f"parent {task.parent_key!r} is not a task of this plan"
            )
        if task.milestone_key is not None and task.milestone_key not in milestones:
            raise _bad(
                task.key,
                "milestone_key",
                f"milestone {task.milestone_key!r} is not a milestone of this plan",
            )
    _check_parents(tasks)
    for edge in plan.edges:
        if edge.task_key not in tasks:
            raise _bad(edge.task_key, "task_key", "an edge names a task that is not in the plan")
        if edge.blocker_key not in tasks:
            raise _bad(
                edge.task_key,
                "blocker_key",
                f"blocker {edge.blocker_key!r} is not a task of this plan",
            )
    cycle = graph.find_cycle(_edges_by_task(plan))
    if cycle is not None:
        err = graph.cycle_error(cycle, label=lambda k: f"{k} ({tasks[k].title})")
        err.message += " Nothing was imported."
        err.hint = "Drop one of the edges on that path from the plan and commit again."
        raise err
    items: dict[str, TaskImportItem] = {}
    for task in plan.tasks:
        data = {
            "title": task.title,
            "description": task.description,
            "task_type": task.task_type,
            "priority": task.priority,
            "labels": task.labels,
            "acceptance_criteria": task.acceptance_criteria,
            "context_files": task.context_files,
            "external_id": task.key,
            "metadata": {
                META_KEY: {
                    "source": plan.source,
                    "source_key": plan.source_key,
                    "section_path": task.source.section_path,
                    "lines": [task.source.line_start, task.source.line_end],
                },
                **({"command": task.command} if task.command is not None else {}),
            },
            "source": TaskSource.PRD_IMPORT,
        }
        try:
            items[task.key] = parse(TaskImportItem, data)
        except ValidationError as exc:
            raise _bad(task.key, exc.field or "task", exc.message.rstrip(".")) from exc
    return items


def _check_parents(tasks: dict[str, PlannedTask]) -> None:
    for start in tasks:
        seen = {start}
        current = tasks[start].parent_key
        while current is not None:
            if current in seen:
                raise _bad(start, "parent_key", "its parents form a loop")
            seen.add(current)
            current = tasks[current].parent_key


def _edges_by_task(plan: ImportPlan) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {task.key: [] for task in plan.tasks}
    for edge in plan.edges:
        if edge.blocker_key not in out[edge.task_key]:
            out[edge.task_key].append(edge.blocker_key)
    return out


# -- what is stored ----------------------------------------------------------------------------
@dataclass
class Stored:
    """The tasks of earlier imports of this document in the target project, and their edges."""

    project: RowMapping | None
    tasks: dict[str, RowMapping] = field(default_factory=dict)
    """``key -> task row`` (with ``ms_slug`` and ``ms_name`` of its milestone)."""
    blockers: dict[str, set[str]] = field(default_factory=dict)
    """``key -> keys of its blockers`` that are tasks of this document."""
    by_id: dict[str, str] = field(default_factory=dict)
    """``task id -> key``."""


def _task_query() -> Any:
    return select(
        T.c.id,
        T.c.number,
        T.c.title,
        T.c.description,
        T.c.task_type,
        T.c.priority,
        T.c.status,
        T.c.labels,
        T.c.acceptance_criteria,
        T.c.context_files,
        T.c.meta,
        T.c.external_id,
        T.c.milestone_id,
        T.c.version,
        t.projects.c.key,
        M.c.slug.label("ms_slug"),
        M.c.name.label("ms_name"),
    ).select_from(
        T.join(t.projects, t.projects.c.id == T.c.project_id).outerjoin(
            M, M.c.id == T.c.milestone_id
        )
    )


def load_stored(conn: Connection, project: RowMapping | None, plan: ImportPlan) -> Stored:
    """Read the tasks a plan's keys name, plus earlier tasks of the same ``source_key``."""
    stored = Stored(project=project)
    if project is None:
        return stored
    pid = project["id"]
    rows: dict[str, RowMapping] = {}
    keys = [task.key for task in plan.tasks]
    for part in chunks(keys):
        query = _task_query().where(T.c.project_id == pid, T.c.external_id.in_(part))
        rows.update({r["external_id"]: r for r in conn.execute(query).mappings()})
    if plan.source_key:
        query = _task_query().where(
            T.c.project_id == pid, T.c.external_id.startswith(plan.source_key, autoescape=True)
        )
        for r in conn.execute(query).mappings():
            recorded = (r["meta"] or {}).get(META_KEY, {}).get("source_key")
            # LIKE ignores case on SQLite: compare exactly here.
            if r["external_id"].startswith(plan.source_key) and recorded in (None, plan.source_key):
                rows.setdefault(r["external_id"], r)
    stored.tasks = rows
    stored.by_id = {r["id"]: k for k, r in rows.items()}
    stored.blockers = {k: set() for k in rows}
    for part in chunks(sorted(stored.by_id)):
        for e in conn.execute(select(D.c.task_id, D.c.blocker_id).where(D.c.task_id.in_(part))):
            if e.blocker_id in stored.by_id:
                stored.blockers[stored.by_id[e.task_id]].add(stored.by_id[e.blocker_id])
    return stored


def _milestone_matches(row: RowMapping, wanted: str | None) -> bool:
    if wanted is None:
        return row["milestone_id"] is None
    if row["milestone_id"] is None:
        return False
    text = wanted.strip()
    return (
        row["milestone_id"] == text
        or row["ms_slug"] in (text.lower(), slugify(text))
        or str(row["ms_name"]).casefold() == text.casefold()
    )


def diff_plan(plan: ImportPlan, items: dict[str, TaskImportItem], stored: Stored) -> list[TaskDiff]:
    """What committing would do with each planned task, then the tasks the plan dropped."""
    names = {m.key: m.name for m in plan.milestones}
    wanted_blockers = _edges_by_task(plan)
    out: list[TaskDiff] = []
    for task in plan.tasks:
        row = stored.tasks.get(task.key)
        if row is None:
            out.append(TaskDiff(key=task.key, kind=DiffKind.NEW, title=task.title))
            continue
        item = items[task.key]
        current: dict[str, Any] = {
            "title": item.title,
            "description": item.description,
            "task_type": item.task_type,
            "priority": item.priority.value,
            "labels": item.labels,
            "acceptance_criteria": item.acceptance_criteria,
            "context_files": item.context_files,
        }
        changed = [name for name, value in current.items() if row[name] != value]
        if not _milestone_matches(row, _milestone_ref(task, plan, names)):
            changed.append("milestone")
        if set(wanted_blockers[task.key]) != stored.blockers.get(task.key, set()):
            changed.append("dependencies")
        # Only a document that gives a command changes it: a command set by hand on a task
        # whose document has none is the person's, and stays.
        if task.command is not None and (row["meta"] or {}).get("command") != task.command:
            changed.append("command")
        out.append(
            TaskDiff(
                key=task.key,
                kind=DiffKind.CHANGED if changed else DiffKind.UNCHANGED,
                title=task.title,
                ref=f"{row['key']}-{row['number']}",
                changed_fields=changed,
                started=S(row["status"]) in STARTED,
            )
        )
    planned = {task.key for task in plan.tasks}
    for key, row in sorted(stored.tasks.items(), key=lambda kv: kv[1]["number"]):
        if key in planned:
            continue
        out.append(
            TaskDiff(
                key=key,
                kind=DiffKind.REMOVED,
                title=row["title"],
                ref=f"{row['key']}-{row['number']}",
                started=S(row["status"]) in STARTED,
            )
        )
    return out


def _find_project_for_preview(conn: Connection, options: ImportOptions) -> RowMapping | None:
    """The target project without creating the default one (a preview writes nothing)."""
    if options.project is not None:
        return find_project(conn, options.project)
    query = select(t.projects).where(t.projects.c.slug == DEFAULT_PROJECT_SLUG)
    return conn.execute(query).mappings().first()


def preview_plan(conn: Connection, plan: ImportPlan) -> ImportPreview:
    """The plan with its diff against the database; reads only.

    Raises:
        ValidationError: the plan's data is unusable (task key and field named).
        CycleError: the plan's edges form a cycle.
        NotFoundError: ``options.project`` names no project.
    """
    items = check_plan(plan)
    stored = load_stored(conn, _find_project_for_preview(conn, plan.options), plan)
    return ImportPreview(plan=plan, diff=diff_plan(plan, items, stored))


# -- commit ------------------------------------------------------------------------------------
def _resolve_milestones(
    conn: Connection, ctx: TxContext, project_id: str, plan: ImportPlan
) -> tuple[dict[str, str], str | None]:
    """Ids of the plan's milestones (by key) and of ``options.milestone``, created if missing."""
    ids = {
        m.key: resolve_milestone(
            conn,
            ctx,
            project_id,
            m.name,
            create=True,
            due_date=None if m.due_date is None else date.fromisoformat(m.due_date),
        )
        for m in plan.milestones
    }
    extra = plan.options.milestone
    extra_id = resolve_milestone(conn, ctx, project_id, extra, create=True) if extra else None
    return ids, extra_id


def commit_plan(
    conn: Connection, ctx: TxContext, plan: ImportPlan, *, approve_commands: bool = False
) -> ImportJob:
    """Apply a plan (see the module docstring for exactly what that means).

    Commands the plan sets (``metadata.command``) are approved by the actor only with
    ``approve_commands``: by default they wait for someone to approve them, however the
    engine treats its actor's own edits.

    Raises:
        ValidationError: bad plan data, naming the task key and the field; nothing written.
        CycleError: the plan's edges, or the plan together with stored edges, form a cycle.
        ConflictError: a task to update changed while the import was being committed.
        NotFoundError: ``options.project`` names no project.
    """
    items = check_plan(plan)
    project = project_or_default(conn, ctx, plan.options.project, lock=True)
    pid = str(project["id"])
    stored = load_stored(conn, project, plan)
    diffs = diff_plan(plan, items, stored)
    kinds = {d.key: d for d in diffs}
    milestone_ids, extra_milestone = _resolve_milestones(conn, ctx, pid, plan)
    wanted = _edges_by_task(plan)
    planned = {task.key: task for task in plan.tasks}

    def milestone_of(task: PlannedTask) -> str | None:
        if task.milestone_key is not None:
            return milestone_ids[task.milestone_key]
        return extra_milestone

    # New tasks: the bulk importer (refs, counters, parents, edges, parking, events).
    status = S.READY if plan.options.auto_ready else S.BACKLOG
    new_items = [
        items[task.key].model_copy(
            update={
                "status": status,
                "blocked_by": wanted[task.key],
                "parent_external_id": task.parent_key,
                "milestone": milestone_of(task),
            }
        )
        for task in plan.tasks
        if kinds[task.key].kind == DiffKind.NEW
    ]
    edges_added = edges_removed = 0
    created_ids: list[str] = []
    if new_items:
        result = bulk_import.import_tasks(
            conn, ctx, new_items, pid, approve_commands=approve_commands
        )
        edges_added += result.edges
        ids = _ids_by_key(conn, pid, [str(i.external_id) for i in new_items])
        created_ids = [ids[str(i.external_id)] for i in new_items]
    else:
        ids = {}
    ids.update({k: str(r["id"]) for k, r in stored.tasks.items()})

    # Changed tasks that have not started: their fields, then their edges.
    updated: list[str] = []
    flagged: list[str] = []
    warnings = list(plan.warnings)
    for d in diffs:
        if d.kind not in (DiffKind.CHANGED, DiffKind.REMOVED):
            continue
        row = stored.tasks[d.key]
        if d.kind == DiffKind.REMOVED:
            flagged.append(str(row["id"]))
            warnings.append(_removed_warning(d, row))
            continue
        if d.started:
            flagged.append(str(row["id"]))
            warnings.append(_started_warning(d, row))
            continue
        task = planned[d.key]
        item = items[d.key]
        fields: dict[str, Any] = {
            name: getattr(item, name) for name in d.changed_fields if name in TaskPatch.model_fields
        }
        if "milestone" in d.changed_fields:
            fields["milestone"] = milestone_of(task)
        if "command" in d.changed_fields:
            fields["metadata"] = {**(row["meta"] or {}), "command": task.command}
        if fields:
            task_ops.update_task(
                conn,
                ctx,
                str(row["id"]),
                TaskPatch(**fields),
                expected_version=row["version"],
                approve_commands=approve_commands,
            )
        if "dependencies" in d.changed_fields:
            have = stored.blockers.get(d.key, set())
            for blocker in wanted[d.key]:
                if blocker not in have:
                    graph_ops.add_dependency(conn, ctx, ids[d.key], ids[blocker])
                    edges_added += 1
            for blocker in sorted(have - set(wanted[d.key])):
                graph_ops.remove_dependency(conn, ctx, ids[d.key], ids[blocker])
                edges_removed += 1
        updated.append(str(row["id"]))

    # auto_ready for tasks of earlier imports still waiting in backlog.
    readied = 0
    if plan.options.auto_ready:
        for d in diffs:
            if d.kind in (DiffKind.CHANGED, DiffKind.UNCHANGED) and not d.started:
                task_id = ids[d.key]
                current = conn.execute(select(T.c.status).where(T.c.id == task_id)).scalar_one()
                if current == S.BACKLOG.value:
                    task_ops.transition_task(
                        conn,
                        ctx,
                        task_id,
                        S.READY,
                        reason="PRD import with auto_ready",
                        force=False,
                        when_unblocked=True,
                        expected_version=None,
                    )
                    readied += 1

    job_id = ctx.new_id()
    edge_count = sum(len(v) for v in wanted.values())
    row_values = {
        "id": job_id,
        "project_id": pid,
        "source": plan.source,
        "source_key": plan.source_key,
        "status": ImportJobStatus.COMMITTED.value,
        "task_count": len(plan.tasks),
        "edge_count": edge_count,
        "warnings": [w.model_dump(mode="json") for w in warnings],
        "created_task_ids": created_ids,
        "updated_task_ids": updated,
        "flagged_task_ids": flagged,
        "options": plan.options.model_dump(mode="json"),
        "actor": ctx.actor,
        "created_at": ctx.now,
    }
    conn.execute(insert(J).values(**row_values))
    ctx.emit(
        "import.committed",
        project_id=pid,
        payload={
            "job_id": job_id,
            "source": plan.source,
            "source_key": plan.source_key,
            "created": len(created_ids),
            "updated": len(updated),
            "flagged": len(flagged),
            "unchanged": sum(1 for d in diffs if d.kind == DiffKind.UNCHANGED),
            "edges_added": edges_added,
            "edges_removed": edges_removed,
            "readied": readied,
        },
    )
    return job_from_row(conn, row_values)


def record_failed_job(
    conn: Connection, ctx: TxContext, plan: ImportPlan, error: TaskyardError
) -> ImportJob | None:
    """Record a commit that failed (and was rolled back) as a ``failed`` job with the reason.

    Runs in a transaction of its own after the rollback, so ``import list`` shows the failure
    (event ``import.failed``). Returns ``None`` when there is no project to file it under (the
    plan named one that does not exist).
    """
    try:
        project = project_or_default(conn, ctx, plan.options.project)
    except NotFoundError:
        return None
    job_id = ctx.new_id()
    row_values = {
        "id": job_id,
        "project_id": str(project["id"]),
        "source": plan.source,
        "source_key": plan.source_key,
        "status": ImportJobStatus.FAILED.value,
        "task_count": len(plan.tasks),
        "edge_count": len(plan.edges),
        "warnings": [
            PlanWarning(
                code="import_failed",
                message=error.message,
                details={"code": error.code, "hint": error.hint},
            ).model_dump(mode="json")
        ],
        "created_task_ids": [],
        "updated_task_ids": [],
        "flagged_task_ids": [],
        "options": plan.options.model_dump(mode="json"),
        "actor": ctx.actor,
        "created_at": ctx.now,
    }
    conn.execute(insert(J).values(**row_values))
    ctx.emit(
        "import.failed",
        project_id=str(project["id"]),
        payload={"job_id": job_id, "source": plan.source, "error": error.message},
    )
    return job_from_row(conn, row_values)


def _ids_by_key(conn: Connection, project_id: str, keys: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in chunks(list(keys)):
        query = select(T.c.id, T.c.external_id).where(
            T.c.project_id == project_id, T.c.external_id.in_(part)
        )
        out.update({r.external_id: r.id for r in conn.execute(query)})
    return out


def _ref(row: RowMapping) -> str:
    return f"{row['key']}-{row['number']}"


def _started_warning(d: TaskDiff, row: RowMapping) -> PlanWarning:
    return PlanWarning(
        code="started_task_kept",
        message=f"{_ref(row)} {row['title']!r} is {S(row['status']).value}: the document "
        f"changed its {', '.join(d.changed_fields)}, but a started task is never changed by an "
        "import. Edit it by hand if the change still applies.",
        task_key=d.key,
        details={"ref": _ref(row), "status": row["status"], "changed_fields": d.changed_fields},
    )


def _removed_warning(d: TaskDiff, row: RowMapping) -> PlanWarning:
    return PlanWarning(
        code="removed_task_kept",
        message=f"{_ref(row)} {row['title']!r} is no longer in the document; it was kept as it "
        f"is ({S(row['status']).value}), because an import never deletes work. Cancel or "
        "delete it yourself if it is obsolete.",
        task_key=d.key,
        details={"ref": _ref(row), "status": row["status"], "started": d.started},
    )


# -- reading jobs ------------------------------------------------------------------------------
def job_from_row(conn: Connection, row: Any) -> ImportJob:
    """An ``import_jobs`` row as the model, with the refs of the tasks it created."""
    created = list(row["created_task_ids"] or [])
    refs = refs_by_id(conn, created) if created else {}
    return ImportJob(
        id=row["id"],
        source=row["source"],
        status=ImportJobStatus(row["status"]),
        task_count=row["task_count"],
        edge_count=row["edge_count"],
        warnings=[PlanWarning.model_validate(w) for w in row["warnings"] or []],
        created_task_ids=created,
        updated_task_ids=list(row["updated_task_ids"] or []),
        flagged_task_ids=list(row["flagged_task_ids"] or []),
        options=ImportOptions.model_validate(row["options"]),
        created_at=row["created_at"],
        source_key=row["source_key"],
        project_id=row["project_id"],
        actor=row["actor"],
        created_refs=[refs[i] for i in created if i in refs],
    )


def get_job(conn: Connection, job_id: str) -> ImportJob:
    """One import job by id.

    Raises:
        NotFoundError: no such job; suggests the nearest recent ids.
    """
    row = conn.execute(select(J).where(J.c.id == job_id.strip())).mappings().first()
    if row is not None:
        return job_from_row(conn, row)
    recent = [r.id for r in conn.execute(select(J.c.id).order_by(desc(J.c.created_at)).limit(50))]
    suggestions = near_matches(job_id.strip(), recent)
    hint = (
        "Did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
        if suggestions
        else "List imports with `taskyard import list`."
    )
    raise NotFoundError(
        f"No import job {job_id!r}.",
        hint=hint,
        details={"field": "job", "input": job_id, "suggestions": suggestions},
    )


def list_jobs(conn: Connection, limit: int) -> list[ImportJob]:
    """The newest ``limit`` import jobs, newest first."""
    query = select(J).order_by(desc(J.c.created_at), desc(J.c.id)).limit(max(1, limit))
    rows = list(conn.execute(query).mappings())
    return [job_from_row(conn, r) for r in rows]
