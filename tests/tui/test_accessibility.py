"""Automated checks for ACCESSIBILITY.md R1-R14 that the flow tests do not already make (R15,
CLI parity: ``test_cli_parity.py``).

Already covered elsewhere (not repeated here):
- R1 on the board: ``test_board.py`` (``assert_cursor_on_title`` after each key) and, in a real
  terminal, ``test_terminal.py``; R2 and R7/R8 on screen: ``test_terminal.py``.
- R4 keyboard-only flows: every test in ``test_board.py``, ``test_task_detail.py`` and
  ``test_task_form.py`` uses ``press`` only.
- R5 form tab order (``focus_chain``) and picker escape: ``test_task_form.py``; help escape:
  ``test_board.py``.
- R8 linear board: ``test_board.py::test_screen_reader_mode_reads_one_column_at_a_time``.
- R14 errors inline and focused: ``test_task_form.py::
  test_empty_title_is_refused_inline_with_focus_and_cursor_there`` and
  ``test_over_long_title_is_refused_and_kept``.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.color import Color
from textual.dom import DOMNode
from textual.widget import Widget

from core.config_file import ConfigFile
from core.domain.commands import TaskCreate
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import assert_cursor_on_title, screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.modals.help import HelpModal, help_markdown
from tui.screens.board import BoardScreen
from tui.screens.task_detail import TaskDetailScreen
from tui.settings import TuiSettings, build_settings
from tui.themes import TASKYARD_THEMES
from tui.widgets.task_list import TaskList

SIZE = (160, 40)


def on_top(app: TaskyardApp, name: str) -> Callable[[], bool]:
    """Whether the screen called ``name`` is the one on top."""
    return lambda: type(app.screen).__name__ == name


def cursor_in_focus(app: TaskyardApp) -> bool:
    focused = app.focused
    return focused is not None and focused.region.contains_point(app.cursor_position)


def where_the_cursor_is(app: TaskyardApp) -> str:
    """For a failed ``cursor_in_focus``: the focused widget, its region and the cursor."""
    focused = app.focused
    ancestors = focused.ancestors_with_self if focused else []
    scrolled = [(w.id, w.scroll_y) for w in ancestors if isinstance(w, Widget) and w.scroll_y]
    return (
        f"focused {focused!r} at {focused.region if focused else None}, "
        f"cursor at {app.cursor_position}, scrolled {scrolled}"
    )


# -- R3: nothing by colour alone -------------------------------------------------------------
async def test_no_color_keeps_every_state_in_words_and_the_selection_as_a_marker(
    demo_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With NO_COLOR the board still says status, priority and blocked in words, and the
    selection is a ``›`` marker that moves: a selection change changes the plain text."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(TuiSettings(db=demo_db_url, animations=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.no_color
        text = screen_text(app)
        for words in ("BACKLOG · 6", "READY · 2", "▲ high", "■ medium", "⊘ blocked by 2 tasks"):
            assert words in text, words
        for card in app.query(TaskList).first().cards_loaded():
            assert card.priority.value in text
        before = text
        lines = [line for line in before.splitlines() if "›" in line]
        assert len(lines) == 2, lines  # the ref line and the title line of one card only
        assert "WEB-12" in lines[0]
        await pilot.press("j")
        await settle(pilot)
        after = screen_text(app)
        assert after != before  # the selection is visible without colour
        marked = [line for line in after.splitlines() if "›" in line]
        assert "WEB-6" in marked[0]
        assert "WEB-12" not in "".join(marked)


@pytest.mark.parametrize(
    ("environ", "theme", "spoken"),
    [
        ({"NO_COLOR": "1"}, None, False),
        ({}, "high-contrast", False),
        ({}, None, True),
    ],
    ids=["no-color", "high-contrast", "screen-reader"],
)
async def test_checkboxes_show_their_state_as_a_glyph_and_in_words(
    demo_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    theme: str | None,
    spoken: bool,
) -> None:
    """Review finding 4: a ticked box reads ``[x]``, an unticked one ``[ ]`` (plain text, as a
    braille line shows it); in screen-reader mode the state is also a word."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings = TuiSettings(db=demo_db_url, animations=False, screen_reader=spoken)
    if theme is not None:
        settings = TuiSettings(db=demo_db_url, animations=False, theme=theme)
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await wait_until(on_top(app, "FilterModal"), pilot=pilot)
        app.screen.query_one("#filter-high").focus()
        await pilot.press("space")
        await settle(pilot)
        assert app.screen.query_one("#filter-high").has_class("-on")  # Textual's own state
        text = screen_text(app)
        if spoken:
            assert "[x] high, checked" in text
            assert "[ ] critical, not checked" in text
        else:
            assert "[x] high" in text
            assert "[ ] low" in text
            assert "[ ] critical" in text


