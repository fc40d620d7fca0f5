"""`taskyard logs` as a user reads a run's output: all of it on stdout in order (stderr lines
marked), one stream on request, a short run id, and `--follow` saying how the run ended."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.fixtures.cli import CLI, ROOT, add


@pytest.fixture
def cli(tmp_path: Path) -> CLI:
    runner = CLI(tmp_path)
    config = runner.tmp / "taskyard.toml"
    config.write_text(
        "[orchestrator]\npoll_seconds = 0.1\nheartbeat_seconds = 0.5\nlease_seconds = 5\n"
        "[orchestrator.retry]\nmax_attempts = 1\n"
    )
    runner.env["TASKYARD_CONFIG"] = str(config)
    return runner


MIXED = "echo out1; sleep 0.3; echo err1 >&2; sleep 0.3; printf 'out2\\n'; sleep 0.3; echo err2 >&2"


def run_id_of(cli: CLI, ref: str) -> str:
    [run] = cli.json("runs", ref)["items"]
    return str(run["id"])


def test_logs_sends_every_stream_to_stdout_in_order_with_stderr_marked(cli: CLI) -> None:
    """`taskyard logs RUN > out.txt` keeps what the step wrote to stderr, in place and marked;
    --stream gives one stream as it was printed, and --json keeps each chunk's stream."""
    ref = add(cli, "mixed", MIXED, "--ready")
    cli.ok("worker", "--once")
    run_id = run_id_of(cli, ref)
    result = cli.run("logs", run_id)
    assert result.returncode == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("[taskyard] step 1/1 shell (shell): ")
    assert lines[1].startswith("[taskyard] environment: ")
    assert lines[2:] == ["out1", "[stderr] err1", "out2", "[stderr] err2"]
    assert cli.ok("logs", run_id, "--stream", "stderr") == "err1\nerr2\n"
    assert cli.ok("logs", run_id, "--stream", "stdout") == "out1\nout2\n"
    items = cli.json("logs", run_id)["items"]
    assert [(c["stream"], c["text"]) for c in items[1:]] == [
        ("stdout", "out1\n"),
        ("stderr", "err1\n"),
        ("stdout", "out2\n"),
        ("stderr", "err2\n"),
    ]
    only = cli.json("logs", run_id, "--stream", "stderr")["items"]
    assert [c["text"] for c in only] == ["err1\n", "err2\n"]
    assert "[stderr]" in cli.ok("logs", "--help")


def test_a_run_is_named_by_the_start_of_its_id(cli: CLI) -> None:
    """Like a short git hash: the first characters that name one run are enough for `logs`;
    too few, or a start shared by several runs, get a clear refusal."""
    first = add(cli, "first", "echo from the first", "--ready")
    second = add(cli, "second", "echo from the second", "--ready")
    cli.ok("worker", "--once", "--slots", "2")
    ids = [run_id_of(cli, first), run_id_of(cli, second)]
    shared = common_start(ids)
    unique = ids[0][: len(shared) + 1]
    assert "from the first" in cli.ok("logs", unique)
    assert "from the first" in cli.ok("logs", unique.upper())
    ambiguous = cli.run("logs", shared)
    assert ambiguous.returncode == 2
    assert all(i in ambiguous.stderr for i in ids), ambiguous.stderr
    assert "more characters" in ambiguous.stderr
    short = cli.run("logs", ids[0][:3])
    assert short.returncode == 2
    assert "too short" in short.stderr
    quick = cli.run("quick", "echo quick hello")
    quick_id = quick.stdout.split("Quick run ")[1].split()[0]
    assert "quick hello" in cli.ok("quick", "show", quick_id[:13])
    assert "quick hello" in cli.ok("logs", quick_id[:13])


def test_a_task_ref_names_its_latest_run(cli: CLI) -> None:
    """`taskyard logs WS-5` after `taskyard run WS-5`: the task's latest attempt, said on
    stderr (stdout stays the output); a task that has not run says so."""
    ref = add(cli, "twice", "echo attempt $TASKYARD_ATTEMPT; exit 1", "--ready")
    cli.run("worker", "--once")
    cli.ok("retry", ref)
    cli.run("worker", "--once")
    runs = cli.json("runs", ref)["items"]
    latest = max(runs, key=lambda r: r["attempt"])
    shown = cli.run("logs", ref)
    assert shown.returncode == 0
    assert shown.stdout.splitlines()[2:] == ["attempt 2"]
    assert f"its latest run, {latest['id']} (attempt 2, failed)" in shown.stderr
    assert cli.json("logs", ref.lower())["ownerId"] == latest["id"]
    idle = add(cli, "never ran")
    missing = cli.run("logs", idle)
    assert missing.returncode == 3
    assert f"{idle} has not run yet" in missing.stderr
    assert f"taskyard run {idle}" in missing.stderr
    nothing = cli.run("logs", "ZZ-404")
    assert nothing.returncode == 3


def test_follow_ends_with_how_the_run_ended(cli: CLI) -> None:
    """`logs --follow` prints the output as it comes and, when the run ends, one line saying
    how: cancelled with the reason, or succeeded with the exit code."""
    ref = add(cli, "slow", "echo started; sleep 30", "--ready")
    worker = cli.start_worker("w-follow", quiet=True)
    follower = None
    try:
        deadline = time.monotonic() + 30
        while not cli.json("runs", ref)["items"]:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        run_id = run_id_of(cli, ref)
        follower = subprocess.Popen(
            cli.argv("logs", run_id, "--follow"),
            cwd=ROOT,
            env=cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)
        assert follower.poll() is None  # still following
        cli.ok("cancel", ref, "--reason", "enough")
        out, err = follower.communicate(timeout=30)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        if follower is not None and follower.poll() is None:
            follower.kill()
    assert follower.returncode == 0, err
    assert "started" in out
    assert out.splitlines()[-1] == "— run cancelled: enough"

    done = add(cli, "quick one", "echo done", "--ready")
    cli.ok("worker", "--once")
    finished = cli.ok("logs", run_id_of(cli, done), "--follow")
    assert finished.splitlines()[-2:] == ["done", "— run succeeded (exit code 0)"]
    lines = cli.run("logs", run_id_of(cli, done), "--follow", json_mode=True).stdout.splitlines()
    end = json.loads(lines[-1])
    assert (end["kind"], end["status"], end["exitCode"]) == ("log_end", "succeeded", 0)


def common_start(ids: list[str]) -> str:
    """The characters every id starts with."""
    first, last = min(ids), max(ids)
    n = 0
    while n < len(first) and first[n] == last[n]:
        n += 1
    return first[:n]
