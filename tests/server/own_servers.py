"""Servers started with options or a taskyard.toml of their own (rate limits, small size limits).

The shared ``served`` fixture runs ``serve`` as a user would, with defaults; modules that test
a limit start one like this instead, so the limit can be small enough to reach in a test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fixtures.servers import ServerProcess

from .conftest import STANDARD_TOKENS, Served, database_url

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
"""The ``params`` of a module fixture that starts one server per database."""


@contextmanager
def serving(
    request: pytest.FixtureRequest, folder: Path, *options: str, config: str | None = None
) -> Iterator[Served]:
    """A server on a new database of the fixture's kind, with the standard tokens.

    ``options`` go to ``serve``; ``config`` is the text of the taskyard.toml it reads (found
    in the user config folder, as a server's own user would keep it).
    """
    db_url = database_url(request, folder)
    with pytest.MonkeyPatch.context() as env:
        if config is not None:
            home = folder / "config"
            (home / "taskyard").mkdir(parents=True)
            (home / "taskyard" / "taskyard.toml").write_text(config)
            env.setenv("XDG_CONFIG_HOME", str(home))
        server = ServerProcess(db_url, folder, *options, rate_limited=True)
    served = Served(server=server, db_url=db_url)
    try:
        served.add_tokens(*STANDARD_TOKENS)
        yield served
    finally:
        code = server.stop()
    assert code == 0, server.log_text()
    assert "Traceback" not in server.log_text(), server.log_text()
