"""``/api/tasks`` against a real server: every example of task-management-api.md replayed.

Each test names the spec's section or example it replays and checks the status, the
envelope's keys and the codes, on SQLite and PostgreSQL. The workspace is a project made
by the test, the VP an orchestrator added through ``/api/v2/orchestrators``.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from .conftest import Served, new_project, new_task

TASK_KEYS = {
    "id", "title", "description", "priority", "status", "vpId", "workspaceId", "channelId",
    "createdById", "assignedToId", "estimatedHours", "dueDate", "tags", "dependsOn",
    "metadata", "createdAt", "updatedAt", "completedAt", "vp",
}  # fmt: skip


def workspace(served: Served) -> tuple[dict[str, Any], dict[str, Any]]:
    """A project and its orchestrator (the spec's "Backend Bot")."""
    project = new_project(served)
    with served.client() as api:
        made = api.post(
            "/api/v2/orchestrators",
            json={
                "project": project["slug"],
                "name": f"bot-{uuid.uuid4().hex[:6]}",
                "role": "Senior Backend Engineer",
                "user_name": "Backend Bot",
                "user_email": "backend@bot.local",
            },
        )
    assert made.status_code == 201, made.text
    return project, made.json()


def create(api: httpx.Client, project: dict[str, Any], vp: dict[str, Any], **fields: Any) -> Any:
    """A task through ``POST /api/tasks`` (201), its ``data``."""
    body = {"title": "Task", "vpId": vp["id"], "workspaceId": project["id"], **fields}
    response = api.post("/api/tasks", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def move(api: httpx.Client, task: dict[str, Any], status: str) -> httpx.Response:
    """``PATCH`` a task's status."""
    return api.patch(f"/api/tasks/{task['id']}", json={"status": status})


def error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The old API's error body, checked for its status, shape and code."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "code", "details"}, body
    assert body["code"] == code, body
    return body


def test_2_create_with_every_field(served: Served) -> None:
    """§2's request body → 201 ``{data, message}`` with the example's fields."""
    project, vp = workspace(served)
    with served.client() as api:
        dependency = create(api, project, vp, title="Design")
        response = api.post(
            "/api/tasks",
            json={
                "title": "Implement user authentication",
                "description": "Add JWT-based authentication to the API",
                "priority": "HIGH",
                "status": "TODO",
                "vpId": vp["id"],
                "workspaceId": project["id"],
                "channelId": "ch_456",
                "estimatedHours": 8,
                "dueDate": "2025-12-31T00:00:00Z",
                "tags": ["auth", "backend"],
                "dependsOn": [dependency["id"]],
                "assignedToId": vp["id"],
                "metadata": {"customField": "customValue"},
            },
        )
    assert response.status_code == 201, response.text
    assert response.headers["X-API-Version"] == "1.0.0"
    body = response.json()
    assert body["message"] == "Task created successfully"
    task = body["data"]
    assert set(task) == TASK_KEYS
    assert (task["priority"], task["status"]) == ("HIGH", "TODO")
    assert (task["vpId"], task["workspaceId"], task["channelId"]) == (
        vp["id"],
        project["id"],
        "ch_456",
    )
    assert task["createdById"] == "admin"
    assert task["dueDate"] == "2025-12-31T00:00:00Z"
    assert task["tags"] == ["auth", "backend"]
    assert task["dependsOn"] == [dependency["id"]]
    assert task["metadata"] == {"customField": "customValue"}
    assert task["vp"] == {
        "id": vp["id"],
        "role": "Senior Backend Engineer",
        "user": {"id": "backend@bot.local", "name": "Backend Bot", "email": "backend@bot.local"},
    }


def test_1_list_filters_sorts_and_pages(served: Served) -> None:
    """§1: filters, sort, and the ``pagination`` object."""
    project, vp = workspace(served)
    with served.client() as api:
        for n, priority in enumerate(["LOW", "CRITICAL", "HIGH"]):
            create(api, project, vp, title=f"T{n}", priority=priority, tags=["backend"])
        first = api.get(
            "/api/tasks",
            params={"vpId": vp["id"], "limit": 2, "sortBy": "priority", "sortOrder": "asc"},
        )
        second = api.get(
            "/api/tasks",
            params={"workspaceId": project["id"], "limit": 2, "page": 2, "sortBy": "priority",
                    "sortOrder": "asc", "status": "TODO,IN_PROGRESS", "tags": "backend"},
        )  # fmt: skip
        searched = api.get("/api/tasks", params={"workspaceId": project["id"], "search": "t2"})
    body = first.json()
    assert set(body) == {"data", "pagination"}
    assert [t["priority"] for t in body["data"]] == ["CRITICAL", "HIGH"]
    assert set(body["data"][0]) == TASK_KEYS
    assert body["pagination"] == {
        "page": 1, "limit": 2, "totalCount": 3, "totalPages": 2,
        "hasNextPage": True, "hasPreviousPage": False,
    }  # fmt: skip
    assert [t["priority"] for t in second.json()["data"]] == ["LOW"]
    assert second.json()["pagination"]["hasPreviousPage"] is True
    assert [t["title"] for t in searched.json()["data"]] == ["T2"]


def test_3_get_and_5_delete(served: Served) -> None:
    """§3 reads a task; §5 deletes it (``data: null``); then both are NOT_FOUND."""
    project, vp = workspace(served)
    with served.client() as api:
        task = create(api, project, vp)
        read = api.get(f"/api/tasks/{task['id']}")
        deleted = api.delete(f"/api/tasks/{task['id']}")
        gone = api.get(f"/api/tasks/{task['id']}")
    assert read.json() == {"data": {**task, "updatedAt": read.json()["data"]["updatedAt"]}}
    assert deleted.json() == {"data": None, "message": "Task deleted successfully"}
    error(gone, 404, "NOT_FOUND")


def test_4_patch_changes_fields_status_and_dependencies_at_once(served: Served) -> None:
    """§4's body: every field, the status and the dependencies in one PATCH."""
    project, vp = workspace(served)
    with served.client() as api:
        done = create(api, project, vp, title="Done already")
        assert move(api, done, "IN_PROGRESS").status_code == 200
        assert move(api, done, "DONE").json()["data"]["status"] == "DONE"
        task = create(api, project, vp)
        response = api.patch(
            f"/api/tasks/{task['id']}",
            json={
                "title": "Updated title",
                "description": "Updated description",
                "priority": "CRITICAL",
                "status": "IN_PROGRESS",
                "estimatedHours": 10,
                "dueDate": "2025-12-25T00:00:00Z",
                "tags": ["urgent", "critical"],
                "dependsOn": [done["id"]],
                "assignedToId": vp["id"],
                "metadata": {"updated": True},
            },
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"] == "Task updated successfully"
    changed = body["data"]
    assert (changed["title"], changed["priority"], changed["status"]) == (
        "Updated title",
        "CRITICAL",
        "IN_PROGRESS",
    )
    assert changed["dependsOn"] == [done["id"]]
    assert changed["metadata"] == {"updated": True}
    assert changed["createdById"] == "admin"
    assert changed["dueDate"] == "2025-12-25T00:00:00Z"


def test_example2_start_with_unfinished_dependencies_is_refused(served: Served) -> None:
    """Example 2: IN_PROGRESS with unfinished dependencies → INVALID_STATE_TRANSITION, and
    nothing of the PATCH is kept."""
    project, vp = workspace(served)
    with served.client() as api:
        design = create(api, project, vp, title="Design")
        review = create(api, project, vp, title="Code Review")
        task = create(api, project, vp, title="Implement", dependsOn=[design["id"], review["id"]])
        refused = api.patch(
            f"/api/tasks/{task['id']}", json={"status": "IN_PROGRESS", "title": "X"}
        )
        after = api.get(f"/api/tasks/{task['id']}").json()["data"]
        for blocker in (design, review):
            move(api, blocker, "CANCELLED")
        started = move(api, task, "IN_PROGRESS")
    body = error(refused, 400, "INVALID_STATE_TRANSITION")
    assert body["error"] == "Cannot start task. Unfinished dependencies: Design, Code Review"
    assert after["title"] == "Implement"
    assert started.json()["data"]["status"] == "IN_PROGRESS"


def test_transitions_follow_the_five_status_table(served: Served) -> None:
    """TODO → BLOCKED → IN_PROGRESS → DONE; DONE and CANCELLED are terminal."""
    project, vp = workspace(served)
    with served.client() as api:
        task = create(api, project, vp)
        statuses = [move(api, task, s).json()["data"]["status"] for s in
                    ("BLOCKED", "IN_PROGRESS", "DONE")]  # fmt: skip
        reopen = move(api, task, "TODO")
        cancelled = create(api, project, vp)
        move(api, cancelled, "CANCELLED")
        revive = move(api, cancelled, "IN_PROGRESS")
    assert statuses == ["BLOCKED", "IN_PROGRESS", "DONE"]
    error(reopen, 400, "INVALID_STATE_TRANSITION")
    error(revive, 400, "INVALID_STATE_TRANSITION")


def test_example3_assign_reports_each_task(served: Served) -> None:
    """Example 3: two assigned, one not found → 207 with ``summary``; all found → 200."""
    project, vp = workspace(served)
    with served.client() as api:
        tasks = [create(api, project, vp, title=f"T{n}") for n in range(2)]
        ids = [t["id"] for t in tasks]
        partial = api.post(
            "/api/tasks/assign",
            json={"taskIds": [*ids, "task_789"], "assigneeId": vp["id"],
                  "reason": "VP has capacity for these tasks"},
        )  # fmt: skip
        complete = api.post(
            "/api/tasks/assign",
            json={"taskIds": ids, "assigneeId": vp["name"],
                  "reason": "User has capacity for these tasks",
                  "metadata": {"assignmentPriority": "urgent"}},
        )  # fmt: skip
        other_project, _ = workspace(served)
        elsewhere = new_task(served, other_project, "Elsewhere")
        mixed = api.post(
            "/api/tasks/assign", json={"taskIds": [ids[0], elsewhere["id"]], "assigneeId": vp["id"]}
        )
        nobody = api.post("/api/tasks/assign", json={"taskIds": ids, "assigneeId": "user_789"})
    assert partial.status_code == 207
    body = partial.json()
    assert [a["taskId"] for a in body["data"]["assigned"]] == ids
    assert all(
        a["success"] is True and a["data"]["vpId"] == vp["id"] for a in body["data"]["assigned"]
    )
    assert body["data"]["failed"] == []
    assert body["data"]["notFound"] == ["task_789"]
    assert body["summary"] == {"total": 3, "successful": 2, "failed": 0, "notFound": 1}
    assert complete.status_code == 200
    assert complete.json()["summary"]["successful"] == 2
    assert complete.json()["message"] == "Tasks assigned successfully"
    assert mixed.status_code == 207
    assert mixed.json()["data"]["failed"] == [
        {"taskId": elsewhere["id"], "success": False, "error": "Task is in another workspace."}
    ]
    error(nobody, 404, "ASSIGNEE_NOT_FOUND")


def test_example4_poll_then_poll_for_changes(served: Served) -> None:
    """Example 4: the VP's TODO/IN_PROGRESS tasks at HIGH or above, most urgent first; then
    ``since`` = the answer's cursor returns only what changed."""
    project, vp = workspace(served)
    with served.client() as api:
        create(api, project, vp, title="Implement feature", priority="HIGH")
        critical = create(api, project, vp, title="Critical bug fix", priority="CRITICAL")
        create(api, project, vp, title="Later", priority="LOW")
        poll = {"vpId": vp["id"], "workspaceId": project["id"], "status": ["TODO", "IN_PROGRESS"],
                "minPriority": "HIGH", "limit": 100}  # fmt: skip
        first = api.post("/api/tasks/poll", json=poll)
        cursor = first.json()["metadata"]["cursor"]
        quiet = api.post("/api/tasks/poll", json={**poll, "since": cursor})
        move(api, critical, "IN_PROGRESS")
        delta = api.post("/api/tasks/poll", json={**poll, "since": cursor})
        by_time = api.post("/api/tasks/poll", json={**poll, "since": "2025-01-10T10:00:00Z"})
    body = first.json()
    assert [t["title"] for t in body["data"]] == ["Critical bug fix", "Implement feature"]
    meta = body["metadata"]
    assert {"vpId", "workspaceId", "polledAt", "since", "tasksReturned", "hasMore"} <= set(meta)
    assert (meta["tasksReturned"], meta["hasMore"]) == (2, False)
    assert quiet.json()["data"] == []
    assert [(t["title"], t["status"]) for t in delta.json()["data"]] == [
        ("Critical bug fix", "IN_PROGRESS")
    ]
    assert int(delta.json()["metadata"]["cursor"]) > int(cursor)
    assert len(by_time.json()["data"]) == 2


def test_example5_backlog_with_metrics(served: Served) -> None:
    """Example 5: the backlog filtered and sorted by priority, with counts by status."""
    project, vp = workspace(served)
    with served.client() as api:
        critical = create(api, project, vp, title="Critical bug", priority="CRITICAL")
        create(api, project, vp, title="High", priority="HIGH")
        create(api, project, vp, title="Low", priority="LOW")
        done = create(api, project, vp, title="Done", priority="HIGH")
        move(api, done, "IN_PROGRESS")
        move(api, done, "DONE")
        move(api, critical, "IN_PROGRESS")
        response = api.get(
            f"/api/orchestrators/{vp['id']}/backlog",
            params={
                "status": "TODO,IN_PROGRESS",
                "priority": "CRITICAL,HIGH",
                "sortBy": "priority",
            },
            headers={"X-API-Version": "1.0.0"},
        )
        unknown = api.get("/api/orchestrators/vp_123/backlog")
    body = response.json()
    assert set(body) == {"data", "pagination", "metrics"}
    assert [t["title"] for t in body["data"]] == ["Critical bug", "High"]
    assert body["pagination"]["totalCount"] == 2
    metrics = body["metrics"]
    assert metrics["total"] == 4
    assert metrics["byStatus"] == {
        "todo": 2,
        "inProgress": 1,
        "blocked": 0,
        "done": 1,
        "cancelled": 0,
    }
    assert metrics["completionRate"] == "25.00"
    error(unknown, 404, "VP_NOT_FOUND")


def test_dependency_errors_name_every_bad_dependency(served: Served) -> None:
    """DEPENDENCY_VIOLATION lists unresolved dependencies; a cycle is CIRCULAR_DEPENDENCY."""
    project, vp = workspace(served)
    with served.client() as api:
        missing = api.post(
            "/api/tasks",
            json={"title": "Child Task", "vpId": vp["id"], "workspaceId": project["id"],
                  "dependsOn": ["parent_task_123", "task_999"]},
        )  # fmt: skip
        task_a = create(api, project, vp, title="Task A")
        task_b = create(api, project, vp, title="Task B", dependsOn=[task_a["id"]])
        cycle = api.patch(f"/api/tasks/{task_a['id']}", json={"dependsOn": [task_b["id"]]})
    body = error(missing, 400, "DEPENDENCY_VIOLATION")
    assert body["error"] == "Invalid task dependencies"
    assert body["details"] == {
        "circularDependencies": [],
        "unresolvedDependencies": ["parent_task_123", "task_999"],
    }
    assert error(cycle, 400, "CIRCULAR_DEPENDENCY")["details"]["circularDependencies"] == [
        task_b["id"]
    ]


def test_every_error_code_in_its_body(served: Served) -> None:
    """VALIDATION_ERROR, VP/WORKSPACE/ASSIGNEE_NOT_FOUND, UNAUTHORIZED, FORBIDDEN, version."""
    project, vp = workspace(served)
    base = {"title": "T", "vpId": vp["id"], "workspaceId": project["id"]}
    with served.client() as api:
        invalid = api.post("/api/tasks", json={**base, "title": "", "estimatedHours": 0})
        no_vp = api.post("/api/tasks", json={**base, "vpId": "vp_123"})
        no_ws = api.post("/api/tasks", json={**base, "workspaceId": "ws_123"})
        no_assignee = api.post("/api/tasks", json={**base, "assignedToId": "user_789"})
        version = api.get("/api/tasks", headers={"X-API-Version": "2.0"})
    with served.client(token=None) as anonymous:
        unauthorized = anonymous.get("/api/tasks")
    with served.client("reader") as reader:
        forbidden = reader.post("/api/tasks", json=base)
    fields = {e["field"] for e in error(invalid, 400, "VALIDATION_ERROR")["details"]["errors"]}
    assert fields == {"title", "estimatedHours"}
    error(no_vp, 404, "VP_NOT_FOUND")
    error(no_ws, 404, "WORKSPACE_NOT_FOUND")
    error(no_assignee, 404, "ASSIGNEE_NOT_FOUND")
    error(version, 400, "VALIDATION_ERROR")
    error(unauthorized, 401, "UNAUTHORIZED")
    error(forbidden, 403, "FORBIDDEN")
    assert unauthorized.headers["X-API-Version"] == "1.0.0"


def test_orchestrators_are_managed_over_v2(served: Served) -> None:
    """``/api/v2/orchestrators``: list, read by id or name, remove."""
    project, vp = workspace(served)
    with served.client() as api:
        task = create(api, project, vp)
        listed = api.get("/api/v2/orchestrators", params={"project": project["slug"]})
        by_name = api.get(f"/api/v2/orchestrators/{vp['name']}", params={"project": project["id"]})
        removed = api.delete(f"/api/v2/orchestrators/{vp['id']}")
        gone = api.get(f"/api/v2/orchestrators/{vp['id']}")
        changes = api.get(
            "/api/v2/task-changes",
            params={"since": "0", "project": project["slug"], "status": ["backlog", "ready"]},
        )
        none_done = api.get(
            "/api/v2/task-changes", params={"project": project["slug"], "status": "done"}
        )
    assert listed.json()["items"] == [vp]
    assert by_name.json() == vp
    assert removed.json() == vp
    assert gone.status_code == 404
    assert set(changes.json()) == {"items", "cursor", "has_more"}
    assert [t["id"] for t in changes.json()["items"]] == [task["id"]]
    assert none_done.json()["items"] == []


def test_change_task_over_v2_is_all_or_nothing(served: Served) -> None:
    """``POST /api/v2/tasks/{ref}/changes``: ``change_task`` for remote engines."""
    project, vp = workspace(served)
    with served.client() as api:
        blocker = create(api, project, vp, title="Design")
        task = create(api, project, vp, title="Build")
        changed = api.post(
            f"/api/v2/tasks/{task['id']}/changes",
            json={"fields": {"title": "Build it"}, "blocked_by": [blocker["id"]],
                  "moves": [{"status": "ready", "when_unblocked": True}]},
        )  # fmt: skip
        refused = api.post(
            f"/api/v2/tasks/{task['id']}/changes",
            json={"fields": {"title": "Never"}, "moves": [{"status": "done"}]},
        )
        after = api.get(f"/api/v2/tasks/{task['id']}").json()
    assert changed.status_code == 200, changed.text
    assert (changed.json()["title"], changed.json()["status"]) == ("Build it", "blocked")
    assert refused.status_code == 409
    assert after["title"] == "Build it"
