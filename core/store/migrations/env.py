"""Alembic environment: runs on the connection taskyard hands over (see store/migrate.py)."""

from alembic import context

from core.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER needs batch mode
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
