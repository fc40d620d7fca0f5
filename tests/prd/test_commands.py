"""Shell code blocks in a PRD: documentation by default, commands only when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.prd.commands import shell_block
from core.prd.edit import drop_command
from core.prd.models import ImportOptions
from core.prd.plan import build_plan

DOC = (Path(__file__).resolve().parents[1] / "fixtures" / "prd_with_commands.md").read_text()


def commands(options: ImportOptions) -> dict[str, str | None]:
    plan = build_plan(DOC, source="billing.md", options=options)
    return {t.title: t.command for t in plan.tasks}


def test_without_the_option_no_task_carries_a_command_and_the_plan_says_why() -> None:
    plan = build_plan(DOC, source="billing.md", options=ImportOptions())
    assert all(t.command is None for t in plan.tasks)
    [note] = [w for w in plan.warnings if w.code == "shell_blocks_kept_as_text"]
    assert "never run" in note.message
    assert "--commands" in note.message
    assert len(note.details["task_keys"]) == 2  # type: ignore[arg-type]
    # The blocks are still in the descriptions, as the author wrote them.
    database = next(t for t in plan.tasks if t.title == "Set up the database")
    assert "```sh\nmake migrate" in database.description


def test_with_the_option_each_tasks_first_shell_block_is_its_command() -> None:
    assert commands(ImportOptions(commands=True)) == {
        "Set up the database": "make migrate\necho migrated >> ran.log",
        "Write the invoice page": None,  # a Python block is not a command
        "Seed the demo data": "./seed --demo",  # a console block: the prompted lines only
    }
    plan = build_plan(DOC, source="billing.md", options=ImportOptions(commands=True))
    [note] = [w for w in plan.warnings if w.code == "commands"]
    assert "2 tasks will carry a shell command" in note.message
    assert "None runs until someone approves it" in note.message


def test_a_dropped_command_leaves_the_task_and_its_description() -> None:
    plan = build_plan(DOC, source="billing.md", options=ImportOptions(commands=True))
    key = next(t.key for t in plan.tasks if t.command)
    edited = drop_command(plan, key)
    task = next(t for t in edited.tasks if t.key == key)
    assert task.command is None
    assert "make migrate" in task.description


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("```bash\nls\n```", "ls"),
        ("~~~shell\nmake\n~~~", "make"),
        ("```sh\n\n```\n\n```sh\nsecond\n```", "second"),  # an empty block is skipped
        ("```\nplain fence\n```", None),
        ("```console\n$ a\nout\n$ b\n```", "a\nb"),
        ("```console\nno prompts\n```", "no prompts"),
        ("text only", None),
    ],
)
def test_shell_block(markdown: str, expected: str | None) -> None:
    assert shell_block(markdown) == expected
