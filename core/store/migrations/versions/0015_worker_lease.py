"""the lease each worker runs with, so "lost" is judged by the worker's own lease

A worker is shown as lost when it has been silent for two of its lease periods: by then
its runs' leases have expired. The lease is the worker's setting (``[orchestrator]
lease_seconds`` where it runs), but the database did not hold it, so a server judged every
worker by its own lease: a worker on another machine with a 5-minute lease, beating every
100 s, was listed as lost between beats by a server with the default 30 s.

``workers.lease_seconds`` holds what the worker registered with (and renews on each
heartbeat); ``NULL`` (rows from before this revision, clients that do not say) keeps the
reader's own lease. One nullable column is added; no table is rebuilt.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_worker_lease"
down_revision = "0014_newest_first_index"


def upgrade() -> None:
    op.add_column("workers", sa.Column("lease_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch_op:
        batch_op.drop_column("lease_seconds")
