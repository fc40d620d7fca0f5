"""Contract of the project, milestone and task routes, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from .conftest import Served, error_of, new_project, new_task


def test_projects_are_created_listed_and_read_by_id_slug_or_key(served: Served) -> None:
    """POST gives 201 and a Location; the same slug again is a 409 duplicate."""
    with served.client("writer") as api:
        created = api.post("/api/v2/projects", json={"name": "Billing Service", "key": "BIL"})
        again = api.post("/api/v2/projects", json={"name": "Billing Service"})
        listed = api.get("/api/v2/projects").json()["items"]
        refs = {"id": created.json()["id"], "slug": "billing-service", "key": "bil"}
        by = {way: api.get(f"/api/v2/projects/{ref}").json()["id"] for way, ref in refs.items()}
        missing = api.get("/api/v2/projects/billing-servce")
    project = created.json()
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/v2/projects/billing-service"
    assert (project["slug"], project["key"]) == ("billing-service", "BIL")
    assert again.status_code == 409
    assert error_of(again)["code"] == "duplicate"
    assert project["id"] in {p["id"] for p in listed}
    assert set(by.values()) == {project["id"]}
    assert missing.status_code == 404
    assert error_of(missing)["details"]["suggestions"] == ["billing-service"]


def test_milestones_are_created_and_listed_per_project(served: Served) -> None:
    """A milestone takes a name, an optional slug and due date; slugs are unique per project."""
    project = new_project(served)
    base = f"/api/v2/projects/{project['slug']}/milestones"
    with served.client("writer") as api:
        first = api.post(base, json={"name": "Beta launch", "due": "2027-03-01"})
        second = api.post(base, json={"name": "GA", "slug": "ga", "start": "2027-03-02"})
        duplicate = api.post(base, json={"name": "Beta launch"})
        bad_date = api.post(base, json={"name": "Later", "due": "next week"})
        nowhere = api.post("/api/v2/projects/nope-nope/milestones", json={"name": "X"})
        listed = api.get(base).json()["items"]
    assert first.status_code == 201
    assert first.json()["slug"] == "beta-launch"
    assert first.json()["due_date"] == "2027-03-01"
    assert second.json()["start_date"] == "2027-03-02"
    assert duplicate.status_code == 409
    assert bad_date.status_code == 422
    assert error_of(bad_date)["details"]["field"] == "due"
    assert nowhere.status_code == 404
    assert [m["slug"] for m in listed] == ["beta-launch", "ga"]


def test_create_is_idempotent_by_external_id(served: Served) -> None:
    """201 with Location and ETag for a new task; 200 and the same task for a repeat."""
    project = new_project(served)
    body = {"title": "Sync", "project": project["slug"], "external_id": "jira-7"}
    with served.client("writer") as api:
        first = api.post("/api/v2/tasks", json=body)
        repeat = api.post("/api/v2/tasks", json={**body, "title": "Sync (sent twice)"})
        by_ref = api.get(f"/api/v2/tasks/{first.json()['ref'].lower()}")
        by_id = api.get(f"/api/v2/tasks/{first.json()['id']}")
    task = first.json()
    assert first.status_code == 201
    assert first.headers["Location"] == f"/api/v2/tasks/{task['ref']}"
    assert first.headers["ETag"] == '"v1"'
    assert repeat.status_code == 200
    assert repeat.json()["id"] == task["id"]
    assert repeat.json()["title"] == "Sync"
    assert by_ref.json() == task == by_id.json()
    assert by_ref.headers["ETag"] == '"v1"'


def test_create_with_references_and_refusals(served: Served) -> None:
    """Blockers and milestones by ref or slug; missing ones are 404, bad values 422."""
    project = new_project(served)
    blocker = new_task(served, project, "First")
    with served.client("writer") as api:
        task = api.post(
            "/api/v2/tasks",
            json={
                "title": "Second",
                "project": project["slug"],
                "blocked_by": [blocker["ref"]],
                "milestone": "Beta",
                "create_milestone_if_missing": True,
                "status": "ready",
                "when_unblocked": True,
                "labels": ["api", "api"],
            },
        )
        missing_blocker = api.post(
            "/api/v2/tasks", json={"title": "X", "project": project["slug"], "blocked_by": ["ZZ-9"]}
        )
        blocked_ready = api.post(
            "/api/v2/tasks",
            json={"title": "Y", "project": project["slug"], "blocked_by": [blocker["ref"]],
                  "status": "ready"},
        )  # fmt: skip
    created = task.json()
    assert task.status_code == 201, task.text
    assert created["status"] == "blocked"
    assert created["blocked_by"][0]["ref"] == blocker["ref"]
    assert created["milestone_id"]
    assert created["labels"] == ["api"]
    assert missing_blocker.status_code == 404
    assert blocked_ready.status_code == 409
    assert error_of(blocked_ready)["code"] == "dependency_violation"


def test_list_filters_sorts_and_walks_pages_by_cursor(served: Served) -> None:
    """Every TaskQuery filter is a query parameter; next_cursor walks the list exactly once."""
    project = new_project(served)
    slug = project["slug"]
    made = [
        new_task(served, project, f"Item {i}", priority=["low", "high"][i % 2],
                 labels=["even"] if i % 2 == 0 else ["odd"],
                 assignee="ann" if i < 3 else None)
        for i in range(7)
    ]  # fmt: skip
    with served.client("reader") as api:

        def refs(**params: Any) -> list[str]:
            response = api.get("/api/v2/tasks", params={"project": slug, **params})
            assert response.status_code == 200, response.text
            return [t["ref"] for t in response.json()["items"]]

        walked: list[str] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, Any] = {"project": slug, "limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = api.get("/api/v2/tasks", params=params).json()
            walked += [t["ref"] for t in page["items"]]
            assert page["total"] is None
            cursor, pages = page["next_cursor"], pages + 1
            if cursor is None:
                break
        counted = api.get("/api/v2/tasks", params={"project": slug, "total": True}).json()
        newest_first = refs()
        oldest_first = refs(order="asc")
        high = refs(priority="high")
        odd_for_ann = refs(label="odd", assignee="ann")
        searched = refs(q="Item 4")
        by_title = refs(sort="title", order="asc", limit=2)
    all_refs = [t["ref"] for t in made]
    assert walked == newest_first == list(reversed(all_refs))
    assert pages == 3
    assert counted["total"] == 7
    assert oldest_first == all_refs
    assert high == [made[i]["ref"] for i in (5, 3, 1)]
    assert odd_for_ann == [made[1]["ref"]]
    assert searched == [made[4]["ref"]]
    assert by_title == all_refs[:2]


def test_list_includes_completed_tasks_only_when_asked(served: Served) -> None:
    """Done and cancelled tasks leave the default list; statuses or include_completed bring them."""
    project = new_project(served)
    open_task, closed = new_task(served, project, "Open"), new_task(served, project, "Closed")
    with served.client("writer") as api:
        api.post(f"/api/v2/tasks/{closed['ref']}/transition", json={"to": "cancelled"})
        default = api.get("/api/v2/tasks", params={"project": project["slug"]}).json()
        everything = api.get(
            "/api/v2/tasks", params={"project": project["slug"], "include_completed": True}
        ).json()
        cancelled = api.get(
            "/api/v2/tasks", params={"project": project["slug"], "status": "cancelled"}
        ).json()
        wrong_cursor = api.get(
            "/api/v2/tasks", params={"project": project["slug"], "cursor": "bm90LWEtY3Vyc29y"}
        )
    assert [t["ref"] for t in default["items"]] == [open_task["ref"]]
    assert len(everything["items"]) == 2
    assert [t["ref"] for t in cancelled["items"]] == [closed["ref"]]
    assert wrong_cursor.status_code == 422
    assert error_of(wrong_cursor)["details"]["field"] == "cursor"


def test_patch_changes_only_the_fields_given(served: Served) -> None:
    """PATCH bumps the version (the ETag); null clears an optional field, never a required one."""
    task = new_task(served, new_project(served), "Draft", assignee="ann", priority="low")
    ref = task["ref"]
    with served.client("writer") as api:
        changed = api.patch(f"/api/v2/tasks/{ref}", json={"title": "Final", "assignee": None})
        cleared_title = api.patch(f"/api/v2/tasks/{ref}", json={"title": None})
        unknown = api.patch(f"/api/v2/tasks/{ref}", json={"colour": "red"})
        missing = api.patch("/api/v2/tasks/ZZ-404", json={"title": "x"})
    body = changed.json()
    assert changed.status_code == 200
    assert changed.headers["ETag"] == '"v2"'
    assert (body["title"], body["assignee"], body["priority"]) == ("Final", None, "low")
    assert cleared_title.status_code == 422
    assert unknown.status_code == 422
    assert missing.status_code == 404


def test_delete_removes_the_task(served: Served) -> None:
    """DELETE answers with the ref; the task is gone; a running task is refused."""
    project = new_project(served)
    task, running = new_task(served, project, "Gone"), new_task(served, project, "Busy")
    with served.client("writer") as api:
        api.post(f"/api/v2/tasks/{running['ref']}/transition", json={"to": "ready"})
        forced = api.post(
            f"/api/v2/tasks/{running['ref']}/transition", json={"to": "in_progress", "force": True}
        )
        deleted = api.delete(f"/api/v2/tasks/{task['ref']}")
        after = api.get(f"/api/v2/tasks/{task['ref']}")
        refused = api.delete(f"/api/v2/tasks/{running['ref']}")
    assert forced.json()["status"] == "in_progress"
    assert deleted.json() == {"ref": task["ref"], "deleted": True}
    assert after.status_code == 404
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "invalid_transition"
