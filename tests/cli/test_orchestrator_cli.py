"""``taskyard orchestrator add|list|rm`` against a fresh SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.cli import CLI


@pytest.fixture
def cli(tmp_path: Path) -> CLI:
    return CLI(tmp_path)


def test_an_orchestrator_is_added_listed_and_removed(cli: CLI) -> None:
    """The VP of the /api/tasks API: added to a project, shown with its user, removed."""
    cli.ok("project", "add", "Web")
    added = cli.json(
        "orchestrator", "add", "backend-bot", "--project", "web",
        "--role", "Senior Backend Engineer", "--user-name", "Backend Bot",
        "--user-email", "backend@bot.local",
    )  # fmt: skip
    made = added["orchestrator"]
    assert made["user"] == {
        "id": "backend@bot.local",
        "name": "Backend Bot",
        "email": "backend@bot.local",
    }
    assert "backend-bot, Senior Backend Engineer (acts for Backend Bot" in cli.ok(
        "orchestrator", "list"
    )
    assert cli.json("orchestrator", "list", "--project", "web")["items"] == [made]
    assert "Removed orchestrator backend-bot" in cli.ok("orchestrator", "rm", "backend-bot")
    assert "No orchestrators" in cli.ok("orchestrator", "list")
    missing = cli.run("orchestrator", "rm", "backend-bot")
    assert missing.returncode == 3