# -- R5: focus order and no traps ------------------------------------------------------------
async def test_tab_and_shift_tab_walk_the_detail_screen_in_reading_order(
    demo_app: TaskyardApp,
) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(TaskDetailScreen("WEB-2"))
        await settle(pilot)
        order = [w.id for w in app.screen.focus_chain]
        assert order == ["detail-body", "detail-deps"], order  # WEB-2 has no attachments
        seen = []
        for _ in order:
            seen.append(app.focused.id if app.focused else None)
            assert cursor_in_focus(app)
            await pilot.press("tab")
            await pilot.pause()
        assert seen == order
        assert app.focused is not None
        assert app.focused.id == order[0]  # wraps, no trap
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused is not None
        assert app.focused.id == order[-1]


async def test_tab_and_shift_tab_walk_the_form_in_its_focus_chain(demo_app: TaskyardApp) -> None:
    app = demo_app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_until(lambda: type(app.screen).__name__ == "TaskFormModal", pilot=pilot)
        await settle(pilot)
        chain = [w.id for w in app.screen.focus_chain]
        forward = []
        # R1: the cursor follows, even when the field had to be scrolled into view first (the
        # cursor is placed once that layout has settled, which takes longer on a busy machine).
        for _ in chain:
            forward.append(app.focused.id if app.focused else None)
            await wait_until(
                lambda: cursor_in_focus(app), pilot=pilot, message=lambda: where_the_cursor_is(app)
            )
            await pilot.press("tab")
        assert forward == chain
        backward = []
        for _ in range(4):
            await pilot.press("shift+tab")
            await pilot.pause()
            backward.append(app.focused.id if app.focused else None)
            await wait_until(
                lambda: cursor_in_focus(app), pilot=pilot, message=lambda: where_the_cursor_is(app)
            )
        assert backward == list(reversed(chain))[:4]


BOARD_DIALOGS = [
    ("question_mark", "HelpModal"),
    ("L", "MessageLogModal"),
    ("m", "MoveModal"),
    ("f", "FilterModal"),
    ("p", "ProjectPickerModal"),
    ("n", "TaskFormModal"),
]


async def test_escape_from_each_board_dialog_returns_focus_and_cursor(
    demo_app: TaskyardApp,
) -> None:
    """Each dialog takes the keyboard (focus and cursor inside it); escape gives both back."""
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")  # not the first card, so "back" is not a coincidence
        await settle(pilot)
        opener = app.focused
        for key, modal in BOARD_DIALOGS:
            await pilot.press(key)
            await wait_until(on_top(app, modal), pilot=pilot)
            await settle(pilot)
            assert app.focused is not None, f"nothing has focus in {modal}"
            assert app.focused.screen is app.screen, modal
            assert cursor_in_focus(app), (modal, app.focused, app.cursor_position)
            await pilot.press("escape")
            await wait_until(lambda: isinstance(app.screen, BoardScreen), pilot=pilot)
            await settle(pilot)
            assert app.focused is opener, modal
            assert_cursor_on_title(app)


