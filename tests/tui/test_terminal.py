"""The real ``taskyard`` in a real terminal (tmux), read the way a braille display reads it.

Each test starts the installed console script inside a private tmux server (``-L``, one per
test) on a 120x40 pane with ``TERM=xterm-256color``, drives it with keys only, and reads:

- ``capture-pane -p``: the screen as plain text, without colour (what a braille line shows);
- ``display -p '#{cursor_x},#{cursor_y},#{cursor_flag}'``: where the terminal cursor is and
  whether it is visible. Console screen readers and BRLTTY follow that cursor (R1, R2).

Every wait polls for what the user would see, with a bounded timeout; nothing sleeps blindly.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
TASKYARD = Path(sys.executable).with_name("taskyard")
WIDTH, HEIGHT = 120, 40
TIMEOUT = 30.0
"""Seconds any one expected screen may take to appear (first paint is ~1 s here; `make slow`
runs these beside stress tests that keep both cores busy)."""

pytestmark = [
    # Real terminals, real processes and their timing: minutes of the default run's budget
    # (docs/testing.md), so `make slow` (CI) runs them.
    pytest.mark.slow,
    pytest.mark.skipif(
        TMUX is None, reason="tmux is not installed (apt-get install tmux; .ci/run does it)"
    ),
    pytest.mark.skipif(
        not TASKYARD.exists(), reason=f"the taskyard console script is not installed at {TASKYARD}"
    ),
]

# Variables that would change what the app shows; the tests set what they need themselves.
_SCRUB = (
    "NO_COLOR",
    "TASKYARD_CONFIG",
    "TASKYARD_SCREEN_READER",
    "TASKYARD_DB",
    "TEXTUAL_THEME",
    "TEXTUAL_ANIMATIONS",
    "TEXTUAL_DRIVER",
    "TMUX",
)


class Terminal:
    """One taskyard process in a private tmux server."""

    def __init__(self, home: Path) -> None:
        self.socket = f"taskyard-test-{uuid.uuid4().hex[:12]}"
        self.socket_path: Path | None = None
        self.session = "taskyard"
        self.home = home

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-L", self.socket, "-f", os.devnull, *args],
            capture_output=True,
            text=True,
            timeout=10,
            env=self._env(),
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        env["XDG_CONFIG_HOME"] = str(self.home / "config")  # no user taskyard.toml
        # These tests drive the board; the embedded workers (on by default for a SQLite file)
        # would rightly start running a task as soon as it is moved to ready.
        env["TASKYARD_EMBEDDED_WORKERS"] = "0"
        return env

    def start(self, *args: str) -> None:
        """Run ``taskyard <args>``; the pane stays after exit and says ``EXITED-<code>``."""
        command = " ".join(
            [
                "TERM=xterm-256color",
                shlex.quote(str(TASKYARD)),
                *map(shlex.quote, args),
                "; echo EXITED-$?; sleep 30",
            ]
        )
        self.tmux(
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            "-c",
            str(self.home),
            command,
        )
        self.socket_path = Path(self.tmux("display-message", "-p", "#{socket_path}").strip())

    def stop(self) -> None:
        for args in (("kill-session", "-t", self.session), ("kill-server",)):
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                self.tmux(*args)
        # tmux leaves its socket file behind when the server ends: one per test run otherwise.
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)

    def keys(self, *keys: str) -> None:
        """Press keys by tmux name (``n``, ``C-s``, ``S-Right``, ``Enter``)."""
        self.tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def lines(self) -> list[str]:
        """The screen as plain text, one string per row."""
        return self.tmux("capture-pane", "-p", "-t", self.session).split("\n")[:HEIGHT]

    def text(self) -> str:
        return "\n".join(self.lines())

    def cursor(self) -> tuple[int, int, bool]:
        """The terminal cursor: column, row, and whether it is visible."""
        out = self.tmux(
            "display", "-p", "-t", self.session, "#{cursor_x},#{cursor_y},#{cursor_flag}"
        )
        x, y, flag = out.strip().split(",")
        return int(x), int(y), flag == "1"

    def cursor_line(self) -> str:
        """The text from the cursor to the end of its row."""
        x, y, _visible = self.cursor()
        lines = self.lines()
        return lines[y][x:] if y < len(lines) else ""

    def text_before_cursor(self) -> str:
        """The text of the cursor's row up to the cursor (an input's caret follows typing)."""
        x, y, _visible = self.cursor()
        lines = self.lines()
        return lines[y][:x] if y < len(lines) else ""

    def wait_for(self, what: str | Callable[[], bool], timeout: float = TIMEOUT) -> None:
        """Poll the screen until ``what`` is on it (or the predicate holds)."""
        check: Callable[[], bool]
        if isinstance(what, str):
            words = what

            def check() -> bool:
                return words in self.text()
        else:
            check = what
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not on screen after {timeout} s: {what if isinstance(what, str) else ''}\n"
                    f"cursor {self.cursor()}\n{self.text()}"
                )
            time.sleep(0.05)

    def wait_cursor_on(self, words: str) -> None:
        """R1: the terminal cursor sits on the first letter of ``words`` (a title or field)."""
        self.wait_for(lambda: self.cursor_line().startswith(words))


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path)
    try:
        yield term
    finally:
        term.stop()


def test_create_move_and_quit_with_the_cursor_on_the_focused_card(
    terminal: Terminal, tmp_path: Path
) -> None:
    """The issue's real-terminal test: create, move twice, quit; the cursor follows (R1)."""
    db = tmp_path / "board.db"
    terminal.start("--db", str(db))
    terminal.wait_for("BACKLOG · 0")
    terminal.wait_for("Ready. ? for every key")

    terminal.keys("n")
    terminal.wait_for("Start in")
    terminal.type("Tmux task")
    # The cursor is in the focused field, just after what was typed (Textual's Input puts the
    # caret one cell past the end of the text when it is at the end).
    terminal.wait_for(lambda: terminal.text_before_cursor().rstrip().endswith("▊  Tmux task"))
    terminal.keys("C-s")
    terminal.wait_for("BACKLOG · 1")
    terminal.wait_cursor_on("Tmux task")

    terminal.keys("S-Right")  # to the neighbouring state
    terminal.wait_for("READY · 1")
    terminal.wait_for("TY-1 moved to ready.")
    terminal.wait_cursor_on("Tmux task")
    x, _y, _visible = terminal.cursor()
    header = terminal.lines()[1][x - 3 : x + 25]  # the border title of the cursor's column
    assert "READY · 1" in header, header

    terminal.keys("m")  # every move allowed from here, numbered
    terminal.wait_for("Move TY-1")
    menu = terminal.text()
    number = next(
        line.split(".")[0].strip()[-1]
        for line in menu.splitlines()
        if ". Backlog" in line or ". backlog" in line
    )
    terminal.wait_for(lambda: terminal.cursor_line().startswith("1. "))  # on the highlight
    # The dialog has the keyboard: the board behind it no longer marks a card as focused.
    terminal.wait_for(lambda: "›" not in terminal.text())
    terminal.keys(number)
    terminal.wait_for("TY-1 moved to backlog.")
    terminal.wait_for("BACKLOG · 1")
    terminal.wait_cursor_on("Tmux task")
    x, _y, _visible = terminal.cursor()
    assert x < 30, "the cursor followed the card back to the Backlog column"

    terminal.keys("q")
    terminal.wait_for("EXITED-0")


