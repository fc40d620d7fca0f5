"""sparse columns are indexed only where they hold a value

``tasks.parent_id``, ``tasks.milestone_id``, ``tasks.assignee`` and ``runs.finished_at`` are
NULL on most rows (a task with no parent, a run still running), yet each of their indexes
held an entry for every row. PostgreSQL cannot update a row in place when an indexed column
changes (the claim and the finish change ``status``), so every such update also wrote one
entry into each of these indexes: 4 of the ~26 index writes of a task's claim and finish.
As partial indexes (``WHERE … IS NOT NULL``) they keep only the rows that have a value, and
still serve every query that looks for one (``parent_id = ?``, ``finished_at >= ?``, both
dialects prove the predicate from the comparison). Batched claims on PostgreSQL: ~7.0k →
~7.4k tasks/s (docs/performance.md, "Claims").

Index changes only: no table is rebuilt, and both dialects run it in the upgrade's
transaction.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_sparse_indexes"
down_revision = "0005_orchestration"

SPARSE = {"tasks": ["parent_id", "milestone_id", "assignee"], "runs": ["finished_at"]}


def upgrade() -> None:
    for table, columns in SPARSE.items():
        for column in columns:
            name = op.f(f"ix_{table}_{column}")
            op.drop_index(name, table_name=table)
            where = sa.text(f"{column} IS NOT NULL")
            op.create_index(name, table, [column], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for table, columns in SPARSE.items():
        for column in columns:
            name = op.f(f"ix_{table}_{column}")
            op.drop_index(name, table_name=table)
            op.create_index(name, table, [column])
