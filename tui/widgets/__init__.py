"""Reusable widgets; their look is ``DEFAULT_CSS`` with theme variables only."""

from __future__ import annotations

from tui.widgets.blocker_list import BlockerList
from tui.widgets.board_column import BoardColumn
from tui.widgets.run_log import RunLog
from tui.widgets.run_panel import RunPanel
from tui.widgets.task_list import TaskList

__all__ = ["BlockerList", "BoardColumn", "RunLog", "RunPanel", "TaskList"]
