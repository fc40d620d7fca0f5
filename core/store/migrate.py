"""Bringing a database's schema to this release's head, in place, on every start.

Start-up stays cheap: the revision is read from ``alembic_version`` and alembic is imported
only when an upgrade is needed. An existing SQLite file is copied aside before it is upgraded,
and the upgrade runs in one transaction (both dialects have transactional DDL), so a failed
migration leaves the user's data exactly as it was.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, inspect, text

from core.errors import StorageError

HEAD_REVISION = "0009_interruptions_lost_output"
"""The newest migration in ``migrations/versions`` (a test checks it matches alembic's head)."""

KNOWN_REVISIONS = (
    "0001",
    "0002_import_jobs",
    "0003_card_order_indexes",
    "0004_runs",
    "0005_orchestration",
    "0006_sparse_indexes",
    "0007_event_seq_after_xid",
    "0008_active_run_indexes",
    "0009_interruptions_lost_output",
)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def current_revision(conn: Connection) -> str | None:
    """The schema revision recorded in the database (``None`` for a new, empty one)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def needs_upgrade(conn: Connection) -> bool:
    """Whether the schema is behind this release.

    Raises:
        StorageError: the database was made by a newer taskyard.
    """
    revision = current_revision(conn)
    if revision == HEAD_REVISION:
        return False
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise StorageError(
            f"This database has schema revision {revision}, made by a newer taskyard than "
            f"this one (which knows up to {HEAD_REVISION}).",
            hint="Upgrade taskyard (pip install -U taskyard); the database was not changed.",
        )
    return True


def backup_sqlite(path: Path, revision: str | None) -> Path | None:
    """Copy an existing SQLite file aside before its schema changes; returns the copy."""
    if revision is None or not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.before-{HEAD_REVISION}-from-{revision}-{stamp}")
    shutil.copy2(path, target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            shutil.copy2(side, target.with_name(target.name + suffix))
    return target


def upgrade(conn: Connection, *, sqlite_path: Path | None = None) -> None:
    """Upgrade to head inside the caller's transaction (re-checked under the write lock).

    Raises:
        StorageError: the migration failed; the transaction is rolled back by the caller.
    """
    if conn.dialect.name == "postgresql":
        from core.store.dialects.postgresql import lock_migrations

        lock_migrations(conn)
    if not needs_upgrade(conn):  # another process migrated while we waited for the lock
        return
    revision = current_revision(conn)
    if sqlite_path is not None:
        backup_sqlite(sqlite_path, revision)
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    try:
        command.upgrade(config, "head")
    except Exception as exc:
        raise StorageError(
            f"Upgrading the database schema from {revision or 'empty'} to {HEAD_REVISION} "
            f"failed: {exc}",
            hint="Nothing was changed. Report this as a bug with the message above.",
        ) from exc
