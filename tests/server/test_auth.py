"""Who may do what: tokens on every /api route, scopes, and project limits that hide data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from core.domain.access import TokenCreate, TokenScope

from .conftest import Served, error_of, new_project, new_task

SAMPLE_PARAMS = {"column": "backlog"}
"""Path parameters that must hold a valid value for the route to be reached at all."""


def api_routes(served: Served) -> list[tuple[str, str]]:
    """Every (method, path) under /api/v2, from the app's own OpenAPI document.

    The older APIs' routes (``/api/tasks``, ``/v1``) answer in their own error bodies; the
    authorization matrix checks them (tests/server/authz_calls.py).
    """
    with httpx.Client(base_url=served.url) as anonymous:
        spec = anonymous.get("/openapi.json").json()
    routes: list[tuple[str, str]] = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v2/"):
            continue
        concrete = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "TY-999999"), path)
        routes.extend((method.upper(), concrete) for method in operations)
    assert len(routes) >= 18
    return routes


@pytest.fixture(scope="module")
def limited(served: Served) -> dict[str, Any]:
    """Two projects, a token limited to the first, revoked and expired tokens."""
    mine, theirs = new_project(served), new_project(served)
    served.add_tokens(
        TokenCreate(name="limited", scope=TokenScope.WRITE, projects=[mine["slug"]]),
        TokenCreate(name="revoked", scope=TokenScope.ADMIN),
        TokenCreate(
            name="expired",
            scope=TokenScope.ADMIN,
            expires_at=datetime.now(UTC) + timedelta(milliseconds=1),
        ),
    )
    served.revoke("revoked")
    return {
        "mine": mine,
        "theirs": theirs,
        "my_task": new_task(served, mine, "Mine", labels=["shared"]),
        "their_task": new_task(served, theirs, "Theirs", labels=["shared"]),
    }


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "needs an API token"),
        ("not-a-taskyard-token", "must be `Bearer ty_"),
        ("ty_" + "A" * 43, "not valid"),
        ("revoked", "was revoked"),
        ("expired", "was expired"),
    ],
)
def test_every_api_route_refuses_requests_without_a_valid_token(
    served: Served, limited: dict[str, Any], token: str | None, reason: str
) -> None:
    """Missing, malformed, unknown, revoked or expired: 401 on every route, nothing leaked."""
    with served.client(token=token) as api:
        for method, path in api_routes(served):
            response = api.request(method, path, json={} if method in {"POST", "PATCH"} else None)
            assert response.status_code == 401, (method, path, response.text)
            error = error_of(response)
            assert error["code"] == "unauthorized"
            assert reason in error["message"]
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_read_only_token_cannot_change_anything(served: Served, limited: dict[str, Any]) -> None:
    """Every route that writes refuses a read token with 403; its reads work."""
    with served.client("reader") as api:
        for method, path in api_routes(served):
            if method == "GET":
                continue
            response = api.request(method, path, json={} if method in {"POST", "PATCH"} else None)
            assert response.status_code == 403, (method, path, response.text)
            needed = "admin" if path.startswith("/api/v2/tokens") else "write"
            assert error_of(response)["details"] == {"scope": "read", "needed": needed}
        assert api.get("/api/v2/tasks").status_code == 200


def test_a_project_limited_token_sees_only_its_projects(
    served: Served, limited: dict[str, Any]
) -> None:
    """Lists, search, board counts and the queue hold nothing of the other project."""
    mine, theirs = limited["mine"], limited["theirs"]
    with served.client("limited") as api:
        projects = api.get("/api/v2/projects").json()["items"]
        tasks = api.get("/api/v2/tasks", params={"total": True, "label": "shared"}).json()
        search = api.get("/api/v2/tasks", params={"q": limited["their_task"]["ref"]}).json()
        board = api.get("/api/v2/tasks/board").json()
        ready = api.get("/api/v2/tasks/ready").json()
    assert [p["slug"] for p in projects] == [mine["slug"]]
    assert [t["ref"] for t in tasks["items"]] == [limited["my_task"]["ref"]]
    assert tasks["total"] == 1
    assert search["items"] == []
    assert sum(c["count"] for c in board["columns"]) == 1
    assert all(c["project_id"] == mine["id"] for c in ready["items"])
    assert theirs["slug"] not in str([projects, tasks, board, ready])


def test_another_projects_things_are_not_found_not_forbidden(
    served: Served, limited: dict[str, Any]
) -> None:
    """A task or project elsewhere answers exactly as one that does not exist: 404."""
    theirs, their_task = limited["theirs"], limited["their_task"]
    my_task = limited["my_task"]
    ref = their_task["ref"]
    with served.client("limited") as api:
        answers = {
            "get task": api.get(f"/api/v2/tasks/{ref}"),
            "by id": api.get(f"/api/v2/tasks/{their_task['id']}"),
            "patch": api.patch(f"/api/v2/tasks/{ref}", json={"title": "Mine now"}),
            "delete": api.delete(f"/api/v2/tasks/{ref}"),
            "move": api.post(f"/api/v2/tasks/{ref}/transition", json={"to": "ready"}),
            "blocker": api.post(
                f"/api/v2/tasks/{my_task['ref']}/dependencies", json={"blocker": ref}
            ),
            "position": api.get(f"/api/v2/tasks/{ref}/card-position"),
            "project": api.get(f"/api/v2/projects/{theirs['slug']}"),
            "milestones": api.get(f"/api/v2/projects/{theirs['slug']}/milestones"),
            "filter": api.get("/api/v2/tasks", params={"project": theirs["slug"]}),
            "create there": api.post(
                "/api/v2/tasks", json={"title": "x", "project": theirs["slug"]}
            ),
        }
        missing = api.get("/api/v2/tasks/ZZ-1")
        no_project = api.get("/api/v2/projects/no-such-project")
    for what, response in answers.items():
        assert response.status_code == 404, (what, response.text)
        error = error_of(response)
        assert error["details"]["suggestions"] == []
    assert error_of(missing)["message"] == "No task 'ZZ-1'."
    # Word for word what a project that never existed gets, but for the name echoed back.
    hidden = answers["project"].text.replace(theirs["slug"], "no-such-project")
    assert hidden == no_project.text
    with served.client() as admin:
        unchanged = admin.get(f"/api/v2/tasks/{ref}").json()
    assert unchanged["title"] == "Theirs"
    assert unchanged["version"] == 1


def test_a_limited_token_works_in_its_project_and_names_itself(
    served: Served, limited: dict[str, Any]
) -> None:
    """It creates without naming its only project; the events name the token."""
    with served.client("limited") as api:
        created = api.post("/api/v2/tasks", json={"title": "By the limited token"})
        assign = api.post(
            "/api/v2/tasks/assign",
            json={"refs": [created.json()["ref"], limited["their_task"]["ref"]], "assignee": "ann"},
        )
        new_project_attempt = api.post("/api/v2/projects", json={"name": "Escape"})
    assert created.status_code == 201, created.text
    assert created.json()["project_id"] == limited["mine"]["id"]
    results = assign.json()["items"]
    assert [r["ok"] for r in results] == [True, False]
    assert results[1]["error"]["code"] == "not_found"
    assert new_project_attempt.status_code == 403
    assert "limited to projects" in error_of(new_project_attempt)["message"]
    with served.client() as admin:
        history = admin.get(f"/api/v2/tasks/{limited['their_task']['ref']}").json()
    assert history["assignee"] is None


def test_changes_are_recorded_under_the_tokens_name(served: Served) -> None:
    """The token is the actor: a command a write token sets waits for approval."""
    project = new_project(served)
    with served.client("writer") as api:
        created = api.post(
            "/api/v2/tasks",
            json={"title": "Deploy", "project": project["slug"], "metadata": {"command": "make"}},
        ).json()
    with served.client("admin") as api:
        approved = api.post(
            "/api/v2/tasks",
            json={"title": "Build", "project": project["slug"], "metadata": {"command": "make"}},
        ).json()
    assert created["command"]["set_by"] == "writer"
    assert created["command"]["approved_by"] is None
    assert approved["command"]["approved_by"] == "admin"
