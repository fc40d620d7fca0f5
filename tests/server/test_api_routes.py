"""How the app finds the route of a request: one flat list, each route quick to turn one away."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.responses import Response
from starlette.routing import Match

from core.engine import TaskEngine
from core.server.api_routes import API_PREFIX, ApiRoute, ApiRouteIndex
from core.server.app import create_app


async def _never_opened() -> TaskEngine:
    raise AssertionError("no request reaches the engine here")


async def _endpoint() -> Response:
    return Response()


def _scope(path: str, *, method: str = "GET", root_path: str = "") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": root_path}


def test_every_api_route_is_in_the_apps_own_list() -> None:
    """No /api/v2 route sits inside an included router, which FastAPI scans again per level."""
    app = create_app(_never_opened)
    every = [
        route.path_format
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        and str(route.path_format).startswith(API_PREFIX)
    ]
    direct = [route.path_format for route in app.routes if isinstance(route, ApiRoute)]
    assert len(every) > 60
    assert direct == every


def test_a_route_turns_away_a_path_outside_its_head_and_matches_the_rest_in_full() -> None:
    """The head test only ever says no early: what passes it is matched as FastAPI does."""
    route = ApiRoute("/api/v2/tasks/{ref}", _endpoint, methods=["GET"])
    full, params = route.matches(_scope("/api/v2/tasks/TY-7"))
    assert full is Match.FULL
    assert params["path_params"] == {"ref": "TY-7"}
    assert route.matches(_scope("/api/v2/runs/TY-7"))[0] is Match.NONE
    assert route.matches(_scope("/api/v2/tasks/TY-7/runs"))[0] is Match.NONE
    # Another method at the same path is a partial match (the app answers 405, not 404).
    assert route.matches(_scope("/api/v2/tasks/TY-7", method="DELETE"))[0] is Match.PARTIAL


def test_behind_a_root_path_the_route_still_matches() -> None:
    """An app served under a prefix (a proxy's root path) sees paths that start with it."""
    route = ApiRoute("/api/v2/tasks/{ref}", _endpoint, methods=["GET"])
    scope = _scope("/team/api/v2/tasks/TY-7", root_path="/team")
    assert route.matches(scope)[0] is Match.FULL


def _first_match(routes: list[Any], scope: dict[str, Any]) -> tuple[Match, Any]:
    """What the app's own pass over its list finds: the first full match, else partial."""
    partial = None
    for route in routes:
        match, _child = route.matches(scope)
        if match is Match.FULL:
            return match, route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return (Match.PARTIAL, partial) if partial is not None else (Match.NONE, None)


def _paths() -> list[str]:
    """A path of every /api/v2 route's shape, and near misses of each (404s)."""
    app = create_app(_never_opened)
    paths: set[str] = set()
    for route in app.routes:
        if isinstance(route, ApiRoute):
            path = re.sub(r"\{[^}]+:path\}", "a/b.txt", route.path)
            concrete = re.sub(r"\{[^}:]+\}", "TY-7", path)
            paths |= {concrete, concrete + "/", concrete + "/extra", concrete.rsplit("/", 1)[0]}
    return sorted(paths | {"/api/v2", "/api/v2/", "/api/v2/nothing-here", "/healthz"})


def test_the_index_finds_the_route_the_apps_own_pass_would() -> None:
    """For every route's path, near misses and every method: same route, same kind of match."""
    app = create_app(_never_opened)
    index = next(r for r in app.routes if isinstance(r, ApiRouteIndex))
    listed = [r for r in app.routes if r is not index]
    checked = 0
    for path in _paths():
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"):
            scope = _scope(path, method=method)
            expected, route = _first_match(listed, scope)
            found, child = index.matches(scope)
            if found is Match.NONE:
                # The index steps aside; the list then finds no /api/v2 route either.
                assert route is None or not isinstance(route, ApiRoute), (method, path)
            else:
                assert (found, child["taskyard.route"]) == (expected, route), (method, path)
                checked += 1
    assert checked > 150
