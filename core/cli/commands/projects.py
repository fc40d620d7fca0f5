"""``taskyard project ...`` and ``taskyard milestone ...``: where tasks live."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.cli.inputs import absolute, given, picked
from core.cli.options import DUE, limit, project
from core.cli.output.lists import milestone_lines, project_lines
from core.cli.replies import dump, list_payload
from core.cli.specs import Command, Commands, Group, arg

if TYPE_CHECKING:
    from core.cli.session import Session
    from core.domain.models import Milestone
    from core.engine import TaskEngine


async def _cmd_project_add(s: Session) -> int:
    from core.domain.commands import ProjectCreate, parse

    a = s.args
    repo = absolute(a.repo) if a.repo else None
    request = parse(
        ProjectCreate,
        given(name=a.name, slug=a.slug, key=a.key, description=a.description, repo_path=repo),
    )
    project = await s.engine.create_project(request)
    return s.out.result(
        "project",
        lambda: {"project": dump(project)},
        lambda: [
            f'Created project "{project.name}" (slug {project.slug}, key {project.key}): '
            f"its tasks are {project.key}-1, {project.key}-2, …"
        ],
    )


async def _cmd_project_list(s: Session) -> int:
    projects = await s.engine.list_projects()
    return s.out.result(
        "projects",
        lambda: list_payload([dump(p) for p in projects]),
        lambda: project_lines(projects),
    )


async def _cmd_project_rename(s: Session) -> int:
    from core.domain.commands import ProjectPatch, parse

    patch = parse(ProjectPatch, {"name": s.args.name})
    project = await s.engine.update_project(s.args.ref, patch)
    return s.out.result(
        "project",
        lambda: {"project": dump(project)},
        lambda: [
            f'Project {project.slug} is now named "{project.name}" '
            f"(its slug {project.slug} and key {project.key} stay)."
        ],
    )


async def _project_slugs(engine: TaskEngine) -> dict[str, str]:
    return {p.id: p.slug for p in await engine.list_projects()}


async def _cmd_milestone_add(s: Session) -> int:
    from core.domain.commands import MilestoneCreate, parse

    a = s.args
    request = parse(
        MilestoneCreate,
        given(**picked(a, "project", "name", "slug", "start_date", "due_date")),
    )
    milestone = await s.engine.create_milestone(request)
    if s.out.json:
        s.out.envelope("milestone", {"milestone": dump(milestone)})
        return 0
    project = (await _project_slugs(s.engine)).get(milestone.project_id, milestone.project_id)
    text = f'Created milestone "{milestone.name}" (slug {milestone.slug}) in project {project}'
    if milestone.due_date is not None:
        text += f", due {milestone.due_date.isoformat()}"
    s.out.lines([text + "."])
    return 0


async def _cmd_milestone_rename(s: Session) -> int:
    from core.domain.commands import MilestonePatch, parse

    a = s.args
    patch = parse(MilestonePatch, {"name": a.name})
    milestone = await s.engine.update_milestone(a.project, a.milestone, patch)
    return s.out.result(
        "milestone",
        lambda: {"milestone": dump(milestone)},
        lambda: [
            f'Milestone {milestone.slug} in project {a.project} is now named "{milestone.name}" '
            f"(its slug stays)."
        ],
    )


async def _cmd_milestone_list(s: Session) -> int:
    milestones = await s.engine.list_milestones(s.args.project)
    await _print_milestones(s, milestones)
    return 0


async def _cmd_milestone_find(s: Session) -> int:
    a = s.args
    milestones = await s.engine.find_milestones(a.project, slug=a.slug, name=a.name, limit=a.limit)
    if not milestones and not s.out.json:
        s.out.lines([f"No milestone in {a.project} matches."])
        return 0
    await _print_milestones(s, milestones)
    return 0


async def _print_milestones(s: Session, milestones: list[Milestone]) -> None:
    if s.out.json:
        s.out.envelope("milestones", list_payload([dump(m) for m in milestones]))
        return
    s.out.lines(milestone_lines(milestones, await _project_slugs(s.engine)))


NAME = arg("name", metavar="NAME")
SLUG = arg("--slug", metavar="S")

COMMANDS: Commands = (
    Group(
        "project",
        "add, list and rename projects",
        (
            Command(
                "add",
                _cmd_project_add,
                "create a project",
                (
                    NAME,
                    SLUG,
                    arg("--key", metavar="K", help="ref prefix, e.g. TY for TY-1"),
                    arg("--description", metavar="D"),
                    arg("--repo", metavar="PATH", help="the project's repository"),
                ),
            ),
            Command("list", _cmd_project_list, "every project"),
            Command(
                "rename",
                _cmd_project_rename,
                "give a project a new name (its slug and key stay)",
                (arg("ref", metavar="REF", help="the project's slug, key or id"), NAME),
            ),
        ),
    ),
    Group(
        "milestone",
        "add, list, find and rename milestones",
        (
            Command(
                "add",
                _cmd_milestone_add,
                "create a milestone",
                (
                    NAME,
                    project(),
                    SLUG,
                    arg("--start", dest="start_date", metavar="DATE", help="YYYY-MM-DD"),
                    DUE,
                ),
            ),
            Command("list", _cmd_milestone_list, "milestones by due date", (project(),)),
            Command(
                "find",
                _cmd_milestone_find,
                "milestones matching a slug or name",
                (arg("project", metavar="PROJECT"), SLUG, arg("--name", metavar="N"), limit(10)),
            ),
            Command(
                "rename",
                _cmd_milestone_rename,
                "give a milestone a new name (its slug stays)",
                (
                    arg("project", metavar="PROJECT"),
                    arg("milestone", metavar="MILESTONE", help="its slug, name or id"),
                    NAME,
                ),
            ),
        ),
    ),
)
