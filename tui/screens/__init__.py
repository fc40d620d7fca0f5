"""Full screens: the board and the task detail (loaded on first use, to keep start-up quick)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "BoardScreen": "tui.screens.board",
    "ExecutionMonitorScreen": "tui.screens.monitor",
    "PrdImportScreen": "tui.screens.prd_import",
    "QuickActionScreen": "tui.screens.quick_action",
    "TaskDetailScreen": "tui.screens.task_detail",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(name)