@pytest.mark.parametrize(
    ("args", "visible"), [((), False), (("--show-cursor",), True)], ids=["default", "show-cursor"]
)
def test_show_cursor_makes_the_terminal_cursor_visible(
    terminal: Terminal, tmp_path: Path, args: tuple[str, ...], visible: bool
) -> None:
    """R2: ``--show-cursor`` keeps the real cursor visible; by default it is hidden but placed."""
    terminal.start("--db", str(tmp_path / "board.db"), *args)
    terminal.wait_for("Ready. ? for every key")
    terminal.wait_cursor_on("(no tasks yet")
    assert terminal.cursor()[2] is visible
    terminal.keys("q")
    terminal.wait_for("EXITED-0")


def test_screen_reader_mode_says_so_first_and_draws_no_boxes(
    terminal: Terminal, demo_db_url: str
) -> None:
    """R7/R8 on the visible screen, R2 implied: the first line names the mode and its switch."""
    terminal.start("--db", demo_db_url, "--screen-reader")
    terminal.wait_for("Backlog, 6 tasks.")
    terminal.wait_cursor_on("1 of 6: WEB-12 Two-factor sign-in")
    lines = terminal.lines()
    assert lines[0].strip().startswith("Screen-reader mode on (--screen-reader)"), lines[0]
    text = terminal.text()
    assert "Ready, 2 tasks." not in text  # one column at a time
    decoration = sorted(
        {ch for ch in text if 0x2500 <= ord(ch) <= 0x259F or 0x2800 <= ord(ch) <= 0x28FF}
    )
    assert not decoration, f"box-drawing, block or braille characters on screen: {decoration}"
    assert terminal.cursor()[2], "screen-reader mode shows the cursor"
    terminal.keys("l")
    terminal.wait_for("Ready, 2 tasks.")
    terminal.wait_cursor_on("1 of 2: WEB-5")
    terminal.keys("q")
    terminal.wait_for("EXITED-0")


