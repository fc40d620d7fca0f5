"""The older APIs, kept working over the same ``TaskEngine``: ``/v1`` and ``/api/tasks``.

Clients written against v1-slugs-references-idempotency.md (``/v1``) and
task-management-api.md (``/api/tasks``, ``/api/orchestrators``) run unchanged against
taskyard. Each route reads the old shape, makes ``TaskEngine`` calls and answers in the
old shape, errors included (``framing.answering_with``); no rule lives here that the
engine does not also apply to the CLI, the TUI and v2. docs/api-compat.md maps every field
and code, and says where and why the behaviour deviates.
"""

from __future__ import annotations

from fastapi import APIRouter

from core.server.compat import orchestrators, v1


def compat_router() -> APIRouter:
    """Every compatibility route, for ``create_app`` to include beside ``/api/v2``."""
    router = APIRouter()
    router.include_router(v1.router)
    router.include_router(orchestrators.router)
    return router
