"""No output is lost silently: a step's output reaches its log whole and in order however fast
it comes, memory stays bounded while the database lags, and output that truly cannot be
stored leaves a marker in the log and a count on the run.

The batcher is tested with sinks that behave like the store (refusing what ``append_log``
refuses, failing as a database that is down fails); the end-to-end test runs a real
``taskyard worker --once`` on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.domain.commands import TaskCreate
from core.domain.models import TaskStatus
from core.errors import StorageError, ValidationError
from core.orchestrator.executor import Invocation, LogBatcher, StepProcess, chunked
from core.store.engine import SqlTaskEngine
from core.store.log_ops import MAX_CHUNK

from .conftest import REPO


def storing_sink(
    stored: list[tuple[str, str]], *, delay: float = 0.0, fail_calls: range = range(0)
) -> tuple[list[int], object]:
    """A sink that keeps what it is given, refusing what the store refuses (text over
    ``MAX_CHUNK``) and failing like a database that is down on the calls in ``fail_calls``."""
    calls = [0]

    async def sink(stream: str, text: str) -> None:
        calls[0] += 1
        if delay:
            await asyncio.sleep(delay)
        if len(text) > MAX_CHUNK:
            raise ValidationError(f"A log chunk holds at most {MAX_CHUNK:,} characters.")
        if calls[0] in fail_calls:
            raise StorageError("The database cannot be reached: connection refused.")
        stored.append((stream, text))

    return calls, sink


def lines(first: int, count: int) -> str:
    return "".join(f"{n:06d} {'x' * 92}\n" for n in range(first, first + count))


async def test_a_backlog_over_the_chunk_limit_arrives_whole_in_order_in_storable_chunks() -> None:
    """While one write is slow, 1.5 MB of output arrives: every character is stored, in order,
    in chunks the store accepts, cut at line ends."""
    stored: list[tuple[str, str]] = []
    _, sink = storing_sink(stored, delay=0.3)
    batcher = LogBatcher(sink)  # type: ignore[arg-type]
    batcher.start()
    out = lines(0, 15_000)  # 1.5 MB, 100-byte lines
    err = "warning: slow disk\n"
    for start in range(0, len(out), 65536):  # as the pipe reader hands it over
        batcher.write("stdout", out[start : start + 65536])
        if start == 65536 * 4:
            batcher.write("stderr", err)
        await batcher.room()
    await batcher.close()
    assert batcher.lost_bytes == 0
    assert all(len(text) <= MAX_CHUNK for _, text in stored)
    assert "".join(text for stream, text in stored if stream == "stdout") == out
    assert [text for stream, text in stored if stream == "stderr"] == [err]
    stdout_before_err = "".join(
        text for stream, text in stored[: [s for s, _ in stored].index("stderr")]
    )
    assert stdout_before_err == out[: 65536 * 5]  # the stderr line is where it was printed


def test_long_output_is_cut_at_line_ends_when_it_can_be() -> None:
    """A backlog is cut into pieces of at most the limit, after a line end where there is one
    near the limit, mid-line (on a character) only for a line longer than half the limit."""
    text = lines(0, 50)  # 5,000 characters
    pieces = chunked([("stdout", text[:1234]), ("stdout", text[1234:])], 1000)
    assert [len(t) for _, t in pieces] == [1000] * 5
    assert all(t.endswith("\n") for _, t in pieces)
    one_line = "é" * 2500 + "\n"
    pieces = chunked([("stderr", "ab\n"), ("stderr", one_line), ("stdout", "c")], 1000)
    assert [(s, len(t)) for s, t in pieces] == [
        ("stderr", 1000),
        ("stderr", 1000),
        ("stderr", 504),
        ("stdout", 1),
    ]
    assert "".join(t for _, t in pieces) == "ab\n" + one_line + "c"


async def test_a_slow_sink_holds_the_reader_back_instead_of_buffering_everything() -> None:
    """A process printing 8 MB faster than the database stores it is held back: never more
    than about a megabyte waits in memory, and everything is stored."""
    stored: list[tuple[str, str]] = []
    _, sink = storing_sink(stored, delay=0.02)
    batcher = LogBatcher(sink)  # type: ignore[arg-type]
    batcher.start()
    piece = lines(0, 655)  # 65,500 characters, about a pipe read
    written = 0
    most_waiting = 0
    for _ in range(128):
        batcher.write("stdout", piece)
        written += len(piece)
        await batcher.room()
        waiting = written - sum(len(text) for _, text in stored)
        most_waiting = max(most_waiting, waiting)
    await batcher.close()
    assert sum(len(text) for _, text in stored) == written
    # What waits: the buffer (1 MB) plus the batch being written (1 MB) plus one read.
    assert most_waiting <= 2 * 1024 * 1024 + len(piece)


async def test_output_the_store_refuses_leaves_a_marker_and_a_count() -> None:
    """The database is down for two writes: the output of those writes is gone, and the log
    says so (how much, and why) exactly where it is missing; later output is stored after
    the marker."""
    stored: list[tuple[str, str]] = []
    _, sink = storing_sink(stored, fail_calls=range(2, 4))
    batcher = LogBatcher(sink, interval=0.01, max_bytes=10)  # type: ignore[arg-type]
    batcher.start()
    texts = ["before\n", "lost one\n", "lost two é\n", "after\n"]
    for text in texts:
        batcher.write("stdout", text)
        await asyncio.sleep(0.05)  # one write each
    await batcher.close()
    gone = len(b"lost one\n") + len("lost two é\n".encode())
    assert batcher.lost_bytes == gone
    assert batcher.unreported_bytes == 0
    assert stored == [
        ("stdout", "before\n"),
        (
            "system",
            f"\n[taskyard] {gone} bytes of output were lost: "
            "The database cannot be reached: connection refused.\n",
        ),
        ("stdout", "after\n"),
    ]


async def test_a_loss_at_the_end_is_recorded_when_the_batcher_closes() -> None:
    """The last write fails and nothing follows: the loss is recorded when the step ends,
    through the run's own recorder (the count goes on the run)."""
    stored: list[tuple[str, str]] = []
    _, sink = storing_sink(stored, fail_calls=range(2, 3))
    recorded: list[tuple[int, str]] = []

    async def on_lost(lost_bytes: int, reason: str) -> None:
        recorded.append((lost_bytes, reason))

    batcher = LogBatcher(sink, on_lost=on_lost, interval=0.01)  # type: ignore[arg-type]
    batcher.start()
    batcher.write("stdout", "kept\n")
    await asyncio.sleep(0.05)
    batcher.write("stdout", "the end\n")
    await batcher.close()
    assert stored == [("stdout", "kept\n")]
    assert recorded == [(8, "The database cannot be reached: connection refused.")]
    assert batcher.lost_bytes == 8


