"""``/v1`` against a real server: every example of v1-slugs-references-idempotency.md replayed.

Each test names the spec's step it replays and checks the answer's status and shape (the
keys of the example, and the codes), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from .conftest import Served, new_project, new_task

MILESTONE = {"name": "MVP: Local ingestion UI", "slug": "mvp-local-ingestion-ui"}


def project_with_milestones(served: Served) -> tuple[dict[str, Any], dict[str, Any]]:
    """A project with the spec's milestone and a near namesake."""
    project = new_project(served)
    with served.client() as api:
        made = api.post(
            f"/api/v2/projects/{project['slug']}/milestones",
            json={**MILESTONE, "due": "2025-11-01"},
        )
        assert made.status_code == 201, made.text
        api.post(
            f"/api/v2/projects/{project['slug']}/milestones",
            json={"name": "MVP local ingestion", "slug": "mvp-local-ingestion"},
        ).raise_for_status()
    return project, made.json()


def test_step1_slug_lookup_returns_the_milestone(served: Served) -> None:
    """Step 1's example: ``?slug=mvp-local-ingestion-ui`` → 200 with that one milestone."""
    project, milestone = project_with_milestones(served)
    with served.client() as api:
        response = api.get(
            f"/v1/projects/{project['id']}/milestones", params={"slug": MILESTONE["slug"]}
        )
        shouted = api.get(
            f"/v1/projects/{project['id']}/milestones", params={"slug": "MVP-LOCAL-INGESTION-UI"}
        )
        by_name = api.get(
            f"/v1/projects/{project['id']}/milestones", params={"name": "mvp: local ingestion ui"}
        )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    [found] = body["milestones"]
    assert found["id"] == milestone["id"]
    assert found["slug"] == "mvp-local-ingestion-ui"
    assert found["name"] == "MVP: Local ingestion UI"
    assert found["due"] == found["due_date"] == "2025-11-01"
    assert {"start_date", "url"} <= set(found)
    assert shouted.json()["milestones"] == body["milestones"]
    assert by_name.json()["milestones"] == body["milestones"]


def test_step1_no_match_is_an_empty_list_with_suggestions(served: Served) -> None:
    """No match: 200 and ``[]``, with the closest milestones and their ids."""
    project, milestone = project_with_milestones(served)
    with served.client() as api:
        response = api.get(
            f"/v1/projects/{project['id']}/milestones", params={"slug": "mvp-local-ingestion-u"}
        )
    body = response.json()
    assert response.status_code == 200
    assert body["milestones"] == []
    assert {"slug": "mvp-local-ingestion-ui", "id": milestone["id"]}.items() <= (
        body["suggestions"][0].items()
    )


def test_step1_unknown_project_is_404_in_the_v1_body(served: Served) -> None:
    """404 if the project is not found, said as v1 says errors."""
    with served.client() as api:
        response = api.get("/v1/projects/1808e304-fc52-49f6-9a42-71044b4cb4b5/milestones")
    assert response.status_code == 404
    body = response.json()
    assert body["ok"] is False
    assert body["status"] == 404
    [item] = body["detail"]
    assert item["type"] == "not_found"
    assert item["loc"] == ["path", "project_id"]
    assert item["input"] == "1808e304-fc52-49f6-9a42-71044b4cb4b5"


