"""ACCESSIBILITY.md R15: every TUI action has a CLI command that does the same.

A screen-reader or script user must never need the TUI for something it can do. ``PARITY``
holds one row per key binding of taskyard's screens, dialogs and widgets (by binding id):
either the command line that does the same, checked against the CLI's own parser, or
``Interface("why")`` for a key that only moves around the interface (a cursor, a focus, a
dialog's close) and changes and reveals nothing the CLI lacks.

A new binding without a row fails here: give it its CLI command (or write one), or say why it
is interface only.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import pytest

from core.cli.parser import UsageError, build_parser
from tui.keys import all_bindings


@dataclass(frozen=True)
class Interface:
    """A key that only moves around the interface; ``why`` says so."""

    why: str


NAV = Interface("moves the selection or focus; nothing is read or written")
CLOSE = Interface("closes a dialog without doing anything")

PARITY: dict[str, str | Interface] = {
    # app-wide
    "app.quit": Interface("leaves the TUI"),
    "app.help": "--help",
    "app.focus-next": NAV,
    "app.focus-previous": NAV,
    "app.message-log": Interface("this session's messages; the CLI prints each as it happens"),
    # the board and its columns
    "board.column-left": NAV,
    "board.column-right": NAV,
    "board.move-left": "task move TY-1 backlog",
    "board.move-right": "task move TY-1 in_progress --force",
    "board.moves": "task move TY-1 ready --when-unblocked",
    "board.new-task": 'task add "A title" --project web --ready',
    "board.edit-task": 'task edit TY-1 --title "New title" --if-version 3',
    "board.search": "task list --search login",
    "board.filters": "task list --priority high --label ui --assignee ana --milestone m1",
    "board.project": "board --project web",
    "board.import-prd": "import prd prd.md --project web",
    "board.monitor": "ready",
    "board.quick-action": "quick 'make lint'",
    "board.toggle-empty": Interface("hides empty columns; `taskyard board` prints each state"),
    "board.reload": "board",
    "board.clear-search": "task list",
    "board.cursor-up": NAV,
    "board.cursor-down": NAV,
    "board.page-up": NAV,
    "board.page-down": NAV,
    "board.first": NAV,
    "board.last": NAV,
    "board.open-task": "task show TY-1",
    "board.copy-ref": Interface("copies a ref the CLI prints (task list) to the clipboard"),
    "board.undo-move": "task move TY-1 backlog --if-version 4",
    "board.run-now": "run TY-1",
    "board.delete-task": "task rm TY-1",
    "board.new-project": 'project add "Web app"',
    "board.milestones": 'milestone add "Beta" --project web',
    "board.demo-project": Interface("a first look at the board; the CLI adds real projects"),
    "board.mark": Interface("marks cards for one bulk move or assign; the CLI takes many refs"),
    "board.assign": "task assign ana TY-1 TY-2",
    # task detail
    "task.back": NAV,
    "task.moves": "task move TY-1 done",
    "task.run-now": "run TY-1",
    "task.approve-command": "approve TY-1 --expect 0123abcd",
    "task.retry": "retry TY-1",
    "task.cancel": 'cancel TY-1 --reason "not needed"',
    "task.runs": "runs TY-1",
    "task.output": "logs 01a2b3c4 --follow",
    "task.edit": "task edit TY-1 --priority high",
    "task.dependencies": "task show TY-1",
    "task.go-to": "task show TY-2",
    "task.remove-dependency": "dep rm TY-1 TY-2",
    "task.queue-when-unblocked": "task move TY-1 ready --when-unblocked",
    "task.attachments": "task show TY-1",
    "task.view-attachment": "task show TY-1 --json",
    "task.save-attachment": "task show TY-1 --json",
    "task.reload": "task show TY-1",
    "task.attach-file": "task attach TY-1 notes.txt",
    "task.delete": "task rm TY-1",
    # execution monitor
    "monitor.back": NAV,
    "monitor.pause": Interface(
        "pauses this app's embedded workers; a `taskyard worker` stops claiming on ctrl+c"
    ),
    "monitor.workers": "worker --slots 2",
    "monitor.cancel": 'cancel TY-1 --reason "stuck"',
    "monitor.output": "logs 01a2b3c4 --follow",
    "monitor.quick-action": "quick 'make lint'",
    "monitor.reload": "ready",
    # PRD import
    "import.preview": "import prd prd.md --granularity fine --json",
    "import.drop": "import prd --plan-json plan.json",
    "import.priority": "import prd --plan-json plan.json",
    "import.type": "import prd --plan-json plan.json",
    "import.make-task": "import prd --plan-json plan.json",
    "import.commit": "import prd --plan-json plan.json --commit",
    "import.show-on-board": "board --project web",
    "import.back": NAV,
    # quick action
    "quick.run": "quick 'make lint'",
    "quick.stop": Interface("stops the run it started; ctrl+c stops `taskyard quick`"),
    "quick.promote": "quick promote 01a2b3c4 --project web",
    "quick.open-task": "task show TY-1",
    "quick.back": NAV,
    # dialogs
    "attachment.close": CLOSE,
    "cancel.keep": CLOSE,
    "confirm.yes": Interface("answers the question of the action that asked it"),
    "confirm.no": CLOSE,
    "conflict.keep": CLOSE,
    "picker.cancel": CLOSE,
    "picker.results": NAV,
    "discard.keep": CLOSE,
    "filters.cancel": CLOSE,
    "filters.clear": "task list",
    "filters.apply": "task list --priority high",
    "help.close": CLOSE,
    "help.top": NAV,
    "help.end": NAV,
    "log.close": CLOSE,
    "move.cancel": CLOSE,
    "bulkmove.cancel": CLOSE,
    "name.cancel": CLOSE,
    "project.cancel": CLOSE,
    "project.rename": 'project rename web "Web site"',
    "relogin.close": CLOSE,
    "save.cancel": CLOSE,
    "attach.cancel": CLOSE,
    "form.save": 'task add "A title" --description "Why" --priority high --due 2026-12-31',
    "form.cancel": CLOSE,
    "form.external-editor": "task edit TY-1 --description-file notes.md",
    "form.help": "task add --help",
    "form.add-dependency": "dep add TY-1 TY-2",
    "form.remove-dependency": "dep rm TY-1 TY-2",
}


def _binding_ids() -> set[str]:
    return {b.id for b in all_bindings() if b.id}


def test_every_tui_action_has_a_cli_counterpart_listed() -> None:
    """A key without a row fails: each TUI action names the CLI command that does it."""
    missing = sorted(_binding_ids() - set(PARITY))
    assert not missing, f"TUI actions with no CLI counterpart listed in PARITY: {missing}"


def test_no_row_names_a_key_that_is_gone() -> None:
    stale = sorted(set(PARITY) - _binding_ids())
    assert not stale, f"PARITY rows for bindings that no longer exist: {stale}"


@pytest.mark.parametrize("binding_id", sorted(k for k, v in PARITY.items() if isinstance(v, str)))
def test_the_listed_command_exists_in_the_cli(binding_id: str) -> None:
    """The CLI's own parser accepts the command line, options included."""
    command = PARITY[binding_id]
    assert isinstance(command, str)
    parser = build_parser()
    argv = shlex.split(command)
    if "--help" in argv:  # prints the usage and exits 0
        with pytest.raises(SystemExit) as exited:
            parser.parse_args(argv)
        assert exited.value.code == 0, binding_id
        return
    try:
        parser.parse_args(argv)
    except UsageError as exc:
        pytest.fail(f"{binding_id}: `taskyard {command}` is not a CLI command: {exc.message}")


def test_interface_only_keys_say_why() -> None:
    for binding_id, row in PARITY.items():
        if isinstance(row, Interface):
            assert len(row.why.split()) >= 3, binding_id