async def test_a_step_whose_output_cannot_be_stored_reports_the_loss(tmp_path: Path) -> None:
    """A real process prints while the store refuses everything: the step still ends, and its
    result says how many bytes were lost and why."""

    async def sink(stream: str, text: str) -> None:
        raise StorageError("The database is read-only.")

    process = StepProcess(
        Invocation(["sh", "-c", "printf 'one\\ntwo\\n'; exit 3"]), sink, kill_grace=0.5
    )
    result = await process.run()
    assert result.exit_code == 3
    assert (result.lost_bytes, result.lost_reason) == (8, "The database is read-only.")
    assert result.summary() == "one\ntwo"


async def test_output_still_in_the_pipes_when_a_step_exits_is_read_to_the_end() -> None:
    """A step prints 2.5 MB and exits while the database is still seconds behind: the worker
    goes on reading its pipes until everything is stored, rather than giving up on them."""
    stored: list[tuple[str, str]] = []
    _, sink = storing_sink(stored, delay=0.5)
    script = "seq -w 1 25000 | sed 's/$/ " + "x" * 92 + "/'"
    process = StepProcess(Invocation(["sh", "-c", script]), sink, kill_grace=0.5)  # type: ignore[arg-type]
    result = await process.run()
    assert result.exit_code == 0
    assert result.lost_bytes == 0
    got = "".join(text for _, text in stored).splitlines()
    assert got == [f"{n:05d} {'x' * 92}" for n in range(1, 25_001)]


async def test_giving_up_on_a_pipe_held_open_outside_the_step_is_said_in_the_log(
    tmp_path: Path,
) -> None:
    """A step times out, having started a process in a session of its own (out of reach of
    the group kill) that keeps the output pipe open: the step still ends, and the log says
    why reading stopped."""
    stored: list[tuple[str, str]] = []
    _, sink = storing_sink(stored)
    pid = tmp_path / "escaped.pid"
    process = StepProcess(
        Invocation(
            ["sh", "-c", f"setsid sh -c 'echo $$ > {pid}; exec sleep 9' & echo started; sleep 9"],
            timeout=0.5,
        ),
        sink,  # type: ignore[arg-type]
        kill_grace=0.2,
    )
    result = await asyncio.wait_for(process.run(), 10)
    assert result.timed_out
    assert stored[0] == ("stdout", "started\n")
    assert [stream for stream, _ in stored[1:]] == ["system", "system"]
    assert "timed out after 0.5 s" in stored[1][1]
    assert "stopped reading the output" in stored[2][1]
    os.kill(int(pid.read_text()), signal.SIGKILL)
    await asyncio.sleep(0.2)  # the pipe closes: its transport with it


# ------------------------------------------------------------------------------ end to end
LINES = 200_000
BIG_STEP = f"seq -w 1 {LINES} | sed 's/$/ {'x' * 92}/'\necho LAST LINE"
"""200,000 lines of 100 bytes (20 MB) as fast as ``sed`` prints them, then one more."""


