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

``--moves N`` then moves the first card of READY to BACKLOG and back (shift+left, shift+right,
the focus following the card; a seeded ready task has no open blocker), N moves in all:
**round trip** is the engine's ``transition_task`` call as the board makes it (for a server:
the HTTP request and its answer), **move → screen** the press until the card is drawn
focused in its new column with every visible card loaded (the board's reload included).

``--server`` runs every database a second time against a ``taskyard serve`` subprocess on a
copy of it (``tui.__main__.remote_app``, a write token made with ``taskyard token create``),
after the local run, and prints the remote / local ratios of the medians and p95s.
"""

# Polling with short sleeps is the point here: the loop must keep running while we watch it.
# ruff: noqa: ASYNC109, ASYNC110

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _common import machine_note, percentile
from _server import BenchServer, bench_env, issue_token

FRAMES: list[float] = []
MOVES = "moves (round trip / move -> screen)"
REQUESTS: list[str] = []
"""The remote engine's HTTP requests, by path: whether a key press reaches the server."""


def count_requests() -> None:
    from core.remote.transport import Transport

    original = Transport.request

    async def request(self: Transport, method: str, path: str, **options: Any) -> Any:
        REQUESTS.append(f"{method} {path.split('?')[0]}")
        return await original(self, method, path, **options)

    Transport.request = request  # type: ignore[method-assign]


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


def build_app(db: Path, server: tuple[str, str] | None) -> Any:
    """The app on ``db``, or on the server ``(url, token)`` serving a copy of it."""
    from core.config_file import ConfigFile
    from tui.__main__ import make_app, remote_app
    from tui.settings import build_settings

    if server is None:
        return make_app(build_settings(config=ConfigFile(), db=str(db), actor="bench"))
    return remote_app(build_settings(config=ConfigFile(), actor="bench"), *server)


async def moves(pilot: Any, count: int) -> list[tuple[float, float]]:
    """(round trip, move → screen) of ``count`` moves READY ↔ BACKLOG."""
    from core.domain.models import TaskStatus

    app, screen = pilot.app, pilot.app.screen
    engine = await app.engine()
    trips: list[float] = []
    transition: Callable[..., Awaitable[Any]] = engine.transition_task

    async def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await transition(*args, **kwargs)
        finally:
            trips.append(time.perf_counter() - t0)

    engine.transition_task = timed
    statuses = [column.status for column in screen.columns()]
    while screen.current_column.status is not TaskStatus.READY:
        here = statuses.index(screen.current_column.status)
        await press(pilot, "l" if here < statuses.index(TaskStatus.READY) else "h")
    out: list[tuple[float, float]] = []
    for i in range(count):
        key, target = ("shift+left", TaskStatus.BACKLOG)
        if i % 2:
            key, target = ("shift+right", TaskStatus.READY)
        ref = screen.selected_card.ref
        n, t0 = len(trips), time.perf_counter()
        await pilot.press(key)
        while not (
            len(trips) > n
            and screen.current_column.status is target
            and screen.selected_card is not None
            and screen.selected_card.ref == ref
            and settled(app)
        ):
            if time.perf_counter() - t0 > 10:
                card = screen.selected_card
                raise RuntimeError(
                    f"{ref} was not shown in {target} within 10 s: {len(trips) - n} calls, "
                    f"in {screen.current_column.status} on {card and card.ref}, "
                    f"settled {settled(app)}"
                )
            await asyncio.sleep(0.001)
        m = len(FRAMES)
        while len(FRAMES) <= m and time.perf_counter() - t0 < 10:
            await asyncio.sleep(0.001)
        out.append((trips[n], FRAMES[-1] - t0))
    engine.transition_task = transition
    return out


async def run_db(
    db: Path, pagedowns: int, move_count: int, server: tuple[str, str] | None = None
) -> dict[str, list[tuple[float, float]]]:
    app = build_app(db, server)
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
        sent = len(REQUESTS)

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
        if server is not None:
            during = collections.Counter(REQUESTS[sent:])
            print(f"  HTTP requests during the key presses: {sum(during.values())} {dict(during)}")
        if move_count:
            await press(pilot, "home")
            results[MOVES] = await moves(pilot, move_count)
        await pilot.press("q")
    return results


def print_results(label: str, results: dict[str, list[tuple[float, float]]]) -> dict[str, float]:
    """The table of one run; its key frames' p50 and p95 and the moves' round-trip p50."""
    print(f"\n{label}  (ms; frame = first updated screen, settled = every visible card loaded)")
    print(f"{'keys':<36}{'n':>4}{'frame p50':>11}{'p95':>8}{'max':>8}"
          f"{'settled p50':>13}{'p95':>8}{'max':>8}")  # fmt: skip
    frames: list[float] = []
    for name, values in results.items():
        f = [v[0] * 1000 for v in values]
        s = [v[1] * 1000 for v in values]
        if name != MOVES:
            frames += f
        print(f"{name:<36}{len(f):>4}{statistics.median(f):11.1f}{percentile(f, 95):8.1f}"
              f"{max(f):8.1f}{statistics.median(s):13.1f}{percentile(s, 95):8.1f}"
              f"{max(s):8.1f}")  # fmt: skip
    p95 = percentile(frames, 95)
    verdict = "PASS" if p95 <= 50 else "FAIL"
    print(f"{'all keys':<36}{len(frames):>4}{statistics.median(frames):11.1f}"
          f"{p95:8.1f}{max(frames):8.1f}   target p95 <= 50 ms: {verdict}")  # fmt: skip
    summary = {"keys p50": statistics.median(frames), "keys p95": p95}
    if MOVES in results:
        trips = [v[0] * 1000 for v in results[MOVES]]
        screens = [v[1] * 1000 for v in results[MOVES]]
        summary["move round trip p50"] = statistics.median(trips)
        summary["move -> screen p50"] = statistics.median(screens)
        verdict = "PASS" if summary["move round trip p50"] <= 15 else "FAIL"
        print(f"moves: round trip p50 {summary['move round trip p50']:.1f} ms "
              f"(p95 {percentile(trips, 95):.1f})   target p50 <= 15 ms: {verdict}")  # fmt: skip
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, nargs="+", required=True)
    ap.add_argument("--pagedowns", type=int, default=60)
    ap.add_argument("--moves", type=int, default=0, help="moves READY <-> BACKLOG")
    ap.add_argument("--server", action="store_true", help="also through a taskyard server")
    args = ap.parse_args()
    print(f"machine: {machine_note()}")
    # The embedded workers (on by default for a local file) would claim ready tasks meanwhile.
    os.environ["TASKYARD_EMBEDDED_WORKERS"] = "0"
    install_hook()
    count_requests()
    tmp = Path(tempfile.mkdtemp(prefix="tui-keys-"))
    try:
        for db in args.db:
            local = tmp / f"local-{db.name}"  # moves write: the given file stays as it is
            shutil.copy2(db, local)
            mine = print_results(
                f"{db} (local)", asyncio.run(run_db(local, args.pagedowns, args.moves))
            )
            if not args.server:
                continue
            served = tmp / f"served-{db.name}"
            shutil.copy2(db, served)
            env = bench_env(tmp)
            token = issue_token(served, env, scope="write")
            with BenchServer(served, env, tmp / f"server-{db.name}.log") as server:
                results = asyncio.run(
                    run_db(served, args.pagedowns, args.moves, (server.url, token))
                )
            theirs = print_results(f"{db} (remote, {server.url})", results)
            ratios = ", ".join(f"{k} {theirs[k] / mine[k]:.2f}" for k in mine)
            print(f"remote / local: {ratios}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nmachine at end: {machine_note()}")


if __name__ == "__main__":
    main()
