"""``POST /api/v2/import/tasks``: many tasks and their edges at once (JSON Lines or a JSON list).

The import is one transaction: every item is checked first, and one bad item (a bad field,
an unknown blocker, a cycle) imports nothing and lists every problem with its line or
index. Items whose ``external_id`` is already in their project are left as they are, so
sending the same file again creates nothing twice. The answer says what became of each item.

Not in the API table (``core.api``): the body is JSON Lines or JSON, read by hand, and the
answer's status says whether anything was created.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from core.domain.commands import TaskImportItem
from core.domain.jsonl import parse_items, parse_lines, with_line_numbers
from core.domain.models import Task
from core.domain.views import ImportResult
from core.engine import TaskEngine
from core.errors import BadRequestError, NotFoundError, ValidationError
from core.server.access import project_filter
from core.server.api_routes import api_router
from core.server.auth import Caller
from core.server.deps import EngineDep, WriterDep
from core.server.errors import documented
from core.server.responses import model_response
from core.server.scoping import settled_project

router = api_router("/import", tags=["import"])

BODY_NAME = "the request body"
JSON_LINES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "text/plain")

_BODY_DOC = {
    "required": True,
    "content": {
        "application/x-ndjson": {
            "schema": {"type": "string"},
            "example": '{"title": "Fix login", "external_id": "jira-1"}\n'
            '{"title": "Ship it", "blocked_by": ["jira-1"]}\n',
        },
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"items": {"type": "array", "items": {"type": "object"}}},
                "required": ["items"],
            }
        },
    },
}


class ImportedItem(BaseModel):
    """What became of one item."""

    model_config = ConfigDict(frozen=True)

    index: int
    """Its place among the items, from 0."""
    line: int | None = None
    """Its line in a JSON Lines body."""
    external_id: str | None = None
    ref: str
    """The task it created, or the one that already had its external id."""
    created: bool
    """False: a task with this external id was already in the project and is left as it is."""


class TaskImportReport(ImportResult):
    """``ImportResult`` (created and existing refs, edges, warnings) and a result per item."""

    items: list[ImportedItem]


@router.post(
    "/tasks",
    openapi_extra={"requestBody": _BODY_DOC},
    **documented(
        TaskImportReport,
        404,
        409,
        413,
        status=201,
        existing="Every item was already imported.",
        summary="Import many tasks (JSON Lines, or a JSON list); all or nothing",
    ),
)
async def import_tasks(
    request: Request,
    engine: EngineDep,
    caller: WriterDep,
    project: Annotated[str | None, Query(description="For items that name no project")] = None,
) -> Response:
    """Create every item and the edges between them, or nothing (422 listing each problem).

    Send JSON Lines (``Content-Type: application/x-ndjson``, one task object per line, as
    ``taskyard task import`` reads) or ``{"items": [...]}`` as ``application/json``. Each
    object takes the task's fields plus ``status``, ``blocked_by`` (external ids in the
    body or the project, or refs), ``parent_external_id``, ``project`` and ``command``.
    Commands count as approved only when an admin token imports them.
    """
    items, lines = _items(await request.body(), request.headers.get("content-type"))
    try:
        project = await _within_callers_projects(items, project, engine, caller)
        result = await engine.import_tasks(items, project=project)
    except ValidationError as exc:
        if lines is None:
            raise
        raise with_line_numbers(exc, lines, BODY_NAME) from None
    per_item = await _per_item(engine, items, lines, result, project)
    report = TaskImportReport(**result.model_dump(), items=per_item)
    return model_response(report, status=201 if result.created else 200)


def _items(body: bytes, content_type: str | None) -> tuple[list[TaskImportItem], list[int] | None]:
    """The items of a JSON list or a JSON Lines body, and the lines of the latter.

    Raises:
        BadRequestError: the body is not UTF-8, or not JSON where JSON was said.
        ValidationError: every bad item or line.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequestError(
            "The request body is not UTF-8 text.",
            hint="Send JSON Lines or JSON, encoded as UTF-8.",
        ) from None
    if media != "application/json":
        return parse_lines(text, BODY_NAME)
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise BadRequestError(
            "The request body is not valid JSON.",
            hint='Send {"items": [...]}, or JSON Lines as application/x-ndjson.',
            details={"position": str(exc)},
        ) from None
    if not isinstance(data, dict) or set(data) != {"items"} or not isinstance(data["items"], list):
        raise ValidationError(
            'A JSON import is an object with one key, "items": a list of task objects.',
            field="items",
            hint="Name the project with ?project=SLUG; each item may name its own.",
        )
    return parse_items(data["items"], BODY_NAME), None


