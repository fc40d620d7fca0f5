"""``/healthz`` (the process answers) and ``/readyz`` (the database too): no token needed.

A load balancer or systemd watchdog polls these, and it has no token. Outside ``/api/v2``
and so outside the API table (``core.api``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.api.schemas import Health, Readiness
from core.server.errors import documented
from core.server.responses import model_response
from core.server.state import server_state

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The server process answers")
async def healthz() -> Response:
    """200 whenever the process can answer at all; touches nothing else."""
    return model_response(Health())


@router.get(
    "/readyz",
    **documented(Readiness, 503, summary="The database answers and its schema is current"),
)
async def readyz(request: Request) -> Response:
    """200 once the database answers and its schema is this release's; 503 with the reason."""
    revision = await server_state(request.app).engine.check_ready()
    return model_response(Readiness(revision=revision))
