"""One start of the board in a real terminal, as a timeline of marks (no profiler).

    tmux new-session -d -x 160 -y 45 ".venv/bin/python bench/tui_timeline.py DB OUT"

Writes to OUT, in ms since the script started: imports done, each frame written, the app's
mount, engine open start/end (and when the store import finished), the board query start/end
and the moment its cards reach the columns; it quits after the frame that shows them.
"""

# ruff: noqa
import time, sys, os

T0 = time.perf_counter()
log = []


def mark(s):
    log.append((time.perf_counter() - T0, s))


out = sys.argv[2]
sys.argv = ["taskyard", "--db", sys.argv[1]]
import tui.__main__ as tm

mark("imported tui.__main__")
from textual.app import App

state = {"replaced": False, "done": False}
orig_display = App._display


def _display(self, screen, renderable):
    t = time.perf_counter()
    r = orig_display(self, screen, renderable)
    if renderable is not None:
        mark(f"frame ({(time.perf_counter() - t) * 1000:.1f} ms to write)")
        if state["replaced"] and not state["done"]:
            state["done"] = True
            self.exit()
    return r


App._display = _display
from tui.widgets.task_list import TaskList

orig_replace = TaskList.replace


def rep(self, *a, **k):
    if not state["replaced"]:
        mark("replace (board data in)")
    state["replaced"] = True
    return orig_replace(self, *a, **k)


TaskList.replace = rep
import core.bootstrap as cb

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


cb.open_engine = op
from tui.app import TaskyardApp

om = TaskyardApp.on_mount


def on_mount(self):
    mark("app on_mount")
    return om(self)


TaskyardApp.on_mount = on_mount
from tui.launch import main

try:
    main()
finally:
    with open(out, "w") as f:
        for t, s in log:
            f.write(f"{t * 1000:8.1f} ms  {s}\n")
