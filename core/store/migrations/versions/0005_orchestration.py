"""run steps, log chunks and quick runs; runs.step_index/step_count; runs by finish time"""

import sqlalchemy as sa
from alembic import op

from core.store.migrations.columns import foreign_key

revision = "0005_orchestration"
down_revision = "0004_runs"


def upgrade() -> None:
    # Plain ADD COLUMNs on both dialects (no table copy on SQLite).
    op.add_column("runs", sa.Column("step_index", sa.Integer(), nullable=True))
    op.add_column("runs", sa.Column("step_count", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_runs_finished_at"), "runs", ["finished_at"])
    op.create_table(
        "run_steps",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("profile", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        foreign_key("run_steps", "run_id", "runs", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "position", name=op.f("pk_run_steps")),
    )
    op.create_table(
        "log_chunks",
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=100), nullable=True),
        sa.Column("stream", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "seq", name=op.f("pk_log_chunks")),
    )
    op.create_table(
        "quick_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("profile", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("result_summary", sa.Text(), nullable=True),
        sa.Column("promoted_task_id", sa.String(length=36), nullable=True),
        foreign_key("quick_runs", "promoted_task_id", "tasks", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quick_runs")),
    )
    op.create_index(op.f("ix_quick_runs_started_at"), "quick_runs", ["started_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_quick_runs_started_at"), table_name="quick_runs")
    op.drop_table("quick_runs")
    op.drop_table("log_chunks")
    op.drop_table("run_steps")
    op.drop_index(op.f("ix_runs_finished_at"), table_name="runs")
    # Native DROP COLUMN (SQLite >= 3.35, PostgreSQL): no copy of the runs table.
    op.execute("ALTER TABLE runs DROP COLUMN step_count")
    op.execute("ALTER TABLE runs DROP COLUMN step_index")
