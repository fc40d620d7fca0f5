"""Full screens: the board and the task detail (loaded on first use, to keep start-up quick)."""

from __future__ import annotations

from tui.lazy import lazy_attributes

_WHERE = {
    "BoardScreen": "tui.screens.board",
    "ExecutionMonitorScreen": "tui.screens.monitor",
    "PrdImportScreen": "tui.screens.prd_import",
    "QuickActionScreen": "tui.screens.quick_action",
    "TaskDetailScreen": "tui.screens.task_detail",
}
__all__ = sorted(_WHERE)

__getattr__ = lazy_attributes(_WHERE)
