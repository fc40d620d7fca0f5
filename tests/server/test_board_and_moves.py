"""Contract of the board, the queue, transitions, dependencies and bulk assignment."""

from __future__ import annotations

from core.api.schemas import Items
from core.domain.models import TaskCard

from .conftest import Served, error_of, new_project, new_task


def test_board_counts_columns_and_windows(served: Served) -> None:
    """The board has every column's count; a column window scrolls; filters apply."""
    project = new_project(served)
    slug = project["slug"]
    tasks = [new_task(served, project, f"Card {i}", priority="high" if i == 4 else "low")
             for i in range(5)]  # fmt: skip
    with served.client("reader") as api:
        board = api.get("/api/v2/tasks/board", params={"project": slug, "per_column": 2}).json()
        window = api.get(
            "/api/v2/tasks/board/backlog", params={"project": slug, "offset": 3, "limit": 5}
        ).json()
        only_ready = api.get(
            "/api/v2/tasks/board", params={"project": slug, "status": "ready"}
        ).json()
        position = api.get(
            f"/api/v2/tasks/{tasks[2]['ref']}/card-position", params={"project": slug}
        ).json()
        filtered_out = api.get(
            f"/api/v2/tasks/{tasks[2]['ref']}/card-position",
            params={"project": slug, "priority": "high"},
        ).json()
        bad_column = api.get("/api/v2/tasks/board/doing", params={"project": slug})
    backlog = board["columns"][0]
    assert [c["status"] for c in board["columns"]][:2] == ["backlog", "ready"]
    assert backlog["count"] == 5
    assert [c["ref"] for c in backlog["cards"]] == [tasks[4]["ref"], tasks[0]["ref"]]
    assert board["last_event_seq"] > 0
    assert window["count"] == 5
    assert [c["ref"] for c in window["cards"]] == [tasks[2]["ref"], tasks[3]["ref"]]
    assert [c["status"] for c in only_ready["columns"]] == ["ready"]
    assert position == {"status": "backlog", "index": 3}
    assert filtered_out == {"status": None, "index": None}
    assert bad_column.status_code == 422


def test_transitions_follow_the_state_machine(served: Served) -> None:
    """Allowed moves answer the task; forbidden ones are 409 with the reason."""
    task = new_task(served, new_project(served), "Move me")
    ref = task["ref"]
    with served.client("writer") as api:
        ready = api.post(f"/api/v2/tasks/{ref}/transition", json={"to": "ready"})
        to_done = api.post(f"/api/v2/tasks/{ref}/transition", json={"to": "done"})
        claim_needed = api.post(f"/api/v2/tasks/{ref}/transition", json={"to": "in_progress"})
        blocked = api.post(
            f"/api/v2/tasks/{ref}/transition", json={"to": "blocked", "reason": "waiting on legal"}
        )
        unknown_state = api.post(f"/api/v2/tasks/{ref}/transition", json={"to": "doing"})
        machine = api.get("/api/v2/state-machine").json()
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.headers["ETag"] == '"v2"'
    assert to_done.status_code == 409
    assert error_of(to_done)["code"] == "invalid_transition"
    assert error_of(claim_needed)["code"] == "claim_required"
    assert blocked.json()["blocked_reason"] == {"kind": "manual", "message": "waiting on legal"}
    assert unknown_state.status_code == 422
    assert "ready" in machine["transitions"]["backlog"]


def test_dependencies_are_added_and_removed(served: Served) -> None:
    """An edge blocks readiness; a cycle is refused with its path; removing frees the task."""
    project = new_project(served)
    first, second = new_task(served, project, "First"), new_task(served, project, "Second")
    other = new_task(served, new_project(served), "Elsewhere")
    a, b = first["ref"], second["ref"]
    with served.client("writer") as api:
        added = api.post(f"/api/v2/tasks/{b}/dependencies", json={"blocker": a})
        cycle = api.post(f"/api/v2/tasks/{a}/dependencies", json={"blocker": b})
        across = api.post(f"/api/v2/tasks/{b}/dependencies", json={"blocker": other["ref"]})
        waiting = api.post(
            f"/api/v2/tasks/{b}/transition", json={"to": "ready", "when_unblocked": True}
        )
        removed = api.delete(f"/api/v2/tasks/{b}/dependencies/{a}")
        again = api.delete(f"/api/v2/tasks/{b}/dependencies/{a}")
    assert added.status_code == 200
    assert [x["ref"] for x in added.json()["blocked_by"]] == [a]
    assert cycle.status_code == 409
    assert error_of(cycle)["code"] == "circular_dependency"
    assert across.status_code == 422
    assert waiting.json()["status"] == "blocked"
    assert removed.json()["status"] == "ready"
    assert removed.json()["blocked_by"] == []
    assert again.status_code == 404


def test_ready_queue_is_in_claim_order(served: Served) -> None:
    """Priority first, then age; a project filter narrows it."""
    project = new_project(served)
    low, high = (
        new_task(served, project, "Low", priority="low"),
        new_task(served, project, "High", priority="critical"),
    )
    with served.client("writer") as api:
        for task in (low, high):
            api.post(f"/api/v2/tasks/{task['ref']}/transition", json={"to": "ready"})
        answer = api.get("/api/v2/tasks/ready", params={"project": project["slug"]})
        everyone = api.get("/api/v2/tasks/ready", params={"limit": 200})
    queue = answer.json()
    assert [c["ref"] for c in queue["items"]] == [high["ref"], low["ref"]]
    assert queue["next_cursor"] is None
    # The server sends the database's text: it is exactly the answer model's own JSON.
    for sent in (answer, everyone):
        assert sent.headers["content-type"] == "application/json"
        assert sent.text == Items[TaskCard].model_validate_json(sent.text).model_dump_json()


def test_bulk_assign_answers_per_item(served: Served) -> None:
    """Each reference gets its own result in order; a missing one fails alone."""
    project = new_project(served)
    one, two = new_task(served, project, "One"), new_task(served, project, "Two")
    with served.client("writer") as api:
        result = api.post(
            "/api/v2/tasks/assign",
            json={"refs": [one["ref"], "ZZ-77", two["ref"]], "assignee": "bob"},
        ).json()
        cleared = api.post(
            "/api/v2/tasks/assign", json={"refs": [one["ref"]], "assignee": None}
        ).json()
        empty = api.post("/api/v2/tasks/assign", json={"refs": [], "assignee": "bob"})
    assert [(i["ref"], i["ok"]) for i in result["items"]] == [
        (one["ref"], True), ("ZZ-77", False), (two["ref"], True),
    ]  # fmt: skip
    assert result["items"][0]["task"]["assignee"] == "bob"
    assert result["items"][1]["error"]["code"] == "not_found"
    assert cleared["items"][0]["task"]["assignee"] is None
    assert empty.status_code == 422
