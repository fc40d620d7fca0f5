"""``HttpTaskEngine``: the ``TaskEngine`` Protocol over a taskyard server's v2 API.

Each method makes the request its route takes and parses the answer back into the engine's
own model (``Model.model_validate``), so callers get the same objects and the same
``TaskyardError`` classes as from ``SqlTaskEngine``; the contract suite runs against both. The
actor is the token's name: the server records every change under it. A method that is
exactly its API table entry's call is made from it (``core.remote.table.table_method``).

Operations that exist only inside the server (who a token is, ``Idempotency-Key``
bookkeeping, acting as another actor) raise ``NotServedError``. The worker, run and quick-run
half of the Protocol is in ``core.remote.runs``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import date
from typing import Any, NoReturn, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter
from pydantic_core import to_json

from core.domain.access import (
    ApiToken,
    IdempotencyAttempt,
    IdempotencyReservation,
    StoredResponse,
)
from core.domain.commands import (
    AttachmentIn,
    BoardQuery,
    MilestoneCreate,
    ProjectCreate,
    TaskCreate,
    TaskImportItem,
    TaskPatch,
    TaskQuery,
)
from core.domain.models import (
    Attachment,
    Event,
    Milestone,
    Task,
    TaskCard,
    TaskStatus,
)
from core.domain.views import (
    BoardColumn,
    BulkResult,
    CreateResult,
    CursorPage,
    ImportResult,
    Page,
)
from core.engine import TaskEngine
from core.errors import DuplicateError, NotFoundError, TaskyardError, ValidationError
from core.prd.models import ImportJob, ImportOptions, ImportPlan, ImportPreview
from core.remote.orchestrators import OrchestratorCalls
from core.remote.runs import RunCalls
from core.remote.stream import StatusCallback, follow_stream
from core.remote.table import table_method
from core.remote.transport import Transport, write_task

M = TypeVar("M", bound=BaseModel)

DEFAULT_PROJECT = "inbox"
"""The slug of the project for things that name none (the engine makes it when first needed)."""
NO_LINKS: dict[str, Any] = {
    "children_ids": [],
    "blocked_by": [],
    "blocks": [],
    "run_ids": [],
    "attachments": [],
}
"""A task's fields that live in other tables, empty (``get_task(links=False)``)."""

MAX_PAGE = 200
"""The most tasks the server's keyset list returns per page."""
EVENT_PAGE = 1000
"""The most events the server's event list returns per page."""


class NotServedError(TaskyardError):
    """An operation only the server itself performs (tokens' secrets, idempotency keys)."""

    code = "not_served"
    http_status = 501
    exit_code = 1


def seg(value: str) -> str:
    """A path segment, escaped (a ref or name may hold any character)."""
    return quote(value, safe="")


def _many(adapter: TypeAdapter[list[M]], data: Any) -> list[M]:
    return adapter.validate_python(data["items"])


