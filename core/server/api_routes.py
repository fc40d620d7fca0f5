"""How an ``/api/v2`` router is declared, and how the app takes in its routes.

Every ``/api/v2`` route needs a valid token and declares the errors any route can give: 400
and 422 (FastAPI would otherwise document its own validation body for them, not the error
body the app answers with), 401 and 403, 429 (every request counts against its token's rate
limit) and 503. ``api_router`` gives a router whose routes carry all of that themselves, so
the app can add the routes to its own list (``add_api_routes``) instead of including the
routers.

Why not ``include_router``: FastAPI 0.165 matches an included router lazily, by scanning its
routes again at every level of nesting (once to find the router, once more inside it), with
a context switch per route tried. With the resource routers inside one ``/api/v2`` router,
matching took 44 % of a token-checked request that reads nothing (py-spy under wrk); a flat
list of routes takes one pass (docs/performance.md, "Routing").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from core.server.auth import current_caller
from core.server.errors import error_responses

API_PREFIX = "/api/v2"

SHARED_ERRORS = (400, 401, 403, 422, 429, 503)
"""The statuses every ``/api/v2`` route can answer, whatever it does."""


class ApiRoute(APIRoute):
    """A route that turns a request away on its path's fixed head before trying its pattern.

    The app tries its routes in order until one matches, and FastAPI's own test of each costs
    a few scope look-ups and a regular expression: ~1.5 µs a route, ~80 µs for a task read
    that has most of the API's routes before it. A ``str.startswith`` on the part of the
    path before its first parameter turns nearly all of them away for a fraction of that;
    a path that passes is still matched in full.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.head = path.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """See ``starlette.routing.BaseRoute.matches``."""
        # Behind a root path (an app mounted under a prefix), FastAPI's own test decides.
        if (
            scope["type"] == "http"
            and not scope.get("root_path")
            and not scope["path"].startswith(self.head)
        ):
            return Match.NONE, {}
        return super().matches(scope)


def api_router(
    prefix: str = "", *, tags: list[str | Enum], errors: Iterable[int] = ()
) -> APIRouter:
    """A router for routes under ``API_PREFIX + prefix``, each checking the caller's token.

    ``errors`` are statuses every route of this router declares besides ``SHARED_ERRORS``
    (a route declares its own on top).
    """
    return APIRouter(
        prefix=API_PREFIX + prefix,
        tags=tags,
        dependencies=[Depends(current_caller)],
        responses=error_responses(*SHARED_ERRORS, *errors),
        route_class=ApiRoute,
    )


def add_api_routes(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add the routes of ``routers`` to ``app``'s own list, in order (first match wins)."""
    for router in routers:
        app.router.routes.extend(router.routes)
