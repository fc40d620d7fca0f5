"""Token administration over HTTP, and finding milestones by slug or name."""

from __future__ import annotations

import uuid

from core.domain.access import TokenCreate, TokenScope

from .conftest import Served, error_of, new_project


def test_an_admin_issues_lists_and_revokes_tokens(served: Served) -> None:
    """The secret is in the create answer only; the new token works until revoked."""
    name = f"ci-{uuid.uuid4().hex[:8]}"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    with served.client("admin", **key) as api:
        made = api.post("/api/v2/tokens", json={"name": name, "scope": "write"})
        retried = api.post("/api/v2/tokens", json={"name": name, "scope": "write"})
    with served.client("admin") as api:
        listed = api.get("/api/v2/tokens")
    secret = made.json()["secret"]
    with served.client(secret) as api:
        works = api.get("/api/v2/projects")
    with served.client("admin") as api:
        revoked = api.delete(f"/api/v2/tokens/{name}")
        revoked_again = api.delete(f"/api/v2/tokens/{name}")
        no_such = api.delete("/api/v2/tokens/nobody-at-all")
    with served.client(secret) as api:
        refused = api.get("/api/v2/projects")
    assert made.status_code == 201
    assert made.headers["Cache-Control"] == "no-store"
    assert secret.startswith("ty_")
    assert made.json()["token"]["name"] == name
    assert retried.status_code == 409  # never a replay of the secret
    assert "Idempotent-Replayed" not in retried.headers
    assert secret not in listed.text
    assert name in {t["name"] for t in listed.json()["items"]}
    assert works.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert revoked_again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert no_such.status_code == 404
    assert refused.status_code == 401


def test_only_an_admin_for_every_project_manages_tokens(served: Served) -> None:
    """A write token, and an admin token limited to a project, get 403 and change nothing."""
    project = new_project(served)
    limited = f"limited-admin-{uuid.uuid4().hex[:8]}"
    served.add_tokens(TokenCreate(name=limited, scope=TokenScope.ADMIN, projects=[project["slug"]]))
    wanted = {"name": f"escalated-{uuid.uuid4().hex[:8]}", "scope": "admin"}
    for token in ("writer", limited):
        with served.client(token) as api:
            create = api.post("/api/v2/tokens", json=wanted)
            listing = api.get("/api/v2/tokens")
            revoke = api.delete("/api/v2/tokens/admin")
        for response in (create, listing, revoke):
            assert response.status_code == 403, (token, response.text)
            assert error_of(response)["code"] == "forbidden"
    with served.client("admin") as api:
        names = {t["name"] for t in api.get("/api/v2/tokens").json()["items"]}
    assert wanted["name"] not in names


def test_a_token_reads_who_it_is(served: Served) -> None:
    """``GET /api/v2/me``: name, scope and projects, for a token of any scope; 401 without."""
    project = new_project(served)
    limited = f"reader-{uuid.uuid4().hex[:8]}"
    served.add_tokens(TokenCreate(name=limited, scope=TokenScope.READ, projects=[project["slug"]]))
    with served.client("admin") as api:
        admin = api.get("/api/v2/me")
    with served.client(limited) as api:
        reader = api.get("/api/v2/me")
    with served.client(None) as api:
        nobody = api.get("/api/v2/me")
    assert admin.json() == {"name": "admin", "scope": "admin", "projects": []}
    assert reader.json() == {"name": limited, "scope": "read", "projects": [project["slug"]]}
    assert nobody.status_code == 401


def test_milestones_are_found_by_slug_or_name(served: Served) -> None:
    """Case-insensitive matches; an empty list for none; another project's are invisible."""
    project, other = new_project(served), new_project(served)
    base = f"/api/v2/projects/{project['slug']}/milestones"
    limited = f"limited-{uuid.uuid4().hex[:8]}"
    served.add_tokens(TokenCreate(name=limited, scope=TokenScope.READ, projects=[other["slug"]]))
    with served.client("writer") as api:
        api.post(base, json={"name": "Beta Launch"})
        api.post(base, json={"name": "GA", "slug": "ga"})
        by_name = api.get(f"{base}/search", params={"name": "beta launch"}).json()["items"]
        by_slug = api.get(f"{base}/search", params={"slug": "GA"}).json()["items"]
        none = api.get(f"{base}/search", params={"name": "gamma"}).json()["items"]
    with served.client(limited) as api:
        hidden = api.get(f"{base}/search", params={"slug": "ga"})
    assert [m["slug"] for m in by_name] == ["beta-launch"]
    assert [m["name"] for m in by_slug] == ["GA"]
    assert none == []
    assert hidden.status_code == 404
