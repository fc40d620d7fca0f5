"""``taskyard serve`` and ``taskyard token create|list|revoke``: the server and its API tokens.

FastAPI, uvicorn and the domain load inside the handlers, so ``taskyard --help`` stays instant.
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.cli.arguments import positive_int
from core.cli.inputs import picked
from core.cli.options import repeated
from core.cli.replies import list_payload
from core.cli.specs import Command, Commands, Group, arg
from core.errors import ValidationError

if TYPE_CHECKING:
    from core.cli.session import Session
    from core.domain.access import ApiToken

DEFAULT_PORT = 8765
DEFAULT_EXPIRY = "90d"

_SCOPES = ("read", "write", "admin")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535)")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is below 0")
    return value


# -- serve -----------------------------------------------------------------------------------
async def _cmd_serve(s: Session) -> int:
    a = s.args
    # Before the server's imports (about a second): a bad option is refused at once.
    _check_serve_options(a, s.database)

    import os

    from core.config import shown_database
    from core.config_file import load_config
    from core.server.serve import ServeOptions, serve_many, serve_one
    from core.server.settings import ServerSettings

    settings = ServerSettings.load(
        load_config(), os.environ, rate_limit=a.rate_limit, rate_burst=a.rate_burst
    )
    options = ServeOptions(
        host=a.host,
        port=a.port,
        workers=a.workers,
        ssl_certfile=a.ssl_certfile,
        ssl_keyfile=a.ssl_keyfile,
    )
    no_tokens = not await s.engine.list_tokens()
    db_option = f"--db {shown_database(s.database)} " if a.db else ""

    def listening(url: str) -> None:
        if s.out.json:
            s.out.envelope("server", {"url": url, "tokens": not no_tokens})
            return
        lines = [f"taskyard server listening on {url}"]
        if no_tokens:
            lines += [
                "No API tokens yet: every /api request needs one. Create one, then use it:",
                f"  taskyard {db_option}token create admin --scope admin",
                f'  curl -H "Authorization: Bearer TOKEN" {url}/api/v2/projects',
            ]
        s.out.lines(lines)

    if options.workers > 1:
        serve_many(s.database, options, listening, settings)
    else:
        await serve_one(s.engine, options, listening, settings)
    return 0


def _check_serve_options(options: Any, database: str) -> None:
    """Refuse option combinations that cannot work, before taking the port.

    Raises:
        ValidationError: ``--workers`` on SQLite, or a key without its certificate.
    """
    if options.workers > 1 and not database.startswith("postgresql"):
        raise ValidationError(
            f"--workers {options.workers} needs PostgreSQL: SQLite allows one writer, so "
            "several server processes would only wait for each other.",
            field="workers",
            hint="Serve SQLite with one process (it serves a team), or use "
            "--db postgresql://USER:PASSWORD@HOST/DB.",
        )
    if options.ssl_keyfile and not options.ssl_certfile:
        raise ValidationError(
            "--ssl-keyfile needs --ssl-certfile (the certificate it belongs to).",
            field="ssl_certfile",
            hint="Give both, or neither to serve plain HTTP (behind a TLS proxy).",
        )


# -- tokens ----------------------------------------------------------------------------------
async def _cmd_token_create(s: Session) -> int:
    from core.domain.access import TokenCreate
    from core.domain.commands import parse

    a = s.args
    fields = picked(a, "name", "scope", "projects")
    request = parse(TokenCreate, fields | {"expires_at": parse_expiry(a.expires, _now())})
    issued = await s.engine.create_token(request)
    token = issued.token
    return s.out.result(
        "token",
        lambda: {"token": issued.secret, "apiToken": token.model_dump(mode="json")},
        lambda: [
            f"Created token {token.name} ({_describe(token)}):",
            f"  {issued.secret}",
            "Keep it now: it is not shown again. Clients send it as `Authorization: Bearer TOKEN`.",
        ],
    )


async def _cmd_token_list(s: Session) -> int:
    tokens = await s.engine.list_tokens()
    now = _now()
    if s.out.json:
        items = [{**t.model_dump(mode="json"), "state": t.state(now)} for t in tokens]
        s.out.envelope("tokens", list_payload(items))
        return 0
    if not tokens:
        s.out.lines(["No tokens. Create one with `taskyard token create NAME --scope write`."])
        return 0
    lines = []
    for t in tokens:
        used = _when(t.last_used_at) if t.last_used_at else "never used"
        lines.append(
            f"{t.name:<20} {t.state(now):<8} {_describe(t)}; {t.prefix}…; "
            f"created {_when(t.created_at)} by {t.created_by}; {used}"
        )
    s.out.lines(lines)
    return 0


async def _cmd_token_revoke(s: Session) -> int:
    token = await s.engine.revoke_token(s.args.name)
    return s.out.result(
        "token",
        lambda: {"apiToken": token.model_dump(mode="json")},
        lambda: [f"Revoked token {token.name}: requests with it are refused from now on."],
    )


def _describe(token: ApiToken) -> str:
    projects = ", ".join(token.projects) if token.projects else "every project"
    expiry = f"expires {_when(token.expires_at)}" if token.expires_at else "never expires"
    return f"scope {token.scope.value}, {projects}, {expiry}"


def _when(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%d %H:%M UTC")


def _now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


_DURATION = re.compile(r"^(\d{1,5})\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_expiry(text: str, now: datetime) -> datetime | None:
    """When a token given ``--expires TEXT`` at ``now`` stops working (``None``: never).

    Raises:
        ValidationError: not a duration, a date or ``never``, or not in the future.
    """
    from datetime import UTC, date

    word = text.strip().lower()
    if word == "never":
        return None
    match = _DURATION.match(word)
    if match is not None:
        amount = int(match.group(1))
        if amount > 0:
            return now + timedelta(**{_UNITS[match.group(2)]: amount})
    else:
        try:
            day = date.fromisoformat(word)
        except ValueError:
            day = None
        if day is not None:
            at = datetime(day.year, day.month, day.day, tzinfo=UTC)
            if at > now:
                return at
    raise ValidationError(
        f"--expires {text!r} is not a time in the future.",
        field="expires",
        hint="Give a duration (30m, 12h, 90d, 2w), a date (YYYY-MM-DD, midnight UTC) or never.",
    )


COMMANDS: Commands = (
    Command(
        "serve",
        _cmd_serve,
        "serve the database over HTTP (the v2 API) until Ctrl-C",
        (
            arg("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)"),
            arg(
                "--port",
                type=_port,
                default=DEFAULT_PORT,
                help=f"port to listen on ({DEFAULT_PORT}; 0 picks a free one)",
            ),
            arg(
                "--workers",
                type=positive_int,
                default=1,
                metavar="N",
                help="server processes (PostgreSQL only: SQLite has one writer)",
            ),
            arg("--ssl-certfile", metavar="FILE", help="serve HTTPS with this certificate"),
            arg("--ssl-keyfile", metavar="FILE", help="the certificate's private key"),
            arg(
                "--rate-limit",
                type=_count,
                metavar="N",
                help="requests per minute per token (0: no limit; default [server] rate_limit, "
                "TASKYARD_RATE_LIMIT or 600)",
            ),
            arg(
                "--rate-burst",
                type=_count,
                metavar="N",
                help="requests a token may make at once (default: the rate limit)",
            ),
        ),
        description="Serves the database as the taskyard v2 API (docs at /docs). Every /api "
        "request needs a token (`taskyard token create NAME`), on localhost too. Prints "
        "`taskyard server listening on URL` once it accepts requests; Ctrl-C or SIGTERM "
        "stops it (exit code 0).",
        # stores_files: the engine reads [limits] (attachment sizes), as the server does;
        # orchestrated: [orchestrator]'s retries, auto_approve and lease apply to every run
        # the server's workers report.
        needs={"stores_files": True, "local_only": True, "orchestrated": True},
    ),
    Group(
        "token",
        "create, list and revoke API tokens",
        (
            Command(
                "create",
                _cmd_token_create,
                "create an API token (its secret is printed once)",
                (
                    arg("name", metavar="NAME", help="letters, digits, . _ @ - (the actor)"),
                    arg(
                        "--scope",
                        choices=_SCOPES,
                        default="read",
                        metavar="S",
                        help="read, write (also change tasks) or admin (its commands count as "
                        "approved); default read",
                    ),
                    repeated(
                        "--project",
                        dest="projects",
                        metavar="SLUG",
                        help="limit it to this project (repeatable); default: every project",
                    ),
                    arg(
                        "--expires",
                        default=DEFAULT_EXPIRY,
                        metavar="WHEN",
                        help=f"90d, 12h, 2w, a date (YYYY-MM-DD) or never (default "
                        f"{DEFAULT_EXPIRY})",
                    ),
                ),
                description="Creates a token for the server's API. Its name is the actor of "
                "every change made with it. The secret is printed once and stored only as a "
                "hash: keep it.",
            ),
            Command("list", _cmd_token_list, "every token (never its secret)"),
            Command(
                "revoke",
                _cmd_token_revoke,
                "revoke a token at once",
                (arg("name", metavar="NAME"),),
            ),
        ),
    ),
)
