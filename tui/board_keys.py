"""The board's keys: one ``Binding`` each, with words, a tooltip and an id for ``[keymap]``.

Kept apart from ``BoardScreen`` so the screen module holds behaviour; the actions the keys
name are the screen's ``action_*`` methods (the conveniences delegate to ``board_actions``).
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

BOARD_BINDINGS: list[BindingType] = [
    Binding("left,h", "focus_column(-1)", "Previous column", show=False, id="board.column-left"),
    Binding("right,l", "focus_column(1)", "Next column", show=False, id="board.column-right"),
    Binding(
        "shift+left",
        "move_card(-1)",
        "Move left",
        show=False,
        id="board.move-left",
        tooltip="Move the task to the previous state",
    ),
    Binding(
        "shift+right",
        "move_card(1)",
        "Move right",
        show=False,
        id="board.move-right",
        tooltip="Move the task to the next state",
    ),
    Binding("m", "choose_move", "Move…", id="board.moves", tooltip="Every move allowed from here"),
    Binding("n", "new_task", "New", id="board.new-task", tooltip="Create a task"),
    Binding("e", "edit_task", "Edit", id="board.edit-task", tooltip="Edit the task"),
    Binding("slash", "search", "Search", id="board.search", tooltip="Find tasks by text"),
    Binding("f", "filters", "Filter", id="board.filters", tooltip="Filter the board"),
    Binding("p", "switch_project", "Project", id="board.project", tooltip="Switch project"),
    Binding(
        "i", "import_prd", "Import PRD", id="board.import-prd", tooltip="Import a PRD document"
    ),
    Binding(
        "x",
        "monitor",
        "Monitor",
        id="board.monitor",
        tooltip="Execution monitor: the queue, running tasks, workers and their output",
    ),
    Binding(
        "a",
        "quick_action",
        "Quick action",
        show=False,  # the footer is full at 120 columns; help and the palette list it
        id="board.quick-action",
        tooltip="A one-off run of a command or prompt; not on the board unless promoted",
    ),
    Binding(
        "E",
        "toggle_empty",
        "Hide empty",
        show=False,
        id="board.toggle-empty",
        tooltip="Hide or show empty columns",
    ),
    Binding("r", "reload_board", "Reload", show=False, id="board.reload", tooltip="Read again"),
    Binding(
        "y",
        "copy_ref",
        "Copy ref",
        show=False,
        id="board.copy-ref",
        tooltip="Copy the task's ref (WEB-4) to the clipboard",
    ),
    Binding(
        "u",
        "undo_move",
        "Undo move",
        show=False,
        id="board.undo-move",
        tooltip="Move the task you last moved back, unless it changed since",
    ),
    Binding(
        "space",
        "toggle_mark",
        "Mark",
        show=False,
        id="board.mark",
        tooltip="Mark or unmark the task for a bulk move (m) or assign (A)",
    ),
    Binding(
        "A",
        "assign",
        "Assign",
        show=False,
        id="board.assign",
        tooltip="Assign the marked tasks, or this one, to someone (empty unassigns)",
    ),
    Binding(
        "R",
        "run_now",
        "Run now",
        show=False,
        id="board.run-now",
        tooltip="Start the task now, ahead of the queue",
    ),
    Binding(
        "d,delete",
        "delete_task",
        "Delete",
        show=False,
        id="board.delete-task",
        tooltip="Delete the task, after asking",
    ),
    Binding(
        "P",
        "new_project",
        "New project",
        show=False,
        id="board.new-project",
        tooltip="Create a project and show its board",
    ),
    Binding(
        "D",
        "demo_project",
        "Demo project",
        show=False,
        id="board.demo-project",
        tooltip="Add a small demo project (twelve tasks in every column) to look around in",
    ),
    Binding(
        "M",
        "milestones",
        "Milestones",
        show=False,
        id="board.milestones",
        tooltip="The milestones of the project shown: create one, show its board, rename one",
    ),
    Binding(
        "escape",
        "clear_search",
        "Clear search",
        show=False,
        id="board.clear-search",
        tooltip="Close the search; with no search open, unmark the marked tasks",
    ),
]
