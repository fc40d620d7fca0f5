"""runs and workers: claims, leases and attempts; tasks.not_before; the claim-order index"""

import sqlalchemy as sa
from alembic import op

from core.store.migrations.columns import foreign_key

revision = "0004_runs"
down_revision = "0003_card_order_indexes"

ACTIVE = "status IN ('queued', 'running')"
READY = "status = 'ready'"


def upgrade() -> None:
    # A plain ADD COLUMN on both dialects (no table copy on SQLite).
    op.add_column("tasks", sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_tasks_claim_order",
        "tasks",
        ["priority_rank", "created_at", "number"],
        unique=False,
        sqlite_where=sa.text(READY),
        postgresql_where=sa.text(READY),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=100), nullable=False),
        sa.Column("claim_token", sa.String(length=36), nullable=False),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=100), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        foreign_key("runs", "task_id", "tasks", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_index(
        "uq_runs_task_id_active",
        "runs",
        ["task_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_index(op.f("ix_runs_task_id_attempt"), "runs", ["task_id", "attempt"])
    op.create_index(op.f("ix_runs_worker_id_status"), "runs", ["worker_id", "status"])
    op.create_index(op.f("ix_runs_status_lease_expires_at"), "runs", ["status", "lease_expires_at"])
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
    )


def downgrade() -> None:
    op.drop_table("workers")
    op.drop_index(op.f("ix_runs_status_lease_expires_at"), table_name="runs")
    op.drop_index(op.f("ix_runs_worker_id_status"), table_name="runs")
    op.drop_index(op.f("ix_runs_task_id_attempt"), table_name="runs")
    op.drop_index("uq_runs_task_id_active", table_name="runs")
    op.drop_table("runs")
    op.drop_index("ix_tasks_claim_order", table_name="tasks")
    # Native DROP COLUMN (SQLite >= 3.35, PostgreSQL): no copy of the tasks table, whose
    # recreation would fire the ON DELETE actions of the tables that point at it.
    op.execute("ALTER TABLE tasks DROP COLUMN not_before")
