"""`taskyard import prd|show|list`, run as a real subprocess against a fresh SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.prd.models import ImportPlan, PlannedMilestone
from tests.fixtures.cli import CLI
from tests.fixtures.prd_plans import plan, task


@pytest.fixture
def cli(tmp_path: Path) -> CLI:
    return CLI(tmp_path)


def checkout() -> ImportPlan:
    p = plan(
        [
            task("design", "Design the payment form", priority="high", milestone_key="m1"),
            task("api", "Payment API"),
            task("ui", "Payment UI"),
            task("api-tests", "Test the payment API", task_type="test", parent="api"),
        ],
        [("api", "design"), ("ui", "api")],
        milestones=[PlannedMilestone(key="m1", name="M1 Design")],
    )
    keys = [t.key for t in p.tasks]
    return p.model_copy(
        update={
            "waves": [[keys[0]], [keys[1], keys[3]], [keys[2]]],
            "critical_path": keys[:3],
            "blocked_roots": [keys[0]],
        }
    )


def write_plan(cli: CLI, p: ImportPlan, name: str = "plan.json") -> Path:
    return cli.write(name, p.model_dump_json(indent=2))


def test_preview_of_a_plan_shows_the_tree_waves_and_writes_nothing(cli: CLI) -> None:
    """Without --commit a person sees what would happen, and the board stays empty."""
    path = write_plan(cli, checkout())
    out = cli.ok("import", "prd", "--plan-json", str(path))
    assert "new 4, changed 0, unchanged 0, removed 0" in out
    assert "Nothing was written." in out
    assert "Payment UI  [feature, medium]  waits for: api" in out
    assert "2: api, api-tests" in out
    assert "Critical path: 3 tasks (design → api → ui)" in out
    assert "Blocked roots (start here): design" in out
    listing = cli.json("task", "list")
    assert listing["total"] == 0
    assert cli.json("import", "list")["items"] == []


def test_preview_as_json_is_a_plan_an_agent_can_edit_and_commit(cli: CLI) -> None:
    """The --json preview is data; dropping a task from it and committing it imports the rest."""
    path = write_plan(cli, checkout())
    preview = cli.json("import", "prd", "--plan-json", str(path))
    assert preview["kind"] == "import_preview"
    assert preview["counts"] == {"new": 4, "renamed": 0, "changed": 0, "unchanged": 0, "removed": 0}
    assert [d["kind"] for d in preview["diff"]] == ["new"] * 4
    # The agent drops the UI task (and its edge) from the saved preview, then commits it.
    preview["plan"]["tasks"] = [t for t in preview["plan"]["tasks"] if t["title"] != "Payment UI"]
    preview["plan"]["edges"] = [e for e in preview["plan"]["edges"] if "ui" not in e["task_key"]]
    edited = cli.write("edited.json", json.dumps(preview))
    job = cli.json("import", "prd", "--plan-json", str(edited), "--commit", "--auto-ready")
    assert job["kind"] == "import_job"
    assert job["created"] == ["TY-1", "TY-2", "TY-3"]
    assert job["job"]["options"]["auto_ready"] is True
    assert [c["ref"] for c in cli.json("ready")["items"]] == ["TY-1", "TY-3"]


def test_commit_then_show_list_and_commit_again(cli: CLI) -> None:
    """Committing writes the tasks once; the job can be shown and listed; again is a no-op."""
    path = write_plan(cli, checkout())
    out = cli.ok("import", "prd", "--plan-json", str(path), "--commit")
    assert "created 4, updated 0, flagged 0" in out
    assert "created: TY-1, TY-2, TY-3, TY-4" in out
    jobs = cli.json("import", "list")["items"]
    assert len(jobs) == 1
    shown = cli.json("import", "show", jobs[0]["id"])
    assert shown["job"]["created_refs"] == ["TY-1", "TY-2", "TY-3", "TY-4"]
    assert jobs[0]["id"] in cli.ok("import", "show", jobs[0]["id"])
    again = cli.json("import", "prd", "--plan-json", str(path), "--commit")
    assert again["created"] == []
    preview = cli.json("import", "prd", "--plan-json", str(path))
    assert preview["counts"]["unchanged"] == 4
    assert cli.json("task", "list")["total"] == 4


def test_started_and_removed_tasks_are_reported_as_kept(cli: CLI) -> None:
    """Re-importing a document that dropped a started task keeps it and says so."""
    path = write_plan(cli, checkout())
    cli.ok("import", "prd", "--plan-json", str(path), "--commit", "--auto-ready")
    cli.ok("task", "move", "TY-1", "in_progress", "--force")
    p = checkout()
    smaller = p.model_copy(
        update={
            "tasks": p.tasks[1:],
            "edges": [e for e in p.edges if e.blocker_key != p.tasks[0].key],
            "waves": [],
            "critical_path": [],
            "blocked_roots": [],
        }
    )
    path2 = write_plan(cli, smaller, "smaller.json")
    out = cli.ok("import", "prd", "--plan-json", str(path2))
    assert "removed 1" in out
    assert "(TY-1, started: kept, flagged)" in out
    out = cli.ok("import", "prd", "--plan-json", str(path2), "--commit")
    assert "flagged 1" in out
    assert "never deletes work" in out


def test_errors_have_a_message_hint_exit_code_and_json_envelope(cli: CLI) -> None:
    """A cyclic plan, a missing job and a missing argument each fail the way the CLI does."""
    looped = plan([task("a"), task("b")], [("a", "b"), ("b", "a")])
    path = write_plan(cli, looped, "loop.json")
    result = cli.run("import", "prd", "--plan-json", str(path), "--commit", json_mode=True)
    assert result.returncode == 5
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "circular_dependency"
    assert "prd:checkout/a" in error["message"]
    assert cli.json("task", "list")["total"] == 0

    result = cli.run("import", "show", "no-such-job")
    assert result.returncode == 3
    assert "hint:" in result.stderr

    result = cli.run("import", "prd")
    assert result.returncode == 2
    assert "--plan-json" in result.stderr

    bad = cli.write("bad.json", "{not json")
    result = cli.run("import", "prd", "--plan-json", str(bad), json_mode=True)
    assert result.returncode == 2
    assert json.loads(result.stderr)["error"]["code"] == "validation_error"


def test_preview_of_a_markdown_file(cli: CLI) -> None:
    """A Markdown document is previewed as tasks, then committed (needs the planner)."""
    doc = cli.write(
        "prd.md",
        "# Checkout\n\n## Payment form\n\nBuild it.\n\n## Receipts\n\nDepends on: Payment form\n",
    )
    out = cli.ok("import", "prd", str(doc))
    assert "Nothing was written." in out
    assert cli.json("task", "list")["total"] == 0
    job = cli.json("import", "prd", str(doc), "--commit")
    assert job["created"]


def test_the_preview_says_why_a_section_is_no_task_and_why_an_edge_exists(cli: CLI) -> None:
    """Issue 21: the text preview and --json both carry the reasons."""
    doc = cli.write(
        "why.md",
        "# Billing\n\n## Offene Fragen\n\n- Wer zahlt?\n\n## Export\n\nDas Format.\n\n"
        "## Versand\n\nErst nach dem Export, sonst fehlen Daten.\n",
    )
    out = cli.ok("import", "prd", str(doc))
    assert "Not tasks (why):" in out
    assert "line 3: Offene Fragen — open questions, not work" in out
    preview = cli.json("import", "prd", str(doc))["plan"]
    assert preview["not_tasks"] == [
        {
            "section_path": ["Offene Fragen"],
            "line_start": 3,
            "reason": "open questions, not work",
            "line_end": 6,
            "text": "- Wer zahlt?",
        }
    ]
    (edge,) = preview["edges"]
    assert edge["because"] == "Erst nach dem Export"


def test_a_commit_that_fails_is_listed_as_a_failed_job_with_the_reason(cli: CLI) -> None:
    """Nothing is written, but `import list` and `import show` say it failed and why."""
    bad = checkout()
    tasks = list(bad.tasks)
    tasks[1] = tasks[1].model_copy(update={"task_type": "no such type!"})
    path = cli.write("plan.json", bad.model_copy(update={"tasks": tasks}).model_dump_json())
    result = cli.run("import", "prd", "--plan-json", str(path), "--commit")
    assert result.returncode == 2
    assert "is not a valid type name" in result.stderr
    assert cli.json("task", "list", "--all")["items"] == []
    [job] = cli.json("import", "list")["items"]
    assert (job["status"], job["created_task_ids"]) == ("failed", [])
    assert job["warnings"][0]["code"] == "import_failed"
    assert "is not a valid type name" in job["warnings"][0]["message"]
    listed = cli.ok("import", "list")
    assert f"{job['id']}" in listed
    assert "FAILED, nothing written: Task 'prd:checkout/api': task_type 'no such type!'" in listed
    assert "failed" in cli.ok("import", "show", job["id"])
    events = cli.json("events")["items"]
    assert events[-1]["type"] == "import.failed"


# ------------------------------------------------------------------------------ shell commands
WITH_COMMANDS = Path(__file__).resolve().parents[1] / "fixtures" / "prd_with_commands.md"


def test_code_blocks_stay_text_unless_commands_are_asked_for_and_then_each_is_listed(
    cli: CLI,
) -> None:
    doc = cli.write("billing.md", WITH_COMMANDS.read_text())
    plain = cli.ok("import", "prd", str(doc))
    assert "runs, once approved" not in plain
    assert "shell_blocks_kept_as_text: 2 tasks with a shell code block" in plain
    out = cli.ok("import", "prd", str(doc), "--commands")
    assert "! 2 tasks will carry a shell command (shown under each task)" in out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "Set up the database" in line)
    assert lines[at + 1].strip() == "runs, once approved:"
    assert lines[at + 2].strip() == "$ make migrate"
    assert lines[at + 3].strip() == "$ echo migrated >> ran.log"
    body = cli.json("import", "prd", str(doc), "--commands")
    assert {t["title"]: t["command"] for t in body["plan"]["tasks"]} == {
        "Set up the database": "make migrate\necho migrated >> ran.log",
        "Write the invoice page": None,
        "Seed the demo data": "./seed --demo",
    }


def test_commands_of_a_committed_import_are_kept_and_a_changed_one_is_updated(cli: CLI) -> None:
    doc = cli.write("billing.md", WITH_COMMANDS.read_text())
    cli.ok("import", "prd", str(doc), "--commands", "--commit")
    tasks = {t["title"]: t for t in cli.json("task", "list")["items"]}
    database = cli.json("task", "show", tasks["Set up the database"]["ref"])["task"]
    assert database["metadata"]["command"] == "make migrate\necho migrated >> ran.log"
    # The document's command changes: the re-import says so and updates it.
    doc.write_text(WITH_COMMANDS.read_text().replace("make migrate", "make migrate-all"))
    again = cli.ok("import", "prd", str(doc), "--commands")
    assert "changed: description, command" in again
    cli.ok("import", "prd", str(doc), "--commands", "--commit")
    database = cli.json("task", "show", tasks["Set up the database"]["ref"])["task"]
    assert database["metadata"]["command"].startswith("make migrate-all\n")
    # Re-imported without --commands, the document gives no command: the stored one stays.
    assert "new 0, changed 0, unchanged 3, removed 0" in cli.ok("import", "prd", str(doc))


def test_commands_cannot_be_asked_of_a_saved_plan(cli: CLI) -> None:
    path = write_plan(cli, checkout())
    result = cli.run("import", "prd", "--plan-json", str(path), "--commands")
    assert result.returncode == 2
    assert "--commands reads a document's code blocks" in result.stderr


def test_a_renamed_section_is_previewed_as_renamed_and_keeps_its_ref(cli: CLI) -> None:
    """Renaming a heading between imports: the preview says renamed, with the title it had;
    the commit renames the stored task instead of adding a second one."""
    text = (
        "# Checkout\n\n## Payment form\n\nCard fields, 3-D Secure and the error states.\n\n"
        "## Receipts\n\nEmail a PDF receipt after each payment. Depends on: Payment form\n"
    )
    doc = cli.write("checkout.md", text)
    cli.ok("import", "prd", str(doc), "--commit")
    ref = {t["title"]: t["ref"] for t in cli.json("task", "list")["items"]}["Payment form"]
    doc.write_text(text.replace("## Payment form", "## Card payment form"))
    preview = cli.ok("import", "prd", str(doc))
    assert "new 0, renamed 1, changed 0, unchanged 1, removed 0" in preview
    assert "was: “Payment form”" in preview
    cli.ok("import", "prd", str(doc), "--commit")
    titles = {t["ref"]: t["title"] for t in cli.json("task", "list")["items"]}
    assert titles[ref] == "Card payment form"
    assert len(titles) == 2
