"""A real ``taskyard serve`` for the MCP-over-HTTP tests, started as tests/server's are.

The server, its tokens and its databases come from ``tests.server.conftest`` (imported, so
the two suites start servers the same way). Two projects are made before it starts:
``alpha`` and ``beta``; the ``limited`` token (scope write) sees only ``alpha``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from core.domain.access import TokenCreate, TokenScope
from core.domain.commands import ProjectCreate
from core.store.engine import SqlTaskEngine
from tests.server.conftest import (
    STANDARD_TOKENS,
    Served,
    ServerProcess,
    database_url,
    pg_module_url,
)

__all__ = ["pg_module_url", "served_mcp"]

LIMITED = TokenCreate(name="limited", scope=TokenScope.WRITE, projects=["alpha"])


async def _seed(db_url: str) -> None:
    engine = await SqlTaskEngine.open(db_url, actor="tester")
    try:
        for name in ("alpha", "beta"):
            await engine.create_project(ProjectCreate(name=name, slug=name, key=name.upper()))
    finally:
        await engine.close()


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def served_mcp(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A server with projects alpha and beta and the admin, writer, reader, limited tokens."""
    folder = tmp_path_factory.mktemp("served_mcp")
    db_url = database_url(request, folder)
    asyncio.run(_seed(db_url))
    server = ServerProcess(db_url, folder)
    served = Served(server=server, db_url=db_url)
    served.add_tokens(*STANDARD_TOKENS, LIMITED)
    yield served
    code = server.stop()
    assert code == 0, server.log_text()
    assert "Traceback" not in server.log_text(), server.log_text()
