"""Regenerate ``screenshots/``: the real app on the demo project, driven by keys, as PNGs.

    .venv/bin/python scripts/screenshots.py

Each shot runs the app headless (``run_test``) on a fresh copy of the deterministic demo
database, presses the keys a person would, saves Textual's SVG and converts it with
``rsvg-convert`` (Debian ``librsvg2-bin``; the SVG asks for Fira Code, ``fonts-firacode``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.demo import build_demo_database  # noqa: E402
from tests.fixtures.execution import (  # noqa: E402
    build_execution_database,
    frozen,
    open_frozen_engine,
)
from tests.fixtures.tui import LONG_LIVED  # noqa: E402
from tui.__main__ import make_app  # noqa: E402
from tui.settings import TuiSettings  # noqa: E402


@dataclass
class Shot:
    name: str
    keys: list[str] = field(default_factory=list)
    size: tuple[int, int] = (140, 40)
    settings: dict[str, Any] = field(default_factory=dict)
    execution: bool = False
    """Add the execution data (runs, a worker, a quick run) and freeze the clock."""


SHOTS = [
    Shot("board"),
    Shot("task-detail", keys=["l", "l", "l", "enter"]),
    Shot("task-form-error", keys=["n", "ctrl+s"]),
    Shot("move-menu", keys=["m"]),
    Shot("refused-move", keys=["shift+right"]),
    Shot(
        "screen-reader",
        keys=["l"],
        settings={"screen_reader": True, "screen_reader_source": "--screen-reader"},
    ),
    Shot("high-contrast", settings={"theme": "high-contrast"}),
    Shot("light", settings={"theme": "taskyard-light"}),
    Shot("narrow", keys=["l", "l"], size=(72, 30)),
    Shot(
        "prd-import",
        keys=["i", *"tests/fixtures/prds/multi_milestone.md", "enter"],
        size=(140, 48),
    ),
    Shot("execution-monitor", keys=["x"], execution=True),
    Shot("task-runs", keys=["x", "enter"], execution=True, size=(140, 48)),
    Shot("quick-action", keys=["a"], execution=True, size=(140, 44)),
]


async def settle(pilot: Any) -> None:
    app = pilot.app
    for _ in range(4):
        await pilot.pause(0.05)
        busy = [w for w in app.workers if w.group not in LONG_LIVED and not w.is_finished]
        if busy:
            await app.workers.wait_for_complete(busy)


async def take(shot: Shot, workdir: Path, out: Path) -> Path:
    db = workdir / f"{shot.name}.db"
    url = f"sqlite:///{db}"
    settings = TuiSettings(db=url, animations=False, **shot.settings)
    if shot.execution:
        await build_execution_database(url)
        app = make_app(settings, lambda: open_frozen_engine(url), clock=frozen())
    else:
        await build_demo_database(url)
        app = make_app(settings)
    async with app.run_test(size=shot.size) as pilot:
        await settle(pilot)
        for key in shot.keys:
            await pilot.press(key)
            await settle(pilot)
        app.clear_notifications()
        await pilot.pause(0.05)
        svg = Path(app.save_screenshot(filename=f"{shot.name}.svg", path=str(workdir)))
    png = out / f"{shot.name}.png"
    convert = await asyncio.create_subprocess_exec("rsvg-convert", "-o", str(png), str(svg))
    if await convert.wait() != 0:
        raise SystemExit(f"rsvg-convert failed on {svg}")
    return png


async def main(names: list[str]) -> int:
    os.chdir(ROOT)  # shots type paths relative to the repository
    if shutil.which("rsvg-convert") is None:
        sys.stderr.write("rsvg-convert is missing: apt-get install librsvg2-bin fonts-firacode\n")
        return 1
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for shot in SHOTS:
            if names and shot.name not in names:
                continue
            print(await take(shot, Path(tmp), out))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("names", nargs="*", help="only these shots (default: all)")
    sys.exit(asyncio.run(main(parser.parse_args().names)))
