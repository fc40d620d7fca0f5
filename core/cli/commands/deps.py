"""``taskyard dep ...``: make a task wait for another, or stop it waiting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.cli.arguments import Subcommands, group
from core.cli.replies import dump, task_reply

if TYPE_CHECKING:
    from core.cli.session import Session


def register(commands: Subcommands) -> None:
    """Add ``dep`` and its actions."""
    sub = group(commands, "dep", "add and remove dependencies")
    p = sub.add_parser("add", help="make REF wait for BLOCKER_REF")
    p.add_argument("ref", metavar="REF")
    p.add_argument("blocker", metavar="BLOCKER_REF")
    p.set_defaults(handler=_cmd_dep_add)
    p = sub.add_parser("rm", help="stop REF waiting for BLOCKER_REF")
    p.add_argument("ref", metavar="REF")
    p.add_argument("blocker", metavar="BLOCKER_REF")
    p.set_defaults(handler=_cmd_dep_rm)


async def _cmd_dep_add(s: Session) -> int:
    task = await s.engine.add_dependency(s.args.ref, s.args.blocker)
    if s.out.json:
        s.out.envelope("task", {"task": dump(task)})
        return 0
    given = str(s.args.blocker).strip()
    blocker = next(
        (b for b in task.blocked_by if given in (b.id, b.ref) or b.ref == given.upper()), None
    )
    what = f"{blocker.ref} ({blocker.status.label})" if blocker else given
    s.out.lines([f"{task.ref} ({task.status.label}) now waits for {what}."])
    return 0


async def _cmd_dep_rm(s: Session) -> int:
    task = await s.engine.remove_dependency(s.args.ref, s.args.blocker)
    text = f"{task.ref} no longer waits for {s.args.blocker}; it is {task.status.label}."
    return task_reply(s.out, task, lambda: [text])
