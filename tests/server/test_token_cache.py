"""The server trusts a token that passed for a short while: a revocation still lands quickly."""

from __future__ import annotations

import time

from core.domain.access import TokenCreate, TokenScope
from core.server.auth import TOKEN_CACHE_SECONDS

from .conftest import Served, error_of


def test_a_token_revoked_elsewhere_is_refused_within_the_cache_bound(served: Served) -> None:
    """Revoked by another process while in use: refused at most TOKEN_CACHE_SECONDS later."""
    served.add_tokens(TokenCreate(name="soon-revoked", scope=TokenScope.READ))
    with served.client(token="soon-revoked") as api:
        assert api.get("/api/v2/projects").status_code == 200
        served.revoke("soon-revoked")
        revoked_at = time.monotonic()
        while api.get("/api/v2/projects").status_code == 200:
            assert time.monotonic() - revoked_at < TOKEN_CACHE_SECONDS + 1.0
            time.sleep(0.1)
        refused = api.get("/api/v2/projects")
    assert refused.status_code == 401
    assert "was revoked" in error_of(refused)["message"]


def test_a_new_token_works_at_once_and_a_bad_one_is_never_trusted(served: Served) -> None:
    """Refusals are not cached: a token created after a refusal of it works on the next try."""
    with served.client(token="ty_" + "B" * 43) as api:
        assert api.get("/api/v2/projects").status_code == 401
    served.add_tokens(TokenCreate(name="fresh", scope=TokenScope.READ))
    with served.client(token="fresh") as api:
        assert api.get("/api/v2/projects").status_code == 200
