"""Resources (a task, the board summary) and the prompt that turns a PRD file into a plan."""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import Context, MCPServer

from core.domain.commands import BoardQuery
from core.mcp.results import task_detail
from core.mcp.server import calls

ALL_PROJECTS = "all"
"""``taskyard://board/all``: the board of every project the caller sees."""


async def task_resource(ref: str, ctx: Context) -> str:
    """A task as an agent works from it (the ``show`` tool's compact answer)."""
    engine, guard = await calls(ctx)
    return json.dumps(task_detail(await guard.task(engine, ref)), ensure_ascii=False)


async def board_resource(project: str, ctx: Context) -> str:
    """How many tasks are in each state, and the first few of each column."""
    engine, guard = await calls(ctx)
    chosen = None if project == ALL_PROJECTS else await guard.project(engine, project)
    view = await engine.board(BoardQuery(project=chosen, per_column=5, in_projects=guard.within()))
    summary: dict[str, Any] = {
        column.status.value: {
            "count": column.count,
            "top": [f"{c.ref} {c.title}" for c in column.cards],
        }
        for column in view.columns
    }
    return json.dumps({"columns": summary, "last_event_seq": view.last_event_seq})


def plan_prd(path: str, project: str | None = None) -> str:
    """Turn a PRD file into a previewed plan of tasks, and commit it once the user agrees."""
    where = f' and project="{project}"' if project else ""
    return (
        f"Read the PRD file {path} in full. Call the taskyard tool prd_preview with its whole "
        f'text as text, source="{path}"{where}. Show me the planned tasks in order, what '
        "waits on what (after), the number of waves and every warning, and point out tasks "
        "that look too big or too vague. Do not commit anything yet. When I agree (or after "
        "you changed the document as I asked and previewed it again), call prd_commit with "
        "exactly the same arguments, and tell me the refs it created."
    )


def register(server: MCPServer[Any]) -> None:
    """Add the resources and the prompt to ``server``."""
    server.resource("taskyard://task/{ref}", name="task", mime_type="application/json")(
        task_resource
    )
    server.resource("taskyard://board/{project}", name="board", mime_type="application/json")(
        board_resource
    )
    server.prompt(name="plan_prd")(plan_prd)
