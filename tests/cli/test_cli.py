"""The real `taskyard` command line, run as a subprocess against a fresh SQLite file per test."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.cli import CLI, ROOT


@pytest.fixture
def cli(tmp_path: Path) -> CLI:
    return CLI(tmp_path)


def seed_chain(cli: CLI) -> None:
    """Project TY with TY-1 <- TY-2 <- TY-3 (each waits for the one before)."""
    cli.ok("project", "add", "Demo", "--key", "TY")
    jsonl = cli.write(
        "chain.jsonl",
        '{"title": "Design schema", "external_id": "a", "priority": "high"}\n'
        '{"title": "Build API", "external_id": "b", "blocked_by": ["a"], "labels": ["backend"]}\n'
        '{"title": "Write docs", "external_id": "c", "blocked_by": ["b"]}\n',
    )
    cli.ok("task", "import", str(jsonl), "--project", "demo")


def test_version_is_fast_and_loads_no_database_libraries() -> None:
    """`taskyard --version` answers at once without importing SQLAlchemy or pydantic."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "core.cli", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0
    assert result.stdout.strip().startswith("taskyard ")
    for heavy in ("sqlalchemy", "pydantic", "platformdirs", "textual"):
        assert heavy not in result.stderr
    assert elapsed < 3.0


def test_init_reports_the_schema_revision_the_engine_gives(cli: CLI) -> None:
    """`init` says which schema revision the database is at, in text and in --json."""
    from core.store.migrate import HEAD_REVISION

    text = cli.ok("init")
    assert f"Schema: up to date (revision {HEAD_REVISION})" in text
    assert f"Database: {cli.db} (created)" in text
    body = cli.json("init")
    assert body["schema"] == {"state": "up_to_date", "revision": HEAD_REVISION}
    assert body["created"] is False


def test_add_list_show_and_move(cli: CLI) -> None:
    """A person adds tasks, lists them, reads one in full, and moves one through a legal move."""
    assert "key TY" in cli.ok("project", "add", "Demo", "--key", "TY")
    out = cli.ok("task", "add", "Design schema", "--project", "demo", "--priority", "high")
    assert out.strip() == 'Created TY-1 "Design schema" (backlog)'
    out = cli.ok(
        "task", "add", "Build API", "--project", "demo", "--blocked-by", "TY-1",
        "--label", "backend", "--assignee", "alice", "--criterion", "has tests",
    )  # fmt: skip
    assert out.startswith('Created TY-2 "Build API"')

    listing = cli.ok("task", "list")
    assert "TY-1  backlog  high      Design schema" in listing
    assert "[backend]  @alice  (blocked by 1)" in listing
    assert "2 tasks." in listing

    shown = cli.ok("task", "show", "TY-2")
    assert 'TY-1 "Design schema" (backlog)' in shown
    assert "has tests" in shown
    assert "--when-unblocked" in shown  # says how to get it going

    moved = cli.json("task", "move", "TY-1", "ready")
    assert moved["kind"] == "task"
    assert moved["task"]["status"] == "ready"

    page = cli.json("task", "list", "--limit", "1")
    assert page["kind"] == "tasks"
    assert (page["total"], page["page"], page["limit"]) == (2, 1, 1)
    assert len(page["items"]) == 1


def test_illegal_move_names_the_blocker_and_its_state(cli: CLI) -> None:
    """Moving a task whose blocker is unfinished fails, naming the blocker and its state."""
    seed_chain(cli)
    result = cli.run("task", "move", "TY-2", "ready")
    assert result.returncode == 5
    assert result.stdout == ""
    assert "error: TY-2 cannot move to ready" in result.stderr
    assert 'TY-1 "Design schema" (backlog)' in result.stderr
    assert "hint: " in result.stderr
    assert "Traceback" not in result.stderr

    result = cli.run("task", "move", "TY-2", "ready", json_mode=True)
    assert result.returncode == 5
    assert result.stdout == ""
    body = json.loads(result.stderr)
    assert body["schemaVersion"] == 1
    assert body["kind"] == "error"
    assert body["error"]["code"] == "dependency_violation"
    assert body["error"]["details"]["blockers"][0]["ref"] == "TY-1"
    assert body["error"]["hint"]


