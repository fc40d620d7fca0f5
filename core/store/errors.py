"""Database errors become domain errors here, once, at the store boundary."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from core.errors import (
    ConflictError,
    DuplicateError,
    NotFoundError,
    StorageError,
    TaskyardError,
    ValidationError,
)
from core.store.dialects import sqlite as sq

UNSTORABLE_TEXT_SQLSTATES = frozenset({"22021", "22P05"})
"""PostgreSQL refusing a character in text or JSON: ``character_not_in_repertoire`` (a NUL
byte, bytes that are not UTF-8) and ``untranslatable_character`` (``\u0000`` in JSON)."""


def unstorable_text(exc: BaseException) -> ValidationError:
    """The input's fault, said as such: not a server problem to retry or report."""
    said = str(getattr(exc, "orig", exc)).splitlines()[0]
    return ValidationError(
        "Some text contains a character the database cannot store: a NUL (\\x00), or bytes "
        f"that are not UTF-8 ({said}).",
        hint="Remove the character (often pasted from a binary file) and try again.",
    )


_UNIQUE_MESSAGES = {
    "uq_projects_slug": ("A project with this slug already exists.", "Pick another --slug."),
    "projects.slug": ("A project with this slug already exists.", "Pick another --slug."),
    "uq_projects_key": ("A project with this key already exists.", "Pick another --key."),
    "projects.key": ("A project with this key already exists.", "Pick another --key."),
    "uq_milestones_project_id_slug": (
        "This project already has a milestone with this slug.",
        "Pick another slug, or use the existing milestone.",
    ),
    "milestones.project_id, milestones.slug": (
        "This project already has a milestone with this slug.",
        "Pick another slug, or use the existing milestone.",
    ),
}


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f}"


def free_mb(folder: Path) -> str:
    """The free space in ``folder`` in MB, as text (``?`` when it cannot be measured)."""
    try:
        return _mb(shutil.disk_usage(folder).free)
    except OSError:
        return "?"


def newest_backup(path: Path) -> Path | None:
    """The newest complete schema-upgrade backup of ``path`` (``FILE.before-*``), if any."""
    found = [
        p
        for p in path.parent.glob(f"{path.name}.before-*")
        if not p.name.endswith((".partial", "-wal", "-shm", "-journal"))
    ]
    return max(found, key=lambda p: p.stat().st_mtime_ns, default=None)


def disk_full(path: Path, said: str) -> StorageError:
    """Out of space next to a SQLite file."""
    folder = path.parent
    return StorageError(
        f"The disk is full: free space in {folder} ({free_mb(folder)} MB free). SQLite could "
        f"not write {path} ({said}); nothing was written.",
        hint=f"Free space on the disk holding {folder}, or move the database, then try again.",
    )


def read_only(path: Path, said: str) -> StorageError:
    """A write refused by the file system: the file, or its folder, cannot be written."""
    folder = path.parent
    file_writable = os.access(path, os.W_OK) if path.exists() else True
    sidecars = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    if file_writable and not sq.folder_writable(folder):
        missing = " and ".join(p.name for p in sidecars if not p.exists()) or "its files"
        return StorageError(
            f"The folder {folder} is read-only: SQLite needs to create {missing} there to "
            f"write {path.name} ({said}). Nothing was written; reading still works.",
            hint=f"Make {folder} writable (chmod u+w, chattr -i, or remount it read-write), "
            "or move the database to a writable folder.",
        )
    return StorageError(
        f"No write permission on {path} ({said}). Nothing was written; reading still works.",
        hint=f"Make the file writable (chmod u+w {path}, or chattr -i if it is immutable), "
        "or remount its disk read-write.",
    )


def corrupt(path: Path, said: str) -> StorageError:
    """The file is damaged or is not a SQLite database at all."""
    backup = newest_backup(path)
    restore = (
        f"Restore the newest backup, {backup}, by copying it over the file with taskyard "
        "stopped; or recover"
        if backup is not None
        else "Recover"
    )
    return StorageError(
        f"The database file {path} is corrupt or is not a taskyard database ({said}).",
        hint=f"{restore} what is readable: sqlite3 {path} .recover | sqlite3 "
        f"{path.name}.recovered, then use --db {path.name}.recovered.",
    )


