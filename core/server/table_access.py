"""The ``core.api.endpoint.Access`` checks, as the table's generic routes make them.

Each check reads the call's arguments by their names on the wire (``Endpoint.argument``
maps them to the engine's) and refuses, or narrows ``in_projects``, before the engine is
called. The rules are those of ``core.server.access`` and ``run_access``: for a token
limited to some projects, anything elsewhere is "not found", never a 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, cast

import annotated_types
from fastapi import Request

from core.api.endpoint import Access, Endpoint
from core.domain.access import TokenScope
from core.engine import TaskEngine
from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.server.access import check_all_visible, check_visible, hidden, project_filter
from core.server.auth import Caller
from core.server.run_access import check_run, sees_run, within
from core.server.state import server_state

Check = Callable[[Endpoint, TaskEngine, Caller, dict[str, Any]], Awaitable[None]]

DOING = {"create_project": "creating a project"}
"""What an ``EVERY_PROJECT`` call does, for the refusal."""


def _value(entry: Endpoint, args: dict[str, Any], wire: str) -> Any:
    return args.get(entry.argument(wire))


async def _every_project(
    entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]
) -> None:
    caller.require_every_project(DOING.get(entry.method, entry.method.replace("_", " ")))


async def _admin(entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]) -> None:
    caller.require(TokenScope.ADMIN)


async def _project(
    entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]
) -> None:
    await project_filter(engine, caller, _value(entry, args, "project"))


async def _task(entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]) -> None:
    await check_visible(engine, caller, _value(entry, args, "ref"))


async def _blocker(
    entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]
) -> None:
    await check_visible(engine, caller, _value(entry, args, "blocker"), field="blocker")


async def _tasks(entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]) -> None:
    await check_all_visible(engine, caller, _value(entry, args, "refs"), field="task")


async def _run(entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]) -> None:
    await check_run(engine, caller, _value(entry, args, "run_id"))


async def _quick_run(
    entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]
) -> None:
    # Unlimited tokens need no read first: the engine says "no quick run" in the same words.
    if caller.restricted:
        quick_run_id = _value(entry, args, "quick_run_id")
        if (await engine.get_quick_run(quick_run_id)).actor != caller.name:
            raise hidden("quick_run_id", quick_run_id, "quick run")


async def _named_leases(
    entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]
) -> None:
    if _value(entry, args, "leases") is None and caller.restricted:
        raise PermissionDeniedError(
            f"The token {caller.name!r} is limited to some projects: a heartbeat with it "
            "renews only the leases it names.",
            hint="Send leases: {run id: claim token} for each run the worker holds.",
            details={"field": "leases"},
        )


async def _in_projects(
    entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]
) -> None:
    name = entry.argument("in_projects")
    args[name] = within(caller, args.get(name))


async def _visible_outcomes(
    entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]
) -> None:
    if caller.restricted:
        name = entry.argument("outcomes")
        args[name] = [o for o in args[name] if await sees_run(engine, caller, o.run_id)]


async def _server_clock(
    entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]
) -> None:
    now = _value(entry, args, "now")
    if now is not None and now > datetime.now(UTC):
        raise ValidationError(
            "now may not be later than the server's clock: leases end by the server's time.",
            field="now",
            hint="Leave now out (null) to expire what has ended by now.",
            details={"input": now.isoformat()},
        )


async def _own_items(
    entry: Endpoint, engine: TaskEngine, caller: Caller, args: dict[str, Any]
) -> None:
    if caller.restricted:
        args[entry.argument("limit")] = most(entry)


def most(entry: Endpoint) -> int:
    """The largest ``limit`` the entry's query takes (what a limited token's list scans)."""
    assert entry.query is not None
    bounds = entry.query.model_fields["limit"].metadata
    return next(cast(int, b.le) for b in bounds if isinstance(b, annotated_types.Le))


CHECKS: dict[Access, Check] = {
    Access.EVERY_PROJECT: _every_project,
    Access.ADMIN: _admin,
    Access.PROJECT: _project,
    Access.TASK: _task,
    Access.BLOCKER: _blocker,
    Access.TASKS: _tasks,
    Access.RUN: _run,
    Access.QUICK_RUN: _quick_run,
    Access.NAMED_LEASES: _named_leases,
    Access.IN_PROJECTS: _in_projects,
    Access.VISIBLE_OUTCOMES: _visible_outcomes,
    Access.SERVER_CLOCK: _server_clock,
    Access.OWN_ITEMS: _own_items,
}
"""The check of each ``Access`` made before the engine call."""

AfterCheck = Callable[[Request, TaskEngine, Caller, dict[str, Any], Any], Awaitable[Any]]
"""A check of the answer: the request, the engine, the caller, the arguments asked for and
the result, which it returns (narrowed, or as it is)."""


async def _visible_items(
    request: Request, engine: TaskEngine, caller: Caller, asked: dict[str, Any], items: list[Any]
) -> list[Any]:
    return [item for item in items if caller.sees(item.id)]


async def _visible_refs(
    request: Request, engine: TaskEngine, caller: Caller, asked: dict[str, Any], refs: list[Any]
) -> list[Any]:
    if not caller.restricted:
        return refs
    return [ref for ref in refs if await _sees_task(engine, caller, ref)]


async def _sees_task(engine: TaskEngine, caller: Caller, ref: str) -> bool:
    try:
        task = await engine.get_task(ref, links=False)
    except NotFoundError:
        return False
    return caller.sees(task.project_id)


async def _own(
    request: Request, engine: TaskEngine, caller: Caller, asked: dict[str, Any], items: list[Any]
) -> list[Any]:
    if not caller.restricted:
        return items
    return [item for item in items if item.actor == caller.name][: asked["limit"]]


async def _forget_tokens(
    request: Request, engine: TaskEngine, caller: Caller, asked: dict[str, Any], result: Any
) -> Any:
    server_state(request.app).tokens.forget()
    return result


AFTER: dict[Access, AfterCheck] = {
    Access.FORGET_TOKENS: _forget_tokens,
    Access.VISIBLE_ITEMS: _visible_items,
    Access.VISIBLE_REFS: _visible_refs,
    Access.OWN_ITEMS: _own,
}
"""The check of each ``Access`` made on the answer (``OWN_ITEMS`` is both)."""
