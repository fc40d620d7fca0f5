"""What the migrations spell alike: the JSON type and foreign keys named by the convention.

A released migration's DDL must never change, so a function here is never edited, only
added to: each emits exactly the DDL of the inline spelling it stands for (the offline SQL
of ``alembic upgrade --sql``, on SQLite and on PostgreSQL, is the check).
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def json_type() -> sa.types.TypeEngine[Any]:
    """JSON, stored as JSONB on PostgreSQL."""
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def foreign_key(table: str, column: str, target: str, *, ondelete: str) -> sa.ForeignKeyConstraint:
    """``table.column`` pointing at ``target.id``, named as ``tables.NAMING_CONVENTION`` does."""
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )
