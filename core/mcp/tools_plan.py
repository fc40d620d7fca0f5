"""Planning and watching: a PRD previewed, then committed as tasks; the event feed.

The preview writes nothing and the commit writes what the preview showed: both plan the
same text with the same options, and planning is deterministic (``core.prd.plan``), so an
agent can show the preview to its user and commit it after a yes. The document is sent as
text: over HTTP the server must not read files from its own disk for a caller.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult

from core.domain.commands import parse
from core.engine import TaskEngine
from core.mcp.guard import Guard
from core.mcp.results import answer, entire, event_brief
from core.mcp.server import calls
from core.mcp.spec import READS, tools, writes
from core.prd.models import ImportOptions, ImportPreview


async def _preview(
    engine: TaskEngine,
    guard: Guard,
    text: str,
    source: str,
    fields: dict[str, Any],
    *,
    writing: bool,
) -> ImportPreview:
    """The preview of ``text`` with the options given, in a project the caller may use."""
    project = fields.pop("project", None)
    project = await (guard.write_project if writing else guard.project)(engine, project)
    options = parse(ImportOptions, {**fields, "project": project})
    return await engine.preview_import(text, source=source, options=options)


def _options(
    project: str | None, milestone: str | None, granularity: str | None, auto_ready: bool
) -> dict[str, Any]:
    """The import options given (``None`` is "not given")."""
    fields: dict[str, Any] = {"auto_ready": auto_ready}
    for name, value in (
        ("project", project),
        ("milestone", milestone),
        ("granularity", granularity),
    ):
        if value is not None:
            fields[name] = value
    return fields


def _plan_brief(preview: ImportPreview) -> dict[str, Any]:
    """A preview as an agent reads it back to its user: tasks, what waits on what, warnings."""
    plan = preview.plan
    prefix = plan.source_key
    keys = {t.key: t.key.removeprefix(prefix).lstrip("/:#") or t.key for t in plan.tasks}
    waits: dict[str, list[str]] = {}
    for edge in plan.edges:
        waits.setdefault(edge.task_key, []).append(keys.get(edge.blocker_key, edge.blocker_key))
    kinds = {d.key: d.kind.value for d in preview.diff}
    counts: dict[str, int] = {}
    for kind in kinds.values():
        counts[kind] = counts.get(kind, 0) + 1
    return {
        "source": plan.source,
        "counts": counts,
        "tasks": [
            {"key": keys[t.key], "title": t.title, "change": kinds.get(t.key)}
            | ({"after": waits[t.key]} if t.key in waits else {})
            for t in plan.tasks
        ],
        "waves": len(plan.waves),
        "warnings": [w.message for w in plan.warnings],
    }


async def prd_preview(
    ctx: Context,
    text: str,
    source: str = "prd.md",
    project: str | None = None,
    milestone: str | None = None,
    granularity: str | None = None,
    auto_ready: bool = False,
    full: bool = False,
) -> CallToolResult:
    """Plan a PRD (Markdown text) into tasks and dependencies; writes nothing."""
    engine, guard = await calls(ctx)
    fields = _options(project, milestone, granularity, auto_ready)
    preview = await _preview(engine, guard, text, source, fields, writing=False)
    return answer(entire(preview) if full else _plan_brief(preview))


async def prd_commit(
    ctx: Context,
    text: str,
    source: str = "prd.md",
    project: str | None = None,
    milestone: str | None = None,
    granularity: str | None = None,
    auto_ready: bool = False,
) -> CallToolResult:
    """Write the plan prd_preview showed (same arguments); re-committing updates, never doubles."""
    engine, guard = await calls(ctx, write=True)
    fields = _options(project, milestone, granularity, auto_ready)
    preview = await _preview(engine, guard, text, source, fields, writing=True)
    job = await engine.commit_import(preview.plan)
    return answer(
        {
            "job": job.id,
            "status": job.status.value,
            "created": job.created_refs,
            "updated": len(job.updated_task_ids),
            "warnings": [w.message for w in job.warnings],
        }
    )


async def events(
    ctx: Context,
    since: int = 0,
    limit: int = 100,
    task: str | None = None,
    full: bool = False,
) -> CallToolResult:
    """Events after sequence number since, oldest first; pass back next to continue."""
    engine, guard = await calls(ctx)
    if task is not None:
        await guard.check_task(engine, task)
    found = await engine.events(since=since, limit=max(1, min(limit, 500)), task=task)
    seen = [e for e in found if not guard.restricted or guard.sees(e.project_id)]
    items = [entire(e) if full else event_brief(e) for e in seen]
    return answer({"next": found[-1].seq if found else since, "items": items})


TOOLS = tools(
    (prd_preview, READS),
    (prd_commit, writes(destructive=False, idempotent=True)),
    (events, READS),
)
"""The planning and feed tools."""
