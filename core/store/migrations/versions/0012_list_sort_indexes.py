"""the task list's sorts read an index: updated, due date and title

Every sort of the task list other than creation order sorted every matching task for each
page (50-220 ms at 100,000 tasks). Keyset pages need each sort's key in an index:

* ``ix_tasks_updated_at_created_at_number_id``: sort by last change.
* ``ix_tasks_due_date_created_at_number_id``, partial (``due_date IS NOT NULL``): the dated
  tasks in due order; the undated ones, which come last in both directions, are read in
  creation order from ``ix_tasks_created_at_number_id``. Only dated tasks pay for it.
* ``tasks.title_key`` and ``ix_tasks_title_key_created_at_number_id``: the title folded as
  ``store/folding.py`` folds it (Python's ``str.lower``, PostgreSQL's ``lower()``), kept by
  every write of a title. On SQLite the fold is an application function, and an index on
  an expression calling it would make every write to ``tasks`` (even a ``DELETE``), ``VACUUM``
  and ``PRAGMA integrity_check`` fail on a connection that has not registered it (the
  ``sqlite3`` shell, a backup tool); a stored column needs nothing of the reader.

Sort by priority and by state need no index of their own: they read the existing
``(status, priority_rank, created_at, number, id)`` ranges one (state, priority) pair at a
time (``store/list_plans.py``).

One column and three indexes are added, and the column is filled in; no table is rebuilt.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_list_sort_indexes"
down_revision = "0011_api_tokens"

KEY_TAIL = ["created_at", "number", "id"]
DATED = sa.text("due_date IS NOT NULL")
BATCH = 5000


def upgrade() -> None:
    op.add_column(
        "tasks", sa.Column("title_key", sa.String(500), nullable=False, server_default="")
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        # PostgreSQL's lower() is the fold itself (store/folding.py).
        conn.execute(sa.text("UPDATE tasks SET title_key = lower(title)"))
    else:
        # SQLite's lower() folds ASCII only: fold in Python, as every write does.
        tasks = sa.table("tasks", sa.column("id"), sa.column("title"), sa.column("title_key"))
        rows = conn.execute(sa.select(tasks.c.id, tasks.c.title)).all()
        update = (
            tasks.update()
            .where(tasks.c.id == sa.bindparam("b_id"))
            .values(title_key=sa.bindparam("b_key"))
        )
        for start in range(0, len(rows), BATCH):
            part = rows[start : start + BATCH]
            conn.execute(update, [{"b_id": r.id, "b_key": r.title.lower()} for r in part])
    for column in ("updated_at", "title_key"):
        op.create_index(
            op.f(f"ix_tasks_{column}_created_at_number_id"), "tasks", [column, *KEY_TAIL]
        )
    op.create_index(
        op.f("ix_tasks_due_date_created_at_number_id"),
        "tasks",
        ["due_date", *KEY_TAIL],
        sqlite_where=DATED,
        postgresql_where=DATED,
    )


def downgrade() -> None:
    for name in ("due_date", "title_key", "updated_at"):
        op.drop_index(op.f(f"ix_tasks_{name}_created_at_number_id"), table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("title_key")