def test_when_unblocked_task_becomes_ready_once_its_blocker_is_done(cli: CLI) -> None:
    """A task queued with --when-unblocked waits in blocked and becomes ready by itself."""
    seed_chain(cli)
    out = cli.ok("task", "move", "TY-2", "ready", "--when-unblocked")
    assert "TY-2 is queued in blocked" in out
    assert "TY-1" in out
    cli.ok("task", "move", "TY-1", "ready")
    cli.ok("task", "move", "TY-1", "in_progress", "--force")
    cli.ok("task", "move", "TY-1", "in_review")
    done = cli.ok("task", "move", "TY-1", "done")
    assert 'TY-2 "Build API" (ready)' in done

    assert cli.json("task", "show", "TY-2")["task"]["status"] == "ready"
    ready = cli.json("ready")
    assert ready["kind"] == "ready"
    assert [c["ref"] for c in ready["items"]] == ["TY-2"]


def test_dependency_cycle_is_refused_with_its_path(cli: CLI) -> None:
    """Closing a dependency loop is refused and the message shows the whole loop."""
    seed_chain(cli)
    result = cli.run("dep", "add", "TY-1", "TY-3")
    assert result.returncode == 5
    assert "TY-1 → TY-3 → TY-2 → TY-1" in result.stderr
    body = json.loads(cli.run("dep", "add", "TY-1", "TY-3", json_mode=True).stderr)
    assert body["error"]["code"] == "circular_dependency"


def test_bad_priority_is_a_usage_error_listing_the_choices(cli: CLI) -> None:
    """A priority that does not exist stops with exit 2 and lists the real ones."""
    result = cli.run("task", "add", "Fix login", "--priority", "urgent")
    assert result.returncode == 2
    assert "invalid choice: 'urgent'" in result.stderr
    assert "'critical', 'high', 'medium', 'low'" in result.stderr
    assert not cli.db.exists()  # refused before touching the database


def test_unknown_ref_exits_3_with_a_hint(cli: CLI) -> None:
    """Showing a task that does not exist exits 3 and says how to find the right one."""
    result = cli.run("task", "show", "TY-99")
    assert result.returncode == 3
    assert "error: No task 'TY-99'" in result.stderr
    assert "hint: " in result.stderr
    body = json.loads(cli.run("task", "show", "TY-99", json_mode=True).stderr)
    assert body["error"]["code"] == "not_found"
    assert body["error"]["hint"]


def test_import_reports_what_it_created_and_is_idempotent(cli: CLI) -> None:
    """Importing a JSONL file creates its tasks and edges; importing it again creates none."""
    jsonl = cli.write(
        "good.jsonl",
        '{"title": "One", "external_id": "x1"}\n'
        "\n"
        '{"title": "Two", "external_id": "x2", "blocked_by": ["x1"], "priority": "high"}\n',
    )
    first = cli.json("task", "import", str(jsonl))
    assert first["kind"] == "import"
    assert len(first["created"]) == 2
    assert first["existing"] == []
    assert first["edges"] == 1
    again = cli.ok("task", "import", str(jsonl))
    assert "0 created, 2 already there" in again


def test_bad_import_lists_every_bad_line_and_writes_nothing(cli: CLI) -> None:
    """A file with bad lines is refused as a whole, naming each bad line by number."""
    jsonl = cli.write(
        "bad.jsonl",
        '{"title": "Fine", "external_id": "ok"}\n'
        '{"title": ""}\n'
        "this is not json\n"
        '{"title": "Urgent", "priority": "urgent"}\n'
        '{"title": "Waits", "blocked_by": ["nowhere"]}\n',
    )
    result = cli.run("task", "import", str(jsonl))
    assert result.returncode == 2
    for line in ("line 2:", "line 3:", "line 4:"):
        assert line in result.stderr
    assert "nothing was imported" in result.stderr
    assert cli.json("task", "list", "--all")["total"] == 0

    # Lines that parse but reference nothing are reported by line number too.
    cli.write("bad.jsonl", '{"title": "Fine"}\n\n{"title": "Waits", "blocked_by": ["nowhere"]}\n')
    result = cli.run("task", "import", str(jsonl), json_mode=True)
    assert result.returncode == 2
    error = json.loads(result.stderr)["error"]
    assert error["details"]["errors"][0]["line"] == 3
    assert "line 3:" in error["message"]
    assert cli.json("task", "list", "--all")["total"] == 0


def test_board_shows_each_state_with_counts(cli: CLI) -> None:
    """The plain-text board has a section per state with counts, cards and a "more" pointer."""
    seed_chain(cli)
    cli.ok("task", "move", "TY-1", "ready")
    board = cli.ok("board", "--limit", "1")
    lines = board.splitlines()
    assert "READY (1)" in lines
    assert "BACKLOG (2)" in lines
    assert "  TY-1  high      Design schema" in lines
    assert any(line.startswith("  … and 1 more") for line in lines)
    assert lines.index("BACKLOG (2)") < lines.index("READY (1)") < lines.index("DONE (0)")

    home = cli.ok()
    assert "READY (1)" in home
    assert "Interactive board: run `taskyard` in a terminal." in home


