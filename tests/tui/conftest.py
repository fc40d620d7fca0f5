"""Fixtures for the TUI tests: the demo database and an app built on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.demo import build_demo_database
from tui.__main__ import make_app
from tui.app import TaskyardApp
from tui.settings import TuiSettings


@pytest.fixture
async def demo_db_url(tmp_path: Path) -> str:
    """A fresh copy of the deterministic demo database (SQLite), as a URL."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    await build_demo_database(url)
    return url


@pytest.fixture
def demo_app(demo_db_url: str) -> TaskyardApp:
    """The app, built the way the console script builds it, on the demo database."""
    return make_app(TuiSettings(db=demo_db_url))
