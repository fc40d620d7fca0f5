"""``PrdImportScreen``: a PRD becomes a task graph, previewed and edited before it is written.

Choose a file (tab completes paths) or paste the text, set the options and preview: the tasks
as a tree with their dependencies and what the import would do with each (new, changed,
unchanged, no longer in the document), the waves, the critical path and the warnings. Drop a
task or an edge and change a priority or a type right there; every edit recomputes the preview
(``core.prd.edit``), so what is shown is what ``commit`` writes. Nothing is written until the
commit is confirmed; then the job is shown and ``b`` jumps to the imported tasks on the board.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from core.domain.models import KNOWN_TASK_TYPES, Priority
from core.errors import TaskyardError, ValidationError
from core.prd.models import (
    DiffKind,
    Granularity,
    ImportJob,
    ImportOptions,
    ImportPlan,
    ImportPreview,
    PlannedTask,
)
from tui.context import taskyard_app
from tui.prd_edits import PlanEdits
from tui.widgets.footer import KeyFooter
from tui.widgets.plan_tree import DIFF_WORDS, NodeData, PlanTree
from tui.widgets.tick_box import TickBox

PRIORITY_CYCLE = [Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW]


class PathSuggester(Suggester):
    """Completes a file path from what is on disk (the Input shows it; right arrow accepts)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value)


def complete_path(value: str) -> str | None:
    """The first entry on disk that extends ``value`` (folders end in ``/``)."""
    if not value:
        return None
    typed = Path(value).expanduser()
    folder, stem = (typed, "") if value.endswith("/") else (typed.parent, typed.name)
    try:
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    except OSError:
        return None
    prefix = value[: len(value) - len(stem)]
    for name in names:
        # Hidden entries only when the typed name asks for them.
        if name.startswith(stem) and name != stem and (stem.startswith(".") or name[0] != "."):
            return prefix + name
    return None