def test_assign_reports_each_task_and_fails_when_any_fails(cli: CLI) -> None:
    """Assigning several tasks reports each one and exits 1 if any reference was wrong."""
    seed_chain(cli)
    result = cli.run("task", "assign", "bob", "TY-1", "TY-42")
    assert result.returncode == 1
    assert "TY-1   assigned to bob" in result.stdout
    assert "TY-42  failed: No task 'TY-42'" in result.stdout
    assert "1 assigned, 1 failed." in result.stdout


def test_global_options_work_after_the_command_too(cli: CLI) -> None:
    """Agents type `taskyard ready --json`: --db, --json and --actor may follow the command."""
    other = cli.tmp / "other.db"
    head = [sys.executable, "-m", "core.cli"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*head, *args], cwd=ROOT, env=cli.env, capture_output=True, text=True, timeout=60
        )

    added = run("task", "add", "Ship it", "--ready", "--db", str(other), "--json", "--actor", "ann")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["task"]["ref"] == "TY-1"

    ready = run("ready", "--json", "--limit", "20", "--db", str(other))
    assert ready.returncode == 0, ready.stderr
    body = json.loads(ready.stdout)
    assert (body["kind"], [c["title"] for c in body["items"]]) == ("ready", ["Ship it"])

    # Before the command still works, and an option given only there is not reset by the
    # command's own copy of it.
    before = run(
        "--db", str(other), "--json", "--actor", "bob", "task", "move", "TY-1", "cancelled"
    )
    assert before.returncode == 0, before.stderr
    events = json.loads(run("--db", str(other), "events", "--json").stdout)["items"]
    actors = {e["type"]: e["actor"] for e in events}
    assert actors["task.created"] == "ann"
    assert [e["actor"] for e in events if e["type"] != "task.created"][-1] == "bob"
    assert not cli.db.exists()  # nothing went to the default --db of the fixture

    bad = run("task", "move", "TY-1", "bogus", "--db", str(other), "--json")
    assert bad.returncode == 2
    assert json.loads(bad.stderr)["error"]["code"] == "usage_error"


def test_events_as_json_and_followed_line_by_line(cli: CLI) -> None:
    """Events print as one JSON envelope, and --follow streams one JSON object per line."""
    cli.ok("task", "add", "First")
    events = cli.json("events")
    assert events["kind"] == "events"
    assert "task.created" in [e["type"] for e in events["items"]]
    since = events["items"][-1]["seq"]

    if sys.platform == "win32":  # pragma: no cover - SIGINT delivery differs
        return
    follower = subprocess.Popen(
        cli.argv("events", "--follow", "--since", str(since), json_mode=True),
        cwd=ROOT,
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell's background job ignores SIGINT; give the follower the default (Ctrl-C).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        cli.ok("task", "add", "Second")
        assert follower.stdout is not None
        line = json.loads(follower.stdout.readline())
        assert line["kind"] == "event"
        assert line["type"] == "task.created"
        assert line["payload"]["title"] == "Second"
        follower.send_signal(signal.SIGINT)
        _, err = follower.communicate(timeout=20)
        assert follower.returncode == 0, err
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()


def test_rename_a_project_and_a_milestone_keeping_their_slugs(cli: CLI) -> None:
    """Renames answer with the new name in text and JSON; a taken name or a typo is an error."""
    cli.ok("project", "add", "Web", "--key", "WEB")
    cli.ok("milestone", "add", "Beta", "--project", "web")
    cli.ok("milestone", "add", "GA", "--project", "web")

    said = cli.ok("project", "rename", "WEB", "Website")
    project = cli.json("project", "rename", "web", "Public site")["project"]
    milestone = cli.json("milestone", "rename", "web", "beta", "Public beta")["milestone"]

    assert said == 'Project web is now named "Website" (its slug web and key WEB stay).\n'
    assert (project["slug"], project["key"], project["name"]) == ("web", "WEB", "Public site")
    assert (milestone["slug"], milestone["name"]) == ("beta", "Public beta")
    assert cli.ok("milestone", "rename", "web", "ga", "Launch") == (
        'Milestone ga in project web is now named "Launch" (its slug stays).\n'
    )
    taken = cli.run("milestone", "rename", "web", "launch", "public BETA")
    assert taken.returncode == 4
    assert "already has a milestone named 'public BETA' (beta)" in taken.stderr
    assert "hint: " in taken.stderr
    missing = json.loads(cli.run("project", "rename", "wbe", "X", json_mode=True).stderr)
    assert missing["error"]["code"] == "not_found"
