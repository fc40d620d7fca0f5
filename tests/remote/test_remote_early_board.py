"""The remote board's head start: its first board is asked of the server before the app starts.

Against a real server (uvicorn in a thread over a demo database): the early read gives the
board ``HttpTaskEngine.board`` gives, the app paints it and then opens its engine as usual,
and when the early read cannot be made or fails, the app reads the board itself.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.remote.early_board import read_board_early_remote
from core.remote.engine import HttpTaskEngine
from tests.fixtures.demo import build_demo_database
from tests.fixtures.remote import ThreadServer, issue_tester_token
from tests.fixtures.tui import screen_text, settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import remote_app
from tui.first_board import first_board_query
from tui.settings import TuiSettings
from tui.widgets.connection_line import ConnectionLine

SETTINGS = TuiSettings(animations=False)


@pytest.fixture
async def demo_server(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """A server over the demo board: its URL and an admin token."""
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    await build_demo_database(db_url)
    secret = await issue_tester_token(db_url, empty_log=False)
    server = ThreadServer(db_url)
    url = await asyncio.to_thread(server.start)
    try:
        yield url, secret
    finally:
        await asyncio.to_thread(server.stop)


@pytest.fixture(autouse=True)
def no_stored_logins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKYARD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("TASKYARD_TOKEN", raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


async def test_the_early_read_is_the_board_the_engine_reads(demo_server: tuple[str, str]) -> None:
    url, secret = demo_server
    query = first_board_query(SETTINGS)
    early = read_board_early_remote(url, secret, query)
    assert early is not None
    engine = await HttpTaskEngine.open(url, secret)
    try:
        assert await early.result() == await engine.board(query)
    finally:
        await engine.close()


async def test_no_head_start_without_a_token_or_through_a_proxy(
    demo_server: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, secret = demo_server
    query = first_board_query(SETTINGS)
    assert read_board_early_remote(url, None, query) is None  # the app asks for one
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert read_board_early_remote(url, secret, query) is None  # only httpx would use it


async def test_a_failed_early_read_leaves_the_board_to_the_engine(
    demo_server: tuple[str, str],
) -> None:
    """A closed port, a token the server refuses: ``None``, and the app reads it itself."""
    url, _secret = demo_server
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for server in (closed, url):
        early = read_board_early_remote(server, "ty_" + "x" * 43, first_board_query(SETTINGS))
        assert early is not None
        assert await early.result() is None, server


async def test_the_app_paints_the_early_board_then_opens_its_engine(
    demo_server: tuple[str, str],
) -> None:
    url, secret = demo_server
    early = read_board_early_remote(url, secret, first_board_query(SETTINGS))
    app = remote_app(SETTINGS, url, secret, early_board=early)
    async with app.run_test(size=(160, 40)) as pilot:

        def connected() -> bool:
            found = app.screen.query(ConnectionLine)
            return bool(found) and "Server: connected" in str(found.first().render())

        await wait_until(connected, pilot=pilot, timeout=30)
        await settle(pilot)
        text = screen_text(app)
        assert "WEB-5" in text
        assert await app.early_board(first_board_query(SETTINGS)) is None  # handed over once
