"""What the CLI says happens next: retries, blocks, review, tasks with nothing to run, a
mistyped database and a missing agent program, each in the words a user reads."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.fixtures.cli import CLI, ROOT, add
from tests.fixtures.databases import pg_url
from tests.fixtures.pg import create_database, drop_database


def configured(tmp_path: Path, extra: str = "", *, attempts: int = 3) -> CLI:
    cli = CLI(tmp_path)
    config = tmp_path / "taskyard.toml"
    config.write_text(
        "[orchestrator]\npoll_seconds = 0.1\nheartbeat_seconds = 0.5\nlease_seconds = 5\n"
        f"[orchestrator.retry]\nmax_attempts = {attempts}\nbackoff_seconds = 0.2\n" + extra
    )
    cli.env["TASKYARD_CONFIG"] = str(config)
    return cli


def test_a_failing_task_says_each_retry_then_blocked_and_the_worker_exits_1(
    tmp_path: Path,
) -> None:
    """Each failure says whether it is retried (and when) or now blocked, with the command."""
    cli = configured(tmp_path)
    ref = add(cli, "fails", "echo broken; exit 3", "--ready")
    result = cli.run("worker", "--once", "--id", "w1")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "step shell failed: exit code 3; retry 2/3 in 0.2 s" in out
    assert "step shell failed: exit code 3; retry 3/3 in 0.4 s" in out
    assert f"step shell failed: exit code 3; blocked after 3 attempts (taskyard retry {ref})" in out
    assert f"3 run(s) failed: {ref} (see taskyard runs REF)." in out
    json_run = cli.run("worker", "--once", json_mode=True)  # nothing left: a clean exit
    assert json_run.returncode == 0, json_run.stderr


def test_a_success_says_where_the_task_went_and_who_waits_for_it(tmp_path: Path) -> None:
    """In review, the dependents are counted with the command that releases them."""
    cli = configured(tmp_path)
    first = add(cli, "first", "echo one", "--ready")
    add(cli, "second", "echo two", "--blocked-by", first)
    add(cli, "third", "echo three", "--blocked-by", first)
    out = cli.ok("worker", "--once")
    assert (
        f"succeeded -> in review; 2 tasks wait for it (approve: taskyard task move {first} done)"
        in out
    )
    cli.env["FEATURE_PRD_AUTO_APPROVE_REVIEW"] = "true"
    alone = add(cli, "alone", "echo alone", "--ready")
    out = cli.ok("worker", "--once")
    assert f"{alone}       succeeded -> done" in out


def test_run_wait_on_a_failing_task_says_the_retry_instead_of_ready(tmp_path: Path) -> None:
    cli = configured(tmp_path)
    ref = add(cli, "fails", "exit 5")
    result = cli.run("run", ref, "--wait")
    assert result.returncode == 1
    assert (
        f"{ref}: run failed; retry 2/3 in 0.2 s by a worker (or now: taskyard run {ref} --wait)."
        in result.stdout
    )


def test_a_task_with_nothing_to_run_is_named_by_ready_show_and_worker(tmp_path: Path) -> None:
    """No command and no pipeline: every command says so, and none claims a worker takes it."""
    cli = configured(tmp_path)
    idle = add(cli, "Just a note", None, "--ready")
    runs = add(cli, "Runs", "echo fine", "--ready")
    out = cli.ok("ready")
    assert f"{idle}  medium    Just a note  <- nothing to run" in out
    assert (
        f"Workers leave {idle} in ready: nothing to run: no command, and feature tasks have "
        "no pipeline." in out
    )
    assert f'taskyard task edit {idle} --command "…"' in out
    body = cli.json("ready")
    reasons = {item["ref"]: item["nothingToRun"] for item in body["items"]}
    assert reasons == {
        idle: "nothing to run: no command, and feature tasks have no pipeline",
        runs: None,
    }
    shown = cli.ok("task", "show", idle)
    assert "Workers will not take it: nothing to run: no command, and feature tasks" in shown
    assert "add [pipelines.feature] to taskyard.toml" in shown
    assert cli.json("task", "show", runs)["nothingToRun"] is None
    out = cli.ok("worker", "--once")
    assert "stopped after 1 run(s)" in out
    assert (
        f"Left in ready with nothing to run (no command, and no pipeline for their type): {idle}."
        in out
    )


def test_ready_reports_the_whole_queue_as_total_not_the_page(tmp_path: Path) -> None:
    cli = configured(tmp_path)
    for n in range(5):
        add(cli, f"t{n}", "true", "--ready")
    body = cli.json("ready", "--limit", "2")
    assert (len(body["items"]), body["total"], body["limit"]) == (2, 5, 2)
    assert "Ready queue (2 of 5)" in cli.ok("ready", "--limit", "2")


def test_worker_names_its_database_and_refuses_one_that_does_not_exist(tmp_path: Path) -> None:
    """A mistyped --db would create an empty database and wait on it forever."""
    cli = configured(tmp_path)
    cli.db = tmp_path / "typo" / "ty.db"
    result = cli.run("worker", "--once")
    assert result.returncode == 3
    assert f"No database at {cli.db}: a new, empty one would be created" in result.stderr
    assert f"taskyard --db {cli.db} init" in result.stderr
    assert not cli.db.parent.exists()  # nothing was created
    follow = cli.run("events", "--follow")
    assert follow.returncode == 3
    assert "No database at" in follow.stderr
    cli.ok("init")
    assert f"database: {cli.db}" in cli.ok("worker", "--once")
    follower = subprocess.Popen(
        cli.argv("events", "--follow"), cwd=ROOT, env=cli.env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert follower.stdout is not None
        first = follower.stdout.readline()
    finally:
        follower.send_signal(signal.SIGINT)
        follower.communicate(timeout=30)
    assert first == f"Following the events of {cli.db}; Ctrl-C stops.\n"


@pytest.mark.postgres
def test_init_masks_the_password(tmp_path: Path) -> None:
    """Neither the text nor --json of `init` on PostgreSQL prints the database password."""
    base = pg_url()
    name, url = create_database(base, "ty_cli")
    try:
        cli = CLI(tmp_path)
        cli.db = url  # type: ignore[assignment]
        password = make_url(url).password
        assert password
        text = cli.ok("init")
        body = cli.json("init")
    finally:
        drop_database(base, name)
    assert "Database: postgresql+asyncpg://taskyard:***@" in text, text
    assert f":{password}@" not in text
    assert body["database"].startswith("postgresql+asyncpg://taskyard:***@")


def test_a_missing_agent_program_blocks_at_once_and_the_banner_warns(tmp_path: Path) -> None:
    """No retries for a program that is not there: one clear failure naming the fix."""
    cli = configured(
        tmp_path,
        '[profiles.ghost]\ncommand = ["no-such-agent-binary"]\nprompt = "stdin"\n'
        '[pipelines]\nbug = [{ name = "fix", profile = "ghost" }]\n',
    )
    ref = add(cli, "A bug", None, "--ready", "--type", "bug")
    result = cli.run("worker", "--once")
    assert result.returncode == 1
    out = result.stdout
    assert (
        "warning: cannot start 'no-such-agent-binary': not found on PATH; install it or fix "
        "[profiles.ghost] command in taskyard.toml" in out
    )
    assert out.count("claimed 'A bug'") == 1
    task = cli.json("task", "show", ref)["task"]
    assert task["status"] == "blocked"
    assert "cannot start 'no-such-agent-binary': not found on PATH" in task["error"]
    assert os.environ.get("PATH")  # the lookup used the real PATH


def test_task_add_and_edit_take_a_command_and_a_pipeline(tmp_path: Path) -> None:
    """--command lands in metadata.command and runs; '' clears it, as '' clears --pipeline."""
    cli = configured(tmp_path)
    body = cli.json("task", "add", "Say hi", "--ready", "--command", "echo hi from --command")
    ref = body["task"]["ref"]
    assert body["task"]["metadata"] == {"command": "echo hi from --command"}
    out = cli.ok("worker", "--once")
    assert f"{ref}       succeeded -> in review" in out
    [run] = cli.json("runs", ref)["items"]
    assert "hi from --command" in cli.ok("logs", run["id"])

    other = cli.json("task", "add", "Later", "--pipeline", "bug")["task"]
    assert other["pipeline_template"] == "bug"
    cli.ok("task", "edit", other["ref"], "--command", "make test")
    edited = cli.json("task", "edit", other["ref"], "--pipeline", "")["task"]
    assert (edited["pipeline_template"], edited["metadata"]) == (None, {"command": "make test"})
    out = cli.ok("task", "edit", other["ref"], "--command", "")
    assert f"Updated {other['ref']} (command)" in out
    assert cli.json("task", "show", other["ref"])["task"]["metadata"] == {}
    assert "--command CMD" in cli.ok("task", "add", "--help")
    assert "'' clears it" in cli.ok("task", "edit", "--help")


def test_jsonl_import_takes_a_top_level_command_and_summarizes_refs(tmp_path: Path) -> None:
    """`command` goes to metadata.command; thousands of refs do not fill the terminal."""
    cli = configured(tmp_path)
    lines = [
        json.dumps({"title": f"t{n}", "external_id": f"x{n}", "command": f"echo {n}"})
        for n in range(25)
    ]
    lines.append(json.dumps({"title": "plain", "external_id": "plain"}))
    path = cli.write("tasks.jsonl", "\n".join(lines) + "\n")
    out = cli.ok("task", "import", str(path))
    assert "Imported: 26 created" in out
    assert (
        "  created: TY-1, TY-2, TY-3, TY-4, TY-5, TY-6, TY-7, TY-8, TY-9, TY-10, … and 16 more"
        in out
    )
    assert "  25 tasks carry commands (metadata.command), approved by " in out
    assert "(you, on this database): workers will run them" in out
    assert cli.json("task", "show", "TY-3")["task"]["metadata"] == {"command": "echo 2"}
    body = cli.json("task", "import", str(path))
    assert len(body["existing"]) == 26  # --json keeps the whole list

    bad = cli.write(
        "bad.jsonl",
        '{"title": "a", "command": ""}\n'
        '{"title": "b", "command": "x", "metadata": {"command": "y"}}\n',
    )
    result = cli.run("task", "import", str(bad))
    assert result.returncode == 2
    assert "line 1: command must be a non-empty string" in result.stderr
    assert "line 2: command is given twice, at the top and in metadata; keep one." in result.stderr


def test_a_retried_agent_step_is_told_the_failing_steps_last_output(tmp_path: Path) -> None:
    """fix → verify: attempt 2's fix prompt carries verify's last lines, not only its exit."""
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    cli = configured(
        tmp_path,
        "[profiles.scribe]\n"
        'command = ["/bin/sh", "-c", "cat > \\"$OUT/prompt-$TASKYARD_ATTEMPT.md\\""]\n'
        f'prompt = "stdin"\nenv = {{ OUT = "{prompts}" }}\n'
        "[pipelines]\nbug = [\n"
        '  { name = "fix", profile = "scribe" },\n'
        '  { name = "verify", profile = "shell", command = "echo collected 3 items; '
        'echo FAILED test_login: AssertionError; test $TASKYARD_ATTEMPT -ge 2" },\n'
        "]\n",
    )
    ref = add(cli, "Login is broken", None, "--ready", "--type", "bug")
    out = cli.ok("worker", "--once")
    assert f"{ref}       succeeded" in out
    first = (prompts / "prompt-1.md").read_text()
    second = (prompts / "prompt-2.md").read_text()
    assert "This is attempt" not in first
    assert "Step 1 of 2: fix.\nFind the cause of the problem" in first  # guidance for `fix` too
    assert "This is attempt 2; the last one failed: step verify failed: exit code 1" in second
    assert "collected 3 items\nFAILED test_login: AssertionError" in second


def test_limits_attachment_max_bytes_in_taskyard_toml_is_the_attachment_limit(
    tmp_path: Path,
) -> None:
    """The hint's key is real: [limits] attachment_max_bytes sets the per-file limit."""
    cli = configured(tmp_path, "[limits]\nattachment_max_bytes = 100\n")
    small = cli.write("small.txt", "x" * 100)
    big = cli.write("big.txt", "x" * 101)
    ref = cli.json("task", "add", "With a file", "--attach", str(small))["task"]["ref"]
    result = cli.run("task", "attach", ref, str(big))
    assert result.returncode == 2
    assert "'big.txt' is larger than the 100 bytes limit" in result.stderr
    assert "raise [limits] attachment_max_bytes in taskyard.toml" in result.stderr
    assert cli.run("task", "add", "Big", "--attach", str(big)).returncode == 2

    (tmp_path / "taskyard.toml").write_text('[limits]\nattachment_max_bytes = "1MB"\n')
    bad = cli.run("task", "attach", ref, str(small))
    assert bad.returncode == 2
    assert "[limits] attachment_max_bytes is '1MB', not a whole number of bytes" in bad.stderr
    assert "attachment_max_bytes = 20971520" in bad.stderr
    cli.ok("task", "list")  # a bad limit stops only the commands that store files


