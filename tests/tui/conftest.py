"""TUI fixtures: a deterministic demo database and the app built as ``taskyard`` builds it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fixtures.demo import build_demo_database
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.settings import TuiSettings


@pytest.fixture
def demo_db_url(tmp_path: Path) -> str:
    """A fresh SQLite file holding the demo project (fixed ids, clock and refs)."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    asyncio.run(build_demo_database(url))
    return url


@pytest.fixture
def demo_app(demo_db_url: str) -> TaskyardApp:
    """The board on the demo database, animations off."""
    return make_app(TuiSettings(db=demo_db_url, animations=False))