class HttpTaskEngine(RunCalls, OrchestratorCalls):
    """Every ``TaskEngine`` operation as a request to one server with one token."""

    def __init__(
        self,
        transport: Transport,
        *,
        revision: str | None = None,
        machine: dict[str, Any] | None = None,
    ) -> None:
        """Use an open ``Transport``; ``open`` also checks that the server answers."""
        self.transport = transport
        self._revision = revision
        self._machine = machine
        self.on_status: StatusCallback | None = None
        """Told how the event stream's connection is (the TUI's indicator)."""

    @classmethod
    async def open(cls, server: str, token: str | None, **options: Any) -> HttpTaskEngine:
        """Connect to ``server``: it must answer ``/readyz`` (its database up and current).

        Raises:
            ServerUnreachableError: it does not answer.
            StorageError: it answers, but its database does not.
            IncompatibleServerError: what answers is not a taskyard server of this API.
        """
        from core.remote.meta import readiness

        transport = Transport(server, token, **options)
        try:
            revision = await readiness(transport)
            machine = await transport.json("GET", "/api/v2/state-machine")
        except BaseException:
            await transport.close()
            raise
        return cls(transport, revision=revision, machine=machine)

    def __repr__(self) -> str:
        return f"HttpTaskEngine({self.transport.server!r})"

    async def close(self) -> None:
        """See ``TaskEngine.close``."""
        await self.transport.close()

    def schema_revision(self) -> str | None:
        """See ``TaskEngine.schema_revision``."""
        return self._revision

    async def _get(self, path: str, **params: Any) -> Any:
        return await self.transport.json("GET", "/api/v2" + path, params=params)

    async def _post(self, path: str, body: Any = None, **params: Any) -> Any:
        return await self.transport.json("POST", "/api/v2" + path, json=body, params=params)

    # -- projects and milestones -------------------------------------------------------
    create_project = table_method(TaskEngine.create_project)
    list_projects = table_method(TaskEngine.list_projects)
    get_project = table_method(TaskEngine.get_project)
    update_project = table_method(TaskEngine.update_project)

    async def create_milestone(self, request: MilestoneCreate) -> Milestone:
        """See ``TaskEngine.create_milestone``.

        The route names the project in its path, so a milestone for "the default project"
        names ``inbox``, made first (as the engine makes it) when it does not exist yet.
        """
        project = request.project or DEFAULT_PROJECT
        body = {
            "name": request.name,
            "slug": request.slug,
            "due": _iso(request.due_date),
            "start": _iso(request.start_date),
        }
        path = f"/projects/{seg(project)}/milestones"
        try:
            data = await self._post(path, body)
        except NotFoundError:
            if request.project is not None:
                raise
            await self._ensure_default_project()
            data = await self._post(path, body)
        return Milestone.model_validate(data)

    async def _ensure_default_project(self) -> None:
        inbox = ProjectCreate(
            name="Inbox",
            slug=DEFAULT_PROJECT,
            key="TY",
            description="Tasks that were not given a project.",
        )
        with contextlib.suppress(DuplicateError):  # made meanwhile
            await self.create_project(inbox)

    async def list_milestones(self, project: str | None = None) -> list[Milestone]:
        """See ``TaskEngine.list_milestones``."""
        if project is not None:
            result: list[Milestone] = await self._api("list_milestones", project=project)
            return result
        found: list[Milestone] = []
        for each in await self.list_projects():
            found.extend(await self.list_milestones(each.id))
        return sorted(found, key=lambda m: (m.due_date is None, m.due_date or date.min, m.slug))

    find_milestones = table_method(TaskEngine.find_milestones)
    update_milestone = table_method(TaskEngine.update_milestone)

    # -- tasks -------------------------------------------------------------------------
    async def create_task(self, request: TaskCreate) -> CreateResult:
        """See ``TaskEngine.create_task``."""
        response = await self.transport.request("POST", "/api/v2/tasks", json=_body(request))
        task = Task.model_validate_json(response.content)
        return CreateResult(task=task, created=response.status_code == 201)

    async def get_task(self, ref: str, *, links: bool = True) -> Task:
        """See ``TaskEngine.get_task``.

        The route always answers with the links; ``links=False`` leaves them out here, so
        the answer is the same as a local engine's.
        """
        task = Task.model_validate(await self._get(f"/tasks/{seg(ref)}"))
        return task if links else task.model_copy(update=NO_LINKS)

    async def list_tasks(self, query: TaskQuery) -> Page[Task]:
        """Offset pages read as keyset pages: the pages before ``query.page`` are walked."""
        skip = (query.page - 1) * query.limit
        items: list[Task] = []
        cursor: str | None = None
        total = 0
        first = True
        while True:
            page = await self.list_tasks_keyset(
                query.model_copy(update={"limit": min(MAX_PAGE, skip + query.limit)}),
                cursor=cursor,
                with_total=first,
            )
            if first:
                total = page.total or 0
                first = False
            take = page.items[skip:] if skip else page.items
            skip = max(0, skip - len(page.items))
            items.extend(take[: query.limit - len(items)])
            cursor = page.next_cursor
            if len(items) >= query.limit or cursor is None:
                return Page[Task](items=items, total=total, page=query.page, limit=query.limit)

    async def list_tasks_keyset(
        self, query: TaskQuery, *, cursor: str | None = None, with_total: bool = False
    ) -> CursorPage[Task]:
        """See ``TaskEngine.list_tasks_keyset``."""
        params = {
            "project": query.project,
            "milestone": query.milestone,
            "status": query.statuses,
            "priority": query.priorities,
            "label": query.labels,
            "assignee": query.assignee,
            "q": query.text,
            "include_completed": query.include_completed,
            "sort": query.sort,
            "order": "desc" if query.descending else "asc",
            "limit": query.limit,
            "cursor": cursor,
            "total": with_total,
        }
        return CursorPage[Task].model_validate(await self._get("/tasks", **params))

    async def update_task(
        self, ref: str, patch: TaskPatch, *, expected_version: int | None
    ) -> Task:
        """See ``TaskEngine.update_task``."""
        path = f"/api/v2/tasks/{seg(ref)}"
        return await write_task(self.transport, "PATCH", path, patch, expected_version)

    approve_commands = table_method(TaskEngine.approve_commands)

    async def transition_task(
        self,
        ref: str,
        status: TaskStatus,
        *,
        reason: str | None = None,
        force: bool = False,
        when_unblocked: bool = False,
        expected_version: int | None = None,
    ) -> Task:
        """See ``TaskEngine.transition_task``."""
        body = {
            "to": status.value,
            "reason": reason,
            "force": force,
            "when_unblocked": when_unblocked,
            "if_version": expected_version,
        }
        return Task.model_validate(await self._post(f"/tasks/{seg(ref)}/transition", body))

    delete_task = table_method(TaskEngine.delete_task)

    async def assign_tasks(self, refs: Sequence[str], assignee: str | None) -> BulkResult:
        """See ``TaskEngine.assign_tasks``."""
        data = await self._post("/tasks/assign", {"refs": list(refs), "assignee": assignee})
        return BulkResult.model_validate(data)

    add_dependency = table_method(TaskEngine.add_dependency)
    remove_dependency = table_method(TaskEngine.remove_dependency)

    async def ready_tasks(
        self,
        *,
        limit: int = 50,
        project: str | None = None,
        in_projects: Collection[str] | None = None,
    ) -> list[TaskCard]:
        """See ``TaskEngine.ready_tasks``."""
        cards: list[TaskCard] = await self._api("ready_tasks", limit=limit, project=project)
        if in_projects is not None:
            cards = [c for c in cards if c.project_id in set(in_projects)]
        return cards

    async def ready_tasks_json(
        self,
        *,
        limit: int = 50,
        project: str | None = None,
        in_projects: Collection[str] | None = None,
    ) -> str:
        """See ``TaskEngine.ready_tasks_json``: the cards read, then written again."""
        cards = await self.ready_tasks(limit=limit, project=project, in_projects=in_projects)
        return to_json(cards).decode()

    board = table_method(TaskEngine.board)

    async def board_column(
        self, query: BoardQuery, status: TaskStatus, *, offset: int, limit: int
    ) -> BoardColumn:
        """See ``TaskEngine.board_column``; a window over the route's 200 is read in parts."""
        cards: list[TaskCard] = []
        while True:
            want = min(MAX_PAGE, limit - len(cards))
            column: BoardColumn = await self._api(
                "board_column", query=query, status=status, offset=offset + len(cards), limit=want
            )
            cards.extend(column.cards)
            if len(cards) >= limit or len(column.cards) < want:
                return column.model_copy(update={"offset": offset, "cards": cards})

    async def card_position(self, query: BoardQuery, ref: str) -> tuple[TaskStatus, int] | None:
        """See ``TaskEngine.card_position``."""
        params = {**_board_filters(query), "status": query.statuses}
        data = await self._get(f"/tasks/{seg(ref)}/card-position", **params)
        if data.get("status") is None:
            return None
        return TaskStatus(data["status"]), int(data["index"])

    async def import_tasks(
        self, items: Sequence[TaskImportItem], *, project: str | None = None
    ) -> ImportResult:
        """See ``TaskEngine.import_tasks``."""
        body = {"items": [i.model_dump(mode="json", exclude_unset=True) for i in items]}
        data = await self._post("/import/tasks", body, project=project)
        return ImportResult.model_validate({k: data[k] for k in ImportResult.model_fields})

    # -- PRD import --------------------------------------------------------------------
    async def preview_import(
        self, text: str, *, source: str, options: ImportOptions
    ) -> ImportPreview:
        """See ``TaskEngine.preview_import``."""
        body = {"text": text, "source": source, "options": options.model_dump(mode="json")}
        return ImportPreview.model_validate(await self._post("/import/prd/preview", body))

    async def preview_plan(self, plan: ImportPlan) -> ImportPreview:
        """See ``TaskEngine.preview_plan``."""
        body = {"plan": plan.model_dump(mode="json")}
        return ImportPreview.model_validate(await self._post("/import/prd/preview", body))

    async def commit_import(self, plan: ImportPlan, *, approve_commands: bool = False) -> ImportJob:
        """See ``TaskEngine.commit_import``."""
        body = {"plan": plan.model_dump(mode="json"), "approve_commands": approve_commands}
        return ImportJob.model_validate(await self._post("/import/prd/commit", body))

    async def get_import(self, job_id: str) -> ImportJob:
        """See ``TaskEngine.get_import``."""
        return ImportJob.model_validate(await self._get(f"/import/{seg(job_id)}"))

    async def list_imports(self, *, limit: int = 20) -> list[ImportJob]:
        """See ``TaskEngine.list_imports``."""
        return _many(_JOBS, await self._get("/import", limit=limit))

    # -- attachments -------------------------------------------------------------------
    async def add_attachment(self, ref: str, attachment: AttachmentIn) -> Attachment:
        """See ``TaskEngine.add_attachment``."""
        try:
            content = base64.b64decode(attachment.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError(
                f"Attachment {attachment.name!r} is not valid base64.",
                field="content_base64",
                hint="Encode the file's bytes as base64.",
            ) from exc
        headers = {"Content-Type": attachment.content_type or "application/octet-stream"}
        response = await self.transport.client.post(
            f"/api/v2/tasks/{seg(ref)}/attachments",
            params={"name": attachment.name},
            content=content,
            headers={**headers, "Idempotency-Key": _key()},
        )
        if response.status_code >= 400:
            raise self.transport.error_of(response)
        return Attachment.model_validate_json(response.content)

    async def get_attachment(self, attachment_id: str) -> tuple[Attachment, bytes]:
        """See ``TaskEngine.get_attachment``."""
        meta = Attachment.model_validate(await self._get(f"/attachments/{seg(attachment_id)}"))
        path = f"/api/v2/attachments/{seg(attachment_id)}/content"
        response = await self.transport.request("GET", path)
        return meta, response.content

    # -- events ------------------------------------------------------------------------
    async def latest_event_seq(self) -> int:
        """The newest event's seq: the last of the event list, read to its end."""
        since = 0
        while True:
            data = await self._get("/events", since=since, limit=EVENT_PAGE)
            since = int(data["next_since"])
            if not data["has_more"]:
                return since

    async def events(
        self, *, since: int = 0, limit: int = 500, task: str | None = None
    ) -> list[Event]:
        """See ``TaskEngine.events``."""
        found: list[Event] = []
        while len(found) < limit:
            want = min(EVENT_PAGE, limit - len(found))
            data = await self._get("/events", since=since, limit=want, task=task)
            found.extend(_EVENTS.validate_python(data["items"]))
            since = int(data["next_since"])
            if not data["has_more"]:
                break
        return found[:limit]

    async def follow_events(
        self, *, since: int = 0, poll_interval: float = 0.5, min_interval: float = 0.0
    ) -> AsyncIterator[Event]:
        """See ``TaskEngine.follow_events``."""
        async for event in follow_stream(self.transport, since=since, on_status=self.on_status):
            yield event

    def state_machine(self) -> dict[str, Any]:
        """The server's table, as read when the engine opened (it changes only on a restart)."""
        if self._machine is None:
            _not_served("state_machine before open(): read it with open()")
        return self._machine

    # -- serving -------------------------------------------------------------------------
    def acting_as(
        self,
        actor: str,
        *,
        approve_own_commands: bool = False,
        idempotency: IdempotencyAttempt | None = None,
    ) -> TaskEngine:
        """See ``TaskEngine.acting_as``."""
        _not_served("acting_as: over HTTP the actor is always the token's name")

    async def check_ready(self) -> str:
        """See ``TaskEngine.check_ready``."""
        from core.remote.meta import readiness

        self._revision = await readiness(self.transport)
        return self._revision

    create_token = table_method(TaskEngine.create_token)
    list_tokens = table_method(TaskEngine.list_tokens)
    revoke_token = table_method(TaskEngine.revoke_token)

    async def authenticate_token(self, secret: str) -> ApiToken:
        """See ``TaskEngine.authenticate_token``."""
        _not_served("authenticate_token: the server checks tokens itself")

    async def reserve_idempotency_key(
        self, token_id: str, key: str, fingerprint: str
    ) -> IdempotencyReservation:
        """See ``TaskEngine.reserve_idempotency_key``."""
        _not_served("Idempotency-Key bookkeeping is the server's own")

    async def complete_idempotency_key(
        self, attempt: IdempotencyAttempt, response: StoredResponse
    ) -> None:
        """See ``TaskEngine.complete_idempotency_key``."""
        _not_served("Idempotency-Key bookkeeping is the server's own")

    async def renew_idempotency_key(self, attempt: IdempotencyAttempt) -> None:
        """See ``TaskEngine.renew_idempotency_key``."""
        _not_served("Idempotency-Key bookkeeping is the server's own")

    async def release_idempotency_key(self, attempt: IdempotencyAttempt) -> None:
        """See ``TaskEngine.release_idempotency_key``."""
        _not_served("Idempotency-Key bookkeeping is the server's own")


def _not_served(what: str) -> NoReturn:
    raise NotServedError(
        f"Not available over HTTP: {what}.",
        hint="Open the database directly (--db) for this operation.",
    )


def _key() -> str:
    import uuid

    return uuid.uuid4().hex


def _body(request: BaseModel) -> dict[str, Any]:
    """A request model as the JSON body its route reads (fields left at default included)."""
    data: dict[str, Any] = request.model_dump(mode="json", exclude_none=False)
    return data


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _board_filters(query: BoardQuery) -> dict[str, Any]:
    return {
        "project": query.project,
        "milestone": query.milestone,
        "priority": query.priorities,
        "label": query.labels,
        "assignee": query.assignee,
        "q": query.text,
    }


_JOBS = TypeAdapter(list[ImportJob])
_EVENTS = TypeAdapter(list[Event])
