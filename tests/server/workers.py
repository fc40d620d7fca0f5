"""What a remote worker says to the server, as small calls the execution tests share.

Each helper makes the request a worker on another machine makes (``core.orchestrator.pool``
and ``steps`` call the same engine methods locally) and checks that it was accepted.
"""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import Served, new_task


def ready_task(served: Served, project: dict[str, Any], title: str, **fields: Any) -> str:
    """A ready task in ``project`` (made as admin); its ref."""
    return str(new_task(served, project, title, status="ready", **fields)["ref"])


def register(api: httpx.Client, worker_id: str, *, slots: int = 1) -> dict[str, Any]:
    """Register a worker as a remote machine would (host, pid)."""
    response = api.post(
        "/api/v2/workers", json={"id": worker_id, "host": "far-away", "pid": 4242, "slots": slots}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def claim(
    api: httpx.Client, worker_id: str, project: dict[str, Any] | None, **options: Any
) -> list[dict[str, Any]]:
    """The claims a worker gets (``project``: within that project only)."""
    if project is not None:
        options["project"] = project["slug"]
    response = api.post(f"/api/v2/workers/{worker_id}/claims", json=options)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def fenced(api: httpx.Client, claim: dict[str, Any], action: str, **body: Any) -> httpx.Response:
    """A write to the claimed run (``action``: steps, steps/finish, log, finish ...)."""
    return api.post(
        f"/api/v2/runs/{claim['run_id']}/{action}", json={"token": claim["claim_token"], **body}
    )
