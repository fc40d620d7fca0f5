"""import_jobs: one row per committed PRD import"""

import sqlalchemy as sa
from alembic import op

from core.store.migrations.columns import foreign_key, json_type

revision = "0002_import_jobs"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("task_count", sa.Integer(), nullable=False),
        sa.Column("edge_count", sa.Integer(), nullable=False),
        sa.Column("warnings", json_type(), nullable=False),
        sa.Column("created_task_ids", json_type(), nullable=False),
        sa.Column("updated_task_ids", json_type(), nullable=False),
        sa.Column("flagged_task_ids", json_type(), nullable=False),
        sa.Column("options", json_type(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        foreign_key("import_jobs", "project_id", "projects", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_jobs_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_import_jobs_project_id_source_key"),
            ["project_id", "source_key"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_jobs_project_id_source_key"))
        batch_op.drop_index(batch_op.f("ix_import_jobs_created_at"))
    op.drop_table("import_jobs")
