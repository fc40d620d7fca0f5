"""``taskyard mcp``: the MCP server on stdio, for a coding agent on this machine.

The agent starts it as a subprocess (see docs/mcp.md) and talks JSON-RPC over stdin and
stdout, so nothing else may write to stdout: the server logs to stderr. It serves the
engine this command opened (``--db``, ``--actor``), whatever kind it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.cli.arguments import Subcommands

if TYPE_CHECKING:
    from core.cli.session import Session


def register(commands: Subcommands) -> None:
    """Add ``mcp``."""
    p = commands.add_parser(
        "mcp",
        help="serve the MCP tools on stdio, for a coding agent (see docs/mcp.md)",
        description="Runs taskyard's MCP server on stdin/stdout until the agent closes it: "
        "the ready queue, tasks, claims with leases, PRD planning and the event feed, as "
        "MCP tools. Configure your agent to start `taskyard mcp` (docs/mcp.md).",
    )
    p.set_defaults(handler=_cmd_mcp)


async def _cmd_mcp(s: Session) -> int:
    from core.mcp.guard import LocalGuard
    from core.mcp.server import build_server

    engine = s.engine
    server = build_server(lambda: engine, LocalGuard(s.actor))
    await server.run_stdio_async()
    return 0
