"""MCP clients for the tests: the SDK's own, over stdio (``taskyard mcp``) and over HTTP.

A client session is opened and closed inside one task of its own (``Held``): the SDK's
transports are anyio task groups, which must be left by the task that entered them, while
a module's tests, each a task of the module's loop, share one session.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import httpx2
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.fixtures.servers import server_env

ROOT = Path(__file__).resolve().parents[2]


def stdio_params(db: str, data_dir: Path, actor: str = "agent") -> StdioServerParameters:
    """``python -m core.cli --db DB mcp``, as an agent's configuration starts it."""
    env = server_env(data_dir) | {"TASKYARD_ACTOR": actor}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "core.cli", "--db", db, "mcp"], env=env, cwd=ROOT
    )


@asynccontextmanager
async def over_stdio(db: str, data_dir: Path, actor: str = "agent") -> AsyncIterator[ClientSession]:
    """An initialized client of a ``taskyard mcp`` subprocess."""
    with (data_dir / f"mcp-{actor}.log").open("w") as errlog:
        async with (
            stdio_client(stdio_params(db, data_dir, actor), errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


@asynccontextmanager
async def over_stdio_to_server(
    server_url: str, token: str, data_dir: Path
) -> AsyncIterator[ClientSession]:
    """An initialized client of ``taskyard --server URL mcp``: stdio, on a server's engine.

    The token goes in through the environment (``TASKYARD_TOKEN``), as an agent's
    configuration passes it, never on the command line.
    """
    env = server_env(data_dir) | {"TASKYARD_TOKEN": token}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "core.cli", "--server", server_url, "mcp"],
        env=env,
        cwd=ROOT,
    )
    with (data_dir / "mcp-remote.log").open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


@asynccontextmanager
async def over_http(base_url: str, token: str | None) -> AsyncIterator[ClientSession]:
    """An initialized client of ``/mcp`` on a running ``taskyard serve``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


class Held:
    """A client session kept open by a task of its own until ``close``."""

    def __init__(self, opener: Callable[[], AbstractAsyncContextManager[ClientSession]]) -> None:
        self._opener = opener
        self._ready: asyncio.Future[ClientSession] = asyncio.get_running_loop().create_future()
        self._done = asyncio.Event()
        self._task = asyncio.create_task(self._hold())

    async def _hold(self) -> None:
        try:
            async with self._opener() as session:
                self._ready.set_result(session)
                await self._done.wait()
        except BaseException as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise

    async def session(self) -> ClientSession:
        """The open session (once it initialized)."""
        return await self._ready

    async def close(self) -> None:
        """Close the session (its server subprocess ends with it)."""
        self._done.set()
        await self._task

    async def kill(self) -> None:
        """End the client abruptly, as a crashed agent ends: no goodbye, no finish."""
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task


async def call(session: ClientSession, tool: str, **arguments: Any) -> Any:
    """A tool's answer as JSON data; fails the test on a tool error."""
    result = await session.call_tool(tool, arguments)
    text = result.content[0].text  # type: ignore[union-attr]
    assert not result.is_error, text
    return json.loads(text)


async def refused(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    """A tool error's ``error`` object (code, message, hint, details); fails on success."""
    result = await session.call_tool(tool, arguments)
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error, text
    body = json.loads(text)
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "hint", "details"}, error
    return error
