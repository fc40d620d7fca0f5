"""PRD import (preview, commit, jobs) and the JSON Lines import over HTTP, on both databases."""

from __future__ import annotations

import json
import uuid
from typing import Any

from core.domain.access import TokenCreate, TokenScope

from .conftest import Served, error_of, new_project, new_task

PRD = """# Checkout

## Cart API
Expose the cart over HTTP.

```sh
make test-cart
```

## Payment form
Depends on: Cart API

- [ ] card number validated
"""


def _limited(served: Served, project: dict[str, Any], scope: TokenScope) -> str:
    """A new token limited to ``project``; returns its name."""
    name = f"limited-{uuid.uuid4().hex[:8]}"
    served.add_tokens(TokenCreate(name=name, scope=scope, projects=[project["slug"]]))
    return name


def _preview(served: Served, token: str, **body: Any) -> dict[str, Any]:
    with served.client(token) as api:
        response = api.post("/api/v2/import/prd/preview", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_prd_is_previewed_then_committed_and_its_tasks_are_there(served: Served) -> None:
    """Preview writes nothing; commit writes the previewed plan; the job reads back."""
    project = new_project(served)
    options = {"project": project["slug"], "commands": True}
    preview = _preview(served, "writer", text=PRD, source="checkout.md", options=options)
    with served.client("writer") as api:
        before = api.get("/api/v2/tasks", params={"project": project["slug"]}).json()["items"]
        committed = api.post("/api/v2/import/prd/commit", json={"plan": preview["plan"]})
        job = committed.json()
        read_back = api.get(f"/api/v2/import/{job['id']}")
        listed = api.get("/api/v2/import", params={"limit": 50}).json()["items"]
        tasks = api.get("/api/v2/tasks", params={"project": project["slug"]}).json()["items"]
        cart = api.get(f"/api/v2/tasks/{job['created_refs'][0]}").json()
    assert [d["kind"] for d in preview["diff"]] == ["new", "new"]
    assert before == []
    assert committed.status_code == 201
    assert committed.headers["Location"] == f"/api/v2/import/{job['id']}"
    assert (job["status"], job["task_count"], job["edge_count"]) == ("committed", 2, 1)
    assert job["actor"] == "writer"
    assert read_back.json() == job
    assert job["id"] in {j["id"] for j in listed}
    assert {t["title"] for t in tasks} == {"Cart API", "Payment form"}
    assert {t["source"] for t in tasks} == {"prd_import"}
    assert cart["command"]["text"] == "make test-cart"
    assert cart["command"]["approved"] is False  # a document's command waits for approval


def test_committing_the_same_plan_again_creates_nothing(served: Served) -> None:
    """A retried or repeated commit changes nothing; a preview of it then says unchanged."""
    project = new_project(served)
    preview = _preview(
        served, "writer", text=PRD, source="again.md", options={"project": project["slug"]}
    )
    with served.client("writer") as api:
        first = api.post("/api/v2/import/prd/commit", json={"plan": preview["plan"]}).json()
        second = api.post("/api/v2/import/prd/commit", json={"plan": preview["plan"]}).json()
        tasks = api.get("/api/v2/tasks", params={"project": project["slug"]}).json()["items"]
    again = _preview(served, "writer", plan=preview["plan"])
    assert len(first["created_task_ids"]) == 2
    assert second["created_task_ids"] == []
    assert second["updated_task_ids"] == []
    assert len(tasks) == 2
    assert [d["kind"] for d in again["diff"]] == ["unchanged", "unchanged"]


def test_only_an_admin_may_approve_an_imports_commands(served: Served) -> None:
    """approve_commands from a write token is a 403 and writes nothing; an admin's approves."""
    project = new_project(served)
    options = {"project": project["slug"], "commands": True}
    plan = _preview(served, "admin", text=PRD, source="approve.md", options=options)["plan"]
    body = {"plan": plan, "approve_commands": True}
    with served.client("writer") as api:
        refused = api.post("/api/v2/import/prd/commit", json=body)
        nothing = api.get("/api/v2/tasks", params={"project": project["slug"]}).json()["items"]
    with served.client("admin") as api:
        job = api.post("/api/v2/import/prd/commit", json=body).json()
        cart = api.get(f"/api/v2/tasks/{job['created_refs'][0]}").json()
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    assert nothing == []
    assert cart["command"]["approved"] is True
    assert cart["command"]["approved_by"] == "admin"


def test_preview_refusals_name_the_problem(served: Served) -> None:
    """Text and plan together, neither, or an unknown project are refused with the reason."""
    plan = _preview(served, "writer", text=PRD)["plan"]
    with served.client("writer") as api:
        both = api.post("/api/v2/import/prd/preview", json={"text": PRD, "plan": plan})
        neither = api.post("/api/v2/import/prd/preview", json={"source": "x.md"})
        plan_and_options = api.post(
            "/api/v2/import/prd/preview", json={"plan": plan, "options": {"auto_ready": True}}
        )
        nowhere = api.post(
            "/api/v2/import/prd/preview", json={"text": PRD, "options": {"project": "nope-nope"}}
        )
        no_job = api.get("/api/v2/import/no-such-job")
    assert both.status_code == 422
    assert "not both" in error_of(both)["message"]
    assert neither.status_code == 422
    assert plan_and_options.status_code == 422
    assert "a plan carries its own" in error_of(plan_and_options)["message"]
    assert nowhere.status_code == 404
    assert no_job.status_code == 404
    assert error_of(no_job)["code"] == "not_found"


def test_a_json_lines_import_says_what_became_of_each_line(served: Served) -> None:
    """Each line gets its ref and whether it was created; a second send creates nothing."""
    project = new_project(served)
    lines = [
        {"title": "Schema", "external_id": "j-1"},
        {"title": "API", "external_id": "j-2", "blocked_by": ["j-1"]},
        {"title": "Docs"},
    ]
    body = "\n".join(json.dumps(line) for line in lines) + "\n\n"
    headers = {"Content-Type": "application/x-ndjson"}
    params = {"project": project["slug"]}
    with served.client("writer") as api:
        first = api.post("/api/v2/import/tasks", content=body, headers=headers, params=params)
        extra = json.dumps({"title": "Release", "external_id": "j-3", "blocked_by": ["j-2"]})
        mixed = api.post(
            "/api/v2/import/tasks",
            content=body.replace("\n\n", "\n") + extra,
            headers=headers,
            params=params,
        )
        api_task = api.get(f"/api/v2/tasks/{first.json()['items'][1]['ref']}").json()
    report = first.json()
    assert first.status_code == 201
    assert [(i["index"], i["line"], i["created"]) for i in report["items"]] == [
        (0, 1, True),
        (1, 2, True),
        (2, 3, True),
    ]
    assert [i["ref"] for i in report["items"]] == report["created"]
    assert report["edges"] == 1
    assert api_task["title"] == "API"
    assert [b["ref"] for b in api_task["blocked_by"]] == [report["items"][0]["ref"]]
    again = mixed.json()
    assert mixed.status_code == 201
    assert [(i["external_id"], i["created"]) for i in again["items"]] == [
        ("j-1", False),
        ("j-2", False),
        (None, True),
        ("j-3", True),
    ]
    assert [i["ref"] for i in again["items"][:2]] == [i["ref"] for i in report["items"][:2]]


def test_a_json_list_import_and_its_all_or_nothing_refusal(served: Served) -> None:
    """``{"items": [...]}`` works too; one bad item imports nothing and every problem is listed."""
    project = new_project(served)
    params = {"project": project["slug"]}
    good = {"items": [{"title": "One", "external_id": "a"}, {"title": "Two", "command": "make"}]}
    bad = {"items": [{"title": "Fine"}, {"title": ""}, {"title": "X", "blocked_by": ["zzz"]}]}
    bad_lines = '{"title": "Fine"}\nnot json\n{"title": "Y", "priority": "urgent"}\n'
    with served.client("writer") as api:
        made = api.post("/api/v2/import/tasks", json=good, params=params)
        refused = api.post("/api/v2/import/tasks", json=bad, params=params)
        refused_lines = api.post(
            "/api/v2/import/tasks",
            content=bad_lines,
            headers={"Content-Type": "application/x-ndjson"},
            params=params,
        )
        unknown_blocker = api.post(
            "/api/v2/import/tasks", json={"items": [bad["items"][2]]}, params=params
        )
        empty = api.post("/api/v2/import/tasks", json={"items": []}, params=params)
        tasks = api.get("/api/v2/tasks", params=params).json()["items"]
    assert made.status_code == 201
    assert empty.status_code == 200
    assert empty.json()["items"] == empty.json()["created"] == []
    assert [(i["index"], i["line"]) for i in made.json()["items"]] == [(0, None), (1, None)]
    two = next(t for t in tasks if t["title"] == "Two")
    assert two["command"]["text"] == "make"
    assert two["command"]["approved"] is False  # a write token's command waits for approval
    assert refused.status_code == 422
    assert [e["index"] for e in error_of(refused)["details"]["errors"]] == [1]
    assert refused_lines.status_code == 422
    assert [e["line"] for e in error_of(refused_lines)["details"]["errors"]] == [2, 3]
    assert unknown_blocker.status_code == 422
    assert error_of(unknown_blocker)["details"]["errors"][0]["index"] == 0
    assert {t["title"] for t in tasks} == {"One", "Two"}


def test_a_limited_token_cannot_import_into_or_see_other_projects(served: Served) -> None:
    """Its imports land in its project; others' projects, jobs and tasks stay invisible."""
    mine, theirs = new_project(served), new_project(served)
    secret_task = new_task(served, theirs, "Their task")
    limited = _limited(served, mine, TokenScope.WRITE)
    with served.client("admin") as api:
        theirs_plan = api.post(
            "/api/v2/import/prd/preview",
            json={"text": PRD, "source": "theirs.md", "options": {"project": theirs["slug"]}},
        ).json()["plan"]
        their_job = api.post("/api/v2/import/prd/commit", json={"plan": theirs_plan}).json()
    with served.client(limited) as api:
        own = api.post("/api/v2/import/prd/preview", json={"text": PRD, "source": "mine.md"})
        own_job = api.post("/api/v2/import/prd/commit", json={"plan": own.json()["plan"]})
        into_theirs = api.post("/api/v2/import/prd/commit", json={"plan": theirs_plan})
        their_job_read = api.get(f"/api/v2/import/{their_job['id']}")
        jobs = api.get("/api/v2/import", params={"limit": 200}).json()["items"]
        lines_into_theirs = api.post(
            "/api/v2/import/tasks",
            json={"items": [{"title": "X"}]},
            params={"project": theirs["slug"]},
        )
        item_into_theirs = api.post(
            "/api/v2/import/tasks", json={"items": [{"title": "X", "project": theirs["slug"]}]}
        )
        blocked_by_theirs = api.post(
            "/api/v2/import/tasks",
            json={"items": [{"title": "X", "blocked_by": [secret_task["ref"]]}]},
        )
        nowhere = api.post(
            "/api/v2/import/tasks", json={"items": [{"title": "X", "blocked_by": ["NOPE-999"]}]}
        )
        lines_into_mine = api.post("/api/v2/import/tasks", json={"items": [{"title": "Mine"}]})
    assert own.json()["plan"]["options"]["project"] == mine["slug"]
    assert own_job.status_code == 201
    assert own_job.json()["project_id"] == mine["id"]
    for refused in (into_theirs, their_job_read, lines_into_theirs, item_into_theirs):
        assert refused.status_code == 404, refused.text
        assert error_of(refused)["details"]["suggestions"] == []
    assert {j["project_id"] for j in jobs} == {mine["id"]}
    assert blocked_by_theirs.status_code == nowhere.status_code == 422
    said = error_of(blocked_by_theirs)["details"]["errors"][0]["message"]
    assert said == error_of(nowhere)["details"]["errors"][0]["message"].replace(
        "'NOPE-999'", repr(secret_task["ref"])
    )
    assert "another project" not in blocked_by_theirs.text
    assert lines_into_mine.status_code == 201
    assert lines_into_mine.json()["items"][0]["ref"].startswith(mine["key"])


def test_a_read_token_cannot_import(served: Served) -> None:
    """Preview, commit and the JSON Lines import all take a token that may write."""
    preview = _preview(served, "writer", text=PRD, source="read.md")
    with served.client("reader") as api:
        again = api.post("/api/v2/import/prd/preview", json={"plan": preview["plan"]})
        commit = api.post("/api/v2/import/prd/commit", json={"plan": preview["plan"]})
        lines = api.post("/api/v2/import/tasks", json={"items": [{"title": "X"}]})
    for response in (again, commit, lines):
        assert response.status_code == 403
        assert error_of(response)["details"] == {"scope": "read", "needed": "write"}