def test_a_program_that_cannot_start_blocks_at_once_not_after_three_retries(
    tmp_path: Path,
) -> None:
    """An executable whose interpreter is missing passes the PATH check but cannot start."""
    agent = tmp_path / "agent.sh"
    agent.write_text("#!/no/such/interpreter\necho never\n")
    agent.chmod(0o755)
    cli = configured(
        tmp_path,
        f'[profiles.broken]\ncommand = ["{agent}"]\nprompt = "stdin"\n'
        '[pipelines]\nbug = [{ name = "fix", profile = "broken" }]\n',
    )
    ref = add(cli, "A bug", None, "--ready", "--type", "bug")
    result = cli.run("worker", "--once")
    assert result.returncode == 1
    assert "warning:" not in result.stdout  # the file is there and executable
    assert result.stdout.count("claimed 'A bug'") == 1
    assert f"cannot start '{agent}'" in result.stdout
    assert f"install it or fix [profiles.broken] command; blocked (taskyard retry {ref})" in (
        result.stdout
    )
    assert cli.json("task", "show", ref)["task"]["status"] == "blocked"


def test_approve_prints_what_it_approves_and_refuses_clearly(tmp_path: Path) -> None:
    """`taskyard approve` shows each command in full; a task without one, an unknown ref and
    a text that changed since it was read are refused with the reason and nothing approved."""
    cli = configured(tmp_path)
    cli.env["TASKYARD_APPROVE_OWN_COMMANDS"] = "0"  # an agent writing tasks for a person
    added = cli.ok("task", "add", "Deploy", "--ready", "--command", "./deploy.sh staging")
    assert "command set, it awaits approval" in added
    plain = cli.json("task", "add", "Plan")["task"]["ref"]
    shown = cli.json("task", "show", "TY-1")["task"]["command"]
    assert (shown["text"], shown["approved"], shown["approved_by"]) == (
        "./deploy.sh staging",
        False,
        None,
    )
    assert "Not approved: workers will not run it" in cli.ok("task", "show", "TY-1")

    no_command = cli.run("approve", "TY-1", plain)
    assert no_command.returncode == 2
    assert f"{plain} has no command to approve" in no_command.stderr
    unknown = cli.run("approve", "TY-99")
    assert unknown.returncode == 3
    stale = cli.run("approve", "TY-1", "--expect", "00000000")
    assert stale.returncode == 4
    assert "TY-1's command changed since you read it" in stale.stderr
    assert cli.json("task", "show", "TY-1")["task"]["command"]["approved"] is False

    del cli.env["TASKYARD_APPROVE_OWN_COMMANDS"]
    out = cli.ok("approve", "TY-1", "--expect", shown["hash"][:12], "--actor", "boss")
    assert out.splitlines()[:2] == [
        f'Approved TY-1 "Deploy" as boss (hash {shown["hash"][:12]}); workers may run:',
        "  ./deploy.sh staging",
    ]
    body = cli.json("task", "show", "TY-1")["task"]["command"]
    assert (body["approved"], body["approved_by"]) == (True, "boss")


