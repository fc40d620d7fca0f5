"""``describe`` and ``do``: the rest of the engine behind two tools.

A tool per engine operation would cost an agent thousands of tokens of listing it rarely
uses (the complaint of every peer's users). These two reach the operations the named tools
leave out. Each operation's arguments are its ``TaskEngine`` method's own, validated from
the method's signature, and ``describe`` shows its docstring: the contract written once, in
``core.engine``. Operations that would let an agent widen its own powers (approving
commands, tokens, Run Now) are not offered.

A caller limited to some projects gets only operations whose arguments or answers can be
kept within its projects, each checked or filtered as the API does.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, get_type_hints

import pydantic
from mcp.server.mcpserver import Context
from mcp_types import CallToolResult
from pydantic_core import to_jsonable_python

from core.domain.commands import from_pydantic
from core.engine import TaskEngine
from core.errors import NotFoundError
from core.mcp.guard import Guard
from core.mcp.results import answer
from core.mcp.server import calls
from core.mcp.spec import READS, tools, writes

Check = Callable[[TaskEngine, Guard, dict[str, Any]], Awaitable[None]]
"""Checks (and may narrow) an operation's validated arguments for the caller."""
Narrow = Callable[[Guard, Any], Any]
"""Keeps only what the caller may see of an operation's answer."""


@dataclass(frozen=True)
class Operation:
    """An engine method offered through ``do``."""

    name: str
    writes: bool
    check: Check | None = None
    narrow: Narrow | None = None

    @property
    def summary(self) -> str:
        """The first line of the method's docstring."""
        return (inspect.getdoc(getattr(TaskEngine, self.name)) or "").split("\n", 1)[0]


def _task(field: str) -> Check:
    async def check(engine: TaskEngine, guard: Guard, args: dict[str, Any]) -> None:
        values = args[field] if isinstance(args[field], list) else [args[field]]
        for ref in values:
            await guard.check_task(engine, ref)

    return check


def _run(field: str) -> Check:
    async def check(engine: TaskEngine, guard: Guard, args: dict[str, Any]) -> None:
        await guard.check_run(engine, args[field])

    return check


async def _project(engine: TaskEngine, guard: Guard, args: dict[str, Any]) -> None:
    args["project"] = await guard.project(engine, args.get("project"))


async def _project_ref(engine: TaskEngine, guard: Guard, args: dict[str, Any]) -> None:
    await guard.project(engine, args["ref"])


async def _board(engine: TaskEngine, guard: Guard, args: dict[str, Any]) -> None:
    query = args["query"]
    project = await guard.project(engine, query.project)
    args["query"] = query.model_copy(update={"project": project, "in_projects": guard.within()})


async def _new_milestone(engine: TaskEngine, guard: Guard, args: dict[str, Any]) -> None:
    request = args["request"]
    project = await guard.write_project(engine, request.project)
    args["request"] = request.model_copy(update={"project": project})


async def _every_project(engine: TaskEngine, guard: Guard, args: dict[str, Any]) -> None:
    guard.require_every_project("creating a project")


def _by_project(guard: Guard, items: Any) -> Any:
    return [item for item in items if guard.sees(item.project_id)]


def _projects(guard: Guard, items: Any) -> Any:
    return [item for item in items if guard.sees(item.id)]


def _one_import(guard: Guard, job: Any) -> Any:
    if guard.restricted and not guard.sees(job.project_id):
        raise NotFoundError(f"No import {job.id!r}.", details={"field": "job_id"})
    return job


OPERATIONS = {
    op.name: op
    for op in (
        Operation("list_projects", False, narrow=_projects),
        Operation("get_project", False, check=_project_ref),
        Operation("list_milestones", False, check=_project, narrow=_by_project),
        Operation("board", False, check=_board),
        Operation("runs_of", False, check=_task("ref")),
        Operation("get_run", False, check=_run("run_id")),
        Operation("run_steps", False, check=_run("run_id")),
        Operation("read_log", False, check=_run("owner_id")),
        Operation("list_workers", False),
        Operation("list_imports", False, narrow=_by_project),
        Operation("get_import", False, narrow=_one_import),
        Operation("create_project", True, check=_every_project),
        Operation("create_milestone", True, check=_new_milestone),
        Operation("assign_tasks", True, check=_task("refs")),
        Operation("retry", True, check=_task("ref")),
        Operation("cancel", True, check=_task("ref")),
        Operation("delete_task", True, check=_task("ref")),
    )
}
"""What ``do`` offers, by engine method name."""


@cache
def arguments_model(name: str) -> type[pydantic.BaseModel]:
    """The arguments of ``TaskEngine.<name>`` as a model, from its signature.

    ``in_projects`` is left out: it is the caller's project limit, never the agent's to say.
    """
    method = getattr(TaskEngine, name)
    hints = get_type_hints(method)
    fields: dict[str, Any] = {}
    for param in list(inspect.signature(method).parameters.values())[1:]:
        if param.name == "in_projects":
            continue
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (hints[param.name], default)
    return pydantic.create_model(
        f"{name}_arguments", __config__=pydantic.ConfigDict(extra="forbid"), **fields
    )


def _operation(name: str) -> Operation:
    op = OPERATIONS.get(name)
    if op is None:
        raise NotFoundError(
            f"No operation {name!r}.",
            hint="Call describe with no operation to list them.",
            details={"field": "operation", "input": name, "suggestions": sorted(OPERATIONS)},
        )
    return op


async def describe(ctx: Context, operation: str | None = None) -> CallToolResult:
    """List the engine operations do offers, or one operation's arguments and contract."""
    if operation is None:
        return answer(
            [
                {"name": op.name, "writes": op.writes, "does": op.summary}
                for op in OPERATIONS.values()
            ]
        )
    op = _operation(operation)
    return answer(
        {
            "name": op.name,
            "writes": op.writes,
            "contract": inspect.getdoc(getattr(TaskEngine, op.name)),
            "arguments": arguments_model(op.name).model_json_schema(),
        }
    )


async def do(
    ctx: Context, operation: str, arguments: dict[str, Any] | None = None
) -> CallToolResult:
    """Run an engine operation describe lists, with its arguments; answers in full."""
    op = _operation(operation)
    engine, guard = await calls(ctx, write=op.writes)
    try:
        parsed = arguments_model(op.name).model_validate(arguments or {})
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc) from exc
    args = {name: getattr(parsed, name) for name in type(parsed).model_fields}
    if op.check is not None:
        await op.check(engine, guard, args)
    method = getattr(engine, op.name)
    if "in_projects" in inspect.signature(method).parameters:
        args["in_projects"] = guard.within()
    result = await method(**args)
    if op.narrow is not None and guard.restricted:
        result = op.narrow(guard, result)
    return answer(to_jsonable_python(result))


TOOLS = tools(
    (describe, READS),
    (do, writes(destructive=True, idempotent=False)),
)
"""The generic pair."""
