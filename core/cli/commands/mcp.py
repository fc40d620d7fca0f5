"""``taskyard mcp``: the MCP server on stdio, for a coding agent on this machine.

The agent starts it as a subprocess (see docs/mcp.md) and talks JSON-RPC over stdin and
stdout, so nothing else may write to stdout: the server logs to stderr. It serves the
engine of ``--db`` and ``--actor``, whatever kind ``open_engine`` gives.

An agent waits for the handshake before it can do anything, so the command answers it
while the engine is still opening: the store loads in a thread while the MCP SDK loads
here, and the first tool call waits for the engine if it is not open yet.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from core.cli.specs import Command, Commands
from core.errors import TaskyardError

if TYPE_CHECKING:
    import asyncio

    from core.cli.session import Session
    from core.engine import TaskEngine


async def _never(s: Session) -> int:
    """``mcp`` opens its own engine (``_serve_stdio``); the CLI never calls this."""
    raise RuntimeError("taskyard mcp runs through its opens_engine hook")


async def _serve_stdio(
    args: argparse.Namespace,
    open_engine: Callable[[], Coroutine[Any, Any, TaskEngine]],
    started: Callable[[], None],
) -> int:
    """Serve until the agent closes stdin; the engine opens alongside the SDK's import."""
    import asyncio  # here: the parser imports this module for every command

    opening = asyncio.create_task(open_engine())
    from core.config import default_actor
    from core.mcp.guard import LocalGuard
    from core.mcp.server import build_server

    started()

    async def engine() -> TaskEngine:
        return await opening

    server = build_server(engine, LocalGuard(str(args.actor or default_actor())))
    try:
        await server.run_stdio_async()
    finally:
        await _close(opening)
    return 0


async def _close(opening: asyncio.Task[TaskEngine]) -> None:
    """Close the engine once it opened; one that failed to open has nothing to close."""
    try:
        engine = await opening
    except TaskyardError:  # every tool call was answered with this error already
        return
    await engine.close()


COMMANDS: Commands = (
    Command(
        "mcp",
        _never,
        "serve the MCP tools on stdio, for a coding agent (see docs/mcp.md)",
        description="Runs taskyard's MCP server on stdin/stdout until the agent closes it: "
        "the ready queue, tasks, claims with leases, PRD planning and the event feed, as "
        "MCP tools. Configure your agent to start `taskyard mcp` (docs/mcp.md).",
        needs={"opens_engine": _serve_stdio},
    ),
)