def test_task_show_says_what_a_worker_would_start_step_by_step(tmp_path: Path) -> None:
    """Before Run Now or an approval, `task show` gives each step's profile and exact command
    line, with the parts known only at run time as <placeholders> (and the same in --json)."""
    cli = configured(
        tmp_path,
        '[pipelines]\nbug = [{ name = "fix", profile = "claude" }, '
        '{ name = "verify", profile = "shell", command = "make test" }]\n',
    )
    add(cli, "Deploy", "./deploy.sh 'staging env'")
    cli.ok("task", "add", "Crash on save", "--type", "bug")
    shown = cli.ok("task", "show", "TY-1")
    assert "Runs as (a worker starts, step by step):" in shown
    assert "  1/1 shell (shell): /bin/sh -c " in shown
    assert "· no prompt" in shown
    bug = cli.json("task", "show", "TY-2")["runsAs"]
    assert bug == [
        {
            "step": "fix",
            "profile": "claude",
            "commandLine": "claude -p --permission-mode acceptEdits --output-format text",
            "prompt": "the prompt on stdin",
        },
        {
            "step": "verify",
            "profile": "shell",
            "commandLine": "/bin/sh -c 'make test'",
            "prompt": "no prompt",
        },
    ]
    assert cli.json("task", "show", "TY-1")["runsAs"][0]["commandLine"] == (
        "/bin/sh -c './deploy.sh '\"'\"'staging env'\"'\"''"
    )
