"""The demo project: a small web-app team's board, for a first look at taskyard.

Twelve tasks in every column with priorities, labels, assignees, a milestone and dependencies
(some blocked, one waiting for its blockers to finish): what the board, the detail, the
filters and the monitor show on a real project. The board offers it on an empty database
(``D``); the snapshot tests build it with a fixed clock and ids (``tests/fixtures/demo.py``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from core.domain.commands import MilestoneCreate, ProjectCreate, TaskCreate
from core.domain.models import Priority, TaskStatus

if TYPE_CHECKING:
    from core.engine import TaskEngine

SLUG = "web-app"
NAME = "Web App"

DESCRIPTION = """Users sign in with **email and password**; sessions last 14 days.

- Rate-limit failed attempts (5 per minute per address)
- Show a clear message when the account is locked

```sh
make test-auth
```
"""

# (title, type, priority, labels, assignee, blocked_by titles, final status)
TASKS: list[tuple[str, str, Priority, list[str], str | None, list[str], TaskStatus]] = [
    ("Design the login page", "feature", Priority.HIGH, ["ui"], "ana", [], TaskStatus.DONE),
    (
        "Build the login API",
        "feature",
        Priority.CRITICAL,
        ["backend", "auth"],
        "ben",
        ["Design the login page"],
        TaskStatus.IN_REVIEW,
    ),
    (
        "Password reset emails",
        "feature",
        Priority.MEDIUM,
        ["backend", "email"],
        None,
        ["Build the login API"],
        TaskStatus.BLOCKED,
    ),
    (
        "Session expiry banner",
        "feature",
        Priority.LOW,
        ["ui"],
        "ana",
        ["Build the login API"],
        TaskStatus.BACKLOG,
    ),
    ("Fix flaky signup test", "bug", Priority.HIGH, ["tests"], "chen", [], TaskStatus.READY),
    (
        "Write the auth runbook",
        "docs",
        Priority.MEDIUM,
        ["docs"],
        None,
        ["Build the login API"],
        TaskStatus.BACKLOG,
    ),
    (
        "Rate-limit failed logins",
        "feature",
        Priority.HIGH,
        ["backend", "security"],
        "ben",
        [],
        TaskStatus.READY,
    ),
    ("Upgrade the ORM", "chore", Priority.LOW, ["backend"], None, [], TaskStatus.CANCELLED),
    (
        "Audit log for sign-ins",
        "feature",
        Priority.MEDIUM,
        ["security"],
        "chen",
        ["Rate-limit failed logins"],
        TaskStatus.BACKLOG,
    ),
    ("Dark mode for the dashboard", "feature", Priority.LOW, ["ui"], None, [], TaskStatus.BACKLOG),
    (
        "Load test the login API",
        "test",
        Priority.MEDIUM,
        ["tests", "backend"],
        "dev",
        ["Build the login API"],
        TaskStatus.BACKLOG,
    ),
    (
        "Two-factor sign-in",
        "feature",
        Priority.HIGH,
        ["auth", "security"],
        "ana",
        ["Build the login API", "Rate-limit failed logins"],
        TaskStatus.BACKLOG,
    ),
]


async def seed_demo(engine: TaskEngine, *, today: date) -> dict[str, str]:
    """Create the demo project, its milestone and its tasks; returns title -> ref.

    The milestone is due two weeks after ``today``; each task is moved to its column as a team
    would have moved it.

    Raises:
        DuplicateError: the database already has a project with the slug ``web-app``.
    """
    await engine.create_project(
        ProjectCreate(name=NAME, slug=SLUG, key="WEB", description="The customer web app")
    )
    await engine.create_milestone(
        MilestoneCreate(project=SLUG, name="Sign-in MVP", due_date=today + timedelta(days=14))
    )
    refs: dict[str, str] = {}
    for title, task_type, priority, labels, assignee, blocked_by, _ in TASKS:
        result = await engine.create_task(
            TaskCreate(
                title=title,
                task_type=task_type,
                priority=priority,
                labels=labels,
                assignee=assignee,
                project=SLUG,
                milestone="sign-in-mvp" if "auth" in labels or "ui" in labels else None,
                blocked_by=[refs[b] for b in blocked_by],
                description=DESCRIPTION if title == "Build the login API" else "",
                acceptance_criteria=(
                    ["Valid credentials return a session", "Five failures lock the account"]
                    if title == "Build the login API"
                    else []
                ),
                context_files=(
                    ["api/auth/login.py", "api/auth/sessions.py"]
                    if title == "Build the login API"
                    else []
                ),
            )
        )
        refs[title] = result.task.ref
    route = {
        TaskStatus.READY: [TaskStatus.READY],
        TaskStatus.IN_PROGRESS: [TaskStatus.READY, TaskStatus.IN_PROGRESS],
        TaskStatus.IN_REVIEW: [TaskStatus.READY, TaskStatus.IN_PROGRESS, TaskStatus.IN_REVIEW],
        TaskStatus.DONE: [
            TaskStatus.READY,
            TaskStatus.IN_PROGRESS,
            TaskStatus.IN_REVIEW,
            TaskStatus.DONE,
        ],
        TaskStatus.CANCELLED: [TaskStatus.CANCELLED],
        TaskStatus.BACKLOG: [],
    }
    for title, *_, final in TASKS:
        ref = refs[title]
        if final == TaskStatus.BLOCKED:
            await engine.transition_task(ref, TaskStatus.READY, when_unblocked=True)
            continue
        for status in route[final]:
            await engine.transition_task(ref, status, force=status == TaskStatus.IN_PROGRESS)
    return refs