async def test_escape_from_detail_dialogs_returns_focus(demo_app: TaskyardApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(TaskDetailScreen("WEB-2"))
        await settle(pilot)
        await pilot.press("d")  # the dependencies list
        await pilot.pause()
        opener = app.focused
        for key, modal in (("m", "MoveModal"), ("e", "TaskFormModal")):
            await pilot.press(key)
            await wait_until(on_top(app, modal), pilot=pilot)
            await settle(pilot)
            assert cursor_in_focus(app), modal
            await pilot.press("escape")
            await wait_until(lambda: isinstance(app.screen, TaskDetailScreen), pilot=pilot)
            await settle(pilot)
            assert app.focused is opener, modal
            assert cursor_in_focus(app), modal


# -- R6: consistent, discoverable, rebindable keys --------------------------------------------
def _binding_classes() -> list[type[DOMNode]]:
    from tui import app, modals, screens, widgets
    from tui.widgets.choice_list import ChoiceList

    found: list[type[DOMNode]] = []
    for module in (app, screens, modals, widgets):
        for name in getattr(module, "__all__", dir(module)):
            obj: object = getattr(module, name, None)
            if (
                isinstance(obj, type)
                and issubclass(obj, DOMNode)
                and obj.__module__.startswith("tui.")
                and obj not in found
            ):
                found.append(obj)
    found.append(ChoiceList)
    return found


def _own_bindings(cls: type[DOMNode]) -> list[Binding]:
    return [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]


ID_FORM = re.compile(r"^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*$")
FORBIDDEN_KEYS = {"insert", "capslock", "caps_lock"}


def test_every_binding_has_words_an_area_id_and_no_screen_reader_key() -> None:
    classes = _binding_classes()
    assert {c.__name__ for c in classes} >= {"TaskyardApp", "BoardScreen", "TaskDetailScreen"}
    checked = 0
    for cls in classes:
        for binding in _own_bindings(cls):
            checked += 1
            where = f"{cls.__name__} {binding.key!r} -> {binding.action}"
            assert binding.description, f"{where}: no description"
            assert re.search(r"[A-Za-z]{2,}", binding.description), f"{where}: glyphs only"
            assert binding.id, f"{where}: no id"
            assert ID_FORM.match(binding.id), f"{where}: id {binding.id!r}"
            for key in binding.key.split(","):
                assert key.strip().lower() not in FORBIDDEN_KEYS, f"{where}: {key}"
                assert not key.strip().lower().startswith(("insert+", "capslock+")), where
    assert checked >= 40


def test_no_key_does_two_things_on_one_screen() -> None:
    """Within a screen (its own keys, its widgets' keys and the app's), a key means one action.

    A dialog may reuse the key that opened it to close it (``?`` on help, ``L`` on the log):
    that is the same key undoing itself, listed here explicitly.
    """
    from tui.app import TaskyardApp as App
    from tui.screens.board import BoardScreen as Board
    from tui.screens.task_detail import TaskDetailScreen as Detail
    from tui.widgets.blocker_list import BlockerList
    from tui.widgets.task_list import TaskList as Tasks

    toggles = {("HelpModal", "question_mark"), ("HelpModal", "q"), ("MessageLogModal", "L")}
    from tui.screens.monitor import ExecutionMonitorScreen as Monitor
    from tui.screens.quick_action import QuickActionScreen as Quick
    from tui.widgets.run_log import RunLog

    groups: dict[str, list[type[DOMNode]]] = {
        "BoardScreen": [Board, Tasks],
        "TaskDetailScreen": [Detail, RunLog],
        "ExecutionMonitorScreen": [Monitor, RunLog],
        "QuickActionScreen": [Quick, RunLog],
    }
    for cls in _binding_classes():
        if cls.__name__.endswith("Modal"):
            groups[cls.__name__] = [cls]
    groups["TaskFormModal"].append(BlockerList)
    for screen_name, members in groups.items():
        actions: dict[str, set[str]] = {}
        scope: list[type[DOMNode]] = [*members, App]
        for member in scope:
            for binding in _own_bindings(member):
                for key in binding.key.split(","):
                    key = key.strip()
                    if member is App and (screen_name, key) in toggles:
                        continue
                    actions.setdefault(key, set()).add(binding.action)
        clashes = {k: a for k, a in actions.items() if len(a) > 1}
        assert not clashes, f"{screen_name}: {clashes}"


async def test_a_keymap_in_taskyard_toml_remaps_a_key(demo_db_url: str, tmp_path: Path) -> None:
    """The ``[keymap]`` table, read through the settings, moves ``n`` (new task) to ``a``."""
    toml = tmp_path / "taskyard.toml"
    config = ConfigFile(path=toml, data={"keymap": {"board.new-task": "a"}})
    settings = build_settings(config=config, environ={}, db=demo_db_url, animations=False)
    assert settings.keymap == {"board.new-task": "a"}
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)  # the old key no longer creates
        await pilot.press("a")
        await wait_until(lambda: type(app.screen).__name__ == "TaskFormModal", pilot=pilot)


