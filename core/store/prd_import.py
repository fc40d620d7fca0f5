"""PRD import against the database: the re-import diff (preview) and the commit.

A plan (``core.prd.models.ImportPlan``) names every task by a stable ``key`` that is stored as
the task's ``external_id``, so importing the same document again is a diff, not a duplicate.

Commit semantics, all in the caller's one transaction (nothing is written if any step fails):

1. The plan is checked before anything is written (``prd_check.check_plan``): unique keys,
   parent, milestone and edge keys that name something in the plan, every field within the
   store's limits (a ``ValidationError`` names the task key and the field), and no
   dependency cycle among the plan's edges (``CycleError`` with the path of keys).
2. Milestones of the plan and ``options.milestone`` are found by slug or name, or created.
3. ``new`` tasks are created through the bulk importer (``bulk_import.import_tasks``): source
   ``prd_import``, ``external_id`` = key, parent by key, edges, refs, counters and events.
3a. ``renamed`` tasks (a stored task whose title, so key, changed in the document, matched by
   its words: ``core.prd.renames``) take their new key, and unless started the plan's fields,
   before the new tasks are created, so those can name them; their ref and history stay.
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

from sqlalchemy import Connection, RowMapping, select

from core.domain.commands import TaskImportItem, TaskPatch
from core.domain.identifiers import slugify
from core.domain.models import TaskStatus
from core.prd.models import (
    DiffKind,
    ImportJob,
    ImportJobStatus,
    ImportOptions,
    ImportPlan,
    ImportPreview,
    PlannedTask,
    PlanWarning,
    TaskDiff,
)
from core.prd.renames import Wording, match_renames
from core.store import bulk_import, graph_ops, import_jobs, task_ops
from core.store import tables as t
from core.store.context import TxContext
from core.store.graph_ops import ref_of
from core.store.lookup import (
    DEFAULT_PROJECT_SLUG,
    chunks,
    find_project,
    project_or_default,
)
from core.store.prd_check import META_KEY, check_plan, edges_by_task
from core.store.prd_flags import (
    CHANGED_IN_DOCUMENT,
    NOT_IN_DOCUMENT,
    removed_warning,
    started_warning,
    without_flags,
)
from core.store.project_ops import resolve_milestone

T, D, M = t.tasks, t.task_dependencies, t.milestones
S = TaskStatus

STARTED = frozenset({S.IN_PROGRESS, S.IN_REVIEW, S.DONE})
"""States in which a task's work has begun: an import never changes such a task."""

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
"""What a re-import compares, in the order ``changed_fields`` lists them (``diff_plan``).

The first seven are columns compared with the plan's value as it is; ``milestone``,
``dependencies`` and ``command`` (only when the plan gives one) have rules of their own."""


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


def _milestone_ref(task: PlannedTask, plan: ImportPlan, names: dict[str, str]) -> str | None:
    """The milestone a planned task belongs to, by name (slug or name for ``options``)."""
    if task.milestone_key is not None:
        return names[task.milestone_key]
    return plan.options.milestone


