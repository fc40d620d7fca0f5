"""The board's query strings: its filters, and the one ``BoardQuery`` argument they stand for.

The board routes take the engine's ``BoardQuery`` as plain query parameters under shorter
names (``priority``, ``label``, ``q``, ``status``), so the query model is not the argument:
``engine_arguments`` builds the argument from the values a request carries, once the
server's checks have narrowed them (``in_projects``), and ``query_values`` gives a client
the values for the arguments it was called with (``core.api.endpoint.ArgumentQuery``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from core.domain.commands import BoardQuery, parse
from core.domain.models import Priority, TaskStatus


class BoardFilters(BaseModel):
    """The filters every board read takes, as ``BoardQuery`` fields under their query names."""

    project: str | None = Field(default=None, description="Project id, slug or key")
    milestone: str | None = Field(default=None, description="Milestone (needs project)")
    priority: list[Priority] | None = Field(default=None, description="Repeatable")
    label: list[str] | None = Field(default=None, description="Repeatable; all must match")
    assignee: str | None = None
    q: str | None = Field(default=None, description="Search ref, title and description")

    @classmethod
    def engine_arguments(cls, values: dict[str, Any]) -> dict[str, Any]:
        """``query`` from the filters (and ``status``, ``per_column``); other values as given.

        Raises:
            ValidationError: the values make no valid ``BoardQuery``.
        """
        rest = dict(values)
        fields: dict[str, Any] = {
            "project": rest.pop("project"),
            "milestone": rest.pop("milestone"),
            "priorities": rest.pop("priority") or [],
            "labels": rest.pop("label") or [],
            "assignee": rest.pop("assignee"),
            "text": rest.pop("q"),
            "per_column": rest.pop("per_column") if "per_column" in cls.model_fields else 0,
            "in_projects": rest.pop("in_projects", None),
        }
        # Other arguments may be named status too (board_column's column), so only a field's.
        statuses = rest.pop("status") if "status" in cls.model_fields else None
        if statuses:
            fields["statuses"] = statuses
        return {"query": parse(BoardQuery, fields), **rest}

    @classmethod
    def query_values(cls, args: Mapping[str, Any]) -> dict[str, Any]:
        """The filters of ``args["query"]``, and the other arguments the model has fields for."""
        query: BoardQuery = args["query"]
        values = {name: args[name] for name in cls.model_fields if name in args}
        values |= {
            "project": query.project,
            "milestone": query.milestone,
            "priority": query.priorities or None,
            "label": query.labels or None,
            "assignee": query.assignee,
            "q": query.text,
        }
        if "status" in cls.model_fields and query.statuses != list(TaskStatus):
            values["status"] = query.statuses
        if "per_column" in cls.model_fields:
            values["per_column"] = query.per_column
        return values


class _Columns(BaseModel):
    status: list[TaskStatus] | None = Field(default=None, description="Columns shown (repeatable)")


class _BoardLead(_Columns):
    per_column: int = Field(default=50, ge=0, le=200)


class _Window(BaseModel):
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=200)


# A model's own fields come after those of the bases listed later, so the query string
# lists (status, per_column) or (offset, limit) before the filters.
class BoardParams(BoardFilters, _BoardLead):
    """The query string of ``GET /tasks/board``."""


class BoardColumnParams(BoardFilters, _Window):
    """The query string of ``GET /tasks/board/{column}``."""


class CardParams(BoardFilters, _Columns):
    """The query string of ``GET /tasks/{ref}/card-position``."""
