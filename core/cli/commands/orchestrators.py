"""``taskyard orchestrator add|list|rm``: the agent identities ("VPs") of ``/api/tasks``.

An orchestrator works in one project; its name is the assignee of the tasks it works, and
the older API shows its role and the user it acts for (docs/api-compat.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.cli.inputs import picked
from core.cli.options import project
from core.cli.replies import list_payload
from core.cli.specs import Command, Commands, Group, arg

if TYPE_CHECKING:
    from core.cli.session import Session
    from core.domain.orchestrators import Orchestrator


async def _cmd_add(s: Session) -> int:
    from core.domain.commands import parse
    from core.domain.orchestrators import OrchestratorCreate

    a = s.args
    fields = picked(a, "project", "name", "role", "user_id", "user_name", "user_email")
    request = parse(OrchestratorCreate, fields)
    made = await s.engine.create_orchestrator(request)
    return s.out.result(
        "orchestrator",
        lambda: {"orchestrator": made.model_dump(mode="json")},
        lambda: [f"Added orchestrator {_describe(made)}."],
    )


async def _cmd_list(s: Session) -> int:
    found = await s.engine.list_orchestrators(s.args.project)
    if s.out.json:
        items = [o.model_dump(mode="json") for o in found]
        s.out.envelope("orchestrators", list_payload(items))
        return 0
    if not found:
        s.out.lines(
            ["No orchestrators. Add one with `taskyard orchestrator add NAME --project P`."]
        )
        return 0
    s.out.lines([_describe(o) for o in found])
    return 0


async def _cmd_rm(s: Session) -> int:
    gone = await s.engine.remove_orchestrator(s.args.ref, project=s.args.project)
    return s.out.result(
        "orchestrator",
        lambda: {"orchestrator": gone.model_dump(mode="json")},
        lambda: [f"Removed orchestrator {gone.name}; its tasks keep their assignee."],
    )


def _describe(o: Orchestrator) -> str:
    role = f", {o.role}" if o.role else ""
    user = o.user.name or o.user.email or o.user.id
    return f"{o.name}{role} (acts for {user}; id {o.id})"


COMMANDS: Commands = (
    Group(
        "orchestrator",
        "add, list and remove orchestrators (API agents)",
        (
            Command(
                "add",
                _cmd_add,
                "add an orchestrator to a project",
                (
                    arg("name", metavar="NAME", help="letters, digits, . _ @ - (the assignee)"),
                    project("its project", metavar="SLUG", required=True),
                    arg("--role", default="", metavar="TEXT", help="what it does"),
                    arg("--user-name", default="", metavar="TEXT", help="the user it acts for"),
                    arg("--user-email", default="", metavar="EMAIL", help="that user's email"),
                    arg("--user-id", metavar="ID", help="that user's id (default: the email)"),
                ),
                description="Adds an agent identity to a project for the /api/tasks API. Its "
                "name is the assignee of the tasks it works.",
            ),
            Command(
                "list",
                _cmd_list,
                "orchestrators, by name",
                (project("only this project's", metavar="SLUG"),),
            ),
            Command(
                "rm",
                _cmd_rm,
                "remove an orchestrator (its tasks keep their assignee)",
                (
                    arg("ref", metavar="NAME|ID"),
                    project("the project, when the name is not unique", metavar="SLUG"),
                ),
            ),
        ),
    ),
)
