"""Task-detail actions that live outside the screen module: attach a file, delete the task.

Each takes the ``TaskDetailScreen`` it acts for and goes through the engine as the screen's
own actions do; the screen's ``action_*`` methods delegate here so that the screen module
keeps to loading and showing the task.
"""

from __future__ import annotations

import asyncio
import base64
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, cast

from core.config_file import MAX_ATTACHMENT_LIMIT
from core.domain.commands import AttachmentIn, parse
from core.domain.models import Attachment
from core.errors import TaskyardError
from tui.context import HasStatusLine, report_done, taskyard_app
from tui.widgets.attachments_list import size_words

if TYPE_CHECKING:
    from tui.screens.task_detail import TaskDetailScreen


class _Unreadable(Exception):
    """A path that is not one readable file; the message says why in words."""


def _read(text: str, directory: Path) -> tuple[Path, bytes]:
    """The file at the typed path (relative to ``directory``) and its bytes.

    Files over the largest limit any configuration allows are refused before reading, so a
    mistyped path to a disk image never fills memory; the engine checks its own limit.
    """
    path = directory / Path(text).expanduser()
    try:
        if path.is_dir():
            raise _Unreadable(f"{path} is a folder. Type the path of one file inside it.")
        size = path.stat().st_size
        if size > MAX_ATTACHMENT_LIMIT:
            raise _Unreadable(
                f"{path} is {size_words(size)}, larger than any attachment can be "
                f"({size_words(MAX_ATTACHMENT_LIMIT)})."
            )
        return path, path.read_bytes()
    except FileNotFoundError:
        raise _Unreadable(f"there is no file at {path}. Check the path.") from None
    except OSError as exc:
        raise _Unreadable(f"cannot read {path}: {exc.strerror or exc}.") from None


def attach_file(screen: TaskDetailScreen) -> None:
    """Ask for a path and attach that file to the task shown; the list then shows it."""
    task = screen.shown_task
    if task is None:
        return
    from tui.modals.attach_file import AttachFileModal

    directory = Path.cwd()

    async def attach(typed: str) -> Attachment | str:
        app = taskyard_app(screen)
        try:
            path, data = await asyncio.to_thread(_read, typed, directory)
        except _Unreadable as exc:
            return str(exc)
        try:
            attachment = parse(
                AttachmentIn,
                {
                    "name": path.name,
                    "content_base64": base64.b64encode(data).decode("ascii"),
                    "content_type": mimetypes.guess_type(path.name)[0],
                },
            )
            app.connection.check_write()
            return await (await app.engine()).add_attachment(task.ref, attachment)
        except TaskyardError as exc:
            app.connection.saw_error(exc)
            return exc.message if exc.hint is None else f"{exc.message} {exc.hint}"

    def attached(stored: Attachment | None) -> None:
        if stored is not None:
            size = size_words(stored.size)
            report_done(screen, f"Attached {stored.name} ({size}) to {task.ref}.")
            screen.load_task()

    screen.app.push_screen(AttachFileModal(task.ref, attach, directory=directory), attached)


def delete_task(screen: TaskDetailScreen) -> None:
    """Delete the task shown after asking, then go back to the board, which says so."""
    task = screen.shown_task
    if task is None:
        return
    from tui import task_commands
    from tui.screens.task_detail import TaskDetailScreen

    def deleted(text: str) -> None:
        app = taskyard_app(screen)
        # Every detail page is closed: the one below may be a task that waited for this one.
        while isinstance(app.screen, TaskDetailScreen) and len(app.screen_stack) > 1:
            app.pop_screen()
        report_done(cast("HasStatusLine", app.screen), text)

    task_commands.ask_to_delete(screen, task.ref, task.title, deleted)
