"""``taskyard init``: create or open the database and say what is in it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.cli.specs import Command, Commands
from core.config import masked_url, shown_database

if TYPE_CHECKING:
    from core.cli.session import Session


async def _cmd_init(s: Session) -> int:
    projects = await s.engine.list_projects()
    revision = s.engine.schema_revision()
    if s.out.json:
        s.out.envelope(
            "init",
            {
                "database": masked_url(s.database),
                "created": not s.existed,
                "schema": {"state": "up_to_date", "revision": revision},
                "projects": [p.slug for p in projects],
            },
        )
        return 0
    where = shown_database(s.database)
    state = "created" if not s.existed else "existing"
    lines = [
        f"Database: {where} ({state})",
        "Schema: up to date" + (f" (revision {revision})" if revision else ""),
        "Projects: " + (", ".join(p.slug for p in projects) if projects else "none yet"),
    ]
    if not projects:
        lines.append('Next: taskyard project add NAME, or taskyard task add "A first task"')
    s.out.lines(lines)
    return 0


COMMANDS: Commands = (
    Command(
        "init",
        _cmd_init,
        "create or open the database and show its state",
        needs={"local_only": True},
    ),
)
