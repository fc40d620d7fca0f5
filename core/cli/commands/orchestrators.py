"""``taskyard orchestrator add|list|rm``: the agent identities ("VPs") of ``/api/tasks``.

An orchestrator works in one project; its name is the assignee of the tasks it works, and
the older API shows its role and the user it acts for (docs/api-compat.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.cli.arguments import Subcommands, group

if TYPE_CHECKING:
    from core.cli.session import Session
    from core.domain.orchestrators import Orchestrator


def register(commands: Subcommands) -> None:
    """Add the ``orchestrator`` group to the CLI's subparsers."""
    sub = group(commands, "orchestrator", "add, list and remove orchestrators (API agents)")
    p = sub.add_parser(
        "add",
        help="add an orchestrator to a project",
        description="Adds an agent identity to a project for the /api/tasks API. Its name is "
        "the assignee of the tasks it works.",
    )
    p.add_argument("name", metavar="NAME", help="letters, digits, . _ @ - (the assignee)")
    p.add_argument("--project", required=True, metavar="SLUG", help="its project")
    p.add_argument("--role", default="", metavar="TEXT", help="what it does")
    p.add_argument("--user-name", default="", metavar="TEXT", help="the user it acts for")
    p.add_argument("--user-email", default="", metavar="EMAIL", help="that user's email")
    p.add_argument("--user-id", metavar="ID", help="that user's id (default: the email)")
    p.set_defaults(handler=_cmd_add)
    p = sub.add_parser("list", help="orchestrators, by name")
    p.add_argument("--project", metavar="SLUG", help="only this project's")
    p.set_defaults(handler=_cmd_list)
    p = sub.add_parser("rm", help="remove an orchestrator (its tasks keep their assignee)")
    p.add_argument("ref", metavar="NAME|ID")
    p.add_argument("--project", metavar="SLUG", help="the project, when the name is not unique")
    p.set_defaults(handler=_cmd_rm)


async def _cmd_add(s: Session) -> int:
    from core.domain.commands import parse
    from core.domain.orchestrators import OrchestratorCreate

    a = s.args
    request = parse(
        OrchestratorCreate,
        {
            "project": a.project,
            "name": a.name,
            "role": a.role,
            "user_id": a.user_id,
            "user_name": a.user_name,
            "user_email": a.user_email,
        },
    )
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
        s.out.envelope(
            "orchestrators",
            {"items": items, "total": len(items), "page": 1, "limit": max(len(items), 1)},
        )
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
