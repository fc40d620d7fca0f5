"""``POST /api/tasks/poll`` misses nothing, and the old API's rate limits apply.

The poll's cursor is commit-ordered: on PostgreSQL, another writer holds a change open (its
event drawn, not committed) while later changes commit; a poll in the meantime does not
step past it, and the change is polled once it commits. The rate limits of
task-management-api.md (100 requests a minute per token, 1,000 polls per orchestrator) are
on when the server's are.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.domain.access import TokenCreate, TokenScope
from tests.fixtures.servers import ServerProcess

from .conftest import Served, _issue, new_project

LATE_EVENT = """
INSERT INTO events (id, type, task_id, project_id, actor, at, payload)
VALUES (gen_random_uuid()::text, 'task.updated', $1, $2, 'other', now(), '{}') RETURNING seq
"""


def orchestrator_in(served: Served) -> tuple[dict[str, Any], dict[str, Any]]:
    """A project and an orchestrator in it."""
    project = new_project(served)
    with served.client() as api:
        made = api.post(
            "/api/v2/orchestrators",
            json={"project": project["slug"], "name": f"bot-{uuid.uuid4().hex[:6]}"},
        )
    assert made.status_code == 201, made.text
    return project, made.json()


def test_polling_while_tasks_change_sees_every_change(served: Served) -> None:
    """A poller that always asks from the last cursor sees every task a writer makes."""
    project, vp = orchestrator_in(served)
    body = {"vpId": vp["id"], "since": "0", "limit": 5}
    made: list[str] = []
    seen: set[str] = set()
    with served.client() as api:
        for n in range(12):
            task = api.post(
                "/api/tasks",
                json={"title": f"T{n}", "vpId": vp["id"], "workspaceId": project["id"]},
            )
            made.append(task.json()["data"]["id"])
            if n % 3 == 2:
                answer = api.post("/api/tasks/poll", json=body).json()
                seen |= {t["id"] for t in answer["data"]}
                body["since"] = answer["metadata"]["cursor"]
        while True:
            answer = api.post("/api/tasks/poll", json=body).json()
            seen |= {t["id"] for t in answer["data"]}
            body["since"] = answer["metadata"]["cursor"]
            if not answer["metadata"]["hasMore"]:
                break
    assert seen == set(made)


@pytest.mark.postgres
def test_a_change_committed_late_is_polled(served: Served) -> None:
    """The held change has the smaller seq and commits last: no poll steps past it."""
    if not served.db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: changes commit in seq order")
    project, vp = orchestrator_in(served)
    with served.client() as api:
        late = api.post(
            "/api/tasks", json={"title": "late", "vpId": vp["id"], "workspaceId": project["id"]}
        ).json()["data"]
        cursor = api.post("/api/tasks/poll", json={"vpId": vp["id"]}).json()["metadata"]["cursor"]
    asyncio.run(_race(served, vp, project, late, cursor))


async def _race(
    served: Served, vp: dict[str, Any], project: dict[str, Any], late: dict[str, Any], cursor: str
) -> None:
    import asyncpg

    other = await asyncpg.connect(served.db_url.replace("postgresql+asyncpg://", "postgresql://"))
    headers = {"Authorization": f"Bearer {served.tokens['admin']}"}
    async with httpx.AsyncClient(base_url=served.url, headers=headers, timeout=30) as api:
        try:
            tx = other.transaction()
            await tx.start()
            held = await other.fetchval(LATE_EVENT, late["id"], project["id"])
            early = await api.post(
                "/api/tasks",
                json={"title": "early", "vpId": vp["id"], "workspaceId": project["id"]},
            )
            polling = asyncio.ensure_future(
                api.post("/api/tasks/poll", json={"vpId": vp["id"], "since": cursor})
            )
            await asyncio.sleep(0.3)
            await tx.commit()
            answer = (await polling).json()
        finally:
            await other.close()
    ids = {t["id"] for t in answer["data"]}
    assert ids == {late["id"], early.json()["data"]["id"]}
    assert int(answer["metadata"]["cursor"]) > held


@pytest.mark.slow
def test_the_old_apis_rate_limits(tmp_path: Path) -> None:
    """A token's first 100 requests pass; past them it is refused in the old API's body (the
    bucket refills at 100 a minute, so a few of the next requests pass again meanwhile)."""
    db_url = f"sqlite:///{tmp_path / 'limited.db'}"
    tokens = asyncio.run(_issue(db_url, [TokenCreate(name="admin", scope=TokenScope.ADMIN)]))
    server = ServerProcess(db_url, tmp_path, rate_limited=True)
    try:
        served = Served(server=server, db_url=db_url, tokens=tokens)
        with served.client() as api:
            answers = [api.get("/api/tasks") for _ in range(130)]
    finally:
        assert server.stop() == 0
    assert {a.status_code for a in answers[:100]} == {200}
    refused = next(a for a in answers[100:] if a.status_code != 200)
    assert refused.status_code == 429
    assert refused.json()["code"] == "RATE_LIMITED"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-API-Version"] == "1.0.0"
