"""The composition root: ``open_engine`` (a database) and ``open_remote_engine`` (a server).

Each opens the ``TaskEngine`` for where the user points. The CLI and the TUI get their engine
here and import no implementation themselves. How the
board's first read runs ahead of the app (a forked helper that calls ``open_engine`` too) is
``core.early_board``.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import TYPE_CHECKING

from core.config import (
    approve_own_commands,
    database_url,
    default_actor,
    default_database_url,
)
from core.engine import TaskEngine

if TYPE_CHECKING:
    from core.domain.runs import RetryPolicy
    from core.remote.stream import StatusCallback


async def open_engine(
    db: str | None = None,
    *,
    actor: str | None = None,
    auto_approve: bool | None = None,
    retry_policy: RetryPolicy | None = None,
    lease_seconds: float | None = None,
    attachment_max_bytes: int | None = None,
) -> TaskEngine:
    """Open (creating or upgrading the schema as needed) the engine for ``db``.

    Args:
        db: A SQLAlchemy URL or a SQLite file path; the default database when ``None``.
        actor: Who the events name as making changes (default: the login name).
        auto_approve: Override ``FEATURE_PRD_AUTO_APPROVE_REVIEW`` (read from the environment
            when ``None``).
        retry_policy: Attempts and backoff for failed runs (the orchestrator's config).
        lease_seconds: How long a claim holds without a heartbeat.
        attachment_max_bytes: The per-file attachment limit (``[limits]`` of taskyard.toml).

    Commands the actor sets are approved by it at once unless
    ``TASKYARD_APPROVE_OWN_COMMANDS=0`` (``core.config.approve_own_commands``).

    Raises:
        StorageError: the database cannot be opened or migrated.
    """
    if "core.store.engine" not in sys.modules:
        # The store's imports (SQLAlchemy, ~200 ms) run in a thread: an event loop that is
        # already showing something (the board, painted from an early read) keeps answering
        # keys and writing frames meanwhile instead of freezing.
        await asyncio.to_thread(importlib.import_module, "core.store.engine")
    from core.store.engine import SqlTaskEngine

    url = database_url(db) if db else default_database_url()
    return await SqlTaskEngine.open(
        url,
        actor=actor or default_actor(),
        auto_approve=auto_approve,
        retry_policy=retry_policy,
        lease_seconds=lease_seconds,
        attachment_max_bytes=attachment_max_bytes,
        approve_own_commands=approve_own_commands(),
    )


async def open_remote_engine(
    server: str, token: str | None = None, *, on_status: StatusCallback | None = None
) -> TaskEngine:
    """Connect to the taskyard server at ``server`` with ``token`` (or the configured one).

    Imports no SQLAlchemy, alembic or store module: a remote command starts without them.
    ``on_status`` is told each change of the event stream's connection (the TUI's line).

    Raises:
        ValidationError: ``server`` is not an http(s) URL.
        AuthenticationError: no token is given, set or stored for the server.
        ServerUnreachableError: the server does not answer.
        IncompatibleServerError: what answers is not a taskyard server of this version.
    """
    from core.remote.credentials import resolve_token
    from core.remote.engine import HttpTaskEngine
    from core.remote.transport import normalize_server

    url = normalize_server(server)
    engine = await HttpTaskEngine.open(url, resolve_token(url, token))
    engine.on_status = on_status
    return engine
