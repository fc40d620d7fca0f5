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
list of routes takes one pass (docs/performance.md, "Routing"). Even that pass asked some 50
routes before a task read's (12 % of the request, cProfile), so an ``ApiRouteIndex`` ahead
of them asks only the few a path's shape allows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from core.server.auth import current_caller
from core.server.errors import error_responses

API_PREFIX = "/api/v2"

SHARED_ERRORS = (400, 401, 403, 422, 429, 503)
"""The statuses every ``/api/v2`` route can answer, whatever it does."""


class ApiRoute(APIRoute):
    """A route that turns a request away on its path's fixed head before trying its pattern.

    The app tries its routes in order until one matches, and FastAPI's own test of each costs
    a few scope look-ups and a regular expression: ~1.5 µs a route, ~80 µs for a task read
    that has most of the API's routes before it. Three tests on the path turn nearly all of
    them away for a fraction of that: the fixed text before the first parameter and after
    the last, and the number of slashes (a parameter holds none, unless it is a ``:path``).
    Each is implied by the pattern, so a path that passes them is still matched in full and
    what matches is unchanged. With the head alone, the dozen routes under
    ``/api/v2/tasks/{ref}/…`` each ran their pattern for every task read.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.head = path.split("{", 1)[0]
        self.tail = path.rsplit("}", 1)[1] if "}" in path else ""
        self.slashes = None if ":path}" in path else path.count("/")

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """See ``starlette.routing.BaseRoute.matches``."""
        # Behind a root path (an app mounted under a prefix), FastAPI's own test decides.
        if scope["type"] == "http" and not scope.get("root_path"):
            path: str = scope["path"]
            if (
                not path.startswith(self.head)
                or not path.endswith(self.tail)
                or (self.slashes is not None and path.count("/") != self.slashes)
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


_CHOSEN = "taskyard.route"
"""Where ``ApiRouteIndex.matches`` leaves the route it found, for its ``handle``."""


class ApiRouteIndex(BaseRoute):
    """The ``/api/v2`` routes that may match a path, found by the path's shape.

    It sits in the app's list just before the routes it indexes, which stay there too (for
    the OpenAPI document, ``Allow`` headers, and anything it does not decide). A path's
    shape is its first segment under ``/api/v2`` and its number of slashes; a route whose
    pattern fixes both is asked only by paths of that shape, every other route by every
    path, all in their order in the list. So it finds the route the list's own pass would:
    the first full match, else the first partial one (a 405); with neither it steps aside
    and the list answers (a 404, a redirect).
    """

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._any: list[BaseRoute] = []
        shaped: dict[tuple[str, int], list[tuple[int, BaseRoute]]] = {}
        start = len(API_PREFIX) + 1
        for order, route in enumerate(routes):
            segment, slash, _rest = (
                route.head[start:].partition("/")
                if isinstance(route, ApiRoute) and route.head.startswith(API_PREFIX + "/")
                else ("", "", "")
            )
            if (
                isinstance(route, ApiRoute)
                and route.slashes is not None
                and (slash or route.head == route.path)
            ):
                shaped.setdefault((segment, route.slashes), []).append((order, route))
            else:
                self._any.append(route)
        unshaped = [(order, r) for order, r in enumerate(routes) if r in self._any]
        self._by_shape = {
            shape: [r for _order, r in sorted(found + unshaped, key=lambda pair: pair[0])]
            for shape, found in shaped.items()
        }

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """See ``starlette.routing.BaseRoute.matches``."""
        path = scope.get("path", "")
        if scope["type"] != "http" or scope.get("root_path") or not path.startswith(API_PREFIX):
            return Match.NONE, {}
        segment = path[len(API_PREFIX) + 1 :].partition("/")[0]
        routes = self._by_shape.get((segment, path.count("/")), self._any)
        partial: tuple[BaseRoute, Scope] | None = None
        for route in routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return Match.FULL, {**child_scope, _CHOSEN: route}
            if match is Match.PARTIAL and partial is None:
                partial = route, child_scope
        if partial is not None:
            return Match.PARTIAL, {**partial[1], _CHOSEN: partial[0]}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the request to the route ``matches`` found."""
        route: BaseRoute = scope.pop(_CHOSEN)
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        """Nothing: the routes it indexes answer for their own names."""
        raise NoMatchFound(name, path_params)


def add_api_routes(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add the routes of ``routers`` to ``app``'s own list, in order (first match wins).

    An ``ApiRouteIndex`` of them goes first, so a request asks only the routes its path's
    shape allows.
    """
    routes = [route for router in routers for route in router.routes]
    app.router.routes.append(ApiRouteIndex(routes))
    app.router.routes.extend(routes)
