"""Database errors become domain errors here, once, at the store boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from core.errors import (
    ConflictError,
    DuplicateError,
    NotFoundError,
    StorageError,
    TaskyardError,
    ValidationError,
)

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


@contextmanager
def translate_db_errors() -> Iterator[None]:
    """Re-raise SQLAlchemy errors as ``TaskyardError`` subclasses (``from`` the original).

    Raises:
        DuplicateError: a unique constraint on a user-chosen name.
        NotFoundError: a foreign key pointed at a row that is gone.
        StorageError: the database is locked, unreachable or unusable.
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
    except OperationalError as exc:
        text = str(exc.orig)
        if "locked" in text:
            raise StorageError(
                "The database stayed locked by another process for too long.",
                hint="Another taskyard process is holding a long write; try again.",
            ) from exc
        raise StorageError(
            f"The database cannot be used: {text}",
            hint="Check that the path or URL given with --db / TASKYARD_DB is right and "
            "that the server is running.",
        ) from exc
    except DBAPIError as exc:
        state = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if state in UNSTORABLE_TEXT_SQLSTATES:
            raise unstorable_text(exc) from exc
        raise StorageError(
            f"The database failed: {exc.orig}", hint="Check the database server and retry."
        ) from exc
    except OSError as exc:
        raise StorageError(
            f"The database cannot be reached: {exc}",
            hint="Check the URL given with --db / TASKYARD_DB and that the server is running.",
        ) from exc
