"""``taskyard login URL``, ``logout [URL]`` and ``status [URL]``: using a taskyard server.

``login`` takes the token from ``--token`` (``-``: stdin), ``TASKYARD_TOKEN``, stdin when it
is not a terminal, or a hidden prompt; checks it against the server; and stores it for that
server in the user config folder, readable by its owner only (``core.remote.credentials``).
``status`` says, like ``gh auth status``, where it would connect, as whom, with which scope,
the server's version and the round-trip time, and exits 1 on any problem. None of them
opens an engine, and none prints a token.
"""

from __future__ import annotations

import argparse

from core.cli.output.writer import Output
from core.cli.specs import Command, Commands, arg

EXIT_PROBLEM = 1


def _token_for_login(args: argparse.Namespace) -> str:
    import os
    import sys

    from core.errors import ValidationError
    from core.remote.credentials import TOKEN_ENV

    given = getattr(args, "token", None)
    token: str | None
    if given == "-" or (not given and not os.environ.get(TOKEN_ENV) and not sys.stdin.isatty()):
        token = sys.stdin.readline().strip()
    elif given:
        token = str(given)
    elif os.environ.get(TOKEN_ENV):
        token = os.environ[TOKEN_ENV]
    else:
        import getpass

        token = getpass.getpass("Token (input hidden): ").strip()
    if not token:
        raise ValidationError(
            "No token given.",
            field="token",
            hint="Paste the token `taskyard token create` printed, or pipe it in.",
        )
    return token


async def _cmd_login(args: argparse.Namespace, out: Output) -> int:
    from core.errors import AuthenticationError
    from core.remote.credentials import Login, save_login
    from core.remote.meta import server_status
    from core.remote.transport import Transport, normalize_server

    server = normalize_server(args.url)
    token = _token_for_login(args)
    transport = Transport(server, token)
    try:
        status = await server_status(transport)
    finally:
        await transport.close()
    if status.problem is not None:
        raise status.problem
    if status.token_name is None:  # pragma: no cover - server_status reports it
        raise AuthenticationError(f"{server} did not accept the token.")
    path = save_login(Login(server, token, status.token_name))
    configured = _configured_server(args)
    lines = [
        f"Logged in to {server} as {status.token_name} (scope {status.scope}).",
        f"The token is stored in {path} (readable by you only).",
    ]
    if configured != server:
        # Logging in chooses a token, not where commands go: say so, or the next command
        # quietly works on the local database while its author thinks it is shared.
        now = f"the server {configured}" if configured else "the local database"
        lines.append(
            f"Commands still use {now}. To use this server, pass --server {server}, set "
            f'TASKYARD_SERVER={server}, or put server = "{server}" under [remote] in '
            "taskyard.toml."
        )
    return out.result(
        "login",
        lambda: {
            "server": server,
            "name": status.token_name,
            "scope": status.scope,
            "in_use": configured == server,
        },
        lambda: lines,
    )


def _configured_server(args: argparse.Namespace) -> str | None:
    """The server commands go to now (``--server``, the environment, taskyard.toml), if any."""
    from core.remote.credentials import configured_server
    from core.remote.transport import normalize_server

    configured = configured_server(getattr(args, "server", None))
    return normalize_server(configured) if configured else None


def _server_or_configured(args: argparse.Namespace) -> str:
    from core.errors import ValidationError
    from core.remote.credentials import configured_server
    from core.remote.transport import normalize_server

    server = args.url or configured_server(getattr(args, "server", None))
    if not server:
        raise ValidationError(
            "Which server? None is given or configured.",
            field="server",
            hint="Name it (taskyard status URL), or set --server / TASKYARD_SERVER.",
        )
    return normalize_server(server)


async def _cmd_logout(args: argparse.Namespace, out: Output) -> int:
    from core.remote.credentials import forget_login

    server = _server_or_configured(args)
    forgotten = forget_login(server)
    return out.result(
        "logout",
        lambda: {"server": server, "forgotten": forgotten},
        lambda: [
            f"Logged out of {server}: its token is forgotten here (it stays valid on the server)."
            if forgotten
            else f"No token was stored for {server}."
        ],
    )


