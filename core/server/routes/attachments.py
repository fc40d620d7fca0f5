"""Attachments: upload a file to a task as the raw request body, read it back byte for byte.

Uploads are the raw bytes (``POST /api/v2/tasks/{ref}/attachments?name=FILE``, the file's
type as ``Content-Type``), not multipart: any HTTP client can send a file that way
(``curl --data-binary @FILE``), nothing is encoded twice, and the size limit applies to the
file itself. ``core.server.body_limit`` refuses a body over ``[limits] attachment_max_bytes``
with a 413 before it is read (``Content-Length``) or as soon as it passes the limit
(chunked), so the route below only ever holds a body within the limit.

Not in the API table (``core.api``): the bodies are raw bytes both ways, and the engine's
``get_attachment`` answers metadata and bytes together, which two routes serve apart; a
limited token's access goes by the attachment's task.
"""

from __future__ import annotations

import base64
import re
from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Request
from starlette.responses import Response

from core.domain.commands import MAX_ATTACHMENT_NAME, AttachmentIn, parse
from core.domain.models import Attachment
from core.engine import TaskEngine
from core.server.access import check_visible, hidden
from core.server.api_routes import api_router
from core.server.auth import Caller
from core.server.deps import CallerDep, EngineDep, WriterDep
from core.server.errors import documented, error_responses
from core.server.responses import model_response

router = api_router(tags=["attachments"])

UPLOAD_PATH = re.compile(r"^/api/v2/tasks/[^/]+/attachments/?$")
"""The upload route's path, for the body limit (which runs before routing)."""

UNSAID_TYPES = frozenset({"", "application/octet-stream", "application/x-www-form-urlencoded"})
"""Content types that say nothing about the file (curl's default for --data-binary is the
form type): the store then guesses the type from the file's name."""

_UPLOAD_DOC = {
    "required": True,
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
}


@router.post(
    "/tasks/{ref}/attachments",
    openapi_extra={"requestBody": _UPLOAD_DOC},
    **documented(
        Attachment, 404, 413, status=201, summary="Attach a file to a task (the raw body)"
    ),
)
async def upload(
    ref: str,
    request: Request,
    engine: EngineDep,
    caller: WriterDep,
    name: Annotated[str, Query(min_length=1, max_length=MAX_ATTACHMENT_NAME)],
) -> Response:
    """Store the body as a file named ``name``; 413 over ``[limits] attachment_max_bytes``.

    ``Content-Type`` is kept as the file's type; without one (or with
    ``application/octet-stream``) the type is guessed from the name.
    """
    await check_visible(engine, caller, ref)
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    item = parse(
        AttachmentIn,
        {
            "name": name,
            "content_base64": base64.b64encode(await request.body()).decode("ascii"),
            "content_type": None if media in UNSAID_TYPES else media,
        },
    )
    stored = await engine.add_attachment(ref, item)
    return model_response(
        stored, status=201, headers={"Location": f"/api/v2/attachments/{stored.id}"}
    )


@router.get(
    "/attachments/{attachment_id}",
    **documented(Attachment, 404, summary="Read an attachment's name, type, size and checksum"),
)
async def get_attachment(attachment_id: str, engine: EngineDep, caller: CallerDep) -> Response:
    """The attachment's metadata (its bytes are at ``.../content``)."""
    attachment, _ = await _visible(engine, caller, attachment_id)
    return model_response(attachment)


@router.get(
    "/attachments/{attachment_id}/content",
    responses={
        200: {
            "description": "The file, byte for byte, with its type and name.",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        },
        **error_responses(404),
    },
    summary="Download an attachment",
)
async def download(attachment_id: str, engine: EngineDep, caller: CallerDep) -> Response:
    """The file as stored, as a download (never shown inline: it may be HTML from anyone).

    ``ETag`` is its SHA-256; ``Content-Disposition`` carries its name.
    """
    attachment, data = await _visible(engine, caller, attachment_id)
    return Response(
        data,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.name)}",
            "ETag": f'"{attachment.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _visible(
    engine: TaskEngine, caller: Caller, attachment_id: str
) -> tuple[Attachment, bytes]:
    """The attachment and its bytes, if the caller may see its task's project.

    Raises:
        NotFoundError: no such attachment, or one the caller may not see.
    """
    attachment, data = await engine.get_attachment(attachment_id)
    if caller.restricted:
        task = await engine.get_task(attachment.task_id, links=False)
        if not caller.sees(task.project_id):
            raise hidden("attachment", attachment_id, "attachment")
    return attachment, data
