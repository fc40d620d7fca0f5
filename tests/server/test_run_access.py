"""Who may run what: project-limited tokens see and claim only their projects' work; approvals.

A worker holding a token limited to one project is as contained as a person holding it: it
claims, adopts and reads only that project's runs, and everything else is "not found".
Approving a command, which lets every worker run it, needs an admin token.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.domain.access import TokenCreate, TokenScope
from core.domain.runs import QuickRunCreate
from core.store.engine import SqlTaskEngine

from .conftest import Served, error_of, new_project, new_task
from .workers import claim, fenced, ready_task, register

POSTGRES_IN_DEFAULT_RUN = True
"""A limited token's claims run PostgreSQL's own claim SQL: `make test` keeps that half."""


async def _quick_runs(db_url: str, actors: tuple[str, ...]) -> list[str]:
    """Finished quick runs made by ``actors`` (as the quick action screen records them)."""
    ids = []
    for actor in actors:
        engine = await SqlTaskEngine.open(db_url, actor=actor)
        try:
            quick = await engine.create_quick_run(QuickRunCreate(prompt="echo hi"))
            await engine.append_quick_log(quick.id, "hi\n")
            await engine.finish_quick_run(quick.id, success=True, exit_code=0)
            ids.append(quick.id)
        finally:
            await engine.close()
    return ids


@pytest.fixture(scope="module")
def split(served: Served) -> dict[str, Any]:
    """Projects ``mine`` and ``theirs``, a running run in theirs, and limited tokens for mine."""
    mine, theirs = new_project(served), new_project(served)
    served.add_tokens(
        TokenCreate(name="mine-worker", scope=TokenScope.WRITE, projects=[mine["slug"]]),
        TokenCreate(name="mine-admin", scope=TokenScope.ADMIN, projects=[mine["slug"]]),
    )
    their_ref = ready_task(served, theirs, "Their job", priority="critical")
    with served.client("writer") as api:
        register(api, "their-worker")
        [their_claim] = claim(api, "their-worker", theirs, lease_seconds=600)
        fenced(api, their_claim, "log", text="their secret output\n")
    their_quick, my_quick = asyncio.run(_quick_runs(served.db_url, ("admin", "mine-worker")))
    return {
        "mine": mine,
        "theirs": theirs,
        "their_ref": their_ref,
        "their_claim": their_claim,
        "their_quick": their_quick,
        "my_quick": my_quick,
    }


def test_a_limited_worker_claims_only_its_projects_tasks(
    served: Served, split: dict[str, Any]
) -> None:
    """Even asked for every project (or theirs by id), it gets only its own; theirs by slug 404s."""
    mine, theirs = split["mine"], split["theirs"]
    ready_task(served, theirs, "Tempting", priority="critical")
    own = ready_task(served, mine, "Mine to do", priority="low")
    with served.client("mine-worker") as api:
        register(api, "contained")
        named = api.post("/api/v2/workers/contained/claims", json={"project": theirs["slug"]})
        by_id = claim(api, "contained", None, limit=5, in_projects=[theirs["id"]])
        got = claim(api, "contained", None, limit=5)
    assert named.status_code == 404
    assert error_of(named)["details"]["suggestions"] == []
    assert by_id == []
    assert own in [c["ref"] for c in got]
    assert {c["project_id"] for c in got} == {mine["id"]}
    with served.client() as admin:
        tempting = admin.get("/api/v2/tasks", params={"project": theirs["slug"], "q": "Tempting"})
    assert tempting.json()["items"][0]["status"] == "ready"


def test_a_limited_worker_adopts_only_its_projects_run_now(
    served: Served, split: dict[str, Any]
) -> None:
    """A Run Now in another project stays queued for a worker that may see it."""
    theirs_ref = str(new_task(served, split["theirs"], "Theirs now")["ref"])
    with served.client() as admin:
        queued = admin.post(f"/api/v2/tasks/{theirs_ref}/run").json()
    with served.client("mine-worker") as api:
        register(api, "adopter-a")
        asked = api.post("/api/v2/workers/adopter-a/adoptions", json={"run_id": queued["id"]})
        run_now = api.post(f"/api/v2/tasks/{theirs_ref}/run")
    with served.client() as admin:
        still = admin.get(f"/api/v2/runs/{queued['id']}").json()
    assert asked.json()["items"] == []
    assert run_now.status_code == 404
    assert still["status"] == "queued"


def test_another_projects_runs_and_logs_are_not_found(
    served: Served, split: dict[str, Any]
) -> None:
    """Their run, steps, log, stream, task runs, id prefix: as if none of it existed."""
    their_claim, their_ref = split["their_claim"], split["their_ref"]
    run_id = their_claim["run_id"]
    with served.client("mine-worker") as api:
        missing = {
            "run": api.get(f"/api/v2/runs/{run_id}"),
            "steps": api.get(f"/api/v2/runs/{run_id}/steps"),
            "stream": api.get(f"/api/v2/logs/{run_id}/stream"),
            "task runs": api.get(f"/api/v2/tasks/{their_ref}/runs"),
            "prefix": api.get("/api/v2/runs/resolve", params={"prefix": run_id}),
            "cancel": api.post(f"/api/v2/tasks/{their_ref}/cancel", json={"reason": "mine now"}),
            "retry": api.post(f"/api/v2/tasks/{their_ref}/retry"),
            "their quick stream": api.get(f"/api/v2/logs/{split['their_quick']}/stream"),
        }
        log = api.get(f"/api/v2/logs/{run_id}").json()
        quick_log = api.get(f"/api/v2/logs/{split['their_quick']}").json()
        my_quick_log = api.get(f"/api/v2/logs/{split['my_quick']}").json()
    for what, response in missing.items():
        assert response.status_code == 404, (what, response.text)
        assert error_of(response)["details"].get("suggestions", []) == [], what
    assert log == {"items": [], "next_since": None}
    assert quick_log["items"] == []
    assert [c["text"] for c in my_quick_log["items"]] == ["hi\n"]
    assert "secret" not in str([r.text for r in missing.values()])


def test_a_limited_token_cannot_touch_another_projects_run_even_with_its_token(
    served: Served, split: dict[str, Any]
) -> None:
    """Knowing their claim token is not enough: the run is out of sight, nothing is written."""
    their_claim = split["their_claim"]
    with served.client("mine-worker") as api:
        written = fenced(api, their_claim, "log", text="intruder\n")
        finished = fenced(api, their_claim, "finish", success=False, error="sabotage")
        batch = api.post(
            "/api/v2/runs/finish",
            json={
                "outcomes": [
                    {
                        "run_id": their_claim["run_id"],
                        "token": their_claim["claim_token"],
                        "success": False,
                    }
                ]
            },
        )
        everything = api.post("/api/v2/workers/their-worker/heartbeat", json={"leases": None})
    with served.client() as admin:
        run = admin.get(f"/api/v2/runs/{their_claim['run_id']}").json()
        log = admin.get(f"/api/v2/logs/{their_claim['run_id']}").json()
    assert (written.status_code, finished.status_code) == (404, 404)
    assert batch.json()["items"] == []
    assert everything.status_code == 403
    assert run["status"] == "running"
    assert [c["text"] for c in log["items"]] == ["their secret output\n"]


def test_a_limited_overview_counts_only_its_projects(served: Served, split: dict[str, Any]) -> None:
    """Queue, running runs and totals hold nothing of the other project."""
    mine = split["mine"]
    own = ready_task(served, mine, "Counted")
    with served.client("mine-worker") as api:
        overview = api.get("/api/v2/execution/overview", params={"queue_limit": 500}).json()
    with served.client() as admin:
        everything = admin.get("/api/v2/execution/overview", params={"queue_limit": 500}).json()
    queue = [e["card"] for e in overview["queue"]]
    assert own in [c["ref"] for c in queue]
    assert {c["project_id"] for c in queue} == {mine["id"]}
    assert overview["queue_total"] == len(queue)
    assert split["their_claim"]["run_id"] not in str(overview)
    assert split["their_claim"]["run_id"] in str(everything["running"])


def test_approving_commands_needs_an_admin_token(served: Served, split: dict[str, Any]) -> None:
    """A write token's command waits; writers cannot approve; an admin approves what it read."""
    mine = split["mine"]
    task = new_task(served, mine, "Deploy")
    ref = task["ref"]
    with served.client("writer") as api:
        api.patch(f"/api/v2/tasks/{ref}", json={"metadata": {"command": "make deploy"}})
        unapproved = api.post(f"/api/v2/tasks/{ref}/run")
        by_writer = api.post("/api/v2/tasks/approve", json={"refs": [ref]})
        command = api.get(f"/api/v2/tasks/{ref}").json()["command"]
    with served.client("admin") as api:
        stale = api.post(
            "/api/v2/tasks/approve", json={"refs": [ref], "expected_hashes": {ref: "0" * 12}}
        )
        approved = api.post(
            "/api/v2/tasks/approve",
            json={"refs": [ref], "expected_hashes": {ref: command["hash"][:8]}},
        )
    with served.client("mine-admin") as api:
        elsewhere = api.post("/api/v2/tasks/approve", json={"refs": [split["their_ref"]]})
    with served.client("writer") as api:
        started = api.post(f"/api/v2/tasks/{ref}/run")
    assert command["approved_by"] is None
    assert error_of(unapproved)["code"] == "command_not_approved"
    assert by_writer.status_code == 403
    assert error_of(by_writer)["details"] == {"scope": "write", "needed": "admin"}
    assert stale.status_code == 409
    assert approved.status_code == 200, approved.text
    assert approved.json()["items"][0]["command"]["approved_by"] == "admin"
    assert elsewhere.status_code == 404
    assert started.status_code == 201
