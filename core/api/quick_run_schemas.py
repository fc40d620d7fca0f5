"""Request bodies and small answers of the quick-run routes (``/api/v2/quick-runs``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.domain.runs import LogChunk


class LogBody(BaseModel):
    """Output to append to a running quick run's log."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    stream: Literal["stdout", "stderr", "system"] = "stdout"


class Appended(BaseModel):
    """Where the appended output landed in the log."""

    seq: int


class FinishBody(BaseModel):
    """How the quick run ended: succeeded (true), failed (false) or cancelled (null)."""

    model_config = ConfigDict(extra="forbid")

    success: bool | None
    exit_code: int | None = None
    summary: str | None = None


class PromoteBody(BaseModel):
    """Where the promoted task goes (``null``: the default project, or a limited token's one)."""

    model_config = ConfigDict(extra="forbid")

    project: str | None = None


class LogPage(BaseModel):
    """Log chunks after ``since``, oldest first; ask again from ``next_since`` for more."""

    items: list[LogChunk]
    next_since: int
    """The last chunk's ``seq`` (``since`` again when nothing new was written)."""


class QuickRunList(BaseModel):
    """The query string of ``GET /quick-runs``."""

    limit: int = Field(default=20, ge=1, le=500)
