"""One command's run: open the engine with what the command needs, run it, close the engine.

Also the start-up pause of the garbage collector that ``main`` holds while the heavy modules
load. Only the standard library is imported at module level; the engine, the configuration
files and the orchestrator load when a command runs.
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from core.config import shown_database
from core.errors import NotFoundError

if TYPE_CHECKING:
    from core.cli.output.writer import Output
    from core.engine import TaskEngine
    from core.orchestrator.config import OrchestratorConfig
    from core.remote.light import LightClient


@dataclass
class Session:
    """One command's world: its arguments, the open engine and where output goes."""

    args: argparse.Namespace
    engine: TaskEngine
    out: Output
    database: str
    """The database URL, for messages."""
    existed: bool
    """Whether a SQLite file was already there before this command opened it."""
    orchestrator: OrchestratorConfig | None = None
    """The orchestrator settings, read for the commands that run work (worker, run, quick)."""

    @property
    def actor(self) -> str:
        """Who this command acts as (``--actor``, ``$TASKYARD_ACTOR``, the login name)."""
        from core.config import default_actor

        return str(self.args.actor or default_actor())

    @property
    def config(self) -> OrchestratorConfig:
        """The orchestrator settings of a command that declared ``orchestrated``."""
        if self.orchestrator is None:  # its parser does not declare orchestrated=True
            raise RuntimeError(f"{self.args.handler.__name__} reads no orchestrator settings")
        return self.orchestrator


Handler = Callable[[Session], Awaitable[int]]
"""A command: it writes its answer through ``Session.out`` and returns the exit code."""

EngineOwner = Callable[
    [argparse.Namespace, Callable[[], Coroutine[Any, Any, "TaskEngine"]], Callable[[], None]],
    Awaitable[int],
]
"""A command that opens the engine itself, when it needs it (``set_defaults(opens_engine=...)``):
it gets its arguments, the engine's opener and ``started`` (to call once its heavy imports
are done), closes the engine, and returns the exit code. Its ``handler`` is not called."""

StandaloneHandler = Callable[[argparse.Namespace, "Output"], Awaitable[int]]
"""A command that opens no engine (``standalone``): login, logout, status."""

LightRead = Callable[[argparse.Namespace, "LightClient", "Output"], int]
"""A read that, with ``--json`` against a server, prints the server's JSON as the engine path
would print its models (``set_defaults(light_read=...)``): it is answered through the
standard-library client, with no engine, no httpx, no pydantic (``run_light``)."""


def asks(args: argparse.Namespace, need: str) -> bool:
    """Whether the parsed command declares ``need`` (a parser default).

    A command declares a need with ``set_defaults(need=True)``, or with a test of its own
    arguments when only some uses have it (``events --follow`` waits for work, ``events``
    does not). The needs: ``orchestrated`` (read the orchestrator settings), ``waits_for_work``
    (refuse a database that does not exist yet) and ``stores_files`` (read ``[limits]``).
    """
    value = getattr(args, need, False)
    return bool(value(args) if callable(value) else value)


def database_location(db: str | None) -> tuple[str, bool]:
    """The URL the engine will open, and whether its SQLite file exists yet (else ``True``)."""
    from core.config import database_url, default_database_url

    url = database_url(db) if db else default_database_url()
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1].split("?", 1)[0]
        if path and path != ":memory:" and not path.startswith("file:"):
            return url, Path(path).exists()
    return url, True


async def run_command(
    handler: Handler, args: argparse.Namespace, out: Output, *, started: Callable[[], None]
) -> int:
    """Open the engine, run the command, and always close the engine.

    Args:
        handler: The command.
        args: Its parsed arguments.
        out: Where its answer goes.
        started: Called once the engine is open (the heavy imports are done).
    """
    if asks(args, "standalone"):
        # login, logout, status: they reach a server themselves, with no engine.
        started()
        standalone: StandaloneHandler = args.handler
        return await standalone(args, out)
    server = remote_server(args)
    if server is not None:
        return await _run_remote(handler, args, out, server, started=started)
    from core.bootstrap import open_engine

    url, existed = database_location(args.db)
    if asks(args, "waits_for_work") and not existed:
        # It would make a new, empty database and wait on it forever: a mistyped --db.
        where = shown_database(url)
        raise NotFoundError(
            f"No database at {where}: a new, empty one would be created and nothing would "
            "ever arrive in it.",
            hint=f"Run `taskyard --db {where} init` first if that is the one you want, or check "
            "--db / TASKYARD_DB.",
            details={"field": "db", "input": where, "suggestions": []},
        )
    options: dict[str, Any] = {}
    orchestrator = None
    if asks(args, "orchestrated"):
        from core.cli.orchestration import load_orchestrator_config

        orchestrator = load_orchestrator_config()
        options = orchestrator.engine_options()
    if asks(args, "stores_files"):
        # Only the commands that store files read [limits]: a broken taskyard.toml must not
        # stop `task list`.
        from core.config_file import Limits, load_config

        options["attachment_max_bytes"] = Limits.from_config(load_config()).attachment_max_bytes
    opens_itself: EngineOwner | None = getattr(args, "opens_engine", None)
    if opens_itself is not None:
        # The command opens the engine when it needs it, with the options read above
        # (``taskyard mcp`` answers its agent's handshake while the store loads).
        opener = partial(open_engine, args.db, actor=args.actor, **options)
        return await opens_itself(args, opener, started)
    engine = await open_engine(args.db, actor=args.actor, **options)
    started()
    try:
        return await handler(Session(args, engine, out, url, existed, orchestrator))
    finally:
        await engine.close()


