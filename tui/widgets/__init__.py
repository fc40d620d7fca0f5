"""Reusable widgets; their look is ``DEFAULT_CSS`` with theme variables only (each loaded on
first use, to keep start-up quick).

Widgets never reach the engine: their screen hands them data and they post messages when
they need more (an import-linter contract in pyproject.toml checks it).
"""

from __future__ import annotations

from tui.lazy import lazy_attributes

_WHERE = {
    "AttachmentsList": "tui.widgets.attachments_list",
    "BlockerList": "tui.widgets.blocker_list",
    "BlockersField": "tui.widgets.blockers_field",
    "BoardColumn": "tui.widgets.board_column",
    "BoardColumns": "tui.widgets.board_columns",
    "ChoiceList": "tui.widgets.choice_list",
    "ConnectionLine": "tui.widgets.connection_line",
    "DependenciesList": "tui.widgets.dependencies_list",
    "DescriptionPanel": "tui.widgets.description_panel",
    "FieldsPanel": "tui.widgets.fields_panel",
    "FilterList": "tui.widgets.filter_list",
    "HistoryPanel": "tui.widgets.history_panel",
    "ListSection": "tui.widgets.list_section",
    "RunLog": "tui.widgets.run_log",
    "RunPanel": "tui.widgets.run_panel",
    "SearchBox": "tui.widgets.search_box",
    "KeyFooter": "tui.widgets.footer",
    "TaskFields": "tui.widgets.task_fields",
    "TaskList": "tui.widgets.task_list",
}
__all__ = sorted(_WHERE)

__getattr__ = lazy_attributes(_WHERE)
