"""Real servers for the server's tests: ``taskyard serve`` in a subprocess, real HTTP.

One server per test module and database (SQLite file, PostgreSQL database of its own), as a
user would start it: ``python -m core.cli --db URL serve --port 0``, waiting for its
``taskyard server listening on URL`` line. Tests share the module's server and keep apart by
making their own project (``new_project``), so they never depend on each other's data.
Tokens are made before the server starts, on the same database, through the engine.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.domain.access import TokenCreate, TokenScope
from core.store.engine import SqlTaskEngine
from tests.fixtures.databases import PG_ENV
from tests.fixtures.pg import create_database, drop_database
from tests.fixtures.servers import ROOT, ServerProcess, server_env  # noqa: F401 (re-exported)


@dataclass
class Served:
    """A running server, the database behind it, and its tokens (secrets by name)."""

    server: ServerProcess
    db_url: str
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.server.url

    def client(self, token: str | None = "admin", **headers: str) -> httpx.Client:
        """An HTTP client sending the named token (``None``: no Authorization header)."""
        if token is not None:
            headers["Authorization"] = f"Bearer {self.tokens.get(token, token)}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def add_tokens(self, *requests: TokenCreate) -> None:
        """Issue more tokens on the served database (the server sees them at once)."""
        self.tokens.update(asyncio.run(_issue(self.db_url, list(requests))))

    def revoke(self, name: str) -> None:
        """Revoke a token on the served database."""
        asyncio.run(_revoke(self.db_url, name))


async def _issue(db_url: str, requests: list[TokenCreate]) -> dict[str, str]:
    engine = await SqlTaskEngine.open(db_url, actor="tester")
    try:
        return {r.name: (await engine.create_token(r)).secret for r in requests}
    finally:
        await engine.close()


async def _revoke(db_url: str, name: str) -> None:
    engine = await SqlTaskEngine.open(db_url, actor="tester")
    try:
        await engine.revoke_token(name)
    finally:
        await engine.close()


STANDARD_TOKENS = (
    TokenCreate(name="admin", scope=TokenScope.ADMIN),
    TokenCreate(name="writer", scope=TokenScope.WRITE),
    TokenCreate(name="reader", scope=TokenScope.READ),
)


HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before xdist names the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each module on one xdist worker; leave most PostgreSQL servers to ``make slow``.

    A module's servers are module-scoped: split over two workers (``-n auto`` hands out tests
    one by one), each worker would start them again. ``make test`` runs ``--dist loadgroup``,
    and every test here is grouped by its module.

    Every module here serves on SQLite and on PostgreSQL. Most test what the HTTP layer adds
    (routes, tokens, bodies, limits), which does not depend on the database; the engine's SQL
    is tested on PostgreSQL in tests/store. Their PostgreSQL half (a database, a migration and
    a server process per module, about a third of the server suite's time) is left to
    ``make slow``. A module whose behaviour differs on PostgreSQL (claims, locking, the order
    of events) sets ``POSTGRES_IN_DEFAULT_RUN = True`` and keeps it in ``make test``.
    """
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.xdist_group(item.path.stem))
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        if "postgres" not in callspec.params.values():
            continue
        module = getattr(item, "module", None)  # a test function's module (pytest.Function)
        if not getattr(module, "POSTGRES_IN_DEFAULT_RUN", False):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    """A PostgreSQL database of the module's own, dropped at its end."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests need a server (.ci/run starts one)")
    name, url = create_database(base, "ty_srv")
    yield url
    drop_database(base, name)


def database_url(request: pytest.FixtureRequest, folder: Path) -> str:
    """A new database of the parameter's kind (``sqlite`` or ``postgres``)."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_module_url"))
    return f"sqlite:///{folder / 'served.db'}"


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A server on a fresh database with admin, writer and reader tokens, for the module."""
    folder = tmp_path_factory.mktemp("served")
    db_url = database_url(request, folder)
    tokens = asyncio.run(_issue(db_url, list(STANDARD_TOKENS)))
    server = ServerProcess(db_url, folder)
    yield Served(server=server, db_url=db_url, tokens=tokens)
    code = server.stop()
    assert code == 0, server.log_text()
    assert "Traceback" not in server.log_text(), server.log_text()


def new_project(served: Served, **fields: Any) -> dict[str, Any]:
    """A project of the test's own (a random name), made through the API as admin."""
    name = fields.pop("name", f"P {uuid.uuid4().hex[:8]}")
    with served.client() as api:
        response = api.post("/api/v2/projects", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def new_task(
    served: Served, project: dict[str, Any], title: str = "Task", **fields: Any
) -> dict[str, Any]:
    """A task in ``project``, made through the API as admin."""
    with served.client() as api:
        response = api.post(
            "/api/v2/tasks", json={"title": title, "project": project["slug"], **fields}
        )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The error body's ``error`` object, checked for its shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "hint", "details"}, error
    return error
