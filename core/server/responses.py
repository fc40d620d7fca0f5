"""Answers: models as JSON without a second validation, and a task's version as its ETag.

Routes declare their ``response_model`` for OpenAPI but return ``model_response(...)``: the
engine's models are already valid, and FastAPI's re-validation of a 50-task page cost more
than reading it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel
from starlette.responses import Response

from core.domain.models import Task
from core.errors import BadRequestError

JSON_TYPE = "application/json"


def model_response(
    model: BaseModel, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``model`` as a JSON response."""
    return Response(
        model.model_dump_json().encode(), status_code=status, headers=headers, media_type=JSON_TYPE
    )


def etag(version: int) -> str:
    """A task version as an ETag: ``"v7"`` (strong: the version changes with every change)."""
    return f'"v{version}"'


def task_response(
    task: Task, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A task with its ``ETag``."""
    return model_response(
        task, status=status, headers={**(headers or {}), "ETag": etag(task.version)}
    )


_TAG = re.compile(r'^(W/)?"v(\d{1,9})"$')


def if_match_version(header: str | None) -> int | None:
    """The version an ``If-Match`` header requires (``None``: no header, or ``*``).

    Raises:
        BadRequestError: the header is not one task ETag (``"v7"``) or ``*``.
    """
    if header is None or header.strip() == "*":
        return None
    match = _TAG.match(header.strip())
    if match is None or match.group(1):
        raise BadRequestError(
            f'If-Match must be one task ETag such as "v7" (or *), not {header!r}.',
            hint="Send back the ETag header of the task you read, quotes included.",
            details={"field": "If-Match", "input": header},
        )
    return int(match.group(2))


def none_match(header: str | None, version: int) -> bool:
    """Whether ``If-None-Match`` names this version (weak or strong), or is ``*``."""
    if header is None:
        return False
    for part in header.split(","):
        text = part.strip()
        if text == "*":
            return True
        match = _TAG.match(text)
        if match is not None and int(match.group(2)) == version:
            return True
    return False


def not_modified(version: int) -> Response:
    """A 304: the client's copy is current."""
    return Response(status_code=304, headers={"ETag": etag(version)})
