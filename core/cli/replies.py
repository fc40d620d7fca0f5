"""Answer shapes several commands share, so that equal things print the same way."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.cli.output.writer import Output
    from core.domain.models import Task


def dump(model: Any) -> Any:
    """A model as JSON-ready data (what the envelope carries)."""
    return model.model_dump(mode="json")


def list_payload(items: list[Any], *, total: int | None = None, page: int = 1) -> dict[str, Any]:
    """A whole (unpaged) list in the same shape as a paged one."""
    n = len(items) if total is None else total
    return {"items": items, "total": n, "page": page, "limit": max(len(items), 1)}


def task_reply(out: Output, task: Task, lines: Callable[[], Iterable[str]]) -> int:
    """Answer with one changed task: ``{"task": ...}`` with ``--json``, else ``lines``."""
    return out.result("task", lambda: {"task": dump(task)}, lines)
