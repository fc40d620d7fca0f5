"""``/v1``: milestone lookup by slug and the rich ``POST /v1/tasks`` (seed spec 000).

The spec is v1-slugs-references-idempotency.md.

Every route is a translation: the body is read in v1's shape, one ``TaskEngine`` call does
the work with the engine's rules, and the answer goes back in v1's shape
(``{ok: true, ...}``, or ``{ok: false, status, detail: [{type, loc, msg, input,
suggestions}]}``). The mapping of every field is in docs/api-compat.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from core.domain.commands import ProjectCreate, TaskCreate, parse
from core.domain.models import Milestone, Task
from core.engine import TaskEngine
from core.errors import DuplicateError, NotFoundError, TaskyardError, ValidationError
from core.server.access import check_visible, project_filter, visible_project, visible_task
from core.server.auth import Caller, current_caller
from core.server.compat.framing import (
    Failure,
    answering_with,
    failure_headers,
    json_answer,
    near,
    plain_errors,
)
from core.server.compat.v1_schemas import (
    PRIORITY_BY_SCORE,
    SCORE_BY_PRIORITY,
    Ref,
    Refs,
    V1ErrorBody,
    V1Milestones,
    V1TaskAnswer,
    V1TaskCreate,
)
from core.server.deps import CallerDep, EngineDep, WriterDep

FIELD_LOCS: dict[str, tuple[str, ...]] = {
    "assignee": ("body", "assignee_persona"),
    "priority": ("body", "priority_score"),
    "attachments.content_base64": ("body", "attachments"),
    "parent": ("body", "parent_task_id"),
    "parent_external_id": ("body", "parent_task_external_id"),
    "project": ("body", "project_id"),
    "milestone": ("body", "milestone_id"),
}
"""Where an engine field is in a v1 body, when no reference says more precisely."""

NOT_FOUND_MESSAGES = {
    "project": "Project not found",
    "milestone": "Milestone not found",
    "parent": "Parent task not found",
    "parent_external_id": "Parent task not found",
}


def render(failure: Failure) -> Response:
    """A failure as v1's error body, with the status of its kind."""
    if isinstance(failure, RequestValidationError):
        status, detail = 422, plain_errors(failure)
    else:
        status, detail = failure.http_status, _detail(failure)
    return json_answer(
        {"ok": False, "status": status, "detail": detail},
        status=status,
        headers=failure_headers(failure),
    )


def _loc(field: object) -> list[str]:
    if not isinstance(field, str) or not field:
        return ["body"]
    return list(FIELD_LOCS.get(field, ("body", *field.split("."))))


def _detail(error: TaskyardError) -> list[dict[str, Any]]:
    details = error.details
    problems = details.get("errors")
    if isinstance(error, ValidationError) and isinstance(problems, list) and problems:
        return [
            {"type": "value_error", "loc": _loc(p.get("field")), "msg": p.get("message", "")}
            for p in problems
        ]
    item: dict[str, Any] = {
        "type": error.code,
        "loc": details.get("loc") or _loc(details.get("field")),
        "msg": error.message,
        "input": details.get("input"),
    }
    if isinstance(error, NotFoundError):
        item["suggestions"] = [
            s if isinstance(s, dict) else {"slug": str(s), "id": None}
            for s in details.get("suggestions") or []
        ]
    else:
        item["ctx"] = {k: v for k, v in details.items() if k not in {"loc", "field", "input"}}
    return [item]


router = APIRouter(
    prefix="/v1",
    tags=["v1 (compatibility)"],
    dependencies=[Depends(current_caller)],
    route_class=answering_with(render),
    responses={s: {"model": V1ErrorBody} for s in (400, 401, 403, 404, 409, 422, 503)},
)


