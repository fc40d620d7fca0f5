"""``GET /api/v2/runs/resolve``: the full id a short run id names, among the caller's runs.

Not in the API table (``core.api``): for a token limited to some projects the prefix is
resolved among the runs it may see (``run_access.resolve_run_id``), so an id it may not see
neither matches nor makes a prefix ambiguous; that is more than a check around one engine
call. Included before the table's routes, whose ``GET /runs/{run_id}`` would take "resolve"
for a run id.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from starlette.responses import Response

from core.api.run_schemas import RunId
from core.server.api_routes import api_router
from core.server.deps import CallerDep, EngineDep
from core.server.errors import documented
from core.server.responses import model_response
from core.server.run_access import resolve_run_id

router = api_router("/runs", tags=["runs"])


@router.get("/resolve", **documented(RunId, 404, 422, summary="The full id a run id prefix names"))
async def resolve(
    engine: EngineDep,
    caller: CallerDep,
    prefix: Annotated[str, Query(description="At least 4 characters of the id")],
    kind: Literal["any", "run", "quick"] = "any",
) -> Response:
    """The run (or quick run) whose id starts with ``prefix``, as git finds a short hash.

    Several matches are a 422 listing them (``details.candidates``).
    """
    return model_response(RunId(id=await resolve_run_id(engine, caller, prefix, kind)))
