"""``/api/v2/import``: a PRD as tasks (preview, then commit), and the import jobs made.

A preview writes nothing; the commit takes the plan the preview showed (edited or not), so
what is written is exactly what was previewed. Committing the same plan again creates
nothing twice. Commands a plan carries are never approved by an import unless the request
says ``approve_commands`` and its token is an admin (whose own commands count as approved
anyway); otherwise they wait for ``taskyard approve`` like any imported command.

Not in the API table (``core.api``): its models are ``core.prd``'s, which the table may not
import; one preview route serves two engine methods; and a limited token's imports land in
its own project (``scoping.settled_project``), its jobs listed by their projects.
"""

from __future__ import annotations

from typing import Annotated, Self

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import Response

from core.api.schemas import Items
from core.domain.access import TokenScope
from core.engine import TaskEngine
from core.errors import PermissionDeniedError
from core.prd.models import ImportJob, ImportOptions, ImportPlan, ImportPreview
from core.server.access import hidden
from core.server.api_routes import api_router
from core.server.auth import Caller
from core.server.deps import CallerDep, EngineDep, WriterDep
from core.server.errors import documented
from core.server.responses import model_response
from core.server.scoping import settled_project

router = api_router("/import", tags=["import"])

MAX_JOBS = 200
"""Jobs per list at most."""
SCANNED_JOBS = 500
"""How far back a limited token's job list looks (the engine lists jobs of every project)."""


class PreviewBody(BaseModel):
    """A Markdown document to plan (``text``), or a plan to check again (``plan``): one of them."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, min_length=1)
    """The document, as written (its line numbers are kept in each task's source)."""
    source: str = Field(default="pasted text", min_length=1, max_length=1000)
    """The document's name: importing the same source again gives the same task keys."""
    options: ImportOptions = Field(default_factory=ImportOptions)
    """Granularity, auto_ready, milestone, project, commands, ... (with ``text``)."""
    plan: ImportPlan | None = None
    """A plan from an earlier preview, possibly edited (its own options apply)."""

    @model_validator(mode="after")
    def _one_input(self) -> Self:
        if (self.text is None) == (self.plan is None):
            raise ValueError("give either text (a Markdown document) or plan, not both")
        if self.plan is not None and self.model_fields_set & {"source", "options"}:
            raise ValueError("source and options go with text; a plan carries its own")
        return self


class CommitBody(BaseModel):
    """The plan to write, as a preview returned it (edited or not)."""

    model_config = ConfigDict(extra="forbid")

    plan: ImportPlan
    approve_commands: bool = False
    """Approve the commands the plan sets, as the token (admin tokens only)."""


@router.post(
    "/prd/preview",
    **documented(
        ImportPreview, 404, 409, 413, summary="Preview a PRD (or a plan) as tasks; writes nothing"
    ),
)
async def preview(body: PreviewBody, engine: EngineDep, caller: WriterDep) -> Response:
    """The plan and what committing it would do: new, changed, unchanged and removed tasks.

    Send ``text`` (and ``source``, ``options``) to plan a document, or ``plan`` to check an
    edited plan against the database again. Nothing is written, but a preview is the first
    step of an import, so it takes a token that may import (write). A token limited to one
    project imports into it when the options name none.
    """
    if body.plan is not None:
        plan = await _within_callers_projects(body.plan, engine, caller)
        return model_response(await engine.preview_plan(plan))
    assert body.text is not None
    options = await _settled_options(body.options, engine, caller)
    found = await engine.preview_import(body.text, source=body.source, options=options)
    return model_response(found)


@router.post(
    "/prd/commit",
    **documented(
        ImportJob, 404, 409, 413, status=201, summary="Write a previewed plan (one transaction)"
    ),
)
async def commit(body: CommitBody, engine: EngineDep, caller: WriterDep) -> Response:
    """The job: the tasks created, updated and flagged (the same plan again changes nothing).

    Commands stay unapproved unless ``approve_commands`` is true, which needs an admin token.
    """
    if body.approve_commands and caller.scope is not TokenScope.ADMIN:
        raise PermissionDeniedError(
            f"The token {caller.name!r} has scope {caller.scope.value}: only an admin token "
            "may approve an import's commands as it commits them.",
            hint="Commit without approve_commands; the commands then wait for "
            "`taskyard approve REF`, which shows each one.",
            details={"scope": caller.scope.value, "needed": TokenScope.ADMIN.value},
        )
    plan = await _within_callers_projects(body.plan, engine, caller)
    job = await engine.commit_import(plan, approve_commands=body.approve_commands)
    return model_response(job, status=201, headers={"Location": f"/api/v2/import/{job.id}"})


@router.get("", response_model=Items[ImportJob], summary="List recent import jobs")
async def list_imports(
    engine: EngineDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_JOBS)] = 20,
) -> Response:
    """The newest jobs first; a limited token sees those of its projects (among the last 500)."""
    if not caller.restricted:
        return model_response(Items[ImportJob](items=await engine.list_imports(limit=limit)))
    jobs = await engine.list_imports(limit=SCANNED_JOBS)
    seen = [j for j in jobs if j.project_id is not None and caller.sees(j.project_id)]
    return model_response(Items[ImportJob](items=seen[:limit]))


@router.get("/{job_id}", **documented(ImportJob, 404, summary="Read an import job"))
async def get_import(job_id: str, engine: EngineDep, caller: CallerDep) -> Response:
    """One job: its status, counts, warnings and the tasks it created, updated or flagged."""
    job = await engine.get_import(job_id)
    if caller.restricted and (job.project_id is None or not caller.sees(job.project_id)):
        raise hidden("job", job_id, "import job")
    return model_response(job)


async def _settled_options(
    options: ImportOptions, engine: TaskEngine, caller: Caller
) -> ImportOptions:
    """The options with the project the caller may import into."""
    project = await settled_project(engine, caller, options.project, field="options.project")
    if project == options.project:
        return options
    return options.model_copy(update={"project": project})


async def _within_callers_projects(
    plan: ImportPlan, engine: TaskEngine, caller: Caller
) -> ImportPlan:
    """The plan, importing into a project the caller may write to."""
    options = await _settled_options(plan.options, engine, caller)
    return plan if options is plan.options else plan.model_copy(update={"options": options})