def _local_status(args: argparse.Namespace, out: Output) -> int:
    """``status`` with no server named or configured: commands use a database; which one."""
    from core.cli.session import database_location
    from core.config import shown_database
    from core.remote.credentials import stored_logins

    url, existed = database_location(getattr(args, "db", None))
    where = shown_database(url)
    logins = sorted(stored_logins())
    lines = [
        f"Local database: {where}" + ("" if existed else " (created by the first command)"),
        "  No server is configured: commands read and write this database.",
    ]
    if logins:
        lines.append(f"  Logged in to: {', '.join(logins)}.")
    lines.append(
        '  To use a server: --server URL, TASKYARD_SERVER, or server = "URL" under [remote] '
        "in taskyard.toml (`taskyard login URL` stores its token)."
    )
    return out.result(
        "status",
        lambda: {"server": None, "ok": True, "database": where, "logins": logins},
        lambda: lines,
    )


def _token_source(args: argparse.Namespace, server: str) -> tuple[str | None, str]:
    """The token for ``server`` and where it came from, in words."""
    import os

    from core.remote.credentials import TOKEN_ENV, credentials_path, stored_logins

    given = getattr(args, "token", None)
    if given:
        from core.cli.session import token_option

        return token_option(args), "--token"
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV], TOKEN_ENV
    login = stored_logins().get(server)
    if login is not None:
        return login.token, str(credentials_path())
    return None, "none"


async def _cmd_status(args: argparse.Namespace, out: Output) -> int:
    from core.remote.meta import server_status
    from core.remote.transport import Transport

    if not args.url and _configured_server(args) is None:
        return _local_status(args, out)
    server = _server_or_configured(args)
    token, source = _token_source(args, server)
    transport = Transport(server, token)
    try:
        status = await server_status(transport)
    finally:
        await transport.close()
    problem = status.problem
    if token is None and problem is None:
        from core.errors import AuthenticationError

        problem = AuthenticationError(
            "No token.", hint=f"Run `taskyard login {server}`, or set TASKYARD_TOKEN."
        )
    payload = {
        "server": server,
        "ok": problem is None,
        "name": status.token_name,
        "scope": status.scope,
        "projects": list(status.projects),
        "version": status.version,
        "revision": status.revision,
        "round_trip_ms": round(status.round_trip_ms, 1),
        "token_source": source,
        "problem": None if problem is None else problem.to_dict(),
    }
    lines = [server]
    if problem is None:
        where = ", ".join(status.projects) or "every project"
        lines.append(f"  ✓ Logged in as {status.token_name} (scope {status.scope}, {where})")
    else:
        lines.append(f"  ✗ {problem.message}")
        if problem.hint:
            lines.append(f"    {problem.hint}")
    if status.version or status.revision:
        lines.append(f"  Server: taskyard {status.version or '?'}, schema {status.revision}")
    lines.append(f"  Round trip: {status.round_trip_ms:.1f} ms")
    lines.append(f"  Token from: {source}")
    out.result("status", lambda: payload, lambda: lines)
    return 0 if problem is None else EXIT_PROBLEM


STANDALONE = {"standalone": True}
"""None of them opens an engine: their handlers take the arguments and the output."""

SERVER = arg("url", metavar="URL", nargs="?", help="the server (default: the configured one)")

COMMANDS: Commands = (
    Command(
        "login",
        _cmd_login,
        "check a server's token and store it for later commands",
        (arg("url", metavar="URL", help="the server, as `taskyard serve` printed it"),),
        description="Store a token for a taskyard server (in the user config folder, 0600). "
        "The token comes from --token (- for stdin), TASKYARD_TOKEN, stdin, or a prompt.",
        needs=STANDALONE,
    ),
    Command(
        "logout", _cmd_logout, "forget the token stored for a server", (SERVER,), needs=STANDALONE
    ),
    Command(
        "status",
        _cmd_status,
        "where commands connect, as whom, the server's version and round trip",
        (SERVER,),
        needs=STANDALONE,
    ),
)