def run_worker(url: str, folder: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    config = folder / "taskyard.toml"
    config.write_text(
        "[orchestrator]\npoll_seconds = 0.2\nlease_seconds = 30\n"
        "[orchestrator.retry]\nmax_attempts = 1\n"
    )
    env = {
        **os.environ,
        "TASKYARD_CONFIG": str(config),
        "PYTHONPATH": str(REPO),
        "TASKYARD_ACTOR": "tester",
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "--db", url, "worker", "--once", "--id", "w-big"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done, time.monotonic() - started


@pytest.mark.slow
async def test_a_step_printing_20_mb_at_full_speed_has_every_line_in_its_log(
    db_url: str, tmp_path: Path
) -> None:
    """The review's reproduction: a shell step prints 20 MB as fast as it can. Its log has
    all 200,000 lines in order and the last line, with nothing lost, on SQLite and
    PostgreSQL."""
    engine = await SqlTaskEngine.open(db_url, actor="tester")
    try:
        created = await engine.create_task(
            TaskCreate(
                title="Big output",
                status=TaskStatus.READY,
                metadata={"command": BIG_STEP},
            )
        )
        ref = created.task.ref
    finally:
        await engine.close()

    done, elapsed = await asyncio.to_thread(run_worker, db_url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stdout, done.stdout
    assert "lost" not in done.stdout, done.stdout

    engine = await SqlTaskEngine.open(db_url, actor="tester")
    try:
        [run] = await engine.runs_of(ref)
        assert run.lost_output_bytes == 0
        text: list[str] = []
        since = 0
        while batch := await engine.read_log(run.id, since=since, limit=1000):
            text.extend(c.text for c in batch if c.stream == "stdout")
            since = batch[-1].seq
    finally:
        await engine.close()
    got = "".join(text).splitlines()
    assert len(got) == LINES + 1
    expected = (f"{n:06d} {'x' * 92}" for n in range(1, LINES + 1))
    assert all(a == b for a, b in zip(got, expected, strict=False)), "a line is out of place"
    assert got[-1] == "LAST LINE"
    print(f"\n{db_url.split(':')[0]}: 20 MB through a worker in {elapsed:.1f} s")


REFUSE_BOOM = {
    "sqlite": [
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON log_chunks "
        "WHEN NEW.stream = 'stdout' AND NEW.text LIKE '%BOOM%' "
        "BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.stream = 'stdout' AND NEW.text LIKE '%BOOM%' THEN "
        "RAISE EXCEPTION 'simulated disk failure'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON log_chunks "
        "FOR EACH ROW EXECUTE FUNCTION refuse_boom()",
    ],
}
"""A database that refuses to store one particular line, as a full disk refuses a write."""


async def refuse_boom(url: str) -> None:
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.split(":///", 1)[1]) as conn:
            for sql in REFUSE_BOOM["sqlite"]:
                conn.execute(sql)
        return
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for sql in REFUSE_BOOM["postgresql"]:
            await conn.execute(sql)
    finally:
        await conn.close()


@pytest.mark.slow
async def test_output_the_database_refuses_is_marked_and_counted_everywhere(
    db_url: str, tmp_path: Path
) -> None:
    """The database refuses one line of a step's output (after the worker's retries): the
    worker says so, the log has a marker where the line was, and `taskyard runs` shows the
    count. The output after it is stored as usual."""
    engine = await SqlTaskEngine.open(db_url, actor="tester")
    try:
        ref = (
            await engine.create_task(
                TaskCreate(
                    title="Unlucky",
                    status=TaskStatus.READY,
                    metadata={
                        "command": "echo before; sleep 0.5; echo BOOM; sleep 0.5; echo after"
                    },
                )
            )
        ).task.ref
    finally:
        await engine.close()
    await refuse_boom(db_url)

    done, _ = await asyncio.to_thread(run_worker, db_url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "step shell: lost 5 bytes of output (The database " in done.stdout, done.stdout
    assert "succeeded" in done.stdout

    engine = await SqlTaskEngine.open(db_url, actor="tester")
    try:
        [run] = await engine.runs_of(ref)
        chunks = await engine.read_log(run.id)
    finally:
        await engine.close()
    assert run.lost_output_bytes == 5
    texts = [c.text for c in chunks[1:]]
    assert texts[0] == "before\n"
    assert texts[1].startswith("\n[taskyard] 5 bytes of output were lost: The database ")
    assert "simulated disk failure" in texts[1]
    assert texts[2:] == ["after\n"]

    listing = await asyncio.to_thread(cli_output, db_url, tmp_path, "runs", ref)
    assert "lost 5 bytes of output" in listing


def cli_output(url: str, folder: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TASKYARD_CONFIG": str(folder / "taskyard.toml")}
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "--db", url, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
