"""``build_server``: the MCP server over any ``TaskEngine``, and how a tool reaches it.

The engine is given as an async function, not an object: ``taskyard serve`` opens its
engine in the app's lifespan, after the MCP server was built, and ``taskyard mcp`` answers
its agent's handshake while its engine is still opening. Whatever ``TaskEngine`` it returns
is served (the local ``SqlTaskEngine``, or a remote one), so nothing here knows where the data
lives.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, InputRequiredResult
from mcp_types import Tool as MCPTool

from core import __version__
from core.engine import TaskEngine
from core.errors import AuthenticationError, TaskyardError
from core.mcp.errors import error_result, taskyard_error
from core.mcp.guard import Guard
from core.mcp.spec import slim_schema

GUARD_KEY = "taskyard_mcp_guard"
"""Where an HTTP request's ``Guard`` is kept in its ASGI scope's ``state``."""

INSTRUCTIONS = (
    "taskyard is a task board and work queue. To work: `claim` the next ready task (you "
    "get a run id and a claim token), `progress` to log, `renew` before the lease ends, "
    "then `finish` it done, in_review or failed. Plan: `prd_preview` then `prd_commit`. "
    "Errors carry a code, a message and a hint saying how to fix them. Tools answer "
    "compactly; pass full=true for every field. `describe`/`do` reach the rest."
)


@dataclass
class Serving:
    """What the server's tools share: where the engine comes from, and the stdio caller."""

    engine: Callable[[], Awaitable[TaskEngine]]
    """Returns the engine to serve; awaited on each call (it may still be opening)."""
    local: Guard | None
    """The caller of every call without an HTTP request (stdio); ``None``: refuse those."""
    registered: set[str] = field(default_factory=set)
    """Worker ids this process registered (``tools_work.claim`` registers each once)."""


class TaskyardMCP(MCPServer[Any]):
    """The SDK's server, answering a ``TaskyardError`` as a tool error with its code and hint."""

    def __init__(self, serving: Serving) -> None:
        # The SDK's constructor configures the root logger (``basicConfig`` with a Rich
        # handler); where logs go is the CLI's and ``serve``'s choice, so it is put back.
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        super().__init__(
            "taskyard", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
        )
        root.handlers[:], root.level = handlers, level
        self.serving = serving
        self._listing: list[MCPTool] | None = None

    async def list_tools(self) -> list[MCPTool]:
        """The tools, with slim input schemas (``spec.slim_schema``), made once."""
        if self._listing is None:
            self._listing = [
                tool.model_copy(update={"input_schema": slim_schema(tool.input_schema)})
                for tool in await super().list_tools()
            ]
        return self._listing

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        """Run the tool; a refusal becomes the tool error the CLI and the API would give."""
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            error = taskyard_error(exc)
            if error is None:
                raise
            if context is not None:
                with suppress(TaskyardError):  # no caller to shape it for: said as it is
                    error = guard_of(context).shown(error)
            return error_result(error)


def guard_of(ctx: Context[Any]) -> Guard:
    """The caller of this request: the HTTP request's token, or the stdio user.

    Raises:
        AuthenticationError: an HTTP request that came without a checked token.
    """
    server = ctx.mcp_server
    assert isinstance(server, TaskyardMCP)
    request = ctx.request_context.request
    if request is not None:
        state = getattr(request, "scope", {}).get("state") or {}
        guard = state.get(GUARD_KEY)
        if guard is not None:
            return guard  # type: ignore[no-any-return]
    if request is None and server.serving.local is not None:
        return server.serving.local
    raise AuthenticationError(
        "This needs an API token: send it as `Authorization: Bearer TOKEN`.",
        hint="Create one on the server with `taskyard token create NAME`.",
    )


async def calls(ctx: Context[Any], *, write: bool = False) -> tuple[TaskEngine, Guard]:
    """The engine acting as the caller, and the caller's guard (scope write when ``write``).

    Raises:
        AuthenticationError: no caller.
        PermissionDeniedError: ``write`` and a read-only caller.
    """
    guard = guard_of(ctx)
    if write:
        guard.require_write()
    server = ctx.mcp_server
    assert isinstance(server, TaskyardMCP)
    return guard.engine(await server.serving.engine()), guard


def serving_of(ctx: Context[Any]) -> Serving:
    """The server's shared state."""
    server = ctx.mcp_server
    assert isinstance(server, TaskyardMCP)
    return server.serving


def build_server(engine: Callable[[], Awaitable[TaskEngine]], local: Guard | None) -> TaskyardMCP:
    """The MCP server with every tool, resource and prompt.

    Args:
        engine: Returns the engine to serve (awaited on each request: cheap once open).
        local: The caller of requests without an HTTP request (a ``guard.LocalGuard`` for stdio);
            ``None`` over HTTP, where every request's token makes its guard.
    """
    from core.mcp import generic, resources, tools_plan, tools_tasks, tools_work

    server = TaskyardMCP(Serving(engine=engine, local=local))
    for module in (tools_tasks, tools_work, tools_plan, generic):
        for spec in module.TOOLS:
            server.add_tool(spec.fn, name=spec.name, annotations=spec.annotations)
    resources.register(server)
    return server