def spec_body(project: dict[str, Any], parent: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Step 2's recommended richer payload, for this test's project and parent."""
    log = base64.b64encode(b"npm ERR! build failed\n").decode()
    body = {
        "references": {
            "project": {"id": project["id"], "slug": project["slug"]},
            "milestone": {"slug": "mvp-local-ingestion-ui", "auto_create": False},
            "parent_task": {"id": parent["id"], "external_id": "c1"},
        },
        "title": "QA follow-up",
        "description": "Build and tests failed. See attachments.",
        "effort_estimate": 3,
        "priority_score": 5,
        "assignee_persona": "lead-engineer",
        "external_id": f"wf_coord_{uuid.uuid4().hex}-qa-1",
        "attachments": [{"name": "npm-debug.log", "content_base64": log}],
        "options": {"resolve_inline": True, "create_milestone_if_missing": False},
    }
    body.update(changes)
    return body


def test_step2_rich_payload_creates_the_task(served: Served) -> None:
    """Step 2's request → 201 ``{ok, task}`` with the example's fields, linked as asked."""
    project, milestone = project_with_milestones(served)
    parent = new_task(served, project, "Coordinator", external_id="c1")
    with served.client() as api:
        response = api.post("/v1/tasks", json=spec_body(project, parent))
        task = response.json()["task"]
        download = api.get(task["attachments"][0]["url"])
        again = api.get(task["url"])
    assert response.status_code == 201, response.text
    assert response.json()["ok"] is True
    assert response.headers["Location"] == task["url"] == f"/v1/tasks/{task['id']}"
    assert task["title"] == "QA follow-up"
    assert task["project_id"] == project["id"]
    assert task["milestone_id"] == milestone["id"]
    assert task["parent_task_id"] == parent["id"]
    assert task["assignee_persona"] == "lead-engineer"
    assert task["priority"] == "critical"
    assert task["priority_score"] == 5
    assert task["effort_estimate"] == 3
    [attachment] = task["attachments"]
    assert attachment["name"] == "npm-debug.log"
    assert attachment["id"]
    assert attachment["url"]
    assert download.content == b"npm ERR! build failed\n"
    assert again.json() == {"ok": True, "task": task}


def test_step2_old_simple_fields_still_work(served: Served) -> None:
    """``project_id``/``milestone_id``/``parent_task_id`` and their slug and external-id twins."""
    project, milestone = project_with_milestones(served)
    parent = new_task(served, project, "Parent", external_id="wf-parent")
    with served.client() as api:
        by_ids = api.post(
            "/v1/tasks",
            json={
                "title": "By ids",
                "project_id": project["id"],
                "milestone_id": milestone["id"],
                "parent_task_id": parent["id"],
            },
        )
        by_slugs = api.post(
            "/v1/tasks",
            json={
                "title": "By slugs",
                "project_slug": project["slug"],
                "milestone_slug": "MVP-Local-Ingestion-UI",
                "parent_task_external_id": "wf-parent",
            },
        )
    for response in (by_ids, by_slugs):
        assert response.status_code == 201, response.text
        task = response.json()["task"]
        assert (task["project_id"], task["milestone_id"], task["parent_task_id"]) == (
            project["id"],
            milestone["id"],
            parent["id"],
        )


def test_step2_missing_milestone_is_created_when_asked(served: Served) -> None:
    """``create_milestone_if_missing`` (or ``auto_create``) makes the milestone from its slug."""
    project = new_project(served)
    with served.client() as api:
        made = api.post(
            "/v1/tasks",
            json={
                "title": "Beta work",
                "references": {
                    "project": {"slug": project["slug"]},
                    "milestone": {"slug": "beta-launch", "auto_create": True},
                },
            },
        )
        found = api.get(
            f"/v1/projects/{project['id']}/milestones", params={"slug": "beta-launch"}
        ).json()
    assert made.status_code == 201, made.text
    assert made.json()["task"]["milestone_id"] == found["milestones"][0]["id"]


def test_step2_resolve_inline_creates_the_named_project(served: Served) -> None:
    """``options.resolve_inline`` creates a project named by a slug nobody made yet."""
    slug = f"inline-{uuid.uuid4().hex[:6]}"
    with served.client() as api:
        response = api.post(
            "/v1/tasks",
            json={
                "title": "Inline",
                "references": {"project": {"slug": slug}},
                "options": {"resolve_inline": True},
            },
        )
        project = api.get(f"/api/v2/projects/{slug}")
    assert response.status_code == 201, response.text
    assert response.json()["task"]["project_id"] == project.json()["id"]


def test_step2_unresolved_slug_is_404_with_suggestions(served: Served) -> None:
    """Step 2's error example, byte for byte in its keys: loc, msg, input, suggestions."""
    project, milestone = project_with_milestones(served)
    with served.client() as api:
        response = api.post(
            "/v1/tasks",
            json={
                "title": "QA follow-up",
                "references": {
                    "project": {"id": project["id"]},
                    "milestone": {"slug": "mvp-local-ingestion-u"},
                },
            },
        )
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"ok", "status", "detail"}
    assert (body["ok"], body["status"]) == (False, 404)
    [item] = body["detail"]
    assert set(item) == {"type", "loc", "msg", "input", "suggestions"}
    assert item["type"] == "not_found"
    assert item["loc"] == ["body", "references", "milestone", "slug"]
    assert item["msg"] == "Milestone not found"
    assert item["input"] == "mvp-local-ingestion-u"
    assert {"slug": "mvp-local-ingestion-ui", "id": milestone["id"]} in [
        {"slug": s["slug"], "id": s["id"]} for s in item["suggestions"]
    ]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"project_slug": "no-such-project-x"}, ["body", "project_slug"]),
        ({"references": {"project": {"slug": "no-such-project-x"}}}, None),
        ({"references": {"parent_task": {"external_id": "nope"}}}, None),
    ],
)
def test_step2_every_unresolved_reference_names_its_loc(
    served: Served, body: dict[str, Any], loc: list[str] | None
) -> None:
    """Project and parent misses answer 404 where the client gave them."""
    with served.client() as api:
        response = api.post("/v1/tasks", json={"title": "X", **body})
    assert response.status_code == 404, response.text
    [item] = response.json()["detail"]
    if loc is None:
        section = next(iter(body["references"]))
        key = next(iter(body["references"][section]))
        loc = ["body", "references", section, key]
    assert item["loc"] == loc


