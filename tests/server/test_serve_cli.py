"""``taskyard serve`` and ``taskyard token``: from nothing to a working client, as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from core.server.auth import TOKEN_CACHE_SECONDS
from tests.fixtures.cli import CLI
from tests.fixtures.servers import ROOT, ServerProcess, server_env

from .conftest import STANDARD_TOKENS, Served, new_project
from .workers import claim, fenced, ready_task, register


def taskyard(db: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real CLI against ``db``."""
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "--db", db, *args],
        cwd=ROOT,
        env=server_env(folder),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_first_serve_says_how_to_get_a_working_client(tmp_path: Path) -> None:
    """On a new database the server prints two commands; running them gives a 200."""
    db = f"sqlite:///{tmp_path / 'new.db'}"
    server = ServerProcess(db, tmp_path)
    try:
        create = taskyard(db, tmp_path, "token", "create", "me", "--scope", "admin", "--json")
        assert create.returncode == 0, create.stderr
        secret = json.loads(create.stdout)["token"]
        with httpx.Client(base_url=server.url) as api:
            anonymous = api.get("/api/v2/projects")
            response = api.get("/api/v2/projects", headers={"Authorization": f"Bearer {secret}"})
    finally:
        code = server.stop()
    assert anonymous.status_code == 401
    assert response.status_code == 200
    assert code == 0
    out = server.rest_of_stdout()
    assert out[0] == f"taskyard server listening on {server.url}"
    assert out[1].startswith("No API tokens yet")
    assert out[2].strip() == f"taskyard --db {tmp_path / 'new.db'} token create admin --scope admin"
    assert out[3].strip().startswith('curl -H "Authorization: Bearer TOKEN" http://127.0.0.1:')


def test_token_commands_create_list_and_revoke(tmp_path: Path) -> None:
    """The secret is printed once; the list never shows it; a revoked token is refused."""
    db = str(tmp_path / "t.db")
    assert taskyard(db, tmp_path, "project", "add", "Web").returncode == 0
    made = taskyard(db, tmp_path, "token", "create", "ci", "--scope", "write", "--project", "web")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.splitlines()[1].strip()
    assert secret.startswith("ty_")
    assert "scope write, web, expires" in made.stdout
    listed = taskyard(db, tmp_path, "token", "list")
    assert listed.stdout.startswith("ci ")
    assert "active" in listed.stdout
    assert secret not in listed.stdout
    assert secret[:10] in listed.stdout
    server = ServerProcess(f"sqlite:///{db}", tmp_path)
    try:
        with httpx.Client(base_url=server.url) as api:
            auth = {"Authorization": f"Bearer {secret}"}
            before = api.get("/api/v2/projects", headers=auth)
            revoked = taskyard(db, tmp_path, "token", "revoke", "ci", "--json")
            # The server trusts a token that passed for TOKEN_CACHE_SECONDS: a revocation
            # by another process (this CLI) is refused within that bound, not later.
            deadline = time.monotonic() + TOKEN_CACHE_SECONDS + 1
            after = api.get("/api/v2/projects", headers=auth)
            while after.status_code == 200 and time.monotonic() < deadline:
                time.sleep(0.1)
                after = api.get("/api/v2/projects", headers=auth)
    finally:
        server.stop()
    assert before.status_code == 200
    assert revoked.returncode == 0
    assert json.loads(revoked.stdout)["apiToken"]["revoked_at"]
    assert after.status_code == 401
    assert "revoked" in after.json()["error"]["message"]
    assert "No API tokens yet" not in "\n".join(server.rest_of_stdout())
    again = taskyard(db, tmp_path, "token", "create", "ci")
    assert again.returncode == 4
    assert "already exists" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--workers", "2"], "--workers 2 needs PostgreSQL"),
        (["serve", "--ssl-keyfile", "k.pem"], "--ssl-keyfile needs --ssl-certfile"),
        (["token", "create", "x", "--expires", "soon"], "not a time in the future"),
        (["token", "create", "two words"], "name"),
        (["token", "revoke", "nobody"], "No token named 'nobody'"),
    ],
)
def test_refusals_use_the_cli_error_style(tmp_path: Path, args: list[str], message: str) -> None:
    """Bad options fail before anything starts, with the CLI's error and hint lines.

    ``serve`` runs as a process of its own (a refusal that broke would start a server); the
    token commands run in this process, as tests/fixtures/cli.py runs every short command.
    """
    cli = CLI(tmp_path)
    result = cli.run(*args)
    assert result.returncode in {2, 3}
    assert message in result.stderr
    assert "hint:" in result.stderr
    as_json = cli.run(*args, json_mode=True)
    assert json.loads(as_json.stderr)["kind"] == "error"


