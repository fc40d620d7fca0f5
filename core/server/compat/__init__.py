"""The older APIs, kept working over the same ``TaskEngine``: ``/v1`` and ``/api/tasks``.

Clients written against v1-slugs-references-idempotency.md (``/v1``) and
task-management-api.md (``/api/tasks``, ``/api/orchestrators``) run unchanged against
taskyard. Each route reads the old shape, makes ``TaskEngine`` calls and answers in the
old shape, errors included (``framing.answering_with``); no rule lives here that the
engine does not also apply to the CLI, the TUI and v2. ``orchestrators`` adds the v2
routes of the engine methods the old task API needs (the app serves them with the rest of
``/api/v2``). docs/api-compat.md maps every field
and code, and says where and why the behaviour deviates.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from core.server.compat import tasks_api, tasks_daemon, v1
from core.server.compat.tasks_frame import Limits, per_user_limit
from core.server.settings import ServerSettings


def compat_router(settings: ServerSettings) -> APIRouter:
    """Every compatibility route, for ``create_app`` to include beside ``/api/v2``.

    The old task API's own rate limits are on when the server's are (``settings``).
    """
    router = APIRouter()
    router.include_router(v1.router)
    per_user = [Depends(per_user_limit(Limits(enabled=settings.rate_limit > 0)))]
    router.include_router(tasks_daemon.router, dependencies=per_user)
    router.include_router(tasks_api.router, dependencies=per_user)
    return router