def label_above(terminal: Terminal) -> str:
    """The label of the text field the cursor is in: two rows up (the field's top border is
    between them)."""
    _x, y, _visible = terminal.cursor()
    return terminal.lines()[y - 2] if y >= 2 else ""


def wait_cursor_in_field(terminal: Terminal, label: str) -> None:
    """R1: the cursor is inside the text field under ``label`` (at its caret)."""
    terminal.wait_for(
        lambda: label in label_above(terminal) and "▊" in terminal.text_before_cursor()
    )


def test_the_cursor_is_on_the_focused_item_on_every_screen_and_after_every_action(
    terminal: Terminal, demo_db_url: str
) -> None:
    """Issue 20 / review finding 6: walk the board, every dialog and screen, and the actions
    that moved focus without the cursor (an edit form opening, a refused save, the dependency
    picker closing, PRD import reopened); after each step the cursor sits on what has focus."""
    terminal.start("--db", demo_db_url)
    terminal.wait_for("Ready. ? for every key")
    terminal.wait_cursor_on("Two-factor sign-in")

    terminal.keys("n")  # the new-task form: in the empty title
    terminal.wait_for("Start in")
    wait_cursor_in_field(terminal, "Title")
    terminal.keys("C-s")  # refused: the error is shown and the cursor stays in the title
    terminal.wait_for("Error: Title cannot be empty")
    wait_cursor_in_field(terminal, "Title")
    terminal.keys("C-d")  # the dependency picker: in its search field
    terminal.wait_for("ref or part of a title")
    terminal.wait_for(lambda: "▊" in terminal.text_before_cursor())
    terminal.type("flaky")
    terminal.wait_for(lambda: terminal.text_before_cursor().rstrip().endswith("flaky"))
    terminal.wait_for("1 match for")  # the search answered: enter adds that match
    terminal.keys("Enter")  # back in the form, in the title (not where the picker wrote)
    # The blocker's project became the form's (the note says so); the blockers list itself is
    # below the title's error line, out of a 40-row view.
    terminal.wait_for("dependencies stay in one")
    terminal.wait_for(lambda: "ref or part of a title" not in "\n".join(terminal.lines()))
    wait_cursor_in_field(terminal, "Title")
    terminal.keys("Escape")
    terminal.wait_for("Discard")
    terminal.wait_for(lambda: "1. " in terminal.cursor_line() or "2. " in terminal.cursor_line())
    terminal.keys("2")
    terminal.wait_cursor_on("Two-factor sign-in")

    terminal.keys("e")  # the edit form: at the end of the title, which is on screen
    terminal.wait_for("Edit WEB-12")
    # Once the loaded task is laid out (a loaded machine may show a step before it), the
    # cursor is at the end of the title, under its label.
    terminal.wait_for(
        lambda: (
            terminal.text_before_cursor().rstrip().endswith("Two-factor sign-in")
            and "Title" in label_above(terminal)
        )
    )
    terminal.keys("Escape")
    terminal.wait_cursor_on("Two-factor sign-in")

    terminal.keys("i")  # PRD import, twice: in the file field each time
    terminal.wait_for("Import a PRD")
    wait_cursor_in_field(terminal, "File (Markdown")
    terminal.keys("Escape")
    terminal.wait_cursor_on("Two-factor sign-in")
    terminal.keys("i")
    terminal.wait_for("Import a PRD")
    wait_cursor_in_field(terminal, "File (Markdown")
    terminal.keys("Escape")
    terminal.wait_cursor_on("Two-factor sign-in")

    terminal.keys("f")  # filters: in the project field
    terminal.wait_for("Filter the board")
    wait_cursor_in_field(terminal, "Project (slug")
    terminal.keys("Escape")
    terminal.wait_cursor_on("Two-factor sign-in")

    terminal.keys("m")  # the move menu: on its first choice
    terminal.wait_for("Move WEB-12")
    terminal.wait_for(lambda: terminal.cursor_line().startswith("1. "))
    terminal.keys("Escape")
    terminal.wait_cursor_on("Two-factor sign-in")

    terminal.keys("p")  # the project picker: on its highlighted line
    terminal.wait_for(lambda: terminal.cursor_line().startswith("1. "))
    terminal.keys("Escape")
    terminal.wait_cursor_on("Two-factor sign-in")

    terminal.keys("?")  # help: at the top left of the help text, inside its frame
    terminal.wait_for("This help scrolls")
    terminal.wait_for(
        lambda: terminal.cursor()[1] < 6 and "│" in terminal.text_before_cursor()[-4:]
    )
    terminal.keys("Escape")
    terminal.wait_cursor_on("Two-factor sign-in")

    terminal.keys("L")  # the message log: on its first line, inside the frame
    terminal.wait_for("No messages yet.")
    terminal.wait_for(lambda: terminal.text_before_cursor().endswith("│ "))
    terminal.keys("Escape")
    terminal.wait_cursor_on("Two-factor sign-in")

    terminal.keys("Enter")  # task detail: on its fields, then back
    terminal.wait_for("Status")
    terminal.wait_cursor_on("Status: backlog")
    terminal.keys("Escape")
    terminal.wait_cursor_on("Two-factor sign-in")

    terminal.keys("x")  # the execution monitor: on the first queued task, then back
    terminal.wait_for("Workers")
    terminal.wait_for(lambda: "1. WEB-5" in terminal.cursor_line()[:12])
    terminal.keys("Escape")
    terminal.wait_cursor_on("Two-factor sign-in")