def diff_plan(plan: ImportPlan, items: dict[str, TaskImportItem], stored: Stored) -> list[TaskDiff]:
    """What committing would do with each planned task, then the tasks the plan dropped."""
    names = {m.key: m.name for m in plan.milestones}
    wanted_blockers = edges_by_task(plan)
    stored_key = _stored_keys(plan, items, stored)
    planned_key = {old: new for new, old in stored_key.items()}
    out: list[TaskDiff] = []
    for task in plan.tasks:
        key = stored_key.get(task.key)
        if key is None:
            out.append(TaskDiff(key=task.key, kind=DiffKind.NEW, title=task.title))
            continue
        row = stored.tasks[key]
        have = {planned_key.get(b, b) for b in stored.blockers.get(key, set())}
        differs = {
            "milestone": not _milestone_matches(row, _milestone_ref(task, plan, names)),
            "dependencies": set(wanted_blockers[task.key]) != have,
            # Only a document that gives a command changes it: a command set by hand on a task
            # whose document has none is the person's, and stays.
            "command": task.command is not None
            and (row["meta"] or {}).get("command") != task.command,
        }
        item = items[task.key]
        changed = [
            name
            for name in COMPARED_FIELDS
            if (differs[name] if name in differs else row[name] != getattr(item, name))
            and not (name == "labels" and without_flags(row[name]) == item.labels)
        ]
        renamed = key != task.key
        kind = DiffKind.RENAMED if renamed else DiffKind.CHANGED if changed else DiffKind.UNCHANGED
        out.append(
            TaskDiff(
                key=task.key,
                kind=kind,
                title=task.title,
                ref=ref_of(row),
                changed_fields=changed,
                previous_key=key if renamed else None,
                previous_title=row["title"] if renamed else None,
                started=S(row["status"]) in STARTED,
            )
        )
    for key, row in sorted(stored.tasks.items(), key=lambda kv: kv[1]["number"]):
        if key in planned_key:
            continue
        out.append(
            TaskDiff(
                key=key,
                kind=DiffKind.REMOVED,
                title=row["title"],
                ref=ref_of(row),
                started=S(row["status"]) in STARTED,
            )
        )
    return out


def _stored_keys(
    plan: ImportPlan, items: dict[str, TaskImportItem], stored: Stored
) -> dict[str, str]:
    """``planned key -> stored key``: the same key, or a stored task renamed in the document."""
    same = {task.key: task.key for task in plan.tasks if task.key in stored.tasks}
    planned = {task.key for task in plan.tasks}
    new = [
        Wording(task.key, task.title, items[task.key].description or "")
        for task in plan.tasks
        if task.key not in same
    ]
    gone = [
        Wording(key, row["title"], row["description"] or "")
        for key, row in stored.tasks.items()
        if key not in planned
    ]
    return same | match_renames(new, gone)


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


@dataclass
class _Commit:
    """A plan being committed: what its phases read, and what they did (for the job)."""

    plan: ImportPlan
    items: dict[str, TaskImportItem]
    project_id: str
    stored: Stored
    diffs: list[TaskDiff]
    milestone_ids: dict[str, str]
    """Plan milestone key -> milestone id."""
    extra_milestone: str | None
    """The id of ``options.milestone``, for tasks the plan puts in no milestone."""
    approve_commands: bool
    wanted: dict[str, list[str]] = field(init=False)
    """Task key -> keys of its blockers, as the plan has them."""
    ids: dict[str, str] = field(default_factory=dict)
    """Task key -> task id, for the new and the stored tasks."""
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    warnings: list[PlanWarning] = field(init=False)
    edges_added: int = 0
    edges_removed: int = 0
    readied: int = 0

    def __post_init__(self) -> None:
        self.wanted = edges_by_task(self.plan)
        self.warnings = list(self.plan.warnings)

    def milestone_of(self, task: PlannedTask) -> str | None:
        """The id of the milestone a planned task goes into."""
        if task.milestone_key is not None:
            return self.milestone_ids[task.milestone_key]
        return self.extra_milestone


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
    project_id = str(project["id"])
    stored = load_stored(conn, project, plan)
    diffs = diff_plan(plan, items, stored)
    milestone_ids, extra_milestone = _resolve_milestones(conn, ctx, project_id, plan)
    commit = _Commit(
        plan, items, project_id, stored, diffs, milestone_ids, extra_milestone, approve_commands
    )
    _rename(conn, ctx, commit)
    _create_new(conn, ctx, commit)
    _update_changed(conn, ctx, commit)
    if plan.options.auto_ready:
        _ready_backlog(conn, ctx, commit)
    return _record(conn, ctx, commit)