async def _within_callers_projects(
    items: list[TaskImportItem], project: str | None, engine: TaskEngine, caller: Caller
) -> str | None:
    """The import's project, once the caller may write to every project the items go to.

    A limited token may also not name, as a blocker, a task of a project it cannot see: the
    engine would say that the blocker "is in another project", confirming it exists.
    """
    if not caller.restricted:
        return project
    if project is not None or any(item.project is None for item in items):
        project = await settled_project(engine, caller, project)
    for named in {item.project for item in items if item.project is not None}:
        await project_filter(engine, caller, named)
    await _check_blockers(items, engine, caller)
    return project


async def _check_blockers(items: list[TaskImportItem], engine: TaskEngine, caller: Caller) -> None:
    """Refuse blockers in projects the caller cannot see, in the engine's words for a missing one.

    Raises:
        ValidationError: ``details["errors"]`` lists each such blocker by item index.
    """
    in_body = {item.external_id for item in items if item.external_id is not None}
    unseen: set[str] = set()
    for blocker in {b for item in items for b in item.blocked_by if b not in in_body}:
        try:
            task = await engine.get_task(blocker, links=False)
        except NotFoundError:
            continue  # an external id stored in the project, or nothing: the engine says which
        if not caller.sees(task.project_id):
            unseen.add(blocker)
    problems: list[dict[str, Any]] = [
        {
            "index": i,
            "field": "blocked_by",
            "message": f"blocker {b!r} is neither an external id in this file or project "
            "nor a task ref",
        }
        for i, item in enumerate(items)
        for b in item.blocked_by
        if b in unseen
    ]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ValidationError(
            f"item {problems[0]['index'] + 1}: {problems[0]['message']}{more}. "
            "Nothing was imported.",
            field="blocked_by",
            hint="Fix every listed item and import the file again.",
            details={"errors": problems},
        )


async def _per_item(
    engine: TaskEngine,
    items: list[TaskImportItem],
    lines: list[int] | None,
    result: ImportResult,
    project: str | None,
) -> list[ImportedItem]:
    """Each item's task: ``result.created`` and ``result.existing`` are both in item order.

    An item without an external id was created. Which items with one were already stored
    is plain when none or all were; otherwise the stored tasks are read and matched, in
    order, by external id and project.
    """
    with_ids = [i for i, item in enumerate(items) if item.external_id is not None]
    if not result.existing:
        kept: set[int] = set()
    elif len(result.existing) == len(with_ids):
        kept = set(with_ids)
    else:
        kept = await _matched(engine, items, with_ids, result.existing, project)
    created, existing = iter(result.created), iter(result.existing)
    return [
        ImportedItem(
            index=i,
            line=lines[i] if lines is not None else None,
            external_id=item.external_id,
            ref=next(existing) if i in kept else next(created),
            created=i not in kept,
        )
        for i, item in enumerate(items)
    ]


async def _matched(
    engine: TaskEngine,
    items: list[TaskImportItem],
    with_ids: list[int],
    existing: list[str],
    project: str | None,
) -> set[int]:
    """The items (indexes) that the ``existing`` tasks, in item order, were stored for."""
    stored: list[Task | None] = []
    for ref in existing:
        try:
            stored.append(await engine.get_task(ref, links=False))
        except NotFoundError:  # deleted since the import: the next candidate is taken as its
            stored.append(None)
    project_ids: dict[str, str] = {}
    kept: set[int] = set()
    for i in with_ids:
        if len(kept) == len(stored):
            break
        task = stored[len(kept)]
        if task is None or (
            task.external_id == items[i].external_id
            and await _in_project(engine, items[i].project or project, task, project_ids)
        ):
            kept.add(i)
    return kept


async def _in_project(
    engine: TaskEngine, named: str | None, task: Task, project_ids: dict[str, str]
) -> bool:
    """Whether ``task`` is in the project ``named`` (``None``: the default project, any)."""
    if named is None:
        return True
    if named not in project_ids:
        project_ids[named] = (await engine.get_project(named)).id
    return project_ids[named] == task.project_id
