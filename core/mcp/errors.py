"""Tool errors that say what the CLI and the API say: the same code, message, hint and details.

A refused call is an MCP tool error (``isError: true``), not a protocol error: the agent
reads it and can act on it. Its text is ``{"error": {code, message, hint, details}}``, the
body ``/api/v2`` answers with and the envelope ``taskyard --json`` prints on stderr, so a
state-machine refusal carries the reason and the way out in the same words everywhere.
"""

from __future__ import annotations

import json

import pydantic
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent

from core.domain.commands import from_pydantic
from core.errors import TaskyardError


def error_result(error: TaskyardError) -> CallToolResult:
    """The tool error for ``error``."""
    text = json.dumps(
        {"error": error.to_dict()}, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def taskyard_error(exc: ToolError) -> TaskyardError | None:
    """The ``TaskyardError`` a failed tool call stands for, if it is one we can say.

    The SDK wraps what a tool raises (``__cause__``), and arguments that fail the tool's
    input schema are a pydantic error: said as the CLI says a bad field.
    """
    cause = exc.__cause__
    if isinstance(cause, TaskyardError):
        return cause
    if isinstance(cause, pydantic.ValidationError):
        return from_pydantic(cause)
    return None
