"""Where taskyard keeps its data and how a ``--db`` argument becomes a database URL."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from pathlib import Path

DB_ENV = "TASKYARD_DB"
ACTOR_ENV = "TASKYARD_ACTOR"
APPROVE_OWN_COMMANDS_ENV = "TASKYARD_APPROVE_OWN_COMMANDS"
AUTO_APPROVE_ENV = "FEATURE_PRD_AUTO_APPROVE_REVIEW"

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
"""Values of an on/off environment variable that mean on (compared stripped, in lower case)."""
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
"""Values of an on/off environment variable that mean off."""


def data_dir() -> Path:
    """The user data folder (platformdirs), overridable with ``TASKYARD_DATA_DIR``."""
    override = os.environ.get("TASKYARD_DATA_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs  # deferred: keeps `taskyard --version` free of it

    return Path(platformdirs.user_data_dir("taskyard", appauthor=False))


def default_database_url() -> str:
    """``TASKYARD_DB`` if set, else the SQLite file in the user data folder."""
    return database_url(os.environ.get(DB_ENV) or str(data_dir() / "taskyard.db"))


def database_url(db: str) -> str:
    """A SQLAlchemy URL from what a person typed: a URL, ``postgres://...`` or a file path."""
    text = db.strip()
    if text.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + text.split("://", 1)[1]
    if "://" in text:
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def default_actor() -> str:
    """Who the events say made a change: ``TASKYARD_ACTOR``, else the login name."""
    actor = os.environ.get(ACTOR_ENV)
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - containers without a passwd entry
        return "unknown"


def approve_own_commands() -> bool:
    """Whether commands this process sets count as approved by its actor at once.

    On by default (whoever opens the database directly could run anything anyway).
    ``TASKYARD_APPROVE_OWN_COMMANDS=0`` turns it off: an agent or a script that writes tasks
    then leaves every command it sets for a person to approve (``taskyard approve``).
    """
    value = os.environ.get(APPROVE_OWN_COMMANDS_ENV, "").strip().lower()
    return value not in FALSE_WORDS


def auto_approve_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``FEATURE_PRD_AUTO_APPROVE_REVIEW`` turns human review off (``true``/``1``/...).

    The domain takes the flag as a value (``states.allowed_targets(auto_approve=...)``); the
    engine and the orchestrator's config read it here when they are not given one.
    """
    env = os.environ if environ is None else environ
    return env.get(AUTO_APPROVE_ENV, "").strip().lower() in TRUE_WORDS


_URL_PASSWORD = re.compile(r"(?P<head>://[^/:@\s]*:)[^@/\s]*@")


def masked_url(url: str) -> str:
    """A database URL with its password masked (``postgresql+asyncpg://user:***@host/db``).

    Plain text work, so the TUI (which imports no SQLAlchemy) can show it too.
    """
    return _URL_PASSWORD.sub(r"\g<head>***@", url)


def shown_database(url: str) -> str:
    """A database as a person should see it: a SQLite file's path, else the masked URL."""
    if url.startswith("sqlite:///") and "?" not in url:
        return url.removeprefix("sqlite:///")
    return masked_url(url)