def test_screen_reader_arrow_key_rewrites_only_the_lines_that_changed(
    terminal: Terminal, demo_db_url: str, tmp_path: Path
) -> None:
    """R10: in screen-reader mode one ``down`` rewrites the two lines whose selection changed,
    not the whole column (readers that speak new text would read the column again).

    The bytes tmux receives from the app are copied to a file (``pipe-pane``); one key may
    write at most a few lines' worth: the two changed 120-cell lines with their colours are
    about 500 bytes, the whole column about 6 KB.
    """
    terminal.start("--db", demo_db_url, "--screen-reader")
    terminal.wait_cursor_on("1 of 6: WEB-12 Two-factor sign-in")
    out = tmp_path / "bytes.out"
    terminal.tmux("pipe-pane", "-o", "-t", terminal.session, f"cat >> {shlex.quote(str(out))}")

    def quiet() -> int:
        """Bytes written so far, once nothing more has come for 0.5 s."""
        size = -1
        while True:
            time.sleep(0.5)
            now = out.stat().st_size if out.exists() else 0
            if now == size:
                return now
            size = now

    before = quiet()
    terminal.keys("Down")
    terminal.wait_cursor_on("2 of 6:")
    written = quiet() - before
    print(f"{written} bytes for one arrow key")
    assert 0 < written <= 2500, f"{written} bytes written for one arrow key"
    terminal.keys("q")
    terminal.wait_for("EXITED-0")