# -- R9: changes announced once, errors persist ------------------------------------------------
async def test_an_error_outlives_its_toast(
    demo_app: TaskyardApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refusal stays under the board and in the log after the toast has timed out."""
    app = demo_app
    # Textual's toasts last NOTIFICATION_TIMEOUT (5 s); a shorter one shows the same thing. Not
    # much shorter: under CI's load a 0.3 s toast came and went between two looks.
    monkeypatch.setattr(TaskyardApp, "NOTIFICATION_TIMEOUT", 2.0)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("shift+right")  # WEB-12 is blocked: refused
        # The toast shows, then is gone (Textual draws each as a ``Toast`` widget).
        await wait_until(
            lambda: (
                any(e.severity == "error" for e in app.message_log)
                and bool(app.screen.query("Toast"))
            ),
            pilot=pilot,
        )
        await wait_until(lambda: not app.screen.query("Toast"), timeout=10, pilot=pilot)
        await settle(pilot)
        assert "WEB-12 cannot move to ready" in screen_text(app)  # the status line keeps it
        await pilot.press("L")
        await wait_until(lambda: type(app.screen).__name__ == "MessageLogModal", pilot=pilot)
        await settle(pilot)
        text = screen_text(app)
        assert "ERROR" in text
        assert "WEB-12 cannot move to ready" in text


async def test_a_change_made_elsewhere_is_announced_once_in_screen_reader_mode(
    demo_db_url: str,
) -> None:
    settings = TuiSettings(
        db=demo_db_url, animations=False, screen_reader=True, screen_reader_source="test"
    )
    app = make_app(settings)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        engine = await SqlTaskEngine.open(demo_db_url, actor="someone-else")
        try:
            created = await engine.create_task(TaskCreate(title="Announce me", project="web-app"))
            task = created.task
        finally:
            await engine.close()

        def announced() -> int:
            return sum(task.ref in e.text and "Announce me" in e.text for e in app.message_log)

        await wait_until(lambda: announced() >= 1, pilot=pilot)
        await wait_until(lambda: "Backlog, 7 tasks." in screen_text(app), pilot=pilot)
        await settle(pilot)
        await pilot.pause(0.2)  # a second reload or event would announce it again
        assert announced() == 1
        line = next(e.text for e in app.message_log if task.ref in e.text)
        assert line == f"{task.ref} Announce me was created by someone-else."


# -- R10: the idle screen writes nothing ---------------------------------------------------------
TASKYARD = Path(sys.executable).with_name("taskyard")


@pytest.mark.skipif(not TASKYARD.exists(), reason="the taskyard console script is not installed")
def test_the_idle_board_writes_zero_bytes(demo_db_url: str, tmp_path: Path) -> None:
    """Run the real app on a pseudo-terminal; once the board is painted and quiet, 2 s of
    idling must write nothing (no clock, spinner, blink or repaint of unchanged content)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL_", "TASKYARD_"))}
    # No embedded workers: they would (rightly) start the demo's ready tasks, and this test
    # is about a board with nothing going on.
    env.update(
        TERM="xterm-256color",
        XDG_CONFIG_HOME=str(tmp_path),
        NO_COLOR="",
        TASKYARD_EMBEDDED_WORKERS="0",
    )
    env.pop("NO_COLOR")
    proc = subprocess.Popen(
        [str(TASKYARD), "--db", demo_db_url],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    )
    os.close(slave)

    def read_for(seconds: float) -> bytes:
        out = b""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([master], [], [], left)
            if ready:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    break
        return out

    try:
        seen = b""
        deadline = time.monotonic() + 15
        while b"Ready. ? for every key" not in seen:
            assert time.monotonic() < deadline, seen[-2000:]
            seen += read_for(0.1)
        # Wait until start-up has settled (nothing for 1 s), at most 10 s: the app opens its
        # own engine after the first frame (the board came from an early read), and on a
        # loaded machine the frame that follows can come a good half second later.
        settle_deadline = time.monotonic() + 10
        while read_for(1.0):
            assert time.monotonic() < settle_deadline, "the board never stops repainting"
        idle = read_for(2.0)
        assert idle == b"", f"{len(idle)} bytes written while idle: {idle[:200]!r}"
        os.write(master, b"q")
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


# -- R11: reduced motion ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("environ", "flag"),
    [({"TEXTUAL_ANIMATIONS": "none"}, None), ({}, False)],
    ids=["TEXTUAL_ANIMATIONS=none", "--no-animations"],
)
async def test_animations_can_be_turned_off(
    demo_db_url: str, environ: dict[str, str], flag: bool | None
) -> None:
    # ``--no-animations`` reaches build_settings as animations=False (tui.__main__).
    settings = build_settings(config=ConfigFile(), environ=environ, db=demo_db_url, animations=flag)
    assert settings.animations is False
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.animation_level == "none"