def milestone_view(milestone: Milestone) -> dict[str, Any]:
    """A milestone in v1's words (``due`` and ``url`` beside the v2 fields)."""
    due = milestone.due_date.isoformat() if milestone.due_date else None
    return {
        "id": milestone.id,
        "slug": milestone.slug,
        "name": milestone.name,
        "start_date": milestone.start_date.isoformat() if milestone.start_date else None,
        "due_date": due,
        "due": due,
        "url": f"/v1/projects/{milestone.project_id}/milestones?slug={milestone.slug}",
    }


def task_view(task: Task) -> dict[str, Any]:
    """A task in v1's words; attachments point at their v2 download."""
    return {
        "id": task.id,
        "ref": task.ref,
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "priority_score": SCORE_BY_PRIORITY[task.priority],
        "project_id": task.project_id,
        "milestone_id": task.milestone_id,
        "parent_task_id": task.parent_id,
        "assignee_persona": task.assignee,
        "effort_estimate": task.effort_estimate,
        "external_id": task.external_id,
        "attachments": [
            {
                "id": a.id,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "url": f"/api/v2/attachments/{a.id}/content",
            }
            for a in task.attachments
        ],
        "url": f"/v1/tasks/{task.id}",
        "created_at": task.created_at.isoformat(),
        "updated_at": task.updated_at.isoformat(),
    }


@router.get(
    "/projects/{project_id}/milestones",
    response_model=V1Milestones,
    summary="Find a project's milestones by slug or name (v1)",
)
async def find_milestones(
    project_id: str,
    engine: EngineDep,
    caller: CallerDep,
    slug: Annotated[str | None, Query(max_length=200)] = None,
    name: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 10,
) -> Response:
    """Case-insensitive matches; none found gives ``[]`` and the closest milestones with ids."""
    try:
        project = await visible_project(engine, caller, project_id)
    except NotFoundError as exc:
        raise _located(exc, ("path", "project_id")) from exc
    found = await engine.find_milestones(project.id, slug=slug, name=name, limit=limit)
    body: dict[str, Any] = {"ok": True, "milestones": [milestone_view(m) for m in found]}
    asked = slug or name
    if not found and asked:
        every = await engine.list_milestones(project.id)
        body["suggestions"] = [
            {"slug": m.slug, "id": m.id, "name": m.name}
            for m in near(asked, every, lambda m: (m.slug, m.name))
        ]
    return json_answer(body)


@router.post(
    "/tasks",
    status_code=201,
    response_model=V1TaskAnswer,
    responses={200: {"model": V1TaskAnswer, "description": "The external_id's existing task."}},
    summary="Create a task with references, attachments and options (v1)",
)
async def create_task(body: V1TaskCreate, engine: EngineDep, caller: WriterDep) -> Response:
    """201 with the new task; 200 with ``note: "existing"`` when its external_id was used.

    Unresolved references answer 404 at the ``loc`` the client used, with near matches
    and their ids.
    """
    refs = body.refs()
    project = project_of(refs)
    try:
        project = await _project(engine, caller, refs, resolve_inline=body.options.resolve_inline)
        request = _engine_request(body, refs, project)
        if refs.parent is not None:
            await check_visible(engine, caller, refs.parent.value, field="parent")
        result = await engine.create_task(request)
    except NotFoundError as exc:
        raise await _with_ids(engine, exc, refs, project) from exc
    task = result.task
    if not result.created:
        return json_answer({"ok": True, "status": 200, "task": task_view(task), "note": "existing"})
    return json_answer(
        {"ok": True, "task": task_view(task)},
        status=201,
        headers={"Location": f"/v1/tasks/{task.id}"},
    )


@router.get("/tasks/{task_id}", response_model=V1TaskAnswer, summary="Read a task (v1)")
async def get_task(task_id: str, engine: EngineDep, caller: CallerDep) -> Response:
    """The task a create answered with, at its ``url``."""
    try:
        task = await visible_task(engine, caller, task_id)
    except NotFoundError as exc:
        raise _located(exc, ("path", "task_id")) from exc
    return json_answer({"ok": True, "task": task_view(task)})


