"""``taskyard import ...``: a PRD as tasks (preview, then commit), and the imports made."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli.arguments import GRANULARITIES, positive_int
from core.cli.inputs import given, picked, read_text
from core.cli.options import limit, project
from core.cli.output.imports import (
    import_job_lines,
    import_list_lines,
    preview_counts,
    preview_lines,
)
from core.cli.replies import dump, list_payload
from core.cli.specs import Command, Commands, Group, arg
from core.errors import ValidationError

if TYPE_CHECKING:
    from core.cli.session import Session
    from core.prd.models import ImportOptions, ImportPlan


async def _cmd_import_prd(s: Session) -> int:
    """``import prd``: preview a document or a plan, or commit it."""
    a = s.args
    if (a.file is None) == (a.plan_json is None):
        raise ValidationError(
            "Give either a Markdown FILE or --plan-json FILE (exactly one).",
            field="file",
            hint="taskyard import prd docs/prd.md (preview), then add --commit to write it.",
        )
    agent = _planner_agent(a)
    if a.plan_json is not None:
        plan = _given_plan(a)
        again = f"taskyard import prd --plan-json {a.plan_json} --commit"
        if not a.commit:
            preview = await s.engine.preview_plan(plan)
    else:
        options = _import_options(a)
        text = read_text(str(a.file))
        source = "stdin" if a.file == "-" else str(Path(str(a.file)))
        preview = await s.engine.preview_import(text, source=source, options=options)
        plan = preview.plan
        if agent is not None:
            from core.cli.orchestration import load_orchestrator_config
            from core.orchestrator.plan_assist import assisted_plan

            config = load_orchestrator_config()
            plan = await assisted_plan(config, agent or None, text, plan)
            preview = await s.engine.preview_plan(plan)
            again = (
                "--json > plan.json, read the suggestions, then "
                "taskyard import prd --plan-json plan.json --commit"
            )
        again = (
            "the same command with --commit (or save it with --json, edit the plan, and "
            "commit that with --plan-json FILE --commit)"
        )
    if not a.commit:
        return s.out.result(
            "import_preview",
            lambda: {**dump(preview), "counts": preview_counts(preview)},
            lambda: preview_lines(preview, commit_hint=again),
        )
    job = await s.engine.commit_import(plan)
    return s.out.result(
        "import_job",
        lambda: {"job": dump(job), "created": job.created_refs},
        lambda: import_job_lines(job),
    )


def _planner_agent(a: argparse.Namespace) -> str | None:
    """The profile of ``--planner agent[:PROFILE]``, or ``None`` for the rules alone.

    ``""`` (``--planner agent``) means the configured agent.

    Raises:
        ValidationError: an unknown planner, or an agent asked to commit straight away or to
            plan an already made plan.
    """
    planner = str(a.planner)
    if planner == "rules":
        return None
    kind, _, profile = planner.partition(":")
    if kind != "agent":
        raise ValidationError(
            f"No planner {planner!r}.",
            field="planner",
            hint="Use --planner rules (the default) or --planner agent[:PROFILE].",
        )
    if a.commit or a.plan_json is not None:
        raise ValidationError(
            "An agent's suggestions are only ever committed from a preview you have read.",
            field="planner",
            hint="taskyard import prd FILE --planner agent --json > plan.json, then "
            "taskyard import prd --plan-json plan.json --commit.",
        )
    return profile


def _given_plan(a: argparse.Namespace) -> ImportPlan:
    """The plan of ``--plan-json``, with the options given on the command line applied."""
    if a.commands:
        raise ValidationError(
            "--commands reads a document's code blocks; a plan already carries its "
            "commands (each task's command field).",
            field="commands",
            hint="Preview the document with --commands --json, save that, edit it, and "
            "commit it with --plan-json.",
        )
    plan = _read_plan(str(a.plan_json))
    overrides = given(**picked(a, "auto_ready", "milestone", "project"))
    if overrides:
        plan = plan.model_copy(update={"options": plan.options.model_copy(update=overrides)})
    return plan


_OPTION_FIELDS = (
    "granularity",
    "auto_ready",
    "max_parallelism_hint",
    "milestone",
    "order_dependencies",
    "project",
    "commands",
)
"""The options of ``import prd`` that are ``ImportOptions`` fields of the same name."""


def _import_options(a: argparse.Namespace) -> ImportOptions:
    """How to turn a document into a plan, from the options given."""
    from core.domain.commands import parse
    from core.prd.models import ImportOptions

    return parse(ImportOptions, given(**picked(a, *_OPTION_FIELDS)))


def _read_plan(path: str) -> ImportPlan:
    """A plan from a JSON file: the plan itself, or a saved ``import prd --json`` preview.

    Raises:
        NotFoundError: the file does not exist.
        ValidationError: it is not JSON, or not a plan (the first bad field is named).
    """
    from core.domain.commands import parse
    from core.prd.models import ImportPlan

    name = "stdin" if path == "-" else path
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{name} is not valid JSON (line {exc.lineno}: {exc.msg}).",
            field="plan_json",
            hint="Save a plan with `taskyard import prd FILE --json > plan.json` and edit that.",
        ) from None
    if isinstance(data, dict) and isinstance(data.get("plan"), dict):
        data = data["plan"]  # a saved preview envelope
    return parse(ImportPlan, data, where=f"{name}: ")


async def _cmd_import_show(s: Session) -> int:
    job = await s.engine.get_import(s.args.job_id)
    return s.out.result("import_job", lambda: {"job": dump(job)}, lambda: import_job_lines(job))


async def _cmd_import_list(s: Session) -> int:
    jobs = await s.engine.list_imports(limit=s.args.limit)
    return s.out.result(
        "import_jobs",
        lambda: list_payload([dump(j) for j in jobs]),
        lambda: import_list_lines(jobs),
    )


COMMANDS: Commands = (
    Group(
        "import",
        "turn a PRD into tasks (preview, commit) and list imports",
        (
            Command(
                "prd",
                _cmd_import_prd,
                "preview a Markdown PRD as tasks and dependencies; --commit writes them",
                (
                    arg(
                        "file", nargs="?", metavar="FILE", help="the Markdown document; - for stdin"
                    ),
                    arg(
                        "--plan-json",
                        metavar="FILE",
                        help="a plan (or a saved `import prd --json` preview) instead of a "
                        "document; - for stdin",
                    ),
                    arg(
                        "--granularity",
                        choices=GRANULARITIES,
                        metavar="G",
                        help="one of: %(choices)s (balanced)",
                    ),
                    arg(
                        "--auto-ready",
                        action="store_true",
                        default=None,
                        help="unblocked tasks become ready; the others wait in blocked until "
                        "unblocked",
                    ),
                    arg(
                        "--max-parallelism",
                        dest="max_parallelism_hint",
                        type=positive_int,
                        metavar="N",
                        help="workers assumed for waves (4)",
                    ),
                    arg(
                        "--milestone",
                        metavar="SLUG",
                        help="for tasks without a milestone of their own",
                    ),
                    arg(
                        "--order-deps",
                        dest="order_dependencies",
                        action="store_true",
                        default=None,
                        help="items of a numbered list wait for the item before them",
                    ),
                    project("the project to import into (default: inbox)"),
                    arg(
                        "--commands",
                        action="store_true",
                        default=None,
                        help="a task's first shell code block becomes its command; the preview "
                        "lists each, and none runs until approved (without it code blocks are "
                        "documentation)",
                    ),
                    arg(
                        "--planner",
                        default="rules",
                        metavar="rules|agent[:PROFILE]",
                        help="rules (the default) plans alone; agent[:PROFILE] also asks an agent "
                        "profile (the configured agent without :PROFILE) for missed "
                        "dependencies, priorities and splits, shown in the preview as suggested "
                        "with its reasons (preview only: commit the saved plan with --plan-json)",
                    ),
                    arg("--commit", action="store_true", help="write the tasks (one transaction)"),
                ),
                description="Without --commit nothing is written: the preview shows what would "
                "be created, changed, left alone and no longer in the document. Save the preview "
                "with --json, edit its plan, and commit that with --plan-json FILE --commit.",
            ),
            Command(
                "show", _cmd_import_show, "one committed import", (arg("job_id", metavar="JOB_ID"),)
            ),
            Command("list", _cmd_import_list, "recent imports, newest first", (limit(20),)),
        ),
    ),
)