def _create_new(conn: Connection, ctx: TxContext, c: _Commit) -> None:
    """New tasks, through the bulk importer (refs, counters, parents, edges, parking, events)."""
    kinds = {d.key: d.kind for d in c.diffs}
    status = S.READY if c.plan.options.auto_ready else S.BACKLOG
    new_items = [
        c.items[task.key].model_copy(
            update={
                "status": status,
                "blocked_by": c.wanted[task.key],
                "parent_external_id": task.parent_key,
                "milestone": c.milestone_of(task),
            }
        )
        for task in c.plan.tasks
        if kinds[task.key] == DiffKind.NEW
    ]
    if new_items:
        result = bulk_import.import_tasks(
            conn, ctx, new_items, c.project_id, approve_commands=c.approve_commands
        )
        c.edges_added += result.edges
        c.ids = _ids_by_key(conn, c.project_id, [str(i.external_id) for i in new_items])
        c.created = [c.ids[str(i.external_id)] for i in new_items]
    c.ids.update({k: str(r["id"]) for k, r in c.stored.tasks.items()})
    c.ids.update({d.key: c.ids[d.previous_key] for d in c.diffs if d.previous_key})


def _update_changed(conn: Connection, ctx: TxContext, c: _Commit) -> None:
    """Changed tasks that have not started take the plan's fields and edges.

    Started and removed ones are flagged, with a warning, instead. Renamed ones took their
    fields and new key before the new tasks were created (``_rename``): here they follow the
    plan's edges, which may name new tasks.
    """
    for d in c.diffs:
        if d.kind == DiffKind.UNCHANGED:
            _unflag(conn, ctx, c, c.stored.tasks[d.key])
        if d.kind not in (DiffKind.CHANGED, DiffKind.REMOVED, DiffKind.RENAMED):
            continue
        row = c.stored.tasks[d.previous_key or d.key]
        if d.kind == DiffKind.REMOVED or d.started:
            _flag(conn, ctx, c, d, row)
            c.flagged.append(str(row["id"]))
            c.warnings.append(
                removed_warning(d, row) if d.kind == DiffKind.REMOVED else started_warning(d, row)
            )
            continue
        if d.kind == DiffKind.CHANGED and (fields := _plan_fields(c, d, row)):
            _patch(conn, ctx, c, row, fields)
        if "dependencies" in d.changed_fields:
            _follow_edges(conn, ctx, c, d)
        c.updated.append(str(row["id"]))


def _rename(conn: Connection, ctx: TxContext, c: _Commit) -> None:
    """Renamed tasks take their new key, and unless started the plan's fields, first.

    So a new task of the plan can name one as its blocker or parent by its new key.

    The key changes even on a started task: it is the import's bookkeeping (the next import
    finds the task by it), not the person's work.
    """
    for d in c.diffs:
        if d.kind != DiffKind.RENAMED or d.previous_key is None:
            continue
        row = c.stored.tasks[d.previous_key]
        fields = {} if d.started else _plan_fields(c, d, row)
        _patch(conn, ctx, c, row, fields | {"external_id": d.key})


def _plan_fields(c: _Commit, d: TaskDiff, row: RowMapping) -> dict[str, Any]:
    """The fields of a stored task that the plan changes, as a ``TaskPatch`` takes them.

    The document's labels replace the stored ones, but the flag ``changed-in-document`` stays:
    a person takes it off.
    """
    task = next(t for t in c.plan.tasks if t.key == d.key)
    item = c.items[d.key]
    fields: dict[str, Any] = {
        name: getattr(item, name) for name in d.changed_fields if name in TaskPatch.model_fields
    }
    if "labels" in fields and CHANGED_IN_DOCUMENT in (row["labels"] or ()):
        fields["labels"] = [*item.labels, CHANGED_IN_DOCUMENT]
    elif NOT_IN_DOCUMENT in (row["labels"] or ()):
        fields["labels"] = [x for x in row["labels"] if x != NOT_IN_DOCUMENT]
    if "milestone" in d.changed_fields:
        fields["milestone"] = c.milestone_of(task)
    if "command" in d.changed_fields:
        fields["metadata"] = {**(row["meta"] or {}), "command": task.command}
    return fields