def project_of(refs: Refs) -> str | None:
    """The project reference a request gave, if any."""
    return refs.project.value if refs.project else None


async def _project(
    engine: TaskEngine, caller: Caller, refs: Refs, *, resolve_inline: bool
) -> str | None:
    """The project the task goes in, created first when ``resolve_inline`` allows it."""
    if refs.project is None:
        if caller.restricted and len(caller.project_slugs) == 1:
            return caller.project_slugs[0]
        return None
    ref = refs.project.value
    if resolve_inline and refs.project_by_slug:
        try:
            return (await visible_project(engine, caller, ref)).id
        except NotFoundError:
            caller.require_every_project("creating a project inline")
            return await _create_project(engine, ref, refs.project)
    await project_filter(engine, caller, ref)
    return ref


async def _create_project(engine: TaskEngine, slug: str, where: Ref) -> str:
    """The new project's id (or the one a concurrent request made with this slug)."""
    try:
        request = parse(ProjectCreate, {"name": slug, "slug": slug})
        return (await engine.create_project(request)).id
    except DuplicateError:
        return (await engine.get_project(slug)).id
    except ValidationError as exc:
        raise ValidationError(
            exc.message, hint=exc.hint, details={"field": "project", "loc": list(where.loc)}
        ) from exc


def _engine_request(body: V1TaskCreate, refs: Refs, project: str | None) -> TaskCreate:
    fields: dict[str, Any] = {
        "title": body.title,
        "description": body.description,
        "project": project,
        "milestone": refs.milestone.value if refs.milestone else None,
        "create_milestone_if_missing": body.create_milestone and not refs.milestone_by_id,
        "parent": refs.parent.value if refs.parent else None,
        "parent_external_id": refs.parent_external_id.value if refs.parent_external_id else None,
        "effort_estimate": body.effort_estimate,
        "assignee": body.assignee_persona,
        "external_id": body.external_id,
        "attachments": [a.model_dump() for a in body.attachments],
    }
    if body.priority_score is not None:
        fields["priority"] = PRIORITY_BY_SCORE[body.priority_score]
    return parse(TaskCreate, fields)


def _located(error: NotFoundError, loc: tuple[str, ...]) -> NotFoundError:
    field = str(error.details.get("field") or "item")
    return NotFoundError(
        NOT_FOUND_MESSAGES.get(field, f"{field.capitalize()} not found"),
        hint=error.hint,
        details={**error.details, "loc": list(loc)},
    )


async def _with_ids(
    engine: TaskEngine, error: NotFoundError, refs: Refs, project: str | None
) -> NotFoundError:
    """``error`` at the body location its reference came from, suggestions with their ids."""
    field = str(error.details.get("field") or "")
    where = {
        "project": refs.project,
        "milestone": refs.milestone,
        "parent": refs.parent,
        "parent_external_id": refs.parent_external_id,
    }.get(field)
    located = _located(error, where.loc if where else tuple(_loc(field)))
    names = [str(s) for s in error.details.get("suggestions") or []]
    located.details["suggestions"] = await _suggestions(engine, field, names, project)
    return located


async def _suggestions(
    engine: TaskEngine, field: str, names: list[str], project: str | None
) -> list[dict[str, Any]]:
    if not names:
        return []
    if field == "project":
        by_name: dict[str, str] = {}
        for p in await engine.list_projects():
            by_name[p.slug.lower()] = by_name[p.key.lower()] = p.id
        return [{"slug": n, "id": by_name.get(n.lower())} for n in names]
    if field == "milestone":
        ids = {m.slug: m.id for m in await engine.list_milestones(project)}
        return [{"slug": n, "id": ids.get(n)} for n in names]
    found: list[dict[str, Any]] = []
    for name in names:
        try:
            found.append({"slug": name, "id": (await engine.get_task(name, links=False)).id})
        except NotFoundError:
            found.append({"slug": name, "id": None})
    return found
