"""``QuickActionScreen``: a one-off run of a prompt or command (the ``quick`` mode).

Type a command (the shell profile, the default) or a prompt for an agent profile, pick the
profile from a numbered menu and run it: the output streams in below, and the run is kept
in the list of recent quick runs. Nothing lands on the board unless the run is promoted:
"Promote to task" creates exactly one task and names its ref, and ``ctrl+g`` opens it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker

from core.domain.commands import MAX_TITLE, TaskPatch
from core.domain.runs import QuickRun, QuickRunStatus
from core.errors import TaskyardError
from tui.context import taskyard_app
from tui.run_words import clock_text, first_line
from tui.screens.log_feed import LogFeedScreen
from tui.widgets.choice_list import ChoiceList
from tui.widgets.footer import KeyFooter
from tui.widgets.run_log import RunLog

LABEL = "One-off run — not on the board unless you promote it"
BUILT_IN_PROFILES = ("shell", "claude", "codex", "gemini", "aider", "opencode")
PROFILE_WORDS = {
    "shell": "runs the text as a shell command",
    "claude": "Claude Code with the text as its prompt",
    "codex": "OpenAI Codex CLI with the text as its prompt",
    "gemini": "Gemini CLI with the text as its prompt",
    "aider": "aider with the text as its message",
    "opencode": "opencode with the text as its prompt",
}
RECENT = 20
QUICK_MARK = {
    QuickRunStatus.RUNNING: "▶",
    QuickRunStatus.SUCCEEDED: "✓",
    QuickRunStatus.FAILED: "✗",
    QuickRunStatus.CANCELLED: "⊘",
}


def quick_line(run: QuickRun, promoted_ref: str | None = None) -> str:
    """``✓ 12:04:31 shell · echo hi · succeeded, exit code 0 · 00:02 · promoted to WEB-13``."""
    words = f"{QUICK_MARK[run.status]} {run.started_at:%H:%M:%S} {run.profile} · "
    words += f"{first_line(run.prompt, 50)} · {run.status.value}"
    if run.exit_code is not None:
        words += f", exit code {run.exit_code}"
    if run.finished_at is not None:
        words += f" · {clock_text((run.finished_at - run.started_at).total_seconds())}"
    if run.promoted_task_id:
        words += f" · promoted to {promoted_ref or 'a task'}"
    return words


class QuickActionScreen(LogFeedScreen):
    """Quick action.

    | Key | Action |
    | :- | :- |
    | tab / shift+tab | Prompt, profile, output, recent runs |
    | ctrl+r | Run it |
    | ctrl+b | Stop the run |
    | ctrl+t | Promote the shown run to a task (exactly one; asks its title and project) |
    | ctrl+g | Open the task it was promoted to |
    | digits (in the profile menu) | Choose a profile |
    | escape | Back to the board |
    """

    CSS_PATH = "quick_action.tcss"
    AUTO_FOCUS = "#quick-prompt"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "run", "Run", id="quick.run", tooltip="Run the prompt or command"),
        Binding("ctrl+b", "stop", "Stop", id="quick.stop", tooltip="Stop the running quick run"),
        Binding(
            "ctrl+t",
            "promote",
            "Promote to task",
            id="quick.promote",
            tooltip="Create one task from the shown run (it is not on the board until then)",
        ),
        Binding(
            "ctrl+g",
            "open_task",
            "Go to task",
            id="quick.open-task",
            tooltip="Open the task the shown run was promoted to",
        ),
        Binding("escape", "show_board", "Board", id="quick.back", tooltip="Back to the board"),
    ]

    HELP = f"""
## Quick action

{LABEL}. Type a shell command (profile **shell**, the default) or a prompt for an agent
profile, choose the profile in the numbered menu (type its number) and press **ctrl+r**.
The output follows below; **ctrl+b** stops it. Recent quick runs are listed at the bottom:
highlight one to see its output again.

