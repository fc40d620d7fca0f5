"""A worker on another machine, over HTTP: register, claim, steps, logs, finish, all fenced.

Each test claims within a project of its own, so the module's tests share one server without
taking each other's tasks.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from .conftest import Served, error_of, new_project, new_task
from .workers import claim, fenced, ready_task, register

POSTGRES_IN_DEFAULT_RUN = True
"""Claims, leases and fences run PostgreSQL's own claim SQL: `make test` keeps that half."""


def test_a_full_worker_cycle_over_http(served: Served) -> None:
    """Register, claim, two steps with output and a lost-output note, finish: task in review."""
    project = new_project(served)
    ref = ready_task(served, project, "Build it")
    with served.client("writer") as worker:
        registered = register(worker, "rack-2/remote-1", slots=2)
        [got] = claim(worker, "rack-2/remote-1", project, lease_seconds=60)
        started = fenced(worker, got, "steps", step="plan", index=1, total=2, profile="shell")
        first = fenced(worker, got, "log", text="planning\n", step="plan")
        done = fenced(worker, got, "steps/finish", step="plan", success=True, exit_code=0)
        fenced(worker, got, "steps", step="build", index=2, total=2)
        second = fenced(worker, got, "log", text="  compiled\n", stream="stderr", step="build")
        lost = fenced(worker, got, "lost-output", lost_bytes=10, reason="pipe full", step="build")
        finished = fenced(worker, got, "finish", success=True, exit_code=0, step="build")
        beat = worker.post("/api/v2/workers/rack-2/remote-1/heartbeat", json={"leases": {}})
        stopped = worker.post("/api/v2/workers/rack-2/remote-1/stop")
        workers = {w["id"]: w for w in worker.get("/api/v2/workers").json()["items"]}
        steps = worker.get(f"/api/v2/runs/{got['run_id']}/steps").json()["items"]
        run = worker.get(f"/api/v2/runs/{got['run_id']}").json()
        task = worker.get(f"/api/v2/tasks/{ref}").json()
        log = worker.get(f"/api/v2/logs/{got['run_id']}").json()
    assert registered["status"] == "active"
    assert (got["ref"], got["worker_id"], got["attempt"]) == (ref, "rack-2/remote-1", 1)
    assert started.json()["step"] == "plan"
    assert (first.json(), second.json(), lost.json()) == ({"seq": 1}, {"seq": 2}, {"seq": 3})
    assert done.json()["step_index"] == 1
    assert finished.status_code == 200, finished.text
    assert finished.json()["status"] == "succeeded"
    assert beat.json() == {"renewed": []}
    assert stopped.json()["status"] == "stopped"
    assert workers["rack-2/remote-1"]["status"] == "stopped"
    assert [(s["name"], s["status"]) for s in steps] == [
        ("plan", "succeeded"),
        ("build", "succeeded"),
    ]
    assert run["lost_output_bytes"] == 10
    assert task["status"] == "in_review"
    assert [c["text"] for c in log["items"]][:2] == ["planning\n", "  compiled\n"]
    assert "10 bytes of output were lost: pipe full" in log["items"][2]["text"]
    assert log["next_since"] is None


