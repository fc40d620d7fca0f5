"""Quick runs over HTTP: record, log, finish, read back, promote; and who sees them."""

from __future__ import annotations

import uuid
from typing import Any

from core.domain.access import TokenCreate, TokenScope

from .conftest import Served, error_of, new_project


def _create(served: Served, token: str, prompt: str = "make lint") -> dict[str, Any]:
    with served.client(token) as api:
        response = api.post("/api/v2/quick-runs", json={"prompt": prompt, "profile": "shell"})
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


def test_a_quick_run_is_recorded_logged_finished_and_promoted(served: Served) -> None:
    """The life of a quick action, as a remote TUI records it, and the one task it becomes."""
    project = new_project(served)
    run = _create(served, "writer", "make lint\nmake test")
    path = f"/api/v2/quick-runs/{run['id']}"
    with served.client("writer") as api:
        early = api.post(f"{path}/promote", json={"project": project["slug"]})
        first = api.post(f"{path}/log", json={"text": "lint ok\n"})
        second = api.post(f"{path}/log", json={"text": "1 failed\n", "stream": "stderr"})
        log = api.get(f"{path}/log").json()
        rest = api.get(f"{path}/log", params={"since": 1}).json()
        finished = api.post(
            f"{path}/finish", json={"success": False, "exit_code": 1, "summary": "1 failed"}
        )
        again = api.post(f"{path}/finish", json={"success": True})
        late_log = api.post(f"{path}/log", json={"text": "more"})
        promoted = api.post(f"{path}/promote", json={"project": project["slug"]})
        twice = api.post(f"{path}/promote", json={"project": project["slug"]})
        read = api.get(path).json()
        listed = api.get("/api/v2/quick-runs", params={"limit": 500}).json()["items"]
    assert run["status"] == "running"
    assert run["actor"] == "writer"
    assert early.status_code == 409
    assert (first.json()["seq"], second.json()["seq"]) == (1, 2)
    assert [(c["seq"], c["stream"], c["text"]) for c in log["items"]] == [
        (1, "stdout", "lint ok\n"),
        (2, "stderr", "1 failed\n"),
    ]
    assert log["next_since"] == 2
    assert [c["seq"] for c in rest["items"]] == [2]
    assert finished.json()["status"] == "failed"
    assert finished.json()["exit_code"] == 1
    assert again.status_code == late_log.status_code == 409
    task = promoted.json()
    assert promoted.status_code == 201
    assert promoted.headers["Location"] == f"/api/v2/tasks/{task['ref']}"
    assert task["title"] == "make lint"
    assert task["source"] == "promoted_quick_action"
    assert task["project_id"] == project["id"]
    assert task["command"]["text"] == "make lint\nmake test"
    assert task["command"]["approved"] is False  # a write token's command waits for approval
    assert twice.status_code == 409
    assert error_of(twice)["code"] == "duplicate"
    assert read["promoted_task_id"] == task["id"]
    assert run["id"] in {r["id"] for r in listed}


def test_a_cancelled_quick_run_and_refusals(served: Served) -> None:
    """``success: null`` cancels; a missing quick run is a 404; a read token cannot write."""
    run = _create(served, "admin", "sleep 100")
    with served.client("admin") as api:
        cancelled = api.post(f"/api/v2/quick-runs/{run['id']}/finish", json={"success": None})
        missing = api.get("/api/v2/quick-runs/nope")
        bad_stream = api.post(
            f"/api/v2/quick-runs/{run['id']}/log", json={"text": "x", "stream": "video"}
        )
    with served.client("reader") as api:
        seen = api.get(f"/api/v2/quick-runs/{run['id']}")
        create = api.post("/api/v2/quick-runs", json={"prompt": "ls"})
    assert cancelled.json()["status"] == "cancelled"
    assert missing.status_code == 404
    assert bad_stream.status_code == 422
    assert seen.status_code == 200
    assert create.status_code == 403


def test_a_limited_token_sees_only_its_own_quick_runs(served: Served) -> None:
    """Quick runs belong to no project: a limited token sees the ones it made, promotes into
    its project, and finds anyone else's as missing."""
    mine, theirs = new_project(served), new_project(served)
    name = f"limited-{uuid.uuid4().hex[:8]}"
    served.add_tokens(TokenCreate(name=name, scope=TokenScope.WRITE, projects=[mine["slug"]]))
    others = _create(served, "writer", "cat secrets.txt")
    own = _create(served, name, "ls")
    with served.client(name) as api:
        listed = api.get("/api/v2/quick-runs", params={"limit": 500}).json()["items"]
        read = api.get(f"/api/v2/quick-runs/{others['id']}")
        log = api.get(f"/api/v2/quick-runs/{others['id']}/log")
        append = api.post(f"/api/v2/quick-runs/{others['id']}/log", json={"text": "x"})
        missing = api.get("/api/v2/quick-runs/nope")
        api.post(f"/api/v2/quick-runs/{own['id']}/finish", json={"success": True})
        elsewhere = api.post(
            f"/api/v2/quick-runs/{own['id']}/promote", json={"project": theirs["slug"]}
        )
        promoted = api.post(f"/api/v2/quick-runs/{own['id']}/promote")
    assert [r["id"] for r in listed] == [own["id"]]
    for response in (read, log, append):
        assert response.status_code == 404
        assert "secrets" not in response.text
    assert error_of(read)["message"] == error_of(missing)["message"].replace(
        "'nope'", repr(others["id"])
    )
    assert elsewhere.status_code == 404
    assert promoted.status_code == 201
    assert promoted.json()["project_id"] == mine["id"]
