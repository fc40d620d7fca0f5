"""taskyard's tables as SQLAlchemy Core objects, with deterministic constraint names.

The names matter: migrations refer to them and ``store/errors.py`` recognises a violated
constraint by name to turn it into the right domain error.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from core.store.types import UtcDateTime, json_type

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ID = String(36)

projects = Table(
    "projects",
    metadata,
    Column("id", ID, primary_key=True),
    Column("slug", String(80), nullable=False, unique=True),  # stored lowercase
    Column("key", String(10), nullable=False, unique=True),  # stored uppercase
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("repo_path", Text),
    Column("task_seq", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
)

milestones = Table(
    "milestones",
    metadata,
    Column("id", ID, primary_key=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("slug", String(80), nullable=False),  # stored lowercase
    Column("name", String(200), nullable=False),
    Column("start_date", Date),
    Column("due_date", Date),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("project_id", "slug"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", ID, primary_key=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False),
    Column("number", Integer, nullable=False),  # the 42 of TY-42
    Column("title", String(500), nullable=False),
    # The title folded as ``store/folding.py`` folds it (0012), written with every title:
    # the task list's sort by title reads it through an index (an index on SQLite's
    # application fold function would break every other program that writes the file).
    Column("title_key", String(500), nullable=False, server_default=""),
    Column("description", Text, nullable=False, server_default=""),
    Column("task_type", String(40), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("priority_rank", SmallInteger, nullable=False),  # 0 critical .. 3 low: sort key
    Column("status", String(20), nullable=False),
    Column("labels", json_type(), nullable=False),
    Column("acceptance_criteria", json_type(), nullable=False),
    Column("context_files", json_type(), nullable=False),
    Column("meta", json_type(), nullable=False),
    Column("parent_id", ID, ForeignKey("tasks.id", ondelete="SET NULL")),
    Column("milestone_id", ID, ForeignKey("milestones.id", ondelete="SET NULL")),
    Column("pipeline_template", String(100)),
    Column("current_step", String(100)),
    Column("current_agent_id", String(100)),
    Column("retry_count", Integer, nullable=False, server_default="0"),
    # Runs that ended through no fault of the task (lease lost, worker stopped): 0009.
    Column("interruptions", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("blocked_reason", json_type()),
    Column("source", String(30), nullable=False),
    Column("external_id", String(200)),
    Column("assignee", String(100)),
    Column("effort_estimate", Float),
    Column("due_date", Date),
    # Blockers not yet done or cancelled: kept in the same transaction as every edge and
    # status change, so readiness is O(1) and the ready queue is one indexed query.
    Column("unresolved_blockers", Integer, nullable=False, server_default="0"),
    # A retried task waits in ready until then (the retry policy's backoff); NULL: at once.
    Column("not_before", UtcDateTime),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    # The command (``meta.command``) and its approval (0010): a worker runs a task's command
    # only while ``command_hash = command_approved_hash`` (core/domain/approval.py). The
    # hash follows every write of ``meta``; a changed text no longer matches what was
    # approved, so the approval lapses with no second write to forget.
    Column("command_hash", String(64)),
    Column("command_set_by", String(100)),
    Column("command_set_at", UtcDateTime),
    Column("command_approved_hash", String(64)),
    Column("command_approved_by", String(100)),
    Column("command_approved_at", UtcDateTime),
    UniqueConstraint("project_id", "number"),
    # The task list's default order (newest first) and its keyset cursor, over every project
    # and within one (migration 0011): without them every list page sorted every matching
    # task (~750 ms at 100,000).
    Index(None, "created_at", "number", "id"),
    Index(None, "project_id", "created_at", "number", "id"),
    # The list's other sorts (0012; ``store/list_plans.py``): by last change, by title, and
    # by due date over dated tasks only (the undated come last, read in creation order).
    # Sorts by priority and state read the card-order indexes below, a range per pair.
    Index(None, "updated_at", "created_at", "number", "id"),
    Index(None, "title_key", "created_at", "number", "id"),
    Index(
        None,
        "due_date",
        "created_at",
        "number",
        "id",
        sqlite_where=text("due_date IS NOT NULL"),
        postgresql_where=text("due_date IS NOT NULL"),
    ),
    # external_id is unique per project; NULLs never collide (both dialects).
    UniqueConstraint("project_id", "external_id"),
    # The queue and the board columns, in exactly ``queries.CARD_ORDER``: status, then
    # priority, then age (number orders an import's tasks, which share created_at), so no
    # query has to sort (migration 0002).
    Index(None, "status", "priority_rank", "created_at", "number", "id"),
    Index(None, "project_id", "status", "priority_rank", "created_at", "number", "id"),
    # Sparse columns: only rows with a value are indexed (migration 0006). Each entry is
    # rewritten on every status change on PostgreSQL, so indexing their NULLs is pure cost.
    *(
        Index(
            None,
            column,
            sqlite_where=text(f"{column} IS NOT NULL"),
            postgresql_where=text(f"{column} IS NOT NULL"),
        )
        for column in ("parent_id", "milestone_id", "assignee")
    ),
    # The claim order (scheduler order) over ready tasks only: it stays small however many
    # tasks are done, so a claim costs the same with 1,000 tasks or 1,000,000.
    Index(
        "ix_tasks_claim_order",
        "priority_rank",
        "created_at",
        "number",
        sqlite_where=text("status = 'ready'"),
        postgresql_where=text("status = 'ready'"),
    ),
)

# The offset list's default order exactly (newest first, ties by id ascending), with the
# state and priority its filters check: a deep page is skipped inside the index, no row
# read (migration 0014; ``queries.list_tasks``).
Index(
    "ix_tasks_newest_first",
    tasks.c.created_at.desc(),
    tasks.c.number.desc(),
    tasks.c.id,
    tasks.c.status,
    tasks.c.priority_rank,
)

task_dependencies = Table(
    "task_dependencies",
    metadata,
    Column("task_id", ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("blocker_id", ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "blocker_id", "task_id"),
)

task_labels = Table(
    "task_labels",
    metadata,
    Column("task_id", ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("label", String(50), primary_key=True),
    Index(None, "label", "task_id"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("task_id", ID, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("content_type", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "task_id"),
)

events = Table(
    "events",
    metadata,
    # INTEGER PRIMARY KEY on SQLite is the rowid: monotonic, and commit-ordered because
    # SQLite has one writer. PostgreSQL's numbers are drawn at insert time and commit in any
    # order: its followers wait out writers in flight (store/event_feed.py, migration 0007).
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("id", ID, nullable=False, unique=True),
    Column("type", String(60), nullable=False),
    Column("task_id", ID),  # no FK: the audit trail outlives deleted tasks
    Column("project_id", ID),
    Column("actor", String(100), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("payload", json_type(), nullable=False),
    Index(None, "task_id", "seq"),
)

import_jobs = Table(
    "import_jobs",
    metadata,
    # One committed PRD import (core/prd): what it created, updated and flagged, and how.
    Column("id", ID, primary_key=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("source", Text, nullable=False),
    Column("source_key", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("task_count", Integer, nullable=False),
    Column("edge_count", Integer, nullable=False),
    Column("warnings", json_type(), nullable=False),
    Column("created_task_ids", json_type(), nullable=False),
    Column("updated_task_ids", json_type(), nullable=False),
    Column("flagged_task_ids", json_type(), nullable=False),
    Column("options", json_type(), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # `import list` (newest first) and re-imports of one document into one project.
    Index(None, "created_at"),
    Index(None, "project_id", "source_key"),
)

runs = Table(
    "runs",
    metadata,
    # One attempt at a task by one worker (core/domain/runs.py).
    Column("id", ID, primary_key=True),
    Column("task_id", ID, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("worker_id", String(100), nullable=False),
    Column("claim_token", String(36), nullable=False),
    Column("lease_expires_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("step", String(100)),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("exit_code", Integer),
    Column("error", Text),
    Column("summary", Text),
    Column("step_index", Integer),  # 1-based position of `step` in the pipeline (0005)
    Column("step_count", Integer),
    # Output bytes that could not be stored (a marker in the log shows where): 0009.
    Column("lost_output_bytes", Integer, nullable=False, server_default="0"),
    # The backstop against double execution: at most one active run per task, whatever the
    # code above does (CLAIMS.md B1, "A database-level backstop").
    Index(
        "uq_runs_task_id_active",
        "task_id",
        unique=True,
        sqlite_where=text("status IN ('queued', 'running')"),
        postgresql_where=text("status IN ('queued', 'running')"),
    ),
    Index(None, "task_id", "attempt"),
    # Heartbeats (a worker's active runs) and the lease sweep (active runs by expiry): the
    # active runs only (0008). Queries spell the predicate literally
    # (``claims.fence.IS_ACTIVE_RUN``).
    Index(
        "ix_runs_worker_id_active",
        "worker_id",
        sqlite_where=text("status IN ('queued', 'running')"),
        postgresql_where=text("status IN ('queued', 'running')"),
    ),
    Index(
        "ix_runs_lease_expires_at_active",
        "lease_expires_at",
        sqlite_where=text("status IN ('queued', 'running')"),
        postgresql_where=text("status IN ('queued', 'running')"),
    ),
    # The monitor's recent runs and its last-hour counts (0005); finished runs only (0006).
    Index(
        None,
        "finished_at",
        sqlite_where=text("finished_at IS NOT NULL"),
        postgresql_where=text("finished_at IS NOT NULL"),
    ),
)

workers = Table(
    "workers",
    metadata,
    # A worker process: registered on start, heartbeating while it lives.
    Column("id", String(100), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("slots", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("last_heartbeat_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    # The lease the worker runs with, renewed by each heartbeat; NULL: the reader's (0015).
    Column("lease_seconds", Float, nullable=True),
)

run_steps = Table(
    "run_steps",
    metadata,
    # One step of a run's pipeline as it ran (0005).
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),  # 1-based (RunStep.index)
    Column("name", String(100), nullable=False),
    Column("profile", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("exit_code", Integer),
    Column("summary", Text),
)

log_chunks = Table(
    "log_chunks",
    metadata,
    # Output of a run or a quick run, numbered per owner from 1 (0005). The owner's fenced
    # write locks the owner row (PostgreSQL) or holds the single writer (SQLite), so seq =
    # max + 1 is race-free and a follower reading "after seq N" never skips a late commit.
    # No FK: the owner is a run or a quick run.
    Column("owner_id", ID, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("step", String(100)),
    Column("stream", String(10), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

quick_runs = Table(
    "quick_runs",
    metadata,
    # A one-off prompt or command run through a profile (0005); a task only when promoted.
    Column("id", ID, primary_key=True),
    Column("prompt", Text, nullable=False),
    Column("profile", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("exit_code", Integer),
    Column("result_summary", Text),
    Column("promoted_task_id", ID, ForeignKey("tasks.id", ondelete="SET NULL")),
    Index(None, "started_at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    # A bearer token of the server (0011). Only the secret's SHA-256 is kept: the secret is
    # 256 random bits, so a slow hash would add nothing but cost to every request.
    Column("id", ID, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),  # the actor of its changes
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("scope", String(10), nullable=False),
    Column("project_ids", json_type(), nullable=False),  # [] = every project
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("expires_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Column("last_used_at", UtcDateTime),
)

orchestrators = Table(
    "orchestrators",
    metadata,
    # An agent identity in a project (0013; task-management-api.md's "VP"): its name is the
    # assignee of the tasks it works; the user it acts for is kept as given.
    Column("id", ID, primary_key=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("role", String(200), nullable=False),
    Column("user_id", String(200), nullable=False),
    Column("user_name", String(200), nullable=False),
    Column("user_email", String(320), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    UniqueConstraint("project_id", "name"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # The first answer to a request sent with an ``Idempotency-Key`` (0011), per token, kept
    # a day. ``state``: pending (running), committed (its change is in), done (answered).
    Column("token_id", ID, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("attempt", ID, nullable=False),
    Column("state", String(10), nullable=False),
    Column("status_code", Integer),
    Column("body", Text),
    Column("headers", json_type()),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "created_at"),
)
