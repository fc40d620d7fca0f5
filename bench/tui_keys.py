"""Key press to updated screen on the board, in-process with Textual's headless driver.

    .venv/bin/python bench/tui_keys.py --db /tmp/tb/1000.db /tmp/tb/10000.db /tmp/tb/100000.db

The real app (``tui.__main__.make_app``, the real engine on the given SQLite file) runs under
``App.run_test(size=(160, 45))``. For each key:

- **t0** is taken just before ``pilot.press(key)`` posts the key event;
- **frame** is the first screen update after t0: the moment the compositor handed an update
  to ``App._display`` *and* it was encoded to terminal bytes (``render_segments``, which the
  real driver does; the headless driver skips it, so the hook does it). This includes
  Textual's key dispatch, the binding, our action, layout, ``render_line`` of every changed
  line and Textual's refresh throttle. It excludes the ``write()`` to the tty and the
  terminal emulator's own drawing (a few ms in tmux; see ``tui_first_paint.py`` for a
  real-terminal number);
- **settled** is the first update after which every card on the focused column's screen is
  loaded (no "loading…" line left): for keys that cross into a window not in memory yet, it
  includes the ``board_column`` query. It equals *frame* when nothing had to be loaded.

Scenarios per database: ``j``/``k`` down and up the first column (crossing window borders),
``l``/``h`` between columns, ``pagedown`` ×60 deep into the largest column, then ``end`` and
``home`` on it (the last window of a 38,000-card column at 100k tasks). Five warm-up presses
are not counted.
"""

# Polling with short sleeps is the point here: the loop must keep running while we watch it.
# ruff: noqa: ASYNC109, ASYNC110

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from _common import machine_note, percentile

FRAMES: list[float] = []


def install_hook() -> None:
    from textual.app import App
    from textual.screen import Screen

    original = App._display

    def _display(self: App[Any], screen: Screen[Any], renderable: Any) -> None:
        original(self, screen, renderable)
        if renderable is not None and screen is self.screen:
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(self.console)  # what the real driver does before write()
            FRAMES.append(time.perf_counter())

    App._display = _display  # type: ignore[method-assign]


def settled(app: Any) -> bool:
    screen = app.screen
    column = getattr(screen, "current_column", None)
    if column is None:
        return True
    tl = column.task_list
    first = int(tl.scroll_y) // tl.card_height
    last = min(tl.total, first + tl.size.height // tl.card_height + 1)
    return all(i in tl._cards for i in range(first, last))


async def press(pilot: Any, key: str, timeout: float = 5.0) -> tuple[float, float]:
    app = pilot.app
    n = len(FRAMES)
    t0 = time.perf_counter()
    await pilot.press(key)
    deadline = t0 + timeout
    while len(FRAMES) <= n and time.perf_counter() < deadline:
        await asyncio.sleep(0.001)
    if len(FRAMES) <= n:
        raise RuntimeError(f"no screen update within {timeout} s of pressing {key!r}")
    frame = FRAMES[n] - t0
    if settled(app):
        return frame, frame
    while not settled(app) and time.perf_counter() < deadline:
        await asyncio.sleep(0.001)
    m = len(FRAMES)  # the data is in: wait for the frame that draws it
    wait_until = min(deadline, time.perf_counter() + 0.5)
    while len(FRAMES) <= m and time.perf_counter() < wait_until:
        await asyncio.sleep(0.001)
    return frame, FRAMES[-1] - t0


async def run_db(db: Path, pagedowns: int) -> dict[str, list[tuple[float, float]]]:
    from core.config_file import ConfigFile
    from tui.__main__ import make_app
    from tui.settings import build_settings

    settings = build_settings(config=ConfigFile(), db=str(db), actor="bench")
    app = make_app(settings)
    results: dict[str, list[tuple[float, float]]] = {}
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        t0 = time.perf_counter()
        while not getattr(screen, "_loaded", False):
            await asyncio.sleep(0.005)
        await pilot.pause()
        print(f"  {db.name}: board loaded {time.perf_counter() - t0:.2f} s after mount wait")
        for key in "jkjkj":  # warm-up
            await press(pilot, key)

        def rec(name: str, value: tuple[float, float]) -> None:
            results.setdefault(name, []).append(value)

        for _ in range(120):  # crosses the 100-card window border on the way down
            rec("j (next card)", await press(pilot, "j"))
        for _ in range(60):
            rec("k (previous card)", await press(pilot, "k"))
        for _ in range(10):  # alternate, so that every press changes the screen
            rec("l/h (next/previous column)", await press(pilot, "l"))
            rec("l/h (next/previous column)", await press(pilot, "h"))
        biggest = max(screen.columns(), key=lambda c: c.count)
        while screen.current_column is not biggest:
            await press(pilot, "l")
        for _ in range(pagedowns):
            rec(
                f"pagedown in {biggest.status.value} ({biggest.count})",
                await press(pilot, "pagedown"),
            )
        for _ in range(5):
            rec(f"end / home in {biggest.status.value}", await press(pilot, "end"))
            rec(f"end / home in {biggest.status.value}", await press(pilot, "home"))
        await pilot.press("q")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, nargs="+", required=True)
    ap.add_argument("--pagedowns", type=int, default=60)
    args = ap.parse_args()
    print(f"machine: {machine_note()}")
    install_hook()
    all_frames: dict[Path, list[float]] = {}
    for db in args.db:
        results = asyncio.run(run_db(db, args.pagedowns))
        print(f"\n{db}  (ms; frame = first updated screen, settled = every visible card loaded)")
        print(f"{'keys':<36}{'n':>4}{'frame p50':>11}{'p95':>8}{'max':>8}"
              f"{'settled p50':>13}{'p95':>8}{'max':>8}")  # fmt: skip
        frames: list[float] = []
        for name, values in results.items():
            f = [v[0] * 1000 for v in values]
            s = [v[1] * 1000 for v in values]
            frames += f
            print(f"{name:<36}{len(f):>4}{statistics.median(f):11.1f}{percentile(f, 95):8.1f}"
                  f"{max(f):8.1f}{statistics.median(s):13.1f}{percentile(s, 95):8.1f}"
                  f"{max(s):8.1f}")  # fmt: skip
        all_frames[db] = frames
        p95 = percentile(frames, 95)
        verdict = "PASS" if p95 <= 50 else "FAIL"
        print(f"{'all keys':<36}{len(frames):>4}{statistics.median(frames):11.1f}"
              f"{p95:8.1f}{max(frames):8.1f}   target p95 <= 50 ms: {verdict}")  # fmt: skip
    print(f"\nmachine at end: {machine_note()}")


if __name__ == "__main__":
    main()