def run_light(args: argparse.Namespace, out: Output, *, started: Callable[[], None]) -> int | None:
    """Answer a ``--json`` read through a server without an engine; ``None``: not such a read.

    A cold remote read would spend most of its time importing the engine's client (httpx,
    the domain models, the API table); a command that declares ``light_read`` is answered
    through ``core.remote.light`` instead, whenever that client reaches the server as httpx
    would (no proxy in the environment). Its output is the same bytes.

    Raises:
        TaskyardError: as the engine path would (no token, the server's refusal, unreachable).
    """
    light: LightRead | None = getattr(args, "light_read", None)
    if light is None or not args.json:
        return None
    server = remote_server(args)
    if server is None:
        return None
    from core.remote import light as light_client

    if not light_client.usable():
        return None
    from core.remote.basics import normalize_server
    from core.remote.credentials import resolve_token

    url = normalize_server(server)
    client = light_client.LightClient(url, resolve_token(url, token_option(args)))
    started()
    try:
        return light(args, client, out)
    finally:
        client.close()


def remote_server(args: argparse.Namespace) -> str | None:
    """The server the command goes to (``None``: a database).

    ``--server``, else ``TASKYARD_SERVER``, else taskyard.toml's ``[remote] server``; an
    explicit ``--db`` means the database, and a command that works only on a database
    (``local_only``: serve, init) ignores the environment's and the file's server.

    Raises:
        ValidationError: ``--server`` with ``--db``, or with a command that works only on a
            database.
    """
    from core.errors import ValidationError

    option = getattr(args, "server", None)
    if option and args.db:
        raise ValidationError(
            "--server and --db name two different places: give one.",
            field="server",
            hint="Drop --db to use the server, or --server to open the database.",
        )
    if asks(args, "local_only"):
        if option:
            raise ValidationError(
                "This command works on a database, not through a server.",
                field="server",
                hint="Run it where the database is, with --db (or no --server).",
            )
        return None
    if args.db:
        return None
    from core.remote.credentials import configured_server

    try:
        return configured_server(option)
    except ValidationError:
        if option:
            raise
        return None  # a broken taskyard.toml must not stop a local `task list`


TOKEN_IN_ARGV = (
    "a token given on the command line shows in the process list to everyone on this machine",
    "pass `--token -` and type it on stdin, set TASKYARD_TOKEN, or run `taskyard login URL` once",
)


def token_option(args: argparse.Namespace) -> str | None:
    """``--token``; ``-`` reads it from stdin, so it never shows in a process list.

    A literal token still works (scripts rely on it) but is warned about on stderr, since
    ``ps`` shows it for as long as the command runs; the warning never repeats the token.
    """
    import json
    import sys

    given = getattr(args, "token", None)
    if given == "-":
        return sys.stdin.readline().strip() or None
    if not given:
        return None
    message, hint = TOKEN_IN_ARGV
    if getattr(args, "json", False):
        warning = {"code": "token_on_command_line", "message": message, "hint": hint}
        print(json.dumps({"warning": warning}), file=sys.stderr, flush=True)
    else:
        print(f"warning: {message}\nhint: {hint}", file=sys.stderr, flush=True)
    return str(given)


async def _run_remote(
    handler: Handler,
    args: argparse.Namespace,
    out: Output,
    server: str,
    *,
    started: Callable[[], None],
) -> int:
    """Run the command on an ``HttpTaskEngine`` (the orchestrator settings still read)."""
    from core.bootstrap import open_remote_engine

    orchestrator = None
    if asks(args, "orchestrated"):
        from core.cli.orchestration import load_orchestrator_config

        orchestrator = load_orchestrator_config()
    opens_itself: EngineOwner | None = getattr(args, "opens_engine", None)
    if opens_itself is not None:  # taskyard --server URL mcp
        return await opens_itself(
            args, partial(open_remote_engine, server, token_option(args)), started
        )
    engine = await open_remote_engine(server, token_option(args))
    started()
    try:
        session = Session(args, engine, out, server, True, orchestrator)
        return await handler(session)
    finally:
        await engine.close()


class StartUpPause:
    """Keeps the cyclic garbage collector off while start-up imports load.

    Start-up (SQLAlchemy, pydantic and the store modules) allocates hundreds of thousands of
    long-lived objects; the cyclic collector rescans them over and over while they load,
    which measured ~25 ms of a ~360 ms command. ``finished`` turns it back on before a command
    does its work (or the board opens), and leaving the ``with`` block does so at the latest.
    When the collector is already off on entry, the caller manages it and this does nothing.
    """

    def __init__(self) -> None:
        self._paused = False

    def __enter__(self) -> StartUpPause:
        if gc.isenabled():
            gc.disable()
            self._paused = True
        return self

    def finished(self) -> None:
        """Turn the collector back on, once; later calls do nothing."""
        if self._paused:
            self._paused = False
            gc.enable()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finished()
