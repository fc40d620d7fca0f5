"""``/mcp``: the MCP server (``core.mcp``) in ``taskyard serve``, over streamable HTTP.

Every request needs the same bearer token as ``/api/v2`` and counts against the same rate
limit (``rate_limit.RateLimitMiddleware`` covers this path). The token makes the request's
``TokenGuard``: tools act as the token's name, need scope write to change anything, and
see only the token's projects, through the checks the API's routes use (``access``,
``scoping``, ``run_access``), so ``/mcp`` can never show or do more than ``/api/v2``.

The transport is the SDK's, stateless with JSON answers: a request carries all it needs
(claims live in the database, named by run id and claim token), so any ``--workers``
process can answer it. The SDK's DNS-rebinding check (a Host allowlist) is off: it guards
servers without credentials, and a page a browser was tricked into loading can neither
read nor send this server's bearer tokens. Its session manager runs in the app's lifespan
(``McpMount.running``).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from core.domain.access import TokenScope
from core.domain.models import Task
from core.engine import TaskEngine
from core.errors import NotFoundError, TaskyardError
from core.mcp.server import GUARD_KEY, TaskyardMCP, build_server
from core.server.access import check_visible, project_filter, visible_task
from core.server.auth import Caller, authenticate
from core.server.errors import conceal, error_response
from core.server.run_access import check_run
from core.server.scoping import settled_project
from core.server.settings import ServerSettings
from core.server.state import server_state

MCP_PATH = "/mcp"


class TokenGuard:
    """What a request's token may do through the MCP tools (``core.mcp.guard.Guard``)."""

    def __init__(self, caller: Caller) -> None:
        self.caller = caller
        self.name = caller.name
        self.restricted = caller.restricted

    def engine(self, base: TaskEngine) -> TaskEngine:
        """The engine acting as the token, as ``deps.request_engine`` makes it."""
        return base.acting_as(
            self.caller.name, approve_own_commands=self.caller.scope is TokenScope.ADMIN
        )

    def require_write(self) -> None:
        """Scope write or admin (403 ``forbidden`` otherwise)."""
        self.caller.require(TokenScope.WRITE)

    def require_every_project(self, doing: str) -> None:
        """A token for every project."""
        self.caller.require_every_project(doing)

    def sees(self, project_id: str | None) -> bool:
        """Whether the token sees the project (things of no project: unlimited tokens only)."""
        if project_id is None:
            return not self.restricted
        return self.caller.sees(project_id)

    def within(self) -> list[str] | None:
        """The token's project ids (``None``: every project)."""
        return self.caller.visible()

    async def task(self, engine: TaskEngine, ref: str, *, links: bool = True) -> Task:
        """The task, if the token sees its project."""
        return await visible_task(engine, self.caller, ref, links=links)

    async def check_task(self, engine: TaskEngine, ref: str, *, field: str = "task") -> None:
        """Refuse a task in a project the token does not see."""
        await check_visible(engine, self.caller, ref, field=field)

    async def check_run(self, engine: TaskEngine, run_id: str) -> None:
        """Refuse a run of a project the token does not see."""
        await check_run(engine, self.caller, run_id)

    async def project(self, engine: TaskEngine, ref: str | None) -> str | None:
        """A project filter the token may use."""
        return await project_filter(engine, self.caller, ref)

    async def write_project(self, engine: TaskEngine, ref: str | None) -> str | None:
        """The project a write goes to (the token's own when it has one and none is named)."""
        return await settled_project(engine, self.caller, ref)

    def shown(self, error: TaskyardError) -> TaskyardError:
        """Not-found errors without near matches from projects the token does not see."""
        if isinstance(error, NotFoundError) and self.restricted:
            return conceal(error)
        return error


class McpEndpoint:
    """The ASGI endpoint at ``/mcp``: check the token, then hand the request to the SDK."""

    def __init__(self, server: TaskyardMCP) -> None:
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401 (the API's error body) without a valid token; serve MCP with one."""
        try:
            caller = await authenticate(scope, server_state(scope["app"]).engine)
        except TaskyardError as error:
            await error_response(error, scope.get("state"))(scope, receive, send)
            return
        scope.setdefault("state", {})[GUARD_KEY] = TokenGuard(caller)
        await self.server.session_manager.asgi_app(scope, receive, send)


def mount_mcp(app: FastAPI, settings: ServerSettings) -> AbstractAsyncContextManager[None]:
    """Serve the MCP server at ``/mcp``; returns what the app's lifespan must enter.

    The SDK's session manager needs its task group running before the first request, and
    can run once: the lifespan enters the returned context around its ``yield``.
    """

    async def engine() -> TaskEngine:
        return server_state(app).engine

    server = build_server(engine, local=None)
    server.streamable_http_app(
        json_response=True,
        stateless_http=True,
        max_request_body_size=settings.request_max_bytes,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    # A Route whose endpoint is an ASGI app: /mcp exactly, no redirect to /mcp/.
    app.router.routes.append(
        Route(
            MCP_PATH,
            McpEndpoint(server),
            methods=["GET", "POST", "DELETE"],
            include_in_schema=False,
        )
    )
    return server.session_manager.run()