def test_two_claimers_never_get_the_same_task(served: Served) -> None:
    """Four remote workers claim 24 tasks at once: each task goes to exactly one of them."""
    project = new_project(served)
    refs = {ready_task(served, project, f"Job {i}") for i in range(24)}
    taken: dict[str, list[str]] = {}
    errors: list[str] = []

    def work(worker_id: str) -> None:
        with served.client("writer") as api:
            register(api, worker_id)
            mine: list[str] = []
            while got := claim(api, worker_id, project, limit=2):
                mine.extend(c["ref"] for c in got)
            taken[worker_id] = mine
            if len(set(mine)) != len(mine):
                errors.append(f"{worker_id} got a task twice")

    threads = [threading.Thread(target=work, args=(f"racer-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    everything = [ref for mine in taken.values() for ref in mine]
    assert errors == []
    assert sorted(everything) == sorted(refs)
    assert len(taken) == 4


def test_a_stale_claim_writes_nothing(served: Served) -> None:
    """After the task was moved back and claimed again, the first worker's writes are 409."""
    project = new_project(served)
    ref = ready_task(served, project, "Contested")
    with served.client("writer") as api:
        register(api, "slow-1")
        register(api, "fast-1")
        [old] = claim(api, "slow-1", project)
        moved = api.post(f"/api/v2/tasks/{ref}/transition", json={"to": "ready"})
        [new] = claim(api, "fast-1", project)
        attempts = {
            "log": fenced(api, old, "log", text="late output\n"),
            "step": fenced(api, old, "steps", step="build"),
            "finish": fenced(api, old, "finish", success=True),
            "block": fenced(api, old, "block", reason="it broke"),
            "interrupt": fenced(api, old, "interrupt", reason="stopping"),
            "lost": fenced(api, old, "lost-output", lost_bytes=1, reason="x"),
        }
        outcome = {"run_id": old["run_id"], "token": old["claim_token"], "success": True}
        batch = api.post("/api/v2/runs/finish", json={"outcomes": [outcome]})
        forged = fenced(api, {**new, "claim_token": old["claim_token"]}, "log", text="forged\n")
        beat = api.post(
            "/api/v2/workers/slow-1/heartbeat",
            json={"leases": {old["run_id"]: old["claim_token"]}},
        )
        task = api.get(f"/api/v2/tasks/{ref}").json()
        log = api.get(f"/api/v2/logs/{old['run_id']}").json()
    assert moved.status_code == 200
    assert new["run_id"] != old["run_id"]
    for what, response in attempts.items():
        assert response.status_code == 409, (what, response.text)
        assert error_of(response)["code"] == "lease_lost", what
    assert batch.json() == {"items": [], "next_cursor": None}
    assert error_of(forged)["code"] == "lease_lost"
    assert beat.json() == {"renewed": []}
    assert (task["status"], task["current_agent_id"]) == ("in_progress", "fast-1")
    assert log["items"] == []


def test_an_expired_lease_is_swept_and_its_worker_fenced_out(served: Served) -> None:
    """A worker that stopped heartbeating loses its task to the sweep; its writes are 409."""
    project = new_project(served)
    ref = ready_task(served, project, "Abandoned")
    with served.client("writer") as api:
        register(api, "crashy")
        [got] = claim(api, "crashy", project, lease_seconds=0.3)
        renewed = api.post(
            "/api/v2/workers/crashy/heartbeat",
            json={"leases": {got["run_id"]: got["claim_token"]}, "lease_seconds": 0.3},
        )
        time.sleep(0.6)
        future = api.post("/api/v2/runs/expire-leases", json={"now": "2999-01-01T00:00:00Z"})
        swept = api.post("/api/v2/runs/expire-leases", json={})
        late = fenced(api, got, "log", text="still here\n")
        task = api.get(f"/api/v2/tasks/{ref}").json()
        run = api.get(f"/api/v2/runs/{got['run_id']}").json()
    assert renewed.json() == {"renewed": [got["run_id"]]}
    assert future.status_code == 422
    assert error_of(future)["details"]["field"] == "now"
    assert ref in swept.json()["refs"]
    assert error_of(late)["code"] == "lease_lost"
    assert task["status"] == "ready"
    assert run["status"] == "expired"


def test_run_now_twice_gives_one_run(served: Served) -> None:
    """201 with a queued run, then 200 with the same run; a worker adopts it; one run in all."""
    project = new_project(served)
    ref = str(new_task(served, project, "Urgent")["ref"])
    with served.client("writer") as api:
        first = api.post(f"/api/v2/tasks/{ref}/run")
        again = api.post(f"/api/v2/tasks/{ref}/run")
        register(api, "adopter")
        adopted = api.post(
            "/api/v2/workers/adopter/adoptions", json={"run_id": first.json()["id"]}
        ).json()["items"]
        once_more = api.post(f"/api/v2/tasks/{ref}/run")
        runs = api.get(f"/api/v2/tasks/{ref}/runs").json()["items"]
    assert first.status_code == 201, first.text
    assert first.headers["Location"] == f"/api/v2/runs/{first.json()['id']}"
    assert (first.json()["status"], first.json()["worker_id"]) == ("queued", "manual")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert [c["run_id"] for c in adopted] == [first.json()["id"]]
    assert adopted[0]["claim_token"] != first.json()["claim_token"]
    assert once_more.status_code == 200
    assert (once_more.json()["status"], once_more.json()["worker_id"]) == ("running", "adopter")
    assert [r["id"] for r in runs] == [first.json()["id"]]


def test_cancel_stops_the_run_and_retry_puts_the_task_back(served: Served) -> None:
    """Cancel ends the worker's run (its heartbeat loses it); again is a 409; retry readies."""
    project = new_project(served)
    ref = ready_task(served, project, "Doomed")
    with served.client("writer") as api:
        register(api, "canceled-worker")
        [got] = claim(api, "canceled-worker", project)
        cancelled = api.post(f"/api/v2/tasks/{ref}/cancel", json={"reason": "not needed"})
        again = api.post(f"/api/v2/tasks/{ref}/cancel", json={"reason": "not needed"})
        key = {"Idempotency-Key": str(uuid.uuid4())}
        retried = api.post(f"/api/v2/tasks/{ref}/retry", headers=key)
        replayed = api.post(f"/api/v2/tasks/{ref}/retry", headers=key)
        beat = api.post(
            "/api/v2/workers/canceled-worker/heartbeat",
            json={"leases": {got["run_id"]: got["claim_token"]}},
        )
        run = api.get(f"/api/v2/runs/{got['run_id']}").json()
        late = fenced(api, got, "finish", success=True)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.headers["ETag"] == f'"v{cancelled.json()["version"]}"'
    assert error_of(again)["code"] == "invalid_transition"
    assert "already cancelled" in error_of(again)["message"]
    assert retried.json()["status"] == "ready"
    assert retried.json()["retry_count"] == 1
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == retried.json()
    assert beat.json() == {"renewed": []}
    assert (run["status"], run["error"]) == ("cancelled", "cancelled: not needed")
    assert error_of(late)["code"] == "lease_lost"


def test_failures_block_and_interruptions_follow_the_policy(served: Served) -> None:
    """A failed run goes back to ready; block blocks at once; an interrupt requeues freely."""
    project = new_project(served)
    refs = [ready_task(served, project, f"Case {i}") for i in range(3)]
    with served.client("writer") as api:
        register(api, "policy", slots=3)
        claims = {c["ref"]: c for c in claim(api, "policy", project, limit=3)}
        failed = fenced(api, claims[refs[0]], "finish", success=False, error="exit 2")
        blocked = fenced(api, claims[refs[1]], "block", reason="no pipeline for it")
        stopped = fenced(api, claims[refs[2]], "interrupt", reason="deploy", exit_code=143)
        tasks = [api.get(f"/api/v2/tasks/{ref}").json() for ref in refs]
    assert [failed.json()["status"], blocked.json()["status"], stopped.json()["status"]] == [
        "failed",
        "failed",
        "interrupted",
    ]
    assert tasks[0]["retry_count"] == 1
    assert tasks[1]["status"] == "blocked"
    assert tasks[1]["blocked_reason"]["kind"] == "failure"
    assert (tasks[2]["status"], tasks[2]["interruptions"]) == ("ready", 1)


def test_finishing_many_runs_answers_those_finished(served: Served) -> None:
    """A batch of outcomes: each fenced alone; a wrong token is left out, the rest finish."""
    project = new_project(served)
    for i in range(3):
        ready_task(served, project, f"Batch {i}")
    with served.client("writer") as api:
        register(api, "batcher", slots=3)
        got = claim(api, "batcher", project, limit=3)
        outcomes: list[dict[str, Any]] = [
            {"run_id": c["run_id"], "token": c["claim_token"], "success": True} for c in got
        ]
        outcomes[1] = {**outcomes[1], "token": str(uuid.uuid4())}
        outcomes[2] = {**outcomes[2], "success": False, "error": "boom"}
        finished = api.post("/api/v2/runs/finish", json={"outcomes": outcomes}).json()["items"]
    assert [r["id"] for r in finished] == [got[0]["run_id"], got[2]["run_id"]]
    assert [r["status"] for r in finished] == ["succeeded", "failed"]


def test_runs_are_read_by_id_prefix_and_task(served: Served) -> None:
    """A prefix resolves like a short git hash; too short is a 422; unknown ids are 404."""
    project = new_project(served)
    ref = ready_task(served, project, "Findable")
    with served.client("writer") as api:
        register(api, "finder")
        [got] = claim(api, "finder", project)
        run_id = got["run_id"]
        resolved = api.get("/api/v2/runs/resolve", params={"prefix": run_id[:30]})
        short = api.get("/api/v2/runs/resolve", params={"prefix": run_id[:2]})
        quick_only = api.get("/api/v2/runs/resolve", params={"prefix": run_id, "kind": "quick"})
        missing = api.get(f"/api/v2/runs/{uuid.uuid4()}")
        runs = api.get(f"/api/v2/tasks/{ref}/runs").json()["items"]
    assert resolved.json() == {"id": run_id}
    assert short.status_code == 422
    assert quick_only.status_code == 404
    assert missing.status_code == 404
    assert [r["id"] for r in runs] == [run_id]


def test_the_execution_overview_shows_queue_runs_and_workers(served: Served) -> None:
    """The monitor's snapshot: a running run with its last line, the queue, the worker."""
    project = new_project(served)
    ready_task(served, project, "Running one", priority="critical")
    waiting = ready_task(served, project, "Waiting one")
    with served.client("writer") as api:
        register(api, "monitor-me")
        [got] = claim(api, "monitor-me", project)
        fenced(api, got, "log", text="halfway there\n")
        overview = api.get(
            "/api/v2/execution/overview", params={"pipeline": "", "queue_limit": 500}
        ).json()
        bad = api.get("/api/v2/execution/overview", params={"queue_limit": 0})
    running = {a["run"]["id"]: a for a in overview["running"]}
    assert running[got["run_id"]]["last_line"] == "halfway there"
    queued = {e["card"]["ref"]: e for e in overview["queue"]}
    assert "nothing to run" in queued[waiting]["waiting"]
    assert "monitor-me" in {w["id"] for w in overview["workers"]}
    assert bad.status_code == 422
