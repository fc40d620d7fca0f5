"""orchestrators: the agent identities ("VPs") of task-management-api.md

For the ``/api/tasks`` compatibility API (issue 18):

* ``orchestrators``: an agent identity in a project, unique by name within it. Its name is
  the assignee of the tasks it works (taskyard keeps one assignee per task); its role and
  the user it acts for (an id, a name and an email, as given: taskyard has no user
  accounts) are what the old API shows as ``vp{id, role, user{...}}``. Deleting a project
  deletes its orchestrators; deleting an orchestrator leaves its tasks' assignee as it was.

The poll's commit-ordered cursor reads the event log by ``seq`` and ``(task_id, seq)``,
both indexed already. One new table: nothing existing is rewritten.
"""

import sqlalchemy as sa
from alembic import op

from core.store.migrations.columns import foreign_key

revision = "0013_orchestrators"
down_revision = "0012_list_sort_indexes"


def upgrade() -> None:
    op.create_table(
        "orchestrators",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("user_email", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        foreign_key("orchestrators", "project_id", "projects", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orchestrators")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_orchestrators_project_id_name")),
    )


def downgrade() -> None:
    op.drop_table("orchestrators")
