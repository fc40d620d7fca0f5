"""Renaming projects and milestones: the contract on every engine (SQLite, aiosqlite,
PostgreSQL, and through a server with ``make slow``).

A rename changes what people read and nothing that names the thing: slugs, keys and task
refs stay, and the change is one event saying what it was before.
"""

from __future__ import annotations

import pytest

from core.domain.commands import (
    MilestoneCreate,
    MilestonePatch,
    ProjectCreate,
    ProjectPatch,
    TaskCreate,
    parse,
)
from core.errors import DuplicateError, NotFoundError, ValidationError
from core.store.engine import SqlTaskEngine

from .conftest import all_events, last_seq


async def test_a_project_rename_keeps_its_slug_key_and_refs(engine: SqlTaskEngine) -> None:
    web = await engine.create_project(ProjectCreate(name="Web", slug="web", key="WEB"))
    task = (await engine.create_task(TaskCreate(title="T", project="web"))).task
    since = await last_seq(engine)

    renamed = await engine.update_project(
        "WEB", ProjectPatch(name="Website", description="The public site")
    )

    assert (renamed.id, renamed.slug, renamed.key) == (web.id, "web", "WEB")
    assert (renamed.name, renamed.description) == ("Website", "The public site")
    assert await engine.get_project("web") == renamed
    assert (await engine.get_task(task.ref)).ref == task.ref
    [event] = await all_events(engine, since)
    assert (event.type, event.project_id) == ("project.updated", web.id)
    assert event.payload == {
        "slug": "web",
        "key": "WEB",
        "fields": ["description", "name"],
        "changes": {"name": "Website"},
        "before": {"name": "Web"},
    }


async def test_a_project_patch_changes_only_what_it_sets(engine: SqlTaskEngine) -> None:
    await engine.create_project(ProjectCreate(name="Web", slug="web", description="Site"))
    since = await last_seq(engine)

    renamed = await engine.update_project("web", ProjectPatch(name="Website"))
    same = await engine.update_project("web", ProjectPatch(name="Website"))

    assert (renamed.name, renamed.description) == ("Website", "Site")
    assert same == renamed
    assert [e.type for e in await all_events(engine, since)] == ["project.updated"]


async def test_project_names_need_not_be_unique(engine: SqlTaskEngine) -> None:
    await engine.create_project(ProjectCreate(name="Web", slug="web"))
    await engine.create_project(ProjectCreate(name="Ops", slug="ops"))

    assert (await engine.update_project("ops", ProjectPatch(name="Web"))).name == "Web"


async def test_renaming_a_missing_project_is_not_found(engine: SqlTaskEngine) -> None:
    await engine.create_project(ProjectCreate(name="Web", slug="web"))
    since = await last_seq(engine)

    with pytest.raises(NotFoundError) as caught:
        await engine.update_project("wbe", ProjectPatch(name="Website"))

    assert caught.value.details["suggestions"]
    assert await all_events(engine, since) == []


async def test_a_milestone_rename_keeps_its_slug_and_its_tasks(engine: SqlTaskEngine) -> None:
    web = await engine.create_project(ProjectCreate(name="Web", slug="web"))
    beta = await engine.create_milestone(MilestoneCreate(project="web", name="Beta"))
    task = (await engine.create_task(TaskCreate(title="T", project="web", milestone="beta"))).task
    since = await last_seq(engine)

    renamed = await engine.update_milestone("web", "Beta", MilestonePatch(name="Public beta"))

    assert (renamed.id, renamed.slug, renamed.name) == (beta.id, "beta", "Public beta")
    assert await engine.list_milestones("web") == [renamed]
    assert (await engine.get_task(task.ref)).milestone_id == beta.id
    [event] = await all_events(engine, since)
    assert (event.type, event.project_id) == ("milestone.updated", web.id)
    assert event.payload == {
        "milestone_id": beta.id,
        "slug": "beta",
        "fields": ["name"],
        "changes": {"name": "Public beta"},
        "before": {"name": "Beta"},
    }


async def test_a_milestone_cannot_take_another_milestones_name(engine: SqlTaskEngine) -> None:
    await engine.create_project(ProjectCreate(name="Web", slug="web"))
    await engine.create_project(ProjectCreate(name="Ops", slug="ops"))
    await engine.create_milestone(MilestoneCreate(project="web", name="Beta"))
    await engine.create_milestone(MilestoneCreate(project="web", name="GA"))
    await engine.create_milestone(MilestoneCreate(project="ops", name="Launch"))
    since = await last_seq(engine)

    with pytest.raises(DuplicateError) as caught:
        await engine.update_milestone("web", "ga", MilestonePatch(name="BETA"))

    assert caught.value.hint
    assert caught.value.details["milestone"] == "beta"
    assert await all_events(engine, since) == []
    # Another project's name, and its own name in other letters, are free.
    assert (await engine.update_milestone("web", "ga", MilestonePatch(name="Launch"))).name == (
        "Launch"
    )
    assert (await engine.update_milestone("web", "beta", MilestonePatch(name="BETA"))).name == (
        "BETA"
    )


async def test_renaming_a_missing_milestone_is_not_found(engine: SqlTaskEngine) -> None:
    await engine.create_project(ProjectCreate(name="Web", slug="web"))
    await engine.create_milestone(MilestoneCreate(project="web", name="Beta"))

    with pytest.raises(NotFoundError) as missing:
        await engine.update_milestone("web", "betta", MilestonePatch(name="GA"))
    with pytest.raises(NotFoundError) as no_project:
        await engine.update_milestone("nope", "beta", MilestonePatch(name="GA"))

    assert missing.value.details["suggestions"] == ["beta"]
    assert no_project.value.details["field"] == "project"


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (ProjectPatch, {"name": "  "}, "name"),
        (ProjectPatch, {"name": "x" * 201}, "name"),
        (ProjectPatch, {"slug": "new"}, "slug"),
        (MilestonePatch, {"name": "a\x00b"}, "name"),
        (MilestonePatch, {"description": "d"}, "description"),
    ],
)
def test_a_bad_patch_names_its_field(model: type, data: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(model, data)

    assert caught.value.field == field
