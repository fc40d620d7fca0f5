"""``TaskFormModal``: create or edit a task, with inline errors, dependencies and conflict care.

``open_task_form`` is the one entry point (the board's ``n``/``e``, the detail screen). The
modal loads the task itself, validates with the same request models the engine uses
(``TaskCreate``/``TaskPatch``), shows each error as an ``Error: …`` line under its field and
moves focus there, and saves in a worker. Edits carry the version they loaded; when someone
else saved first, the user chooses to merge, overwrite or keep editing. Nothing typed is lost.

The fields are ``TaskFields`` and the dependency section ``BlockersField``; what they hold is
text (``tui.form_data.Raw``), which this modal turns into requests.

The module is longer than our ~600 lines because it is one flow — load, edit, validate,
save, and on a conflict merge or overwrite — whose steps share the loaded version, the
user's unsaved text and the error lines; the fields and the dependency section, which hold
no flow, already live in their own widgets.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pydantic
from textual import on, work
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Static, TextArea

from core.domain.commands import TaskCreate, TaskPatch, from_pydantic
from core.domain.models import Task, TaskLink, TaskStatus
from core.errors import (
    ConflictError,
    TaskyardError,
    ValidationError,
)
from tui.context import taskyard_app
from tui.editor import EditorFailed, edit_text
from tui.form_data import (
    EDITABLE,
    FIELDS,
    WIDGET_ID,
    Loaded,
    Raw,
    changed_names,
    command_words,
    field_errors,
    merge,
    merge_blockers,
    raw_from_task,
    request_data,
)
from tui.form_words import worded_errors
from tui.widgets.blockers_field import BlockersField
from tui.widgets.footer import KeyFooter
from tui.widgets.task_fields import TaskFields

__all__ = ["TaskFormModal", "merge", "open_task_form"]


def open_task_form(
    app: App[object],
    ref: str | None,
    *,
    project: str | None = None,
    default_status: TaskStatus | None = None,
) -> None:
    """Open the form: ``ref=None`` creates a task, otherwise it edits ``ref``.

    A new task starts in ``default_status`` when that is backlog or ready, and in
    ``project`` (the one the board shows), else in the app's configured project.
    """
    if project is None:
        project = taskyard_app(app.screen).settings.project
    start = default_status if default_status in {TaskStatus.BACKLOG, TaskStatus.READY} else None
    app.push_screen(TaskFormModal(ref, project=project, default_status=start))


class TaskFormModal(ModalScreen[str | None]):
    """Create or edit a task; dismisses with the saved task's ref, or ``None``.

    | Key | Action |
    | :- | :- |
    | tab / shift+tab | Next or previous field (reading order) |
    | ctrl+s | Save |
    | ctrl+e | Edit the description in $VISUAL / $EDITOR (vi when unset) |
    | ctrl+d | Add a dependency (search by ref or title) |
    | f1 | Every key of the form, explained |
    | delete / x | In the dependency list: remove the highlighted blocker |
    | escape | Cancel (asks first when something was changed) |
    """

    AUTO_FOCUS = ""
    """No automatic focus: ``_focus_field`` focuses the title and scrolls the form itself.
    Textual's automatic focus would also centre the field after a refresh, at a time that
    depends on the machine's load, and could hide the heading the form has just shown."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save",
            "Save",
            priority=True,
            id="form.save",
            tooltip="Check and save the task",
        ),
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="form.cancel",
            tooltip="Close the form; asks first when something was changed",
        ),
        Binding(
            "ctrl+e",
            "external_editor",
            "Editor",
            priority=True,
            id="form.external-editor",
            tooltip="Edit the description in $VISUAL or $EDITOR (vi when unset)",
        ),
        # The help key of every screen, here as f1 only: a ? is typed into the focused field.
        Binding(
            "f1", "app.help", "Help", id="form.help", tooltip="Every key of the form, explained"
        ),
        Binding(
            "ctrl+d",
            "add_dependency",
            "Add dependency",
            priority=True,
            id="form.add-dependency",
            tooltip="Find a task by ref or title and make this one wait for it",
        ),
    ]

    HELP = """
## Task form

Every field of the task. **ctrl+s** saves; a field the engine refuses is explained in a line
starting with **Error:** right under it, and the cursor moves there. Nothing you typed is lost.

- **ctrl+e** opens the description in your own editor (`$VISUAL`, `$EDITOR`, else `vi`).
- **ctrl+d** adds a dependency: search by ref or title, enter adds. In the dependency list,
  **delete** or **x** removes the highlighted one.
- When someone else saved the task while you were editing, you choose: merge (keep your
  changes, take theirs elsewhere), overwrite with yours, or keep editing.
"""

    DEFAULT_CSS = """
    TaskFormModal {
        align: center middle;
        & > VerticalScroll {
            width: 96;
            max-width: 100%;
            height: 100%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & #form-heading { text-style: bold; }
        & #form-note { color: $text-muted; }
        & Label { margin-top: 1; }
        & .field-error { color: $text-error; text-style: bold; display: none; }
        & .field-error.-shown { display: block; }
        & .field-note { color: $text-warning; display: none; }
        & .field-note.-shown { display: block; }
        & #form-buttons { height: auto; margin-top: 1; }
        &.-screen-reader > VerticalScroll { border: none; padding: 0; }
        &.-screen-reader Input { border: none; height: 1; }
        &.-screen-reader TextArea { border: none; }
        &.-screen-reader Select > SelectCurrent { border: none; }
        &.-screen-reader Label { margin-top: 0; }
    }
    """

    def __init__(
        self,
        ref: str | None,
        *,
        project: str | None = None,
        default_status: TaskStatus | None = None,
    ) -> None:
        super().__init__()
        self.ref = ref
        """The task being edited; ``None`` while creating."""
        self.project = project
        self.default_status = default_status or TaskStatus.BACKLOG
        self.version: int | None = None
        """The version loaded (edit); saves name it so another edit is never overwritten."""
        self.original: Raw = {}
        """Field values as loaded (or as the empty form started), to tell what changed."""
        self.original_blockers: list[TaskLink] = []
        self.metadata: dict[str, Any] = {}
        """The task's metadata as last loaded: a changed command keeps its other keys."""
        self.command_hash: str | None = None
        """The command's hash as loaded, to say after saving whether the command changed."""
        self.loaded = ref is None
        self.saving = False
        self._again: tuple[bool, int | None] | None = None
        """Save once more after a conflict: ``(True, version to overwrite or None)``."""

    @property
    def creating(self) -> bool:
        return self.ref is None

    @property
    def spoken(self) -> bool:
        return taskyard_app(self).settings.screen_reader

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        heading = "New task" if self.creating else f"Edit {self.ref}"
        # Not a tab stop: the fields scroll into view as focus reaches them.
        with VerticalScroll(id="form-body", can_focus=False):
            yield Static(heading, id="form-heading")
            yield Static(
                "ctrl+s saves, escape cancels, f1 lists every key."
                if self.creating
                else f"Loading {self.ref}…",
                id="form-note",
            )
            yield TaskFields(
                creating=self.creating, project=self.project, default_status=self.default_status
            )
            with Horizontal(id="form-buttons"):
                yield Button("Add dependency", id="form-add-dependency")
                yield Button("Save", variant="primary", id="form-save")
                yield Button("Cancel", id="form-cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_class(self.spoken, "-screen-reader")
        self.watch(self.query_one("#form-body"), "scroll_y", self._scrolled, init=False)
        # The title keeps focus while an edited task loads: a disabled title would hand focus
        # (and the scroll) to the next field, and what is typed meanwhile is kept (load_task).
        # The form opens at its heading: focus alone scrolls the title to the middle.
        self._focus_field("title")
        if self.creating:
            self.original = self.read_raw()
            self.load_suggestions(self.project)
        else:
            self.load_task()

    # -- reading and writing the fields ---------------------------------------------------
    @property
    def fields(self) -> TaskFields:
        return self.query_one(TaskFields)

    @property
    def blockers(self) -> list[TaskLink]:
        """The tasks the task will wait for, as the form shows them."""
        return self.fields.blockers

    def read_raw(self) -> Raw:
        """Every field's text as it is in the form now."""
        return self.fields.read_raw()

    def _note(self, text: str) -> None:
        self.query_one("#form-note", Static).update(text)

    # -- errors ---------------------------------------------------------------------------
    def clear_errors(self) -> None:
        self.fields.clear_lines(".field-error")

    def show_errors(self, errors: list[tuple[str | None, str]]) -> None:
        """Show each ``(field, message)`` under its field and focus the first one in order."""
        first = self.fields.show_errors(errors)
        if first is not None:
            self._focus_field(first)
        else:
            self.query_one("#form-body").scroll_home(animate=False)

    def _focus_field(self, name: str) -> None:
        widget = self.fields.field_widget(name) or self.query_one("#form-add-dependency")
        # The form scrolls itself (below): Textual's own scroll on focus would centre the field
        # after a refresh, at a time that depends on the machine's load, and could hide the
        # heading or the label the form has just shown.
        widget.focus(scroll_visible=False)
        body = self.query_one("#form-body")

        def show_label_too() -> None:
            # The field's label (and, for the first field, the heading) is read with it.
            # Immediate: a deferred scroll, computed now, would land after the error line's
            # scrolls below (two refreshes later) and undo them.
            if name == FIELDS[0]:
                body.scroll_home(animate=False, immediate=True)
            else:
                widget.scroll_visible(animate=False, immediate=True)
                for label in self.query(f"#{WIDGET_ID[name]}-label"):
                    label.scroll_visible(animate=False, immediate=True)
            # Focus may not have moved (the field had it) and the scroll may not change
            # either: the cursor is placed on the field whatever happened (R1), again after
            # the field's error line is scrolled into view.
            self.call_after_refresh(self._show_error_line, name, widget)

        self.call_after_refresh(show_label_too)

    def _show_error_line(self, name: str, widget: Widget) -> None:
        """Scroll the field's error line (under it) into view, then its label again if that
        scrolled it out: the label wins when the two do not fit together."""
        taskyard_app(self).place_cursor_after_layout(widget)
        body = self.query_one("#form-body")
        for error in self.query(f"#{WIDGET_ID[name]}-error.-shown"):
            body.scroll_to_widget(error, animate=False, immediate=True)
            top = self.query_one("#form-heading") if name == FIELDS[0] else None
            for label in self.query(f"#{WIDGET_ID[name]}-label"):
                top = top or label
            if top is not None:
                body.scroll_to_widget(top, animate=False, immediate=True)

    def _scrolled(self) -> None:
        """The cursor is placed when a field gets focus, before the form scrolls it into view
        (tab, shift+tab wrapping to the end): place it again once the scroll is laid out, on
        any kind of field, or it stays where the field was (R1)."""
        self.call_after_refresh(lambda: taskyard_app(self).place_cursor_on(self.focused))

    def show_refusal(self, exc: TaskyardError) -> None:
        """Put what the engine (or the request model) refused under the fields concerned."""
        self.show_errors(worded_errors(field_errors(exc), self.read_raw()))
        taskyard_app(self).connection.saw_error(exc)

    # -- loading --------------------------------------------------------------------------
    @work(exclusive=True, group="load_task", exit_on_error=False)
    async def load_task(self) -> None:
        assert self.ref is not None
        try:
            loaded = await self._load(self.ref)
        except TaskyardError as exc:
            self._note(f"Error: {exc.message} {exc.hint or ''}".strip())
            return
        task = loaded.task
        self.version = task.version
        self.metadata = dict(task.metadata)
        self.command_hash = task.command.hash if task.command is not None else None
        self.original = dict(loaded.raw)
        self.original_blockers = list(loaded.blockers)
        title = self.query_one("#form-title", Input)
        typed = title.value  # keys pressed while the task loaded go after its title
        self.fields.set_blockers(loaded.blockers)
        self.fields.write_raw(loaded.raw)
        if typed:
            title.value = loaded.raw["title"] + typed
        self.loaded = True
        title.cursor_position = len(title.value)
        self._note(f"{task.ref}, {task.status.label}, version {task.version}. ctrl+s saves.")
        self._focus_field("title")

    async def _load(self, ref: str) -> Loaded:
        engine = await taskyard_app(self).engine()
        task = await engine.get_task(ref)
        slug: str | None = None
        milestones = await engine.list_milestones(task.project_id)
        if task.milestone_id:
            slug = next((m.slug for m in milestones if m.id == task.milestone_id), None)
        self.fields.suggest(milestones=[m.slug for m in milestones])
        if self.project is None:
            self.project = (await engine.get_project(task.project_id)).slug
        return Loaded(task, raw_from_task(task, slug), list(task.blocked_by))

    @work(exclusive=True, group="load_suggestions", exit_on_error=False)
    async def load_suggestions(self, project: str | None) -> None:
        engine = await taskyard_app(self).engine()
        try:
            projects = await engine.list_projects()
            milestones = await engine.list_milestones(project) if project else []
        except TaskyardError:
            return  # suggestions are a help, not a requirement; a bad project shows on save
        self.fields.suggest(
            projects=[p.slug for p in projects], milestones=[m.slug for m in milestones]
        )

    @on(Input.Blurred, "#form-project")
    def _project_left(self, event: Input.Blurred) -> None:
        project = event.value.strip() or None
        if project != self.project:
            self.project = project
            self.load_suggestions(project)

    # -- saving ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"save", "add_dependency", "external_editor"} and not self.loaded:
            return None
        return True

    @on(Button.Pressed, "#form-save")
    def action_save(self) -> None:
        if self.loaded and not self.saving:
            self.save()

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @work(exclusive=True, group="save", exit_on_error=False)
    async def save(self, *, overwrite_version: int | None = None) -> None:
        try:
            taskyard_app(self).connection.check_write()
        except TaskyardError as exc:  # the server is unreachable: the form keeps its text
            self.show_refusal(exc)
            return
        self.saving = True
        try:
            if self.creating:
                await self._create()
                return
            self._again = None
            await self._update(overwrite_version)
            while self._again is not None:  # merged or overwriting after a conflict
                _, overwrite_version = self._again
                self._again = None
                await self._update(overwrite_version)
        finally:
            self.saving = False

    async def _create(self) -> None:
        raw = self.read_raw()
        data = request_data(raw, [*EDITABLE, "project", "status"])
        data["blocked_by"] = [link.ref for link in self.blockers]
        try:
            request = TaskCreate.model_validate(data)
        except pydantic.ValidationError as exc:
            self.show_refusal(from_pydantic(exc))
            return
        self.clear_errors()
        engine = await taskyard_app(self).engine()
        try:
            result = await engine.create_task(request)
        except TaskyardError as exc:
            self.show_refusal(exc)
            return
        task = result.task
        taskyard_app(self).report(f"{task.ref} created{command_words(task, None)}")
        self.dismiss(task.ref)

    async def _update(self, overwrite_version: int | None) -> None:
        assert self.ref is not None
        raw = self.read_raw()
        if overwrite_version is not None:
            changed = list(EDITABLE)
        else:
            changed = [name for name in EDITABLE if raw[name] != self.original.get(name, "")]
        data = request_data(raw, changed, self.metadata)
        try:
            patch = TaskPatch.model_validate(data)
            patch.changes()
        except pydantic.ValidationError as exc:
            self.show_refusal(from_pydantic(exc))
            return
        except ValidationError as exc:
            self.show_refusal(exc)
            return
        self.clear_errors()
        before = {link.ref for link in self.original_blockers}
        now = {link.ref for link in self.blockers}
        added = [link.ref for link in self.blockers if link.ref not in before]
        removed = [link.ref for link in self.original_blockers if link.ref not in now]
        if not changed and not added and not removed:
            taskyard_app(self).report(f"{self.ref}: nothing changed")
            self.dismiss(self.ref)
            return
        engine = await taskyard_app(self).engine()
        expected = overwrite_version if overwrite_version is not None else self.version
        task: Task | None = None
        try:
            if changed:
                task = await engine.update_task(self.ref, patch, expected_version=expected)
                # Saved: from now on this is what the form started from.
                self.version = task.version
                self.original = {**self.original, **{n: raw[n] for n in changed}}
        except ConflictError as exc:
            await self._conflict(exc)
            return
        except TaskyardError as exc:
            self.show_refusal(exc)
            return
        try:
            for blocker in removed:
                task = await engine.remove_dependency(self.ref, blocker)
                self.original_blockers = [b for b in self.original_blockers if b.ref != blocker]
            for blocker in added:
                task = await engine.add_dependency(self.ref, blocker)
                link = next(b for b in self.blockers if b.ref == blocker)
                self.original_blockers.append(link)
        except TaskyardError as exc:
            text = exc.message if exc.hint is None else f"{exc.message} {exc.hint}"
            saved = " The other changes were saved." if changed else ""
            self.show_errors([("blocked_by", text + saved)])
            if task is not None:
                self.version = task.version
            return
        assert task is not None
        words = command_words(task, self.command_hash)
        taskyard_app(self).report(f"{task.ref} saved{words}")
        self.dismiss(task.ref)

    async def _conflict(self, exc: ConflictError) -> None:
        """Someone else saved first: say who and what, then merge, overwrite or keep editing."""
        from tui.modals.conflict import ConflictModal

        assert self.ref is not None
        expected = exc.details.get("expected_version", self.version)
        current = exc.details.get("current_version", "?")
        try:
            theirs = await self._load(self.ref)
        except TaskyardError as load_error:
            self.show_refusal(load_error)
            return
        current = theirs.task.version
        changed_by = exc.details.get("changed_by")
        they_changed = changed_names(theirs, self.original, self.original_blockers)
        message = (
            f"{self.ref} was changed by someone else since you opened it "
            f"(version {expected} → {current})."
        )
        if changed_by:
            message += f" The last change was made by {changed_by}."
        if they_changed:
            message += f" They changed: {', '.join(they_changed)}."
        message += " Your typing is kept whatever you choose."
        choice = await self.app.push_screen_wait(ConflictModal(message, spoken=self.spoken))
        if choice == "merge":
            self._merge(theirs)
        elif choice == "overwrite":
            self._again = (True, theirs.task.version)
        else:
            self.show_errors([(None, message)])
            self._focus_field("title")

    def _merge(self, theirs: Loaded) -> None:
        mine = self.read_raw()
        merged, both = merge(mine, self.original, theirs.raw)
        blockers = merge_blockers(self.blockers, self.original_blockers, theirs.blockers)
        self.original = dict(theirs.raw)
        self.original_blockers = list(theirs.blockers)
        self.version = theirs.task.version
        self.metadata = dict(theirs.task.metadata)
        self.fields.set_blockers(blockers)
        self.fields.write_raw(merged)
        self.clear_errors()
        self.fields.clear_lines(".field-note")
        if not both:
            self._note(f"Merged with version {theirs.task.version}; saving.")
            self._again = (True, None)
            return
        for name in both:
            theirs_text = theirs.raw.get(name, "")
            self.fields.show_line(
                f"#{WIDGET_ID[name]}-note",
                f"Changed by both: theirs is “{theirs_text}”; yours is kept.",
            )
        first = min(both, key=FIELDS.index)
        self._note(
            f"Merged with version {theirs.task.version}. Fields changed by both of you are "
            "marked: check them, then ctrl+s saves."
        )
        self._focus_field(first)

    # -- dependencies ---------------------------------------------------------------------
    @on(Button.Pressed, "#form-add-dependency")
    def action_add_dependency(self) -> None:
        if self.loaded:
            self.pick_dependency()

    @work(exclusive=True, group="pick_dependency", exit_on_error=False)
    async def pick_dependency(self) -> None:
        from tui.modals.dependency_picker import DependencyPickerModal

        exclude = {b.ref for b in self.blockers}
        if self.ref is not None:
            exclude.add(self.ref)
        project = self.query_one("#form-project", Input).value.strip() if self.creating else None
        link = await self.app.push_screen_wait(
            DependencyPickerModal(
                project=project or self.project or None, exclude=exclude, spoken=self.spoken
            )
        )
        if link is None:
            return
        self.fields.add_blocker(link)
        if self.creating and not self.query_one("#form-project", Input).value.strip():
            await self._project_from_blocker(link)

    async def _project_from_blocker(self, link: TaskLink) -> None:
        """A new task waits for tasks of its own project: take the blocker's when none is set."""
        engine = await taskyard_app(self).engine()
        try:
            blocker = await engine.get_task(link.id)
            project = await engine.get_project(blocker.project_id)
        except TaskyardError:
            return
        self.query_one("#form-project", Input).value = project.slug
        self.project = project.slug
        self.load_suggestions(project.slug)
        self.fields.show_line(
            "#form-project-note",
            f"Set to {project.slug}, the project of {link.ref} (dependencies stay in one).",
        )

    @on(BlockersField.Removed)
    def _blocker_removed(self, event: BlockersField.Removed) -> None:
        event.stop()
        self._note(f"{event.ref} removed from the dependencies (saved with ctrl+s).")
        if not self.blockers:
            self.query_one("#form-add-dependency").focus()

    # -- the external editor --------------------------------------------------------------
    def action_external_editor(self) -> None:
        if not self.loaded:
            return
        area = self.query_one("#form-description", TextArea)
        self.query_one("#form-description-error").remove_class("-shown")
        try:
            with self.app.suspend():
                text = edit_text(area.text)
        except (SuspendNotSupported, EditorFailed) as exc:
            why = (
                "this terminal cannot hand the screen to an editor; the description is "
                "unchanged, edit it here."
                if isinstance(exc, SuspendNotSupported)
                else f"{exc} Your text is kept."
            )
            self.fields.show_line("#form-description-error", f"Error: {why}")
            area.focus()
            return
        area.text = (
            text.rstrip("\n") if text.endswith("\n") and not area.text.endswith("\n") else text
        )
        area.focus()
        self._note("Description updated from your editor.")

    # -- leaving --------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        """Whether anything differs from what the form started with."""
        if not self.loaded:
            return False
        raw = self.read_raw()
        if any(raw.get(n, "") != self.original.get(n, "") for n in raw):
            return True
        return [b.ref for b in self.blockers] != [b.ref for b in self.original_blockers]

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return
        from tui.modals.conflict import DiscardModal

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        what = "The new task" if self.creating else self.ref or "The task"
        self.app.push_screen(DiscardModal(what, spoken=self.spoken), answered)
