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
import signal
import subprocess
import sys
import threading
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

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
"""Seconds for a server to start (imports and a migration, on a loaded 2-core machine)."""

LISTENING = "taskyard server listening on "


def server_env(data_dir: Path) -> dict[str, str]:
    """The environment of a server or CLI subprocess: the developer's settings left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKYARD_")}
    env.update(TASKYARD_DATA_DIR=str(data_dir), TASKYARD_ACTOR="tester", PYTHONPATH=str(ROOT))
    env.pop("FEATURE_PRD_AUTO_APPROVE_REVIEW", None)
    return env


class ServerProcess:
    """``taskyard --db URL serve ...`` running in a subprocess; ``url`` once it listens."""

    def __init__(self, db_url: str, folder: Path, *extra: str, rate_limited: bool = False) -> None:
        """Start the server; ``rate_limited`` keeps the default per-token rate limits.

        Tests make hundreds of requests a minute with one token, so their servers run
        without rate limits unless a test is about them.
        """
        if not rate_limited and "--rate-limit" not in extra:
            extra = (*extra, "--rate-limit", "0")
        self.db_url = db_url
        self.log = folder / f"server-{uuid.uuid4().hex[:6]}.log"
        self.stdout_lines: list[str] = []
        self._listening = threading.Event()
        self._url: str | None = None
        argv = [sys.executable, "-m", "core.cli", "--db", db_url, "serve", "--port", "0", *extra]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=server_env(folder),
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.url = self._wait_listening()

    def _wait_listening(self) -> str:
        # A reader thread, so a server that never prints fails the test at the deadline
        # instead of blocking a readline forever.
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        if self._listening.wait(START_TIMEOUT) and self._url is not None:
            return self._url
        self.stop()
        raise AssertionError(
            f"the server did not start; stdout: {self.stdout_lines}; log:\n{self.log_text()}"
        )

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.stdout_lines.append(line.rstrip("\n"))
            if self._url is None and line.startswith(LISTENING):
                self._url = line[len(LISTENING) :].strip()
                self._listening.set()
        self._listening.set()  # the server ended without listening

    def log_text(self) -> str:
        """Everything the server wrote to stderr (its log) so far."""
        return self.log.read_text(errors="replace")

    def rest_of_stdout(self) -> list[str]:
        """Every stdout line the server printed (read once it stopped)."""
        self._reader.join(timeout=30)
        return list(self.stdout_lines)

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


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