def _flag(conn: Connection, ctx: TxContext, c: _Commit, d: TaskDiff, row: RowMapping) -> None:
    """Label a kept task that the document dropped, or changed after its work began."""
    flag = NOT_IN_DOCUMENT if d.kind == DiffKind.REMOVED else CHANGED_IN_DOCUMENT
    have = list(row["labels"] or ())
    # A changed task is in the document: an earlier "not-in-document" no longer holds.
    want = [x for x in have if x != NOT_IN_DOCUMENT] if flag == CHANGED_IN_DOCUMENT else have
    if flag not in want:
        want = [*want, flag]
    if want != have:
        # A renamed task was given its new key first, a version ago.
        version = row["version"] + (d.kind == DiffKind.RENAMED)
        task_ops.update_task(
            conn, ctx, str(row["id"]), TaskPatch(labels=want), expected_version=version
        )


def _unflag(conn: Connection, ctx: TxContext, c: _Commit, row: RowMapping) -> None:
    """A task back in the document as it is loses ``not-in-document``."""
    if NOT_IN_DOCUMENT in (row["labels"] or ()):
        labels = [x for x in row["labels"] if x != NOT_IN_DOCUMENT]
        _patch(conn, ctx, c, row, {"labels": labels})


def _patch(conn: Connection, ctx: TxContext, c: _Commit, row: RowMapping, fields: Any) -> None:
    """Update a stored task, versioned against the row the diff read."""
    task_ops.update_task(
        conn,
        ctx,
        str(row["id"]),
        TaskPatch(**fields),
        expected_version=row["version"],
        approve_commands=c.approve_commands,
    )


def _follow_edges(conn: Connection, ctx: TxContext, c: _Commit, d: TaskDiff) -> None:
    """Give a stored task the blockers the plan names, and drop those the plan no longer does."""
    key = d.key
    renamed = {x.previous_key: x.key for x in c.diffs if x.previous_key}
    have = {renamed.get(b, b) for b in c.stored.blockers.get(d.previous_key or key, set())}
    for blocker in c.wanted[key]:
        if blocker not in have:
            graph_ops.add_dependency(conn, ctx, c.ids[key], c.ids[blocker])
            c.edges_added += 1
    for blocker in sorted(have - set(c.wanted[key])):
        graph_ops.remove_dependency(conn, ctx, c.ids[key], c.ids[blocker])
        c.edges_removed += 1


def _ready_backlog(conn: Connection, ctx: TxContext, c: _Commit) -> None:
    """``auto_ready`` for the tasks of earlier imports still waiting in backlog."""
    for d in c.diffs:
        if d.kind in (DiffKind.CHANGED, DiffKind.UNCHANGED, DiffKind.RENAMED) and not d.started:
            task_id = c.ids[d.key]
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
                c.readied += 1


def _record(conn: Connection, ctx: TxContext, c: _Commit) -> ImportJob:
    """The ``import_jobs`` row and the ``import.committed`` event, written last."""
    row = import_jobs.write_job(
        conn,
        ctx,
        c.plan,
        c.project_id,
        ImportJobStatus.COMMITTED,
        edge_count=sum(len(v) for v in c.wanted.values()),
        warnings=c.warnings,
        created=c.created,
        updated=c.updated,
        flagged=c.flagged,
    )
    ctx.emit(
        "import.committed",
        project_id=c.project_id,
        payload={
            "job_id": row["id"],
            "source": c.plan.source,
            "source_key": c.plan.source_key,
            "created": len(c.created),
            "updated": len(c.updated),
            "flagged": len(c.flagged),
            "unchanged": sum(1 for d in c.diffs if d.kind == DiffKind.UNCHANGED),
            "renamed": sum(1 for d in c.diffs if d.kind == DiffKind.RENAMED),
            "edges_added": c.edges_added,
            "edges_removed": c.edges_removed,
            "readied": c.readied,
        },
    )
    return import_jobs.job_from_row(conn, row)


def _ids_by_key(conn: Connection, project_id: str, keys: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in chunks(list(keys)):
        query = select(T.c.id, T.c.external_id).where(
            T.c.project_id == project_id, T.c.external_id.in_(part)
        )
        out.update({r.external_id: r.id for r in conn.execute(query)})
    return out
