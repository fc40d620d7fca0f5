"""What a token limited to some projects may see: nothing of the others, not even that it exists.

The limit applies to the data, not to the routes: lists, boards and counts are queried
within the token's projects (``in_projects``), and a task, project or reference outside them
is "not found", exactly as if it did not exist. A 403 would confirm it exists.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.domain.models import Project, Task
from core.engine import TaskEngine
from core.errors import NotFoundError
from core.server.auth import Caller

LIMITED_HINT = "Check the reference; this token sees only its own projects."


def hidden(
    field: str, ref: str, what: str | None = None, *, hint: str = LIMITED_HINT
) -> NotFoundError:
    """The "not found" for something the caller may not see (``what``: its name, else ``field``).

    Worded as the engine words a missing one, and concealed for limited tokens the same way
    (``core.server.errors.conceal``), so the two answers cannot be told apart.
    """
    return NotFoundError(
        f"No {what or field} {ref!r}.",
        hint=hint,
        details={"field": field, "input": ref, "suggestions": []},
    )


async def visible_project(engine: TaskEngine, caller: Caller, ref: str) -> Project:
    """The project ``ref`` names, if the caller may see it.

    Raises:
        NotFoundError: no such project, or one the caller may not see.
    """
    project = await engine.get_project(ref)
    if not caller.sees(project.id):
        raise hidden("project", ref)
    return project


async def project_filter(engine: TaskEngine, caller: Caller, ref: str | None) -> str | None:
    """A project filter as given, once the caller may see it (``None`` stays ``None``).

    Raises:
        NotFoundError: no such project, or one the caller may not see.
    """
    if ref is not None and caller.restricted:
        await visible_project(engine, caller, ref)
    return ref


async def visible_task(
    engine: TaskEngine, caller: Caller, ref: str, *, links: bool = True, field: str = "task"
) -> Task:
    """The task ``ref`` names, if the caller may see its project.

    Raises:
        NotFoundError: no such task, or one in a project the caller may not see.
    """
    task = await engine.get_task(ref, links=links)
    if not caller.sees(task.project_id):
        raise hidden(field, ref)
    return task


async def check_visible(
    engine: TaskEngine, caller: Caller, ref: str, *, field: str = "task"
) -> None:
    """Refuse a reference to a task the caller may not see (nothing for unlimited tokens).

    Raises:
        NotFoundError: no such task, or one in a project the caller may not see.
    """
    if caller.restricted:
        await visible_task(engine, caller, ref, links=False, field=field)


async def check_all_visible(
    engine: TaskEngine, caller: Caller, refs: Iterable[str], *, field: str
) -> None:
    """``check_visible`` for each reference (blockers, a parent) a request names.

    Raises:
        NotFoundError: one of them is missing or invisible to the caller.
    """
    for ref in refs:
        await check_visible(engine, caller, ref, field=field)
