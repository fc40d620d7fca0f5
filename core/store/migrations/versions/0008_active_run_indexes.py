"""the runs' heartbeat and lease-sweep indexes hold active runs only

``ix_runs_worker_id_status`` (a worker's heartbeat renews its active runs) and
``ix_runs_status_lease_expires_at`` (the sweep finds active runs whose lease ended) held an
entry for every run ever made, though both lookups only ever ask for runs still queued or
running: a few per worker, against every finished run since the database began. Finishing
a run changes its ``status``, so PostgreSQL wrote a new entry into both for every finished
run: 2 of the ~22 index entries a claimed and finished task writes.

As ``ix_runs_worker_id_active`` (worker_id) and ``ix_runs_lease_expires_at_active``
(lease_expires_at), both ``WHERE status IN ('queued', 'running')`` like
``uq_runs_task_id_active``, they hold the active runs only; the queries that use them spell
that predicate as a literal, so both dialects' planners can prove it (run_ops, step_ops,
execution_view). Index changes only: no table is rebuilt.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_active_run_indexes"
down_revision = "0007_event_seq_after_xid"

ACTIVE = sa.text("status IN ('queued', 'running')")
OLD = {
    "ix_runs_worker_id_status": ["worker_id", "status"],
    "ix_runs_status_lease_expires_at": ["status", "lease_expires_at"],
}
NEW = {
    "ix_runs_worker_id_active": ["worker_id"],
    "ix_runs_lease_expires_at_active": ["lease_expires_at"],
}


def upgrade() -> None:
    for name in OLD:
        op.drop_index(name, table_name="runs")
    for name, columns in NEW.items():
        op.create_index(name, "runs", columns, sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    for name in NEW:
        op.drop_index(name, table_name="runs")
    for name, columns in OLD.items():
        op.create_index(name, "runs", columns)
