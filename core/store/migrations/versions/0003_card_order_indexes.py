"""card order indexes end in (number, id)

The board's columns and the ready queue sort by ``CARD_ORDER`` = ``(priority_rank,
created_at, number, id)`` since tasks created in one transaction (an import) share
``created_at`` and keep their file order by number. The two indexes that serve those queries
still ended in ``(created_at, id)``, so every run of tied rows was sorted again: at 100,000
tasks the board took 40 ms instead of 22 and a window at offset 10,000 97 ms instead of 25.
This replaces them with indexes in exactly the sort order. Index changes only: no table is
rebuilt, and both dialects run it in the upgrade's transaction.
"""

from alembic import op

revision = "0003_card_order_indexes"
down_revision = "0002_import_jobs"

OLD = {
    "ix_tasks_status_priority_rank_created_at_id": [
        "status",
        "priority_rank",
        "created_at",
        "id",
    ],
    "ix_tasks_project_id_status_priority_rank_created_at_id": [
        "project_id",
        "status",
        "priority_rank",
        "created_at",
        "id",
    ],
}
NEW = {
    "ix_tasks_status_priority_rank_created_at_number_id": [
        "status",
        "priority_rank",
        "created_at",
        "number",
        "id",
    ],
    "ix_tasks_project_id_status_priority_rank_created_at_number_id": [
        "project_id",
        "status",
        "priority_rank",
        "created_at",
        "number",
        "id",
    ],
}


def upgrade() -> None:
    for name in OLD:
        op.drop_index(op.f(name), table_name="tasks")
    for name, columns in NEW.items():
        op.create_index(op.f(name), "tasks", columns, unique=False)


def downgrade() -> None:
    for name in NEW:
        op.drop_index(op.f(name), table_name="tasks")
    for name, columns in OLD.items():
        op.create_index(op.f(name), "tasks", columns, unique=False)