def test_invalid_fields_answer_422_with_every_loc(served: Served) -> None:
    """A bad body lists each problem at its location, in v1's body."""
    with served.client() as api:
        response = api.post("/v1/tasks", json={"title": "", "priority_score": 9})
        no_token = httpx.post(f"{served.url}/v1/tasks", json={"title": "X"})
    assert response.status_code == 422
    body = response.json()
    assert body["ok"] is False
    assert body["status"] == 422
    assert {tuple(d["loc"]) for d in body["detail"]} == {
        ("body", "title"),
        ("body", "priority_score"),
    }
    assert no_token.status_code == 401
    assert no_token.json()["detail"][0]["type"] == "unauthorized"


def test_step3_repeated_external_id_returns_the_existing_task(served: Served) -> None:
    """Step 3: the first POST creates (201), the retry answers 200 with ``note: "existing"``."""
    project = new_project(served)
    body = {"title": "QA", "project_id": project["id"], "external_id": "wf_coord_123-qa-1"}
    with served.client() as api:
        first = api.post("/v1/tasks", json=body)
        retry = api.post("/v1/tasks", json={**body, "title": "Changed title"})
    assert first.status_code == 201
    assert retry.status_code == 200
    answer = retry.json()
    assert answer["ok"] is True
    assert answer["status"] == 200
    assert answer["note"] == "existing"
    assert answer["task"] == first.json()["task"]


def test_step3_twenty_parallel_posts_create_one_task(served: Served) -> None:
    """Race safety: 20 identical POSTs at once make one task; one 201, nineteen 200s."""
    project = new_project(served)
    body = {"title": "Race", "project_id": project["id"], "external_id": "wf-race-1"}

    def post(_: int) -> httpx.Response:
        with served.client() as api:
            return api.post("/v1/tasks", json=body)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(post, range(20)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 19 + [201], [a.text for a in answers if a.status_code >= 300]
    assert len({a.json()["task"]["id"] for a in answers}) == 1
    with served.client() as api:
        listed = api.get("/api/v2/tasks", params={"project": project["slug"]}).json()
    assert len(listed["items"]) == 1