class PrdImportScreen(Screen[None]):
    """Import a PRD.

    | Key | Action |
    | :- | :- |
    | ctrl+r | Preview (nothing is written) |
    | x | Leave out the highlighted task or dependency |
    | p | Next priority for the highlighted task |
    | t | Next type for the highlighted task |
    | ctrl+s | Commit the import (asks first) |
    | b | Show the imported tasks on the board |
    | escape | Back to the board |
    """

    CSS_PATH = "prd_import.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+r",
            "preview",
            "Preview",
            id="import.preview",
            tooltip="Plan the import; nothing is written",
        ),
        Binding(
            "x",
            "drop",
            "Leave out",
            id="import.drop",
            tooltip="Leave the highlighted task, dependency or command out",
        ),
        Binding(
            "p",
            "cycle_priority",
            "Priority",
            id="import.priority",
            tooltip="Next priority for the highlighted task",
        ),
        Binding(
            "t",
            "cycle_type",
            "Type",
            id="import.type",
            tooltip="Next type for the highlighted task",
        ),
        Binding(
            "m",
            "make_task",
            "Make a task",
            id="import.make-task",
            tooltip="Make the highlighted section that is not a task a task after all",
        ),
        Binding(
            "ctrl+s",
            "commit",
            "Commit",
            id="import.commit",
            tooltip="Write the tasks and dependencies (asks first)",
        ),
        Binding(
            "b",
            "show_on_board",
            "Show on board",
            id="import.show-on-board",
            tooltip="Jump to the imported tasks",
        ),
        Binding("escape", "back", "Board", id="import.back", tooltip="Back to the board"),
    ]

    HELP = """
## Import a PRD

Give a Markdown file (tab and right arrow complete the path) or paste the text, choose the
granularity and options, and press **ctrl+r** to preview. The preview lists every task the
import would create or change, with its dependencies, the waves in which they could run and
any warnings (cycles, references to nothing, duplicate titles, empty sections).

Edit the plan before committing: **x** leaves out the highlighted task, dependency or
command, **p** and **t** change a task's priority and type. Under **Not tasks** each section
the planner left out says why; **m** makes the highlighted one a task after all. **ctrl+s**
commits after asking;
importing the same document again updates what changed and never duplicates tasks.

Shell code blocks in the document stay documentation: nothing in them runs. Tick **Shell
blocks become commands** to make each task's first shell block its command; the preview shows
every such command under its task, and none runs until someone approves it after the commit
(on the task's detail screen, or `taskyard approve REF`).

* coarse: one task per top-level section;
* balanced: one task per leaf section, list items as acceptance criteria;
* fine: checklist items and numbered steps become tasks of their own.
"""

    def __init__(self) -> None:
        super().__init__()
        self.preview: ImportPreview | None = None
        self.job: ImportJob | None = None
        self.edits = PlanEdits()
        """The edits made by hand, applied again to every new preview."""
        self._previewed: tuple[ImportOptions, str] | None = None
        """The options and the document text the preview was planned from."""

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        spoken = taskyard_app(self).settings.screen_reader
        with VerticalScroll(id="prd-form"):
            yield Static(
                "Import a PRD: a Markdown document becomes tasks and dependencies.", id="prd-title"
            )
            yield Label("File (Markdown; tab completes)")
            yield Input(placeholder="docs/prd.md", suggester=PathSuggester(), id="prd-path")
            yield Label("…or paste the document here (used when the file is empty)")
            yield TextArea(id="prd-text", soft_wrap=True, show_line_numbers=False)
            with Horizontal(id="prd-options"):
                yield Select(
                    [(g.value.capitalize(), g) for g in Granularity],
                    value=Granularity.BALANCED,
                    allow_blank=False,
                    id="prd-granularity",
                )
                yield TickBox("Ready when unblocked", spoken=spoken, id="prd-auto-ready")
                yield TickBox("Numbered lists are ordered", spoken=spoken, id="prd-order")
            with Horizontal(id="prd-options-2"):
                yield Input(placeholder="workers (4)", id="prd-parallelism", type="integer")
                yield Input(placeholder="milestone slug (optional)", id="prd-milestone")
                yield Input(placeholder="project (default)", id="prd-project")
            yield TickBox(
                "Shell code blocks become commands (none runs until someone approves it)",
                spoken=spoken,
                id="prd-commands",
            )
            yield Static("", id="prd-status")
            yield Static("", id="prd-summary")
            yield PlanTree("Plan", id="prd-tree")
            yield Static("", id="prd-waves")
            yield Static("", id="prd-warnings")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_class(taskyard_app(self).settings.screen_reader, "-screen-reader")
        tree = self.query_one(PlanTree)
        tree.show_root = False
        tree.display = False
        self.query_one("#prd-path", Input).focus()
        self.set_status(
            "Give a file or paste text, then ctrl+r to preview. Nothing is written yet."
        )

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#prd-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (
            action in {"drop", "cycle_priority", "cycle_type", "make_task", "commit"}
            and self.preview is None
        ):
            return None
        return not (action == "show_on_board" and self.job is None)

    # -- options --------------------------------------------------------------------------
    def _options(self) -> ImportOptions:
        parallel = self.query_one("#prd-parallelism", Input).value.strip()
        if parallel and (not parallel.isdigit() or not 1 <= int(parallel) <= 1000):
            self.query_one("#prd-parallelism", Input).focus()
            raise ValidationError(
                f"Workers must be a whole number from 1 to 1000, not {parallel!r}.",
                field="max_parallelism_hint",
                hint="Leave it empty for 4.",
            )
        return ImportOptions(
            granularity=Granularity(str(self.query_one("#prd-granularity", Select).value)),
            auto_ready=self.query_one("#prd-auto-ready", Checkbox).value,
            order_dependencies=self.query_one("#prd-order", Checkbox).value,
            commands=self.query_one("#prd-commands", Checkbox).value,
            max_parallelism_hint=int(parallel) if parallel else 4,
            milestone=self.query_one("#prd-milestone", Input).value.strip() or None,
            project=self.query_one("#prd-project", Input).value.strip() or None,
        )

    async def _source(self) -> tuple[str, str]:
        """The document's text and name: the file if one is given, else the pasted text."""
        path_text = self.query_one("#prd-path", Input).value.strip()
        if path_text:
            path, text = await asyncio.to_thread(_read_document, path_text)
            if text is None:
                self.query_one("#prd-path", Input).focus()
                raise ValidationError(
                    f"Cannot read {path}: {path_problem(path)}.",
                    field="file",
                    hint="Check the path (tab completes it), or clear it and paste the text.",
                )
            return text, str(path)
        text = self.query_one("#prd-text", TextArea).text
        if not text.strip():
            self.query_one("#prd-path", Input).focus()
            raise ValidationError(
                "There is nothing to import yet.",
                field="file",
                hint="Type a file path, or paste the document into the text box.",
            )
        return text, "pasted text"

    @on(Input.Submitted, "#prd-path")
    def _path_submitted(self) -> None:
        self.action_preview()

    # -- preview --------------------------------------------------------------------------
    def action_preview(self) -> None:
        self.load_preview()

    @work(exclusive=True, group="load_preview", exit_on_error=False)
    async def load_preview(self) -> None:
        self.set_status("Planning…")
        await self._plan()

    async def _plan(self, changed: str = "") -> bool:
        """Plan the document with the options as they are now, redo the edits made by hand,
        and show the result; ``changed`` opens the status line. False when refused."""
        app = taskyard_app(self)
        try:
            options = self._options()
            text, source = await self._source()
            engine = await app.engine()
            preview = await engine.preview_import(text, source=source, options=options)
        except TaskyardError as exc:
            self.set_status(_words(exc), error=True)
            app.report(_words(exc), severity="error", title="PRD not previewed")
            return False
        self.job = None
        self._previewed = (options, text)
        plan, kept, dropped = self.edits.replay(preview.plan)
        if kept or dropped:
            preview = _edited(preview, plan)
        self.show_preview(preview)
        self.query_one(PlanTree).focus()
        words = [changed, "Preview only: nothing is written."]
        if kept:
            words.append(f"Your {_count(kept, 'edit')} to the plan are kept.")
        if dropped:
            gone = "its task or dependency is" if dropped == 1 else "their tasks are"
            words.append(f"{_count(dropped, 'edit')} no longer applies: {gone} gone.")
        words.append("x leaves out, p and t change priority and type, ctrl+s commits.")
        self.set_status(" ".join(w for w in words if w))
        return True

    def show_preview(self, preview: ImportPreview) -> None:
        """Show a (possibly edited) preview: summary, tree, waves and warnings."""
        self.preview = preview
        plan = preview.plan
        diff = {d.key: d for d in preview.diff}
        counts = ", ".join(
            f"{preview.count(kind)} {DIFF_WORDS[kind]}" for kind in DiffKind if preview.count(kind)
        )
        self.query_one("#prd-summary", Static).update(
            f"{len(plan.tasks)} tasks, {len(plan.edges)} dependencies from {plan.source} "
            f"({plan.options.granularity}): {counts or 'nothing to do'}. "
            f"{len(plan.waves)} waves at {plan.options.max_parallelism_hint} workers; "
            f"critical path {_count(len(plan.critical_path), 'task')}; "
            + _count(len(plan.blocked_roots), "task")
            + (
                " that others wait for starts"
                if len(plan.blocked_roots) == 1
                else " that others wait for start"
            )
            + " the work."
            + (
                "\nMilestones: "
                + "; ".join(
                    m.name + (f" (due {m.due_date})" if m.due_date else "") for m in plan.milestones
                )
                if plan.milestones
                else ""
            )
        )
        self.query_one(PlanTree).fill(plan, diff)
        titles = {t.key: t.title for t in plan.tasks}
        waves = [
            f"Wave {n}: " + "; ".join(titles[k] for k in wave)
            for n, wave in enumerate(plan.waves, start=1)
        ]
        self.query_one("#prd-waves", Static).update("Waves\n" + "\n".join(waves) if waves else "")
        warnings = [
            f"Warning (line {w.line}): {w.message}" if w.line else f"Warning: {w.message}"
            for w in plan.warnings
        ]
        warnings += [
            f"Not a task (line {n.line_start}): {' > '.join(n.section_path)}, {n.reason}"
            for n in plan.not_tasks
        ]
        removed = [d for d in preview.diff if d.kind == DiffKind.REMOVED]
        warnings += [
            f"No longer in the document: {d.ref or d.key} {d.title}"
            + (" (started: left as it is)" if d.started else " (left on the board, flagged)")
            for d in removed
        ]
        self.query_one("#prd-warnings", Static).update(
            "Warnings\n" + "\n".join(warnings) if warnings else "No warnings."
        )
        self.refresh_bindings()

    # -- edits ----------------------------------------------------------------------------
    def _edit(self, change: str, plan: ImportPlan) -> None:
        assert self.preview is not None
        self.show_preview(_edited(self.preview, plan))
        self.set_status(f"{change} Still a preview: ctrl+s commits.")

    def _highlighted(self) -> NodeData | None:
        node = self.query_one(PlanTree).cursor_node
        return node.data if node is not None else None

    def _planned(self, key: str) -> PlannedTask:
        assert self.preview is not None
        return next(t for t in self.preview.plan.tasks if t.key == key)

    def action_make_task(self) -> None:
        data = self._highlighted()
        if self.preview is None or data is None or data[0] != "skipped":
            self.set_status("Highlight a section under “Not tasks” to make it a task.")
            return
        line = int(data[1])
        skipped = next(n for n in self.preview.plan.not_tasks if n.line_start == line)
        plan = self.edits.make_task(self.preview.plan, line)
        title = " > ".join(skipped.section_path)
        self._edit(f"“{title}” is a task after all (it was left out: {skipped.reason}).", plan)

    def action_drop(self) -> None:
        data = self._highlighted()
        if self.preview is None or data is None:
            return
        kind, key, blocker = data
        if kind not in ("task", "command", "edge"):
            self.set_status("Highlight a task, a dependency or a command to leave it out.")
            return
        plan = self.preview.plan
        if kind == "task":
            title = self._planned(key).title
            self._edit(f"Left out “{title}” and its dependencies.", self.edits.drop_task(plan, key))
        elif kind == "command":
            title = self._planned(key).title
            words = f"“{title}” will carry no command; its code block stays in the description."
            self._edit(words, self.edits.drop_command(plan, key))
        else:
            waiting, blocking = self._planned(key).title, self._planned(blocker).title
            words = f"“{waiting}” no longer waits for “{blocking}”."
            self._edit(words, self.edits.drop_edge(plan, key, blocker))

    def action_cycle_priority(self) -> None:
        data = self._highlighted()
        if self.preview is None or data is None or data[0] != "task":
            self.set_status("Highlight a task (not a dependency) to change its priority.")
            return
        task = self._planned(data[1])
        nxt = PRIORITY_CYCLE[(PRIORITY_CYCLE.index(task.priority) + 1) % len(PRIORITY_CYCLE)]
        plan = self.edits.set_priority(self.preview.plan, task.key, nxt)
        self._edit(f"“{task.title}” is now {nxt}.", plan)

    def action_cycle_type(self) -> None:
        data = self._highlighted()
        if self.preview is None or data is None or data[0] != "task":
            self.set_status("Highlight a task (not a dependency) to change its type.")
            return
        task = self._planned(data[1])
        types = list(KNOWN_TASK_TYPES)
        index = types.index(task.task_type) + 1 if task.task_type in types else 0
        nxt = types[index % len(types)]
        plan = self.edits.set_task_type(self.preview.plan, task.key, nxt)
        self._edit(f"“{task.title}” is now of type {nxt}.", plan)

    # -- commit ---------------------------------------------------------------------------
    def action_commit(self) -> None:
        if self.preview is not None:
            self.commit_current()

    @work(exclusive=True, group="load_preview", exit_on_error=False)
    async def commit_current(self) -> None:
        """Ask to commit what the options and document say now: when they changed since the
        preview (a project typed afterwards), plan again first, keeping the edits."""
        try:
            options = self._options()
            text, _source = await self._source()
        except TaskyardError as exc:
            self.set_status(_words(exc), error=True)
            return
        if (options, text) != self._previewed:
            changed = "The options or the document changed since the preview: planned again."
            if not await self._plan(changed):
                return
        self._confirm_commit()

    def _confirm_commit(self) -> None:
        from tui.modals.confirm import ConfirmModal

        assert self.preview is not None
        preview = self.preview
        question = (
            f"Write this import? {preview.count(DiffKind.NEW)} tasks created, "
            f"{preview.count(DiffKind.CHANGED)} updated, {len(preview.plan.edges)} dependencies, "
            f"into {preview.plan.options.project or 'the default project'}."
        )
        commands = sum(1 for t in preview.plan.tasks if t.command is not None)
        if commands:
            question += (
                f" {_count(commands, 'task')} will carry a shell command from the document; "
                "none runs until approved."
            )

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_commit(preview.plan)

        self.app.push_screen(ConfirmModal(question, yes="Import", no="Not yet"), answered)

    @work(exclusive=True, group="run_commit", exit_on_error=False)
    async def run_commit(self, plan: ImportPlan) -> None:
        app = taskyard_app(self)
        self.set_status("Importing…")
        try:
            app.connection.check_write()
            engine = await app.engine()
            job = await engine.commit_import(plan)
        except TaskyardError as exc:
            self.set_status(f"Not imported: {_words(exc)}", error=True)
            app.report(_words(exc), severity="error", title="PRD not imported")
            return
        self.job = job
        self.preview = None
        self.edits.clear()
        done = (
            f"Imported (job {job.id[:8]}): {len(job.created_task_ids)} tasks created, "
            f"{len(job.updated_task_ids)} updated, {job.edge_count} dependencies"
            + (f", {len(job.flagged_task_ids)} flagged" if job.flagged_task_ids else "")
            + ". Press b to see them on the board."
        )
        self.set_status(done)
        app.report(done)
        self.refresh_bindings()

    def action_show_on_board(self) -> None:
        job = self.job
        if job is None:
            return
        imported = job.created_task_ids or job.updated_task_ids
        self.app.switch_mode("board")
        if imported:
            first = imported[0]
            from tui.screens.board import BoardScreen

            board = self.app.screen
            if isinstance(board, BoardScreen):
                board.show_task(first)

    def action_back(self) -> None:
        self.app.switch_mode("board")


def _edited(preview: ImportPreview, plan: ImportPlan) -> ImportPreview:
    """``preview`` with an edited ``plan``: the diff keeps the tasks the plan still has."""
    keys = {t.key for t in plan.tasks}
    diff = [d for d in preview.diff if d.key in keys or d.kind == DiffKind.REMOVED]
    return ImportPreview(plan=plan, diff=diff)


def _read_document(typed: str) -> tuple[Path, str | None]:
    """The file's path and UTF-8 text (``None`` when it cannot be read)."""
    path = Path(typed).expanduser()
    try:
        return path, path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return path, None


def path_problem(path: Path) -> str:
    """Why ``path`` could not be read, in words."""
    if not path.exists():
        return "there is no such file"
    if path.is_dir():
        return "it is a folder"
    return "it is not a readable UTF-8 text file"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _words(exc: TaskyardError) -> str:
    return exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
