"""``/api/v2/tokens``: issue, list and revoke API tokens over HTTP (admin tokens for every project).

The same operations as ``taskyard token create|list|revoke``. Only an admin token that is not
limited to projects may use them: any other token could otherwise issue itself a wider one.
A new token's secret is in the create answer and nowhere else, ever: lists never carry it,
and the answer is not kept for ``Idempotency-Key`` replays (``idempotency.SECRET_ANSWERS``):
a retried create is refused as a duplicate name instead, changing nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from core.api.schemas import Items
from core.domain.access import ApiToken, IssuedToken, TokenCreate
from core.server.auth import Caller
from core.server.deps import EngineDep, require_admin
from core.server.errors import error_responses
from core.server.responses import model_response
from core.server.state import server_state

router = APIRouter(prefix="/tokens", tags=["tokens"])


async def require_token_admin(caller: Annotated[Caller, Depends(require_admin)]) -> Caller:
    """An admin token for every project (403 otherwise)."""
    caller.require_every_project("managing tokens")
    return caller


AdminDep = Annotated[Caller, Depends(require_token_admin)]


@router.post(
    "",
    status_code=201,
    response_model=IssuedToken,
    responses=error_responses(404, 409),
    summary="Issue a token (its secret is in this answer only)",
)
async def create_token(body: TokenCreate, engine: EngineDep, caller: AdminDep) -> Response:
    """The token and its secret; keep the secret, it is stored only as a hash.

    ``expires_at`` null means it never expires (``taskyard token create`` defaults to 90
    days). 409 if a token, even a revoked one, has the name.
    """
    issued = await engine.create_token(body)
    return model_response(issued, status=201, headers={"Cache-Control": "no-store"})


@router.get("", response_model=Items[ApiToken], summary="List tokens (never their secrets)")
async def list_tokens(engine: EngineDep, caller: AdminDep) -> Response:
    """Every token by name, revoked and expired ones too."""
    return model_response(Items[ApiToken](items=await engine.list_tokens()))


@router.delete(
    "/{name}",
    response_model=ApiToken,
    responses=error_responses(404),
    summary="Revoke a token",
)
async def revoke_token(
    name: str, engine: EngineDep, caller: AdminDep, request: Request
) -> Response:
    """Refused from now on; revoking it again changes nothing.

    This process forgets every token it trusted at once; other ``--workers`` processes stop
    trusting it within their cache's 2 seconds.
    """
    token = await engine.revoke_token(name)
    server_state(request.app).tokens.forget()
    return model_response(token)
