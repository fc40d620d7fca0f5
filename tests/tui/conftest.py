"""TUI fixtures: a deterministic demo database and the app built as ``taskyard`` builds it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fixtures.databases import copy_migrated_sqlite
from tests.fixtures.demo import build_demo_database
from tests.fixtures.long_board import build_long_board
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.settings import TuiSettings


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, built once per test process (140 ms) and copied for each test."""
    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    asyncio.run(build_demo_database(f"sqlite:///{path}"))
    return path


@pytest.fixture
def demo_db_url(tmp_path: Path, demo_template: Path) -> str:
    """A fresh SQLite file holding the demo project (fixed ids, clock and refs)."""
    copy_migrated_sqlite(demo_template, tmp_path / "demo.db")
    return f"sqlite:///{tmp_path / 'demo.db'}"


@pytest.fixture
def demo_app(demo_db_url: str) -> TaskyardApp:
    """The board on the demo database, animations off."""
    return make_app(TuiSettings(db=demo_db_url, animations=False))


@pytest.fixture(scope="session")
def long_board_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The long board (tests/fixtures/long_board.py), built once per test process."""
    path = tmp_path_factory.mktemp("long-board-template") / "long.db"
    asyncio.run(build_long_board(f"sqlite:///{path}"))
    return path


@pytest.fixture
def long_board_url(tmp_path: Path, long_board_template: Path) -> str:
    """A fresh SQLite file whose backlog holds ``LONG_COLUMN`` cards, in title order."""
    copy_migrated_sqlite(long_board_template, tmp_path / "long.db")
    return f"sqlite:///{tmp_path / 'long.db'}"
