"""``import prd --planner agent[:PROFILE]``: an agent's suggestions in the preview, marked as
such with its reasons, refused ones said so, and never committed without a preview."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.fixtures.cli import CLI

PLANNER = Path(__file__).parents[1] / "fixtures" / "fake_planner.py"
DOCUMENT = (
    "# Checkout\n\n## Payment form\n\nCard fields and 3-D Secure.\n\n"
    "## Receipts\n\nEmail a PDF receipt after each payment.\n\n"
    "## Refunds\n\nRefund from the admin page.\n"
)


@pytest.fixture
def cli(tmp_path: Path) -> CLI:
    cli = CLI(tmp_path)
    config = tmp_path / "taskyard.toml"
    config.write_text(
        f'[profiles.reviewer]\ncommand = ["{sys.executable}", "{PLANNER}"]\nprompt = "stdin"\n'
        f'[profiles.mute]\ncommand = ["{sys.executable}", "{PLANNER}", "--garbage"]\n'
        'prompt = "stdin"\n'
    )
    cli.env["TASKYARD_CONFIG"] = str(config)
    cli.write("checkout.md", DOCUMENT)
    return cli


def test_suggestions_are_applied_in_the_preview_each_with_its_reason(cli: CLI) -> None:
    doc = str(cli.tmp / "checkout.md")
    out = cli.ok("import", "prd", doc, "--planner", "agent:reviewer")
    assert "Suggested by reviewer (applied above unless refused):" in out
    assert "waits for: payment-form (suggested)" in out
    assert "payment-form priority critical — launch blocker (applied)" in out
    assert "split receipts into: Backend part; Frontend part — two teams (applied)" in out
    assert "refused: no task 'no-such-key' in the plan" in out
    assert "refused: it would close a dependency cycle" in out
    assert "Nothing was written." in out
    assert cli.json("task", "list")["items"] == []


def test_the_json_preview_carries_every_suggestion_and_commits_as_saved(cli: CLI) -> None:
    """The agent's word reaches the board only through a saved, read preview."""
    doc = str(cli.tmp / "checkout.md")
    preview = cli.json("import", "prd", doc, "--planner", "agent:reviewer")
    plan = preview["plan"]
    suggested = [e for e in plan["edges"] if e["reason"] == "suggested"]
    assert all(e["because"].startswith("suggested by reviewer: ") for e in suggested)
    assert [s["applied"] for s in plan["suggestions"]] == [True, True, True, False, False]
    saved = cli.write("plan.json", json.dumps(preview))
    cli.ok("import", "prd", "--plan-json", str(saved), "--commit")
    titles = {t["title"]: t for t in cli.json("task", "list", "--all")["items"]}
    assert {"Backend part", "Frontend part"} <= set(titles)
    assert titles["Payment form"]["priority"] == "critical"


def test_an_agent_is_never_asked_to_commit_straight_away(cli: CLI) -> None:
    doc = str(cli.tmp / "checkout.md")
    result = cli.run("import", "prd", doc, "--planner", "agent:reviewer", "--commit")
    assert result.returncode != 0
    assert "only ever committed from a preview you have read" in result.stderr
    assert cli.json("task", "list")["items"] == []


def test_an_answer_without_suggestions_is_an_error_quoting_the_agent(cli: CLI) -> None:
    doc = str(cli.tmp / "checkout.md")
    result = cli.run("import", "prd", doc, "--planner", "agent:mute")
    assert result.returncode != 0
    assert "did not answer with suggestions; it printed: I looked at the plan" in result.stderr
    body = cli.run("import", "prd", doc, "--planner", "agent:mute", json_mode=True)
    assert json.loads(body.stderr)["error"]["details"]["field"] == "planner"


def test_an_unknown_profile_or_planner_names_the_choices(cli: CLI) -> None:
    doc = str(cli.tmp / "checkout.md")
    missing = cli.run("import", "prd", doc, "--planner", "agent:nobody")
    assert "No agent profile 'nobody' to plan with." in missing.stderr
    assert "reviewer" in missing.stderr
    unknown = cli.run("import", "prd", doc, "--planner", "magic")
    assert "Use --planner rules (the default) or --planner agent[:PROFILE]." in unknown.stderr
