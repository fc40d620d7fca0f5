"""The composition root: ``open_engine`` picks and opens the ``TaskEngine`` for a database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.config import database_url, default_actor, default_database_url
from core.engine import TaskEngine

if TYPE_CHECKING:
    from core.domain.runs import RetryPolicy


async def open_engine(
    db: str | None = None,
    *,
    actor: str | None = None,
    auto_approve: bool | None = None,
    retry_policy: RetryPolicy | None = None,
    lease_seconds: float | None = None,
) -> TaskEngine:
    """Open (creating or upgrading the schema as needed) the engine for ``db``.

    Args:
        db: A SQLAlchemy URL or a SQLite file path; the default database when ``None``.
        actor: Who the events name as making changes (default: the login name).
        auto_approve: Override ``FEATURE_PRD_AUTO_APPROVE_REVIEW`` (read from the environment
            when ``None``).
        retry_policy: Attempts and backoff for failed runs (the orchestrator's config).
        lease_seconds: How long a claim holds without a heartbeat.

    Raises:
        StorageError: the database cannot be opened or migrated.
    """
    from core.store.engine import SqlTaskEngine

    url = database_url(db) if db else default_database_url()
    return await SqlTaskEngine.open(
        url,
        actor=actor or default_actor(),
        auto_approve=auto_approve,
        retry_policy=retry_policy,
        lease_seconds=lease_seconds,
    )