def sqlite_storage_error(exc: BaseException, path: Path | None) -> StorageError:
    """A SQLite failure said as its cause on this machine: busy, disk full, read-only, corrupt.

    A local file has no server or URL to check, and none of these causes is a bug.
    """
    orig = getattr(exc, "orig", exc)
    said = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    if sq.is_busy_error(orig):
        return sq.busy_error()
    if path is None:  # in memory: nothing on disk to blame
        return StorageError(f"The in-memory database failed: {said}")
    code = sq.sqlite_error_code(orig)
    lowered = said.lower()
    if code == sq.SQLITE_FULL:
        return disk_full(path, said)
    if code in (sq.SQLITE_READONLY, sq.SQLITE_PERM):
        return read_only(path, said)
    if code in (sq.SQLITE_CORRUPT, sq.SQLITE_NOTADB) or "malformed" in lowered:
        return corrupt(path, said)
    if code == sq.SQLITE_CANTOPEN:
        if not path.parent.is_dir():
            return StorageError(
                f"Cannot open the database {path}: its folder {path.parent} does not exist "
                f"({said}).",
                hint="Check the path given with --db / TASKYARD_DB.",
            )
        wal = path.with_name(path.name + "-wal")
        if path.exists() and not sq.folder_writable(path.parent):
            if not (wal.exists() and wal.stat().st_size > 0):
                return read_only(path, said)
            return StorageError(
                f"Cannot open the database {path}: the folder {path.parent} is read-only, and "
                f"SQLite needs to create {path.name}-wal and {path.name}-shm there ({said}). "
                f"{path.name}-wal holds changes not yet in the file, so it cannot be read "
                "read-only either.",
                hint=f"Make {path.parent} writable once (chmod u+w, chattr -i, or remount it "
                "read-write) and open the database.",
            )
    if code == sq.SQLITE_IOERR:
        try:
            tight = shutil.disk_usage(path.parent).free < 1_000_000
        except OSError:
            tight = False
        if tight:
            return disk_full(path, said)
        return StorageError(
            f"The disk failed while SQLite used {path} ({said}).",
            hint=f"Check the disk holding {path.parent} (free space: {free_mb(path.parent)} "
            "MB; the system log for I/O errors), then try again.",
        )
    return StorageError(
        f"The database {path} cannot be used: {said}",
        hint="Check the path given with --db / TASKYARD_DB, the permissions of the file and "
        "its folder, and the free space.",
    )


def os_storage_error(exc: OSError, path: Path) -> StorageError:
    """An operating-system error on a SQLite file or its folder (a backup copy, the folder)."""
    said = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return disk_full(path, said)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return read_only(path, said)
    return StorageError(
        f"The database {path} cannot be used: {said}",
        hint="Check the path given with --db / TASKYARD_DB and the permissions of the file "
        "and its folder.",
    )


@contextmanager
def translate_db_errors(sqlite_path: Path | None = None) -> Iterator[None]:
    """Re-raise database errors as ``TaskyardError`` subclasses (``from`` the original).

    Args:
        sqlite_path: The SQLite file in use, if any: its errors then name the local cause
            (disk full in its folder, read-only file or folder, corrupt file) instead of
            sending the user to a server.

    Raises:
        DuplicateError: a unique constraint on a user-chosen name.
        NotFoundError: a foreign key pointed at a row that is gone.
        DatabaseBusyError: another process held SQLite's write lock for too long.
        StorageError: the database is unreachable or unusable.
        ValidationError: text the database cannot store (a NUL character).
    """
    try:
        yield
    except TaskyardError:
        raise
    except IntegrityError as exc:
        text = str(exc.orig)
        if "uq_runs_task_id_active" in text or "runs.task_id" in text:
            raise ConflictError(
                "This task already has an active run: a task runs once at a time.",
                hint="Wait for the run to end, or cancel it first.",
            ) from exc
        for marker, (message, hint) in _UNIQUE_MESSAGES.items():
            if marker in text:
                raise DuplicateError(message, hint=hint) from exc
        if "foreign key" in text.lower() or "FOREIGN KEY" in text:
            raise NotFoundError(
                "Something this change refers to was deleted meanwhile.",
                hint="Reload and try again.",
            ) from exc
        raise StorageError(
            f"The database refused the change: {text}", hint="Report this as a bug."
        ) from exc
    except sqlite3.Error as exc:  # raw: raised outside SQLAlchemy's wrapping (hooks, savepoints)
        raise sqlite_storage_error(exc, sqlite_path) from exc
    except DBAPIError as exc:
        if isinstance(exc.orig, sqlite3.Error):
            raise sqlite_storage_error(exc, sqlite_path) from exc
        if isinstance(exc, OperationalError):
            raise StorageError(
                f"The database cannot be used: {exc.orig}",
                hint="Check that the URL given with --db / TASKYARD_DB is right and that the "
                "server is running.",
            ) from exc
        state = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if state in UNSTORABLE_TEXT_SQLSTATES:
            raise unstorable_text(exc) from exc
        raise StorageError(
            f"The database failed: {exc.orig}", hint="Check the database server and retry."
        ) from exc
    except OSError as exc:
        if sqlite_path is not None:
            raise os_storage_error(exc, sqlite_path) from exc
        raise StorageError(
            f"The database cannot be reached: {exc}",
            hint="Check the URL given with --db / TASKYARD_DB and that the server is running.",
        ) from exc