# -- R12: contrast ----------------------------------------------------------------------------
def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    """The WCAG 2 contrast ratio of two opaque colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _on(spec: str, background: Color) -> Color:
    """A theme variable as drawn over ``background`` (``auto 87%`` is Textual's contrast text)."""
    if spec.startswith("auto"):
        alpha = float(spec.split()[1].rstrip("%")) / 100
        return background + background.get_contrast_text(alpha)
    return background + Color.parse(spec)


TEXT_VARIABLES = (
    "text",
    "text-muted",
    "foreground",
    "text-primary",
    "text-warning",
    "text-error",
    "text-success",
)
MINIMUM = {"taskyard-dark": 4.5, "taskyard-light": 4.5, "high-contrast": 7.0}


@pytest.mark.parametrize("theme", TASKYARD_THEMES, ids=[t.name for t in TASKYARD_THEMES])
def test_theme_text_contrast(theme: object) -> None:
    """Every text colour the TUI uses reads at 4.5:1 (7:1 for high-contrast) on every
    background, including the selected card; focus borders ($primary) at 3:1 or better."""
    from textual.theme import Theme

    assert isinstance(theme, Theme)
    variables = theme.to_color_system().generate()
    minimum = MINIMUM[theme.name]
    failures = []
    for back in ("background", "surface", "panel"):
        background = Color.parse(variables[back])
        selected = background + Color.parse(variables["primary"]).with_alpha(0.3)
        for name in TEXT_VARIABLES:
            ratio = contrast(_on(variables[name], background), background)
            if ratio < minimum:
                failures.append(f"{name} on {back}: {ratio:.2f}")
        ratio = contrast(_on(variables["text"], selected), selected)
        if ratio < minimum:
            failures.append(f"text on the selected card over {back}: {ratio:.2f}")
        focus = contrast(Color.parse(variables["primary"]), background)
        if focus < 3.0:
            failures.append(f"focus border on {back}: {focus:.2f}")
    assert not failures, f"{theme.name} (needs {minimum}:1): {failures}"


async def test_placeholders_read_like_text_in_every_theme(demo_app: TaskyardApp) -> None:
    """A placeholder says what a field takes ("Search titles, refs, labels…"): it reads at
    4.5:1 (7:1 in high-contrast) on its field, where Textual's own style gave 2.5:1."""
    from textual.widgets import Input

    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        search = app.screen.query_one("#board-search", Input)
        failures = []
        for theme in TASKYARD_THEMES:
            app.theme = theme.name
            await settle(pilot)
            style = search.get_component_rich_style("input--placeholder")
            assert style.color is not None
            background = search.background_colors[1]
            ratio = contrast(background + Color.from_rich_color(style.color), background)
            if ratio < MINIMUM[theme.name]:
                failures.append(f"{theme.name}: {ratio:.2f}")
        assert not failures


def test_no_information_is_drawn_in_the_disabled_text_colour() -> None:
    """``$text-disabled`` is below 4.5:1 in every theme, so no TUI style may use it for text
    people need to read ("(no tasks)", "loading…")."""
    sources = [p.read_text() for p in Path("tui").rglob("*.tcss")]
    sources += [p.read_text() for p in Path("tui").rglob("*.py")]
    offenders = [s for s in sources if "$text-disabled" in s]
    assert not offenders


# -- R13: nothing only in tooltips ------------------------------------------------------------
async def test_every_binding_tooltip_is_reachable_in_help(demo_app: TaskyardApp) -> None:
    """Tooltips are mouse-only in Textual; the help screen (``?``) lists each one in words."""
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screens = [app.screen]
        app.push_screen(TaskDetailScreen("WEB-2"))
        await settle(pilot)
        screens.append(app.screen)
        await pilot.press("e")
        await wait_until(lambda: type(app.screen).__name__ == "TaskFormModal", pilot=pilot)
        await settle(pilot)
        screens.append(app.screen)
        for screen in screens:
            text = help_markdown(screen)
            for active in screen.active_bindings.values():
                tooltip = active.binding.tooltip
                if tooltip and active.binding.action != "command_palette":  # its own help row
                    assert tooltip in text, (type(screen).__name__, active.binding.id)
        # And the help screen really opens on top of the form with that text.
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_until(lambda: isinstance(app.screen, HelpModal), pilot=pilot)


def test_no_widget_has_a_mouse_only_tooltip() -> None:
    """Widget tooltips (``tooltip=`` on a widget, not a Binding) would be unreachable by keys.

    The footer is the one widget that sets one: the tooltip of the binding under the pointer,
    which the test above finds in the help."""
    offenders = []
    for path in Path("tui").rglob("*.py"):
        if path == Path("tui/widgets/footer.py"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\.tooltip\s*=|\bwith_tooltip\(", line):
                offenders.append(f"{path}:{number}")
    assert not offenders
    assert issubclass(TaskList, Widget)


# -- finding 5: in screen-reader mode a dialog replaces the view ------------------------------
DIALOG_KEYS = [
    ("n", "TaskFormModal"),
    ("e", "TaskFormModal"),
    ("m", "MoveModal"),
    ("f", "FilterModal"),
    ("p", "ProjectPickerModal"),
    ("question_mark", "HelpModal"),
    ("L", "MessageLogModal"),
]


@pytest.mark.parametrize(("key", "dialog"), DIALOG_KEYS, ids=[d for _k, d in DIALOG_KEYS])
async def test_screen_reader_dialogs_replace_the_board_and_draw_no_frames(
    demo_db_url: str, key: str, dialog: str
) -> None:
    """No screen line mixes board text with dialog text, and nothing decorative is drawn:
    no box-drawing, block or braille characters (R7)."""
    app = make_app(
        TuiSettings(db=demo_db_url, animations=False, screen_reader=True, screen_reader_source="t")
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "1 of 6: WEB-12" in screen_text(app)
        await pilot.press(key)
        await wait_until(on_top(app, dialog), pilot=pilot)
        await settle(pilot)
        # A checkbox draws its state between half blocks; its glyphs are the checkbox's own
        # business (finding 4), the frame around it is this test's.
        text = screen_text(app).replace("▐X▌", "[X]")
        for board_words in ("1 of 6: WEB-12", "Backlog, 6 tasks.", "Screen-reader mode on"):
            assert board_words not in text, text
        decoration = sorted(
            {ch for ch in text if 0x2500 <= ord(ch) <= 0x259F or 0x2800 <= ord(ch) <= 0x28FF}
        )
        assert not decoration, f"decorative characters in {dialog}: {decoration}\n{text}"
