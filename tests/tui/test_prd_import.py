"""The PRD import screen, by keys only: preview, edit the plan, commit, see it on the board."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from core.domain.commands import TaskQuery
from core.domain.models import TaskSource, TaskStatus
from core.store.engine import SqlTaskEngine
from tests.fixtures.tui import settle
from tui.app import TaskyardApp
from tui.modals.confirm import ConfirmModal
from tui.screens.board import BoardScreen
from tui.screens.prd_import import PrdImportScreen, complete_path
from tui.widgets.plan_tree import PlanTree

PRDS = Path(__file__).resolve().parent.parent / "fixtures" / "prds"
CROSS_REFS = PRDS / "cross_refs.md"
WITH_COMMANDS = PRDS.parent / "prd_with_commands.md"
SIZE = (120, 44)

# Each walk previews and commits a real plan (5-9 s apiece on 2 cores): `make slow` (CI).
pytestmark = pytest.mark.slow


def text_of(screen: PrdImportScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def open_preview(app: App[Any], pilot: Pilot[Any], path: Path) -> PrdImportScreen:
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, PrdImportScreen)
    await pilot.press(*str(path), "enter")
    await settle(pilot)
    return screen


async def test_preview_shows_tasks_dependencies_waves_and_warnings_and_writes_nothing(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_preview(demo_app, pilot, CROSS_REFS)
        summary = text_of(screen, "#prd-summary")
        assert "5 tasks, 5 dependencies" in summary
        assert "5 new" in summary
        assert "Preview only: nothing is written" in text_of(screen, "#prd-status")
        tree = screen.query_one(PlanTree)
        assert demo_app.focused is tree
        labels = [str(node.label) for node in tree.root.children]
        assert labels[0].startswith("[new] Index schema · feature")
        assert any("waits for 2" in label for label in labels)  # Search screen
        assert "Wave 1: Index schema" in text_of(screen, "#prd-waves")
        warnings = text_of(screen, "#prd-warnings")
        assert "Telemetry dashboard" in warnings  # a reference to nothing, with its line
        assert "line" in warnings
        # R1: the terminal cursor is on the highlighted task.
        x, y = demo_app.cursor_position
        assert tree.content_region.contains(x, y)
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        page = await engine.list_tasks(TaskQuery(include_completed=True, limit=100))
        assert page.total == 12  # the demo's tasks only: preview wrote nothing
    finally:
        await engine.close()


async def test_edit_the_plan_then_commit_and_jump_to_the_tasks_on_the_board(
    demo_app: TaskyardApp, demo_db_url: str
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_preview(demo_app, pilot, CROSS_REFS)
        await pilot.press("down", "down")  # Indexer's "waits for: Index schema"
        await pilot.press("x")
        await settle(pilot)
        assert "no longer waits for" in text_of(screen, "#prd-status")
        assert "5 tasks, 4 dependencies" in text_of(screen, "#prd-summary")
        await pilot.press("home", "p")  # Index schema: medium -> low
        await settle(pilot)
        assert "is now low" in text_of(screen, "#prd-status")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(demo_app.screen, ConfirmModal)
        assert "5 tasks created" in demo_app.screen.question
        await pilot.press("y")
        await settle(pilot)
        status = text_of(screen, "#prd-status")
        assert "Imported" in status
        assert "5 tasks created" in status
        await pilot.press("b")
        await settle(pilot)
        board = demo_app.screen
        assert isinstance(board, BoardScreen)
        assert board.selected_card is not None
        assert board.selected_card.title in {"Index schema", "Indexer"}
    engine = await SqlTaskEngine.open(demo_db_url)
    try:
        page = await engine.list_tasks(TaskQuery(project=None, include_completed=True, limit=100))
        by_title = {t.title: t for t in page.items}
        full = await engine.get_task(by_title["Index schema"].ref)
        assert full.source == TaskSource.PRD_IMPORT
        assert full.priority == "low"
        indexer = await engine.get_task(by_title["Indexer"].ref)
        assert indexer.blocked_by == []  # the dropped edge was not written
        assert len(await engine.list_imports()) == 1
    finally:
        await engine.close()


async def test_a_missing_file_is_explained_next_to_the_path(demo_app: TaskyardApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_preview(demo_app, pilot, PRDS / "nope.md")
        status = text_of(screen, "#prd-status")
        assert "Cannot read" in status
        assert "there is no such file" in status
        assert demo_app.focused is screen.query_one("#prd-path")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(demo_app.screen, BoardScreen)


def test_path_completion_extends_what_was_typed() -> None:
    assert complete_path(str(PRDS / "cross_")) == str(CROSS_REFS)
    assert complete_path(str(PRDS.parent) + "/prd_p") == str(PRDS.parent) + "/prd_plans.py"
    assert complete_path(str(PRDS.parent) + "/prds") == str(PRDS) + "/"
    assert complete_path("/no/such/folder/x") is None


def test_snapshot_preview(snap_compare: Any, demo_db_url: str) -> None:
    """The import screen after previewing cross_refs.md: the file path, the options, the
    summary "5 tasks, 5 dependencies … 5 new", the tree with "[new] Index schema · feature ·
    ■ medium · lines 3-5" highlighted and each task's "waits for" lines, each with the words
    that gave it ("waits for: Index schema (Depends on: section 1)")."""
    from tui.__main__ import make_app
    from tui.settings import TuiSettings

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_preview(pilot.app, pilot, Path("tests/fixtures/prds/cross_refs.md"))

    app = make_app(TuiSettings(db=demo_db_url, animations=False))
    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


async def test_auto_ready_import_puts_tasks_in_the_right_columns(
    demo_app: TaskyardApp,
) -> None:
    """E2E: with "Ready when unblocked", tasks nothing waits on are ready, the rest wait in
    blocked and say by how many tasks."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = demo_app.screen
        assert isinstance(screen, PrdImportScreen)
        await pilot.press(*str(CROSS_REFS))
        await pilot.press("tab", "tab", "tab")  # path -> pasted text -> granularity -> checkbox
        assert demo_app.focused is screen.query_one("#prd-auto-ready")
        await pilot.press("space", "ctrl+r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        board = demo_app.screen
        assert isinstance(board, BoardScreen)
        ready = board.column(TaskStatus.READY)
        blocked = board.column(TaskStatus.BLOCKED)
        assert ready is not None
        assert blocked is not None
        assert {c.title for c in ready.task_list.cards_loaded()} >= {"Index schema"}
        waiting = {c.title: c for c in blocked.task_list.cards_loaded()}
        assert {"Indexer", "Query parser", "Search screen", "Docs for search"} <= set(waiting)
        assert waiting["Search screen"].unresolved_blocker_count == 2


async def test_shell_blocks_become_commands_only_when_ticked_and_each_can_be_left_out(
    demo_app: TaskyardApp,
) -> None:
    """Untouched, the preview says the blocks stay text; ticked, each command is a line of
    the plan under its task, and x on that line keeps the task without its command."""
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_preview(demo_app, pilot, WITH_COMMANDS)
        assert "stay in the descriptions as documentation and never run" in text_of(
            screen, "#prd-warnings"
        )
        tree = screen.query_one(PlanTree)
        assert not any(n.data and n.data[0] == "command" for n in _nodes(tree))
        screen.query_one("#prd-path").focus()
        await pilot.press(*["tab"] * 8)  # … options, workers, milestone, project, commands
        assert demo_app.focused is screen.query_one("#prd-commands")
        await pilot.press("space", "ctrl+r")
        await settle(pilot)
        commands = [n for n in _nodes(tree) if n.data and n.data[0] == "command"]
        assert [str(n.label) for n in commands] == [
            "command, once approved: make migrate ⏎ echo migrated >> ran.log",
            "command, once approved: ./seed --demo",
        ]
        assert "2 tasks will carry a shell command" in text_of(screen, "#prd-warnings")
        tree.focus()
        tree.move_cursor(commands[0])
        await pilot.press("x")
        await settle(pilot)
        assert "will carry no command" in text_of(screen, "#prd-status")
        assert screen.preview is not None
        assert [t.command for t in screen.preview.plan.tasks if t.command] == ["./seed --demo"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        question = str(demo_app.screen.query_one("#confirm-question").render())
        assert "1 task will carry a shell command from the document; none runs" in question


def _nodes(tree: PlanTree) -> list[Any]:
    out: list[Any] = []
    stack = list(tree.root.children)
    while stack:
        node = stack.pop(0)
        out.append(node)
        stack[:0] = list(node.children)
    return out


# -- editing a preview: the highlight stays, edits survive a second preview, options apply --
def highlighted_title(screen: PrdImportScreen) -> str:
    node = screen.query_one(PlanTree).cursor_node
    assert node is not None
    assert node.data is not None
    assert screen.preview is not None
    return next(t.title for t in screen.preview.plan.tasks if t.key == node.data[1])


async def test_edits_apply_to_the_highlighted_task_and_the_highlight_stays(
    demo_app: TaskyardApp,
) -> None:
    """Review finding 3: p then t on the last task change that task, twice."""
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_preview(demo_app, pilot, CROSS_REFS)
        await pilot.press("end")
        tree = screen.query_one(PlanTree)
        while tree.cursor_node is None or (tree.cursor_node.data or ("",))[0] != "task":
            await pilot.press("up")
        title = highlighted_title(screen)
        await pilot.press("p")
        await settle(pilot)
        assert highlighted_title(screen) == title
        await pilot.press("t")
        await settle(pilot)
        assert highlighted_title(screen) == title
        assert f"“{title}” is now of type" in text_of(screen, "#prd-status")
        assert screen.preview is not None
        task = next(t for t in screen.preview.plan.tasks if t.title == title)
        assert (task.priority, task.task_type) != ("medium", "feature")
        # R1: the terminal cursor is on the highlighted line.
        _x, y = demo_app.cursor_position
        assert y == tree.content_region.y + tree.cursor_line - int(tree.scroll_y)


async def test_a_second_preview_keeps_the_edits_and_a_changed_project_applies(
    demo_app: TaskyardApp,
) -> None:
    """Review finding 3: ctrl+r again keeps p/t/x edits (and says so); a project typed after
    the preview is the one the import goes into."""
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_preview(demo_app, pilot, CROSS_REFS)
        await pilot.press("home", "p")  # Index schema: medium -> low
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.preview is not None
        schema = next(t for t in screen.preview.plan.tasks if t.title == "Index schema")
        assert schema.priority == "low"
        assert "kept" in text_of(screen, "#prd-status")

        screen.query_one("#prd-project").value = "web-app"  # type: ignore[attr-defined]
        screen.query_one(PlanTree).focus()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(demo_app.screen, ConfirmModal)
        assert "into web-app" in demo_app.screen.question
        assert screen.preview is not None
        assert screen.preview.plan.options.project == "web-app"
        schema = next(t for t in screen.preview.plan.tasks if t.title == "Index schema")
        assert schema.priority == "low"


async def test_m_makes_a_section_that_is_not_a_task_a_task(
    demo_app: TaskyardApp, tmp_path: Path
) -> None:
    """Issue 21: the preview says why a section is not a task, and one key makes it a task
    (the person knows the risk's mitigation is work here); a second preview keeps that."""
    doc = tmp_path / "launch.md"
    doc.write_text(
        "# Launch\n\n## Build the API\n\nEndpoints.\n\n## Risks\n\nAdd a fallback provider.\n"
    )
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_preview(demo_app, pilot, doc)
        assert screen.preview is not None
        assert [n.section_path for n in screen.preview.plan.not_tasks] == [["Risks"]]
        tree = screen.query_one(PlanTree)
        await pilot.press("end")
        while tree.cursor_node is None or (tree.cursor_node.data or ("",))[0] != "skipped":
            await pilot.press("up")
        assert "Risks" in str(tree.cursor_node.label)
        await pilot.press("m")
        await settle(pilot)
        titles = [t.title for t in screen.preview.plan.tasks]
        assert titles == ["Build the API", "Risks"]
        assert screen.preview.plan.tasks[1].description == "Add a fallback provider."
        assert screen.preview.plan.not_tasks == []
        assert "“Risks” is a task after all" in text_of(screen, "#prd-status")
        await pilot.press("ctrl+r")  # planned again from the document: the edit is kept
        await settle(pilot)
        assert [t.title for t in screen.preview.plan.tasks] == ["Build the API", "Risks"]
