"""runs count the output they could not store; tasks count the runs that were interrupted

``runs.lost_output_bytes``: bytes of a step's output that could not be written to the log
(the database was down, the disk full). The log carries a marker at the gap; this column
lets ``taskyard runs``, the task detail and the monitor say so without reading the log.

``tasks.interruptions``: runs of the task that ended through no fault of its own (a lease
that expired because its worker crashed or froze, a worker stopped on purpose). They are
not failed attempts: the failure budget is ``attempt - interruptions``, and a separate,
larger budget of interruptions keeps a task that kills every worker from running forever.

Both columns are added with a server default of 0, so existing rows need no rewrite.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_interruptions_lost_output"
down_revision = "0008_active_run_indexes"


def upgrade() -> None:
    # Plain ADD COLUMN on both dialects: no table is rebuilt, however many rows it has.
    op.add_column(
        "runs", sa.Column("lost_output_bytes", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "tasks", sa.Column("interruptions", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("interruptions")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("lost_output_bytes")
