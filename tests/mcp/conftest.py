"""A real ``taskyard serve`` for the MCP-over-HTTP tests: tests/server's own ``served``.

The server, its database (SQLite file, PostgreSQL) and its admin, writer and reader tokens
are ``tests.server.conftest``'s fixtures, imported so both suites start servers the same
way. ``served_mcp`` adds projects ``alpha`` and ``beta`` and the ``limited`` token (scope
write), which sees only ``alpha``.
"""

from __future__ import annotations

import pytest

from core.domain.access import TokenCreate, TokenScope
from tests.server.conftest import Served, pg_module_url, served

__all__ = ["pg_module_url", "served", "served_mcp"]

LIMITED = TokenCreate(name="limited", scope=TokenScope.WRITE, projects=["alpha"])


@pytest.fixture(scope="module")
def served_mcp(served: Served) -> Served:
    """The module's server with projects alpha and beta and the ``limited`` token."""
    with served.client() as api:
        for name in ("alpha", "beta"):
            answer = api.post(
                "/api/v2/projects", json={"name": name, "slug": name, "key": name.upper()}
            )
            assert answer.status_code == 201, answer.text
    served.add_tokens(LIMITED)
    return served
