"""One start of the board in a real terminal, as a timeline of marks (no profiler).

    tmux new-session -d -x 160 -y 45 ".venv/bin/python bench/tui_timeline.py DB OUT"

Writes to OUT, in ms since the script started: imports done, the early board read started
(the forked helper) and handed over, each frame written (frames held back while the app
waits for the board are not written, so not listed), the app's mount, the app's own engine
open start/end (and when the store import finished), the board query start/end when the app
runs it itself, and the moment the cards reach the columns; it quits after the frame that
shows them. Add ``cpu`` as a third argument to log the process CPU time with each mark.
"""

# ruff: noqa
import time, sys, os

T0 = time.perf_counter()
log = []


CPU = sys.argv[3:] == ["cpu"]


def mark(s):
    if CPU:
        s = f"{s}  [cpu {time.process_time() * 1000:.0f} ms]"
    log.append((time.perf_counter() - T0, s))


out = sys.argv[2]
sys.argv = ["taskyard", "--db", sys.argv[1]]
state = {"replaced": False, "done": False}
import core.bootstrap as cb
import core.early_board as eb

orig_open = cb.open_engine


async def op(*a, **k):
    mark("open_engine start")
    import core.store.engine

    mark("store imported")
    e = await orig_open(*a, **k)
    mark("engine opened")
    ob = e.board

    async def board(q):
        mark("board start")
        v = await ob(q)
        mark("board done")
        return v

    e.board = board
    return e


cb.open_engine = op  # the early-board helper (a forked process) calls it too; its marks are lost
orig_early = eb.read_board_early


def early(*a, **k):
    mark("early board read started (fork)")
    return orig_early(*a, **k)


eb.read_board_early = early
orig_result = eb.EarlyBoard.result


async def result(self):
    v = await orig_result(self)
    mark(f"early board in ({'ok' if v is not None else 'none'})")
    return v


eb.EarlyBoard.result = result
import tui.__main__ as tm

mark("imported tui.__main__ (Textual not yet)")
orig_make_app = tm.make_app


def make_app(*a, **k):
    # Patched once the app module (and Textual) is imported, i.e. after the early read began.
    from textual.app import App

    from tui.app import TaskyardApp
    from tui.widgets.task_list import TaskList

    mark("imported tui.app (Textual)")
    orig_display = App._display

    def _display(self, screen, renderable):
        t = time.perf_counter()
        r = orig_display(self, screen, renderable)
        if renderable is not None and not self._batch_count:
            mark(f"frame ({(time.perf_counter() - t) * 1000:.1f} ms to write)")
            if state["replaced"] and not state["done"]:
                state["done"] = True
                self.exit()
        return r

    App._display = _display
    orig_replace = TaskList.replace

    def rep(self, *a, **k):
        if not state["replaced"]:
            mark("replace (board data in)")
        state["replaced"] = True
        return orig_replace(self, *a, **k)

    TaskList.replace = rep
    om = TaskyardApp.on_mount

    def on_mount(self):
        mark("app on_mount")
        return om(self)

    TaskyardApp.on_mount = on_mount
    return orig_make_app(*a, **k)


tm.make_app = make_app
from tui.launch import main

try:
    main()
finally:
    with open(out, "w") as f:
        for t, s in log:
            f.write(f"{t * 1000:8.1f} ms  {s}\n")
