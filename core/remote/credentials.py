"""Which server to use and with which token: options, environment, taskyard.toml, stored logins.

The server comes from ``--server``, else ``TASKYARD_SERVER``, else ``server`` in taskyard.toml's
``[remote]`` table. The token from ``--token``, else ``TASKYARD_TOKEN``, else the one
``taskyard login`` stored for that server in the user config folder (``credentials.json``,
readable by its owner only: 0600 in a 0700 folder). ``TASKYARD_CONFIG_DIR`` moves that folder.

Only the standard library and platformdirs are imported: the remote CLI's start-up pays for
nothing it does not use.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import AuthenticationError, ValidationError

SERVER_ENV = "TASKYARD_SERVER"
TOKEN_ENV = "TASKYARD_TOKEN"
CONFIG_DIR_ENV = "TASKYARD_CONFIG_DIR"
FILE_NAME = "credentials.json"


def config_dir() -> Path:
    """The user config folder (platformdirs), or ``TASKYARD_CONFIG_DIR``."""
    named = os.environ.get(CONFIG_DIR_ENV)
    if named:
        return Path(named).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("taskyard", appauthor=False))


def credentials_path() -> Path:
    """Where ``taskyard login`` keeps tokens."""
    return config_dir() / FILE_NAME


def configured_server(option: str | None) -> str | None:
    """The server named by ``--server``, ``TASKYARD_SERVER`` or taskyard.toml (``None``: local).

    Raises:
        ValidationError: taskyard.toml's ``[remote] server`` is not a string.
    """
    if option:
        return option
    if os.environ.get(SERVER_ENV):
        return os.environ[SERVER_ENV]
    from core.config_file import load_config

    config = load_config()
    value = config.table("remote").get("server")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(
            f"[remote] server in {config.path} must be a URL in quotes.",
            field="remote.server",
            hint='Write e.g. server = "http://127.0.0.1:8765".',
        )
    return value


@dataclass(frozen=True)
class Login:
    """A token stored for one server, and the name the server knows it by."""

    server: str
    token: str
    name: str | None = None

    def __repr__(self) -> str:
        return f"Login(server={self.server!r}, name={self.name!r})"


def stored_logins() -> dict[str, Login]:
    """Every stored login by server URL (empty when there is no file or it is unreadable)."""
    try:
        data = json.loads(credentials_path().read_text())
    except (OSError, ValueError):
        return {}
    servers = data.get("servers") if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        return {}
    logins = {}
    for server, entry in servers.items():
        if isinstance(entry, dict) and isinstance(entry.get("token"), str):
            name = entry.get("name")
            logins[server] = Login(server, entry["token"], name if isinstance(name, str) else None)
    return logins


def save_login(login: Login) -> Path:
    """Store ``login`` (replacing that server's), readable by the owner only; returns the file."""
    logins = stored_logins()
    logins[login.server] = login
    return _write(logins)


def forget_login(server: str) -> bool:
    """Remove the stored login for ``server``; whether there was one."""
    logins = stored_logins()
    if logins.pop(server, None) is None:
        return False
    _write(logins)
    return True


def _write(logins: dict[str, Login]) -> Path:
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data: dict[str, Any] = {
        "servers": {s: {"token": x.token, "name": x.name} for s, x in sorted(logins.items())}
    }
    # Written to a 0600 file beside it and renamed: no moment where the token is readable
    # by others, and no half-written file after a crash.
    fd, temp = tempfile.mkstemp(prefix=".credentials-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def resolve_token(server: str, option: str | None) -> str:
    """The token for ``server``: ``--token``, ``TASKYARD_TOKEN``, or the stored login.

    Raises:
        AuthenticationError: none of them gives one.
    """
    if option:
        return option
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV]
    login = stored_logins().get(server)
    if login is not None:
        return login.token
    raise AuthenticationError(
        f"No token for {server}.",
        hint=f"Run `taskyard login {server}`, or pass --token / set {TOKEN_ENV}.",
        details={"server": server},
    )
