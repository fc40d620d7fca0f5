"""Orchestrators ("VPs"): agent identities in a project, and the task changes they poll for.

task-management-api.md gives every task a VP: an agent that works in one workspace (a
project here) on behalf of a user, with a role. taskyard keeps one assignee per task, so a
task belongs to an orchestrator when its assignee is that orchestrator's name; the VP's user
is who it acts for, kept as given (taskyard has no user accounts). docs/api-compat.md has
the whole mapping.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from core.domain.models import Task

ORCHESTRATOR_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$"
"""An orchestrator's name is the assignee of its tasks: one word, like a token's name."""


class OrchestratorCreate(BaseModel):
    """A new orchestrator in a project (by id, slug or key)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    project: str = Field(min_length=1, max_length=200)
    name: str = Field(pattern=ORCHESTRATOR_NAME_PATTERN)
    role: str = Field(default="", max_length=200)
    user_id: str | None = Field(default=None, min_length=1, max_length=200)
    """The user it acts for, as the caller knows them; the email when not given."""
    user_name: str = Field(default="", max_length=200)
    user_email: str = Field(default="", max_length=320)

    @field_validator("role", "user_name", "user_email", "user_id")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("contains a NUL character (\\x00), which text cannot hold")
        return value


class OrchestratorUser(BaseModel):
    """The user an orchestrator acts for."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    name: str
    email: str


class Orchestrator(BaseModel):
    """An agent identity in a project; its ``name`` is the assignee of the tasks it works."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    project_id: str
    name: str
    role: str
    user: OrchestratorUser
    created_at: AwareDatetime
    created_by: str


class TaskChanges(BaseModel):
    """Tasks changed after a cursor, oldest change first, and the cursor to ask from next.

    ``cursor`` is an event ``seq`` below which every change has committed: a poll from it
    misses nothing, whatever order concurrent writers commit in.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    items: list[Task]
    cursor: int
    has_more: bool
