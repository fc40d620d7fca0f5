"""``taskyard dep ...``: make a task wait for another, or stop it waiting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.cli.options import REF
from core.cli.replies import dump, task_reply
from core.cli.specs import Command, Commands, Group, arg

if TYPE_CHECKING:
    from core.cli.session import Session


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


BLOCKER = arg("blocker", metavar="BLOCKER_REF")

COMMANDS: Commands = (
    Group(
        "dep",
        "add and remove dependencies",
        (
            Command("add", _cmd_dep_add, "make REF wait for BLOCKER_REF", (REF, BLOCKER)),
            Command("rm", _cmd_dep_rm, "stop REF waiting for BLOCKER_REF", (REF, BLOCKER)),
        ),
    ),
)
