"""Where a limited token's writes land, and what it is told about things it may not see.

``core.server.access`` keeps reads within a token's projects; this module does the same for
requests that name a project only implicitly (an import, a promoted quick run: "the default
project") and for things found by their own id (an import job, a quick run, an attachment),
whose project or owner decides whether the token may see them (``access.hidden`` words the
refusal).
"""

from __future__ import annotations

from core.engine import TaskEngine
from core.errors import ValidationError
from core.server.access import project_filter
from core.server.auth import Caller


async def settled_project(
    engine: TaskEngine, caller: Caller, project: str | None, *, field: str = "project"
) -> str | None:
    """The project a write goes to, once the caller may write there.

    Unlimited tokens keep ``project`` as given (``None``: the default project). A token
    limited to projects never lands in the default project by accident: ``None`` means its
    one project, and is refused when it has several.

    Raises:
        ValidationError: a token with several projects named none.
        NotFoundError: the project does not exist or the token may not see it.
    """
    if not caller.restricted:
        return project
    if project is None:
        if len(caller.project_slugs) != 1:
            raise ValidationError(
                "This token is limited to projects "
                f"{', '.join(caller.project_slugs)}: say which one to write to.",
                field=field,
                hint="Give the project (its slug, key or id).",
            )
        project = caller.project_slugs[0]
    await project_filter(engine, caller, project)
    return project
