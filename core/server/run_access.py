"""What a project-limited token may see of runs and logs: those of its projects' tasks only.

A run belongs to its task's project. A quick run belongs to no project: a limited token sees
only the quick runs it made itself (its name is their actor). Anything else is "not found",
exactly as a run that does not exist (``access`` explains why never a 403). Tokens for every
project skip these reads: each costs a query or two, and only limits need them.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Literal

from core.domain.runs import Run
from core.engine import TaskEngine
from core.errors import NotFoundError, ValidationError
from core.server.access import hidden
from core.server.auth import Caller

RunKind = Literal["any", "run", "quick"]


def within(caller: Caller, requested: list[str] | None) -> list[str] | None:
    """The project ids a request may touch: those asked for, inside the caller's own."""
    visible = caller.visible()
    if visible is None:
        return requested
    if requested is None:
        return visible
    return sorted(set(visible) & set(requested))


RUNS_HINT = "A task's runs are listed by GET /api/v2/tasks/{ref}/runs."
"""The field is the engine's own for a missing id (``run_id``), so a hidden run reads exactly
like one that does not exist; a limited token gets ``errors.conceal``'s hint instead."""


async def visible_run(engine: TaskEngine, caller: Caller, run_id: str) -> Run:
    """The run, if the caller may see its task's project.

    Raises:
        NotFoundError: no such run, or one of a project the caller may not see.
    """
    run = await engine.get_run(run_id)
    if caller.restricted:
        task = await engine.get_task(run.task_id, links=False)
        if not caller.sees(task.project_id):
            raise hidden("run_id", run_id, hint=RUNS_HINT)
    return run


async def check_run(engine: TaskEngine, caller: Caller, run_id: str) -> None:
    """Refuse a run the caller may not see (nothing to check for unlimited tokens).

    Raises:
        NotFoundError: no such run, or one of a project the caller may not see.
    """
    if caller.restricted:
        await visible_run(engine, caller, run_id)


async def sees_run(engine: TaskEngine, caller: Caller, run_id: str) -> bool:
    """Whether ``run_id`` is a run the caller may see."""
    return await _found(visible_run(engine, caller, run_id))


async def _found(check: Awaitable[object]) -> bool:
    try:
        await check
    except NotFoundError:
        return False
    return True


async def check_log_owner(engine: TaskEngine, caller: Caller, owner_id: str) -> None:
    """Refuse a log owner (run or quick run) that does not exist or the caller may not see.

    Raises:
        NotFoundError: neither a run nor a quick run the caller may see has this id.
    """
    try:
        await visible_run(engine, caller, owner_id)
        return
    except NotFoundError:
        pass
    try:
        quick = await engine.get_quick_run(owner_id)
    except NotFoundError:
        raise hidden("run or quick run", owner_id, hint=RUNS_HINT) from None
    if caller.restricted and quick.actor != caller.name:
        raise hidden("run or quick run", owner_id, hint=RUNS_HINT)


async def sees_log_owner(engine: TaskEngine, caller: Caller, owner_id: str) -> bool:
    """Whether ``owner_id`` is a run or quick run the caller may see."""
    return await _found(check_log_owner(engine, caller, owner_id))


async def resolve_run_id(engine: TaskEngine, caller: Caller, prefix: str, kind: RunKind) -> str:
    """``TaskEngine.resolve_run_id`` among the ids the caller may see.

    For a limited token, an id it may not see does not exist: a prefix naming one of its
    runs and others' resolves to its own, and an ambiguity lists only its own.

    Raises:
        NotFoundError: no id the caller may see starts with ``prefix``.
        ValidationError: ``prefix`` is too short, or starts several ids the caller may see.
    """
    try:
        resolved = await engine.resolve_run_id(prefix, kind=kind)
    except ValidationError as exc:
        candidates = exc.details.get("candidates")
        if not caller.restricted or candidates is None:
            raise
        return await _one_visible(engine, caller, prefix, kind, candidates)
    if caller.restricted and not await sees_log_owner(engine, caller, resolved):
        raise hidden("run_id", prefix, hint=RUNS_HINT)
    return resolved


async def _one_visible(
    engine: TaskEngine, caller: Caller, prefix: str, kind: RunKind, candidates: list[str]
) -> str:
    seen = [c for c in candidates if await sees_log_owner(engine, caller, c)]
    if len(seen) == 1:
        return seen[0]
    if not seen:
        raise hidden("run_id", prefix, hint=RUNS_HINT)
    raise ValidationError(
        f"{prefix.strip().lower()!r} starts {len(seen)} ids: {', '.join(seen)}.",
        field="run_id",
        hint="Give more characters of the id, enough to tell them apart.",
        details={"input": prefix, "candidates": seen},
    )
