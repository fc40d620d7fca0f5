"""Bringing a database's schema to this release's head, in place, on every start.

Start-up stays cheap: the revision is read from ``alembic_version`` and alembic is imported
only when an upgrade is needed. An existing SQLite file is copied aside before it is upgraded,
and the upgrade runs in one transaction (both dialects have transactional DDL), so a failed
migration leaves the user's data exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import OperationalError

from core.errors import StorageError
from core.store.dialects import sqlite as sq
from core.store.errors import os_storage_error, sqlite_storage_error

HEAD_REVISION = "0015_worker_lease"
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
    "0010_command_approval",
    "0011_api_tokens",
    "0012_list_sort_indexes",
    "0013_orchestrators",
    "0014_newest_first_index",
    "0015_worker_lease",
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


PARTIAL_SUFFIX = ".partial"
"""A backup being written; only the final rename gives it a backup's name."""

_ENVIRONMENTAL = frozenset(
    {
        sq.SQLITE_PERM,
        sq.SQLITE_BUSY,
        sq.SQLITE_LOCKED,
        sq.SQLITE_READONLY,
        sq.SQLITE_IOERR,
        sq.SQLITE_CORRUPT,
        sq.SQLITE_FULL,
        sq.SQLITE_CANTOPEN,
        sq.SQLITE_NOTADB,
    }
)
"""SQLite failures caused by the machine (lock, disk, permissions, a damaged file), not a bug."""


def backup_sqlite(path: Path, revision: str | None) -> Path | None:
    """Copy an existing SQLite file aside before its schema changes; returns the copy.

    The copy is SQLite's online backup of the file as SQLite sees it, so commits still in the
    ``-wal`` are in it and it is one self-contained file. It is written as ``NAME.partial``,
    fsynced, and renamed: a file under a backup's name is always complete, and a failed copy
    leaves nothing (a killed one leaves a ``.partial``, removed by the next attempt, which runs
    under the same write lock). A complete, still current backup of the same revision, left by
    an earlier attempt that failed after copying, is used again instead of copying once more
    (see ``current_backup``).

    Raises:
        StorageError: there is no room for the copy (nothing was written).
        OSError: the copy failed (nothing is left of it).
        sqlite3.Error: SQLite failed to read the file or write the copy (nothing left either).
    """
    if revision is None or not path.exists():
        return None
    for stale in path.parent.glob(f"{path.name}.before-*{PARTIAL_SUFFIX}*"):
        stale.unlink(missing_ok=True)
    existing = current_backup(path, revision)
    if existing is not None:
        return existing
    if not sq.folder_writable(path.parent):
        raise StorageError(
            f"The upgrade needs to write a backup copy of {path.name} in {path.parent}, which "
            "is read-only. The database was not changed.",
            hint=f"Make {path.parent} writable (chmod u+w, chattr -i, or remount it "
            "read-write), or move the database to a writable folder, and open it again.",
        )
    wal = path.with_name(path.name + "-wal")
    needed = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    free = shutil.disk_usage(path.parent).free
    if needed > free:
        raise StorageError(
            f"The upgrade needs a backup copy of {needed / 1e6:.1f} MB; only "
            f"{free / 1e6:.1f} MB are free in {path.parent}. The database was not changed.",
            hint="Free space or move the database, then try again.",
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.before-{HEAD_REVISION}-from-{revision}-{stamp}")
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    try:
        _copy_database(path, partial)
        _fsync(partial)
        os.replace(partial, target)
        _fsync(path.parent)
    except BaseException:
        for leftover in (partial, partial.with_name(partial.name + "-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        raise
    return target


def current_backup(path: Path, revision: str) -> Path | None:
    """The newest backup of ``path`` from ``revision`` that is complete and still current.

    Complete: its size is the page count its header records (a copy cut short by older
    releases, or one that needs a ``-wal`` beside it, is not used). Current: neither the file
    nor a non-empty ``-wal`` has been modified since the backup was written. A backup made
    before later writes would lose them if restored, so the rule errs towards a fresh copy:
    a checkpoint that changed nothing visible still makes one.
    """
    wal = path.with_name(path.name + "-wal")
    changed = path.stat().st_mtime_ns
    if wal.exists() and wal.stat().st_size > 0:
        changed = max(changed, wal.stat().st_mtime_ns)
    candidates = []
    for candidate in path.parent.glob(f"{path.name}.before-*-from-{revision}-*"):
        if candidate.name.endswith((PARTIAL_SUFFIX, "-wal", "-shm", "-journal")):
            continue
        side = candidate.with_name(candidate.name + "-wal")
        if side.exists() and side.stat().st_size > 0:
            continue
        if candidate.stat().st_mtime_ns >= changed and _complete(candidate):
            candidates.append(candidate)
    return max(candidates, key=lambda p: p.stat().st_mtime_ns, default=None)


def _complete(path: Path) -> bool:
    """Whether a SQLite file is as long as its header says (the in-header page count)."""
    with path.open("rb") as f:
        head = f.read(100)
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        return False
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    return pages > 0 and path.stat().st_size == page_size * pages


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` (read-only) into the new file ``target``."""
    src = sqlite3.connect(f"file:{quote(str(source.absolute()))}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _fsync(path: Path) -> None:
    """Flush a file, or a folder's entries (the rename), to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _upgrade_failed(exc: Exception, revision: str | None, path: Path | None) -> StorageError:
    """Why an upgrade failed: the machine's fault said as such, anything else as a bug."""
    start = f"Upgrading the database schema from {revision or 'empty'} to {HEAD_REVISION} failed"
    orig = getattr(exc, "orig", exc)
    cause: StorageError | None = None
    if path is not None and isinstance(orig, OSError):
        cause = os_storage_error(orig, path)
    elif path is not None and isinstance(orig, sqlite3.Error):
        if sq.sqlite_error_code(orig) in _ENVIRONMENTAL:
            cause = sqlite_storage_error(orig, path)
    elif isinstance(exc, OperationalError):  # PostgreSQL: the connection or the server
        cause = StorageError(str(orig), hint="Check the database server and try again.")
    if cause is not None:
        return type(cause)(
            f"{start}; the database was not changed. {cause.message}", hint=cause.hint
        )
    return StorageError(
        f"{start}: {exc}",
        hint="Nothing was changed. Report this as a bug with the message above.",
    )


def upgrade(conn: Connection, *, sqlite_path: Path | None = None) -> None:
    """Upgrade to head inside the caller's transaction (re-checked under the write lock).

    A SQLite file is backed up first (``backup_sqlite``). A failed migration keeps that
    backup: it is a valid copy, and the next attempt uses it again.

    Raises:
        StorageError: the backup or the migration failed, said as the machine's fault (disk
            full, read-only, busy) where it is one; the transaction is rolled back by the
            caller.
    """
    if conn.dialect.name == "postgresql":
        from core.store.dialects.postgresql import lock_migrations

        lock_migrations(conn)
    if not needs_upgrade(conn):  # another process migrated while we waited for the lock
        return
    revision = current_revision(conn)
    try:
        if sqlite_path is not None:
            backup_sqlite(sqlite_path, revision)
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    except StorageError:
        raise
    except Exception as exc:
        raise _upgrade_failed(exc, revision, sqlite_path) from exc