**ctrl+t** promotes the shown run to a task: it asks for the title (the prompt's first line
to start with) and the project (escape at either promotes nothing); exactly one task is
created (its title is the
first line of the prompt, its description the prompt and the result) and its ref is shown;
**ctrl+g** opens it. Until then, nothing is added to the board.
"""

    def __init__(self) -> None:
        super().__init__()
        self.profile = "shell"
        """The chosen profile."""
        self.profiles: list[str] = list(BUILT_IN_PROFILES)
        self.shown: QuickRun | None = None
        """The quick run whose output is shown (the last one run, or one picked in the list)."""
        self.recent: list[QuickRun] = []
        self._refs: dict[str, str] = {}
        """Promoted task id -> its ref."""
        self._quick_worker: Worker[None] | None = None

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="quick-form"):
            yield Static(f"Quick action: {LABEL}", id="quick-label", markup=False)
            yield Label("Prompt or command (for shell: the command line)")
            yield TextArea(id="quick-prompt", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="quick-error", markup=False)
            yield Label("Profile (type its number)", id="quick-profile-label")
            yield ChoiceList(id="quick-profile")
            yield Static("", id="quick-status", markup=False)
            yield Static("Output", id="quick-output-heading", classes="quick-section")
            yield RunLog(id="quick-output")
            yield Static("Recent quick runs", id="quick-recent-heading", classes="quick-section")
            yield Static("", id="quick-recent-empty", markup=False)
            yield ChoiceList(id="quick-recent")
        yield KeyFooter()

    def on_mount(self) -> None:
        spoken = taskyard_app(self).settings.screen_reader
        self.set_class(spoken, "-screen-reader")
        self.query_one(KeyFooter).display = not spoken
        self.query_one("#quick-error").display = False
        # Reduced motion (R11): no blinking caret when animations are off.
        self.query_one("#quick-prompt", TextArea).cursor_blink = taskyard_app(
            self
        ).settings.animations
        self.profiles = self._configured_profiles()
        self._show_profiles()
        self.query_one(RunLog).show(None, placeholder="Nothing has run yet.")
        self.set_status("ctrl+r runs it. Nothing is added to the board unless you promote it.")
        self.load_recent()

    def on_screen_resume(self) -> None:
        self.call_after_refresh(taskyard_app(self).place_cursor_on, self.focused)

    def _configured_profiles(self) -> list[str]:
        """The profiles of taskyard.toml's ``[profiles.*]``, the built-in ones first."""
        names = list(BUILT_IN_PROFILES)
        extra = taskyard_app(self).settings.config.data.get("profiles", {})
        if isinstance(extra, dict):
            names += sorted(str(n) for n in extra if str(n) not in names)
        return names

    def _show_profiles(self) -> None:
        choices = self.query_one("#quick-profile", ChoiceList)
        keep = choices.highlighted
        options = []
        for n, name in enumerate(self.profiles, start=1):
            chosen = " (chosen)" if name == self.profile else ""
            default = ", the default" if name == "shell" else ""
            words = PROFILE_WORDS.get(name, "a profile from taskyard.toml")
            options.append(Option(f"{n}. {name}{chosen}: {words}{default}", id=name))
        choices.set_options(options)
        choices.highlighted = keep if keep is not None else self.profiles.index(self.profile)

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#quick-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    # -- profile and recent runs ----------------------------------------------------------
    @on(OptionList.OptionSelected, "#quick-profile")
    def _profile_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.profile = event.option.id
            self._show_profiles()
            self.set_status(f"Profile: {self.profile}. ctrl+r runs it.")

    @work(exclusive=True, group="load_recent", exit_on_error=False)
    async def load_recent(self) -> None:
        app = taskyard_app(self)
        try:
            engine = await app.engine()
            recent = await engine.list_quick_runs(limit=RECENT)
            for run in recent:
                tid = run.promoted_task_id
                if tid and tid not in self._refs:
                    self._refs[tid] = (await engine.get_task(tid)).ref
        except TaskyardError as exc:
            app.report_error(exc, title="Cannot read the recent quick runs")
            return
        self.recent = recent
        if self.shown is not None:
            self.shown = next((r for r in recent if r.id == self.shown.id), self.shown)
            self._show_heading(self.shown)
        elif recent:
            self._show_run(recent[0])  # on opening: the last quick run and its output
        choices = self.query_one("#quick-recent", ChoiceList)
        keep = choices.highlighted
        choices.set_options(
            Option(f"{n}. {quick_line(r, self._refs.get(r.promoted_task_id or ''))}", id=r.id)
            for n, r in enumerate(recent, start=1)
        )
        choices.display = bool(recent)
        if recent:
            choices.highlighted = min(keep or 0, len(recent) - 1)
        self.query_one("#quick-recent-heading", Static).update(
            f"Recent quick runs, newest first: {len(recent)}"
        )
        empty = self.query_one("#quick-recent-empty", Static)
        empty.update("" if recent else "None yet.")
        empty.display = not recent
        self.refresh_bindings()

    @on(OptionList.OptionHighlighted, "#quick-recent")
    def _recent_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if not event.option_list.has_focus:
            return  # a reload moved the highlight, not the person
        run = next((r for r in self.recent if r.id == event.option.id), None)
        if run is not None:
            self._show_run(run)

    @on(OptionList.OptionSelected, "#quick-recent")
    def _recent_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one(RunLog).focus()

    def _show_run(self, run: QuickRun) -> None:
        self.shown = run
        self.query_one(RunLog).show(run.id)
        self._show_heading(run)
        self.refresh_bindings()

    def _show_heading(self, run: QuickRun) -> None:
        words = f"Output of the {run.profile} run started {run.started_at:%H:%M:%S}: "
        words += run.status.value
        if run.promoted_task_id:
            words += f", promoted to {self._refs.get(run.promoted_task_id, 'a task')}"
        self.query_one("#quick-output-heading", Static).update(words)

    # -- running --------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        running = self._quick_worker is not None and not self._quick_worker.is_finished
        shown = self.shown
        if action == "run":
            return None if running else True
        if action == "stop":
            return True if running else None
        if action == "promote":
            ok = shown is not None and shown.status != QuickRunStatus.RUNNING
            return True if ok and shown is not None and not shown.promoted_task_id else None
        if action == "open_task":
            return True if shown is not None and shown.promoted_task_id else None
        return True

    def action_run(self) -> None:
        prompt = self.query_one("#quick-prompt", TextArea).text.strip()
        error = self.query_one("#quick-error", Static)
        if not prompt:
            error.update("Error: type a command or a prompt first.")
            error.display = True
            self.query_one("#quick-prompt", TextArea).focus()
            return
        error.display = False
        self._quick_worker = self.run_quick(prompt, self.profile)
        self.refresh_bindings()

    @work(exclusive=True, group="quick-run", exit_on_error=False)
    async def run_quick(self, prompt: str, profile: str) -> None:
        app = taskyard_app(self)
        self.set_status(f"Running with {profile}… ctrl+b stops it.")
        try:
            app.connection.check_write()  # the run is recorded on the server as it goes
            engine = await app.engine()
            from core.orchestrator.config import OrchestratorConfig
            from core.orchestrator.quick import run_quick_action

            config = OrchestratorConfig.from_config(app.settings.config)
            output = self.query_one(RunLog)
            output.show(None)
            self.query_one("#quick-output-heading", Static).update(
                f"Output of the {profile} run (live)"
            )
            run = await run_quick_action(
                engine, config, prompt, profile, on_output=output.write_output
            )
        except TaskyardError as exc:
            text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
            self.set_status(f"Not run: {text}", error=True)
            app.report(text, severity="error", title="Quick action")
            return
        finally:
            self.call_later(self.refresh_bindings)
        self._show_run(run)
        done = f"Quick run {run.status.value}" + (
            f" (exit code {run.exit_code})." if run.exit_code is not None else "."
        )
        self.set_status(f"{done} ctrl+t promotes it to a task; ctrl+r runs again.")
        app.report(done)
        self.load_recent()

    def action_stop(self) -> None:
        if self._quick_worker is not None and not self._quick_worker.is_finished:
            self._quick_worker.cancel()
            self.set_status("Stopped. The run is recorded as cancelled.")
            self.call_later(self.load_recent)

    def action_promote(self) -> None:
        self.promote()

    @work(exclusive=True, group="quick-promote", exit_on_error=False)
    async def promote(self) -> None:
        app = taskyard_app(self)
        shown = self.shown
        if shown is None:
            return
        asked = await ask_title_and_project(self, shown)
        if asked is None:
            self.set_status("Not promoted. ctrl+t asks again.")
            return
        title, project = asked
        try:
            app.connection.check_write()
            engine = await app.engine()
            task = await engine.promote_quick_run(shown.id, project=project)
            if title != task.title:
                task = await engine.update_task(
                    task.ref, TaskPatch(title=title), expected_version=task.version
                )
        except TaskyardError as exc:
            text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
            self.set_status(f"Not promoted: {text}", error=True)
            app.report(text, severity="error", title="Promote to task")
            self.load_recent()
            return
        self._refs[task.id] = task.ref
        self.shown = shown.model_copy(update={"promoted_task_id": task.id})
        done = f"Promoted to task {task.ref} “{task.title}” ({task.status.label})."
        self.set_status(f"{done} ctrl+g opens it.")
        app.report(done)
        self.load_recent()
        self.refresh_bindings()

    def action_open_task(self) -> None:
        shown = self.shown
        if shown is None or not shown.promoted_task_id:
            return
        from tui.screens.task_detail import TaskDetailScreen

        ref = self._refs.get(shown.promoted_task_id, shown.promoted_task_id)
        self.app.push_screen(TaskDetailScreen(ref))

    def action_show_board(self) -> None:
        self.app.switch_mode("board")


async def ask_title_and_project(
    screen: QuickActionScreen, run: QuickRun
) -> tuple[str, str | None] | None:
    """The title and project the promoted task gets; ``None`` when the user left either.

    The title starts as the prompt's first line (the engine's own choice) and the project as
    the one the board opened on.
    """
    from tui.modals.name_prompt import NameModal
    from tui.modals.project_picker import ProjectPickerModal

    title = await screen.app.push_screen_wait(
        NameModal(
            "Promote to a task. Its title:",
            placeholder="A title",
            create="Next: the project",
            value=first_line(run.prompt, MAX_TITLE).strip(),
        )
    )
    if title is None:
        return None
    settings = taskyard_app(screen).settings
    project = await screen.app.push_screen_wait(
        ProjectPickerModal(
            settings.project,
            spoken=settings.screen_reader,
            question=f"Promote “{title}” into the project:",
            every="The default project",
        )
    )
    if project is None:
        return None
    return title, project.slug