def test_serve_over_tls(tmp_path: Path) -> None:
    """--ssl-certfile/--ssl-keyfile serve HTTPS, and the printed URL says so."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        check=False,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip("openssl could not make a test certificate")
    server = ServerProcess(
        f"sqlite:///{tmp_path / 't.db'}",
        tmp_path,
        "--ssl-certfile",
        str(cert),
        "--ssl-keyfile",
        str(key),
    )
    try:
        assert server.url.startswith("https://127.0.0.1:")
        with httpx.Client(base_url=server.url, verify=False) as api:
            assert api.get("/healthz").status_code == 200
    finally:
        assert server.stop() == 0


@pytest.mark.postgres
def test_several_workers_on_postgresql(tmp_path: Path, pg_module_url: str) -> None:
    """--workers 2 on PostgreSQL: one port, every worker serving the same database."""
    import asyncio

    from core.domain.access import TokenCreate, TokenScope

    from .conftest import _issue

    secret = asyncio.run(_issue(pg_module_url, [TokenCreate(name="w", scope=TokenScope.ADMIN)]))
    server = ServerProcess(pg_module_url, tmp_path, "--workers", "2")
    try:
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {secret['w']}"}
        ) as api:
            created = api.post("/api/v2/projects", json={"name": "Multi"})
            seen = {api.get("/api/v2/projects/multi").status_code for _ in range(10)}
    finally:
        code = server.stop()
    assert created.status_code == 201
    assert seen == {200}
    assert code == 0


def test_the_servers_orchestrator_settings_decide_how_remote_runs_end(tmp_path: Path) -> None:
    """The server's taskyard.toml ``[orchestrator]`` applies to the runs its workers report.

    Retries and auto-approval are decided where a run's end is written: with one attempt
    allowed and auto_approve on, a remote worker's failure blocks its task at once and its
    success lands in done (the defaults would retry the one and leave the other in review).
    """
    config = tmp_path / "taskyard.toml"
    config.write_text(
        "[orchestrator]\nauto_approve = true\n\n[orchestrator.retry]\nmax_attempts = 1\n"
    )
    db = f"sqlite:///{tmp_path / 't.db'}"
    server = ServerProcess(db, tmp_path, config=config)
    served = Served(server=server, db_url=db)
    try:
        served.add_tokens(*STANDARD_TOKENS)
        project = new_project(served)
        good, bad = (ready_task(served, project, title) for title in ("Passes", "Fails"))
        with served.client("writer") as api:
            register(api, "remote-1", slots=2)
            claims = {c["ref"]: c for c in claim(api, "remote-1", project, limit=2)}
            fenced(api, claims[good], "finish", success=True, exit_code=0)
            fenced(api, claims[bad], "finish", success=False, error="exit 2")
            passed = api.get(f"/api/v2/tasks/{good}").json()
            failed = api.get(f"/api/v2/tasks/{bad}").json()
    finally:
        server.stop()
    assert passed["status"] == "done"
    assert failed["status"] == "blocked"
    assert failed["blocked_reason"]["kind"] == "failure"
