"""Who is calling a tool: what they may write and which projects they may see.

Over stdio the caller is the local user, who may do anything the CLI may (``LocalGuard``). Over
HTTP the server's bearer token decides (``core.server.mcp_mount.TokenGuard``): its scope
and its project limit, checked by the same functions the API's routes use, so a token sees
exactly as much through ``/mcp`` as through ``/api/v2``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from core.domain.models import Task
    from core.engine import TaskEngine
    from core.errors import TaskyardError


class Guard(Protocol):
    """The access checks a tool makes before and after its engine call."""

    @property
    def name(self) -> str:
        """Who calls (a token's name; the local user's actor)."""

    @property
    def restricted(self) -> bool:
        """Whether the caller is limited to some projects."""

    def engine(self, base: TaskEngine) -> TaskEngine:
        """The engine acting as the caller (events and history name it)."""

    def require_write(self) -> None:
        """Refuse a caller that may only read (``PermissionDeniedError``)."""

    def require_every_project(self, doing: str) -> None:
        """Refuse a caller limited to some projects (``PermissionDeniedError``)."""

    def sees(self, project_id: str | None) -> bool:
        """Whether the caller may see a thing of this project (``None``: of no project)."""

    def within(self) -> list[str] | None:
        """The project ids to limit queries to (``None``: every project)."""

    async def task(self, engine: TaskEngine, ref: str, *, links: bool = True) -> Task:
        """The task ``ref`` names, if the caller may see it (``NotFoundError`` otherwise)."""

    async def check_task(self, engine: TaskEngine, ref: str, *, field: str = "task") -> None:
        """Refuse a reference to a task the caller may not see."""

    async def check_run(self, engine: TaskEngine, run_id: str) -> None:
        """Refuse a run (or quick run) the caller may not see."""

    async def project(self, engine: TaskEngine, ref: str | None) -> str | None:
        """A project filter as given, once the caller may see it."""

    async def write_project(self, engine: TaskEngine, ref: str | None) -> str | None:
        """The project a write goes to (a limited caller's own when ``None``)."""

    def shown(self, error: TaskyardError) -> TaskyardError:
        """``error`` as this caller may read it (no near matches from hidden projects)."""


class LocalGuard:
    """The local user of ``taskyard mcp``: every project, every write, as the CLI allows."""

    restricted = False

    def __init__(self, name: str) -> None:
        self.name = name

    def engine(self, base: TaskEngine) -> TaskEngine:
        """The engine as opened: the CLI already made it act as ``--actor``."""
        return base

    def require_write(self) -> None:
        """The local user may write."""

    def require_every_project(self, doing: str) -> None:
        """The local user sees every project."""

    def sees(self, project_id: str | None) -> bool:
        """The local user sees everything."""
        return True

    def within(self) -> list[str] | None:
        """No limit."""
        return None

    async def task(self, engine: TaskEngine, ref: str, *, links: bool = True) -> Task:
        """The task, as the engine finds it."""
        return await engine.get_task(ref, links=links)

    async def check_task(self, engine: TaskEngine, ref: str, *, field: str = "task") -> None:
        """Nothing to check: the engine's own call finds a missing task."""

    async def check_run(self, engine: TaskEngine, run_id: str) -> None:
        """Nothing to check: the engine's own call finds a missing run."""

    async def project(self, engine: TaskEngine, ref: str | None) -> str | None:
        """The filter as given."""
        return ref

    async def write_project(self, engine: TaskEngine, ref: str | None) -> str | None:
        """The project as given (``None``: the default project)."""
        return ref

    def shown(self, error: TaskyardError) -> TaskyardError:
        """Errors as they are."""
        return error
