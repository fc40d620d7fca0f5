"""How a tool module declares its tools: the function and its truthful annotations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mcp_types import CallToolResult, ToolAnnotations


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its function (name and docstring become the tool's) and its annotations."""

    fn: Callable[..., Awaitable[CallToolResult]]
    annotations: ToolAnnotations

    @property
    def name(self) -> str:
        """The tool's name: its function's."""
        return self.fn.__name__


READS = ToolAnnotations(read_only_hint=True, open_world_hint=False)
"""A tool that changes nothing."""


def writes(*, destructive: bool, idempotent: bool) -> ToolAnnotations:
    """A tool that changes the database.

    Args:
        destructive: It may overwrite or remove what is there (not only add).
        idempotent: Calling it again with the same arguments changes nothing more.
    """
    return ToolAnnotations(
        read_only_hint=False,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=False,
    )


def tools(*specs: tuple[Callable[..., Awaitable[CallToolResult]], ToolAnnotations]) -> list[Any]:
    """A module's ``TOOLS`` list from ``(function, annotations)`` pairs."""
    return [ToolSpec(fn, annotations) for fn, annotations in specs]


def slim_schema(schema: Any) -> Any:
    """An input schema without what costs tokens and tells an agent nothing.

    pydantic titles every property (``"title": "Ref"`` beside the name ``ref``) and spells
    an optional ``str | None`` as ``anyOf`` with ``null``; the default ``null`` already says
    it is optional. Arguments are still validated against the full model.
    """
    if isinstance(schema, list):
        return [slim_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    slim: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "properties":
            slim[key] = {name: slim_schema(prop) for name, prop in value.items()}
        else:
            slim[key] = slim_schema(value)
    options = slim.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        kept = next(option for option in options if option != {"type": "null"})
        del slim["anyOf"]
        slim = kept | slim
    return slim
