"""``RunLog``: the live output of one run or quick run, as text lines with bounded memory.

It is Textual's ``Log`` (the Line API: one ``Strip`` per visible line, no widget per line),
capped at ``MAX_LINES`` so a chatty agent cannot grow the app without limit. New output
scrolls the view only when it is already at the bottom: someone reading further up keeps
their place. Standard error and the runner's own notes are marked in words (``stderr:``,
``note:``), not by colour alone.

The widget shows one owner (a run id or a quick run id) at a time and says so with
``RunLog.Following``; its screen reads that owner's output (``engine.follow_log``) in one
exclusive worker and hands the chunks down. Following another owner starts from a clean page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.geometry import Offset
from textual.message import Message
from textual.widgets import Log

from core.domain.runs import LogChunk
from tui.cursor import move_terminal_cursor

MAX_LINES = 2000
"""Lines kept on screen; older ones are dropped (the full log stays in the database)."""
MARK = {"stderr": "stderr: ", "system": "note: "}


def output_lines(stream: str, text: str) -> list[str]:
    """The lines of some output as shown: stdout as written, other streams marked in words."""
    mark = MARK.get(stream, "")
    text = text[:-1] if text.endswith("\n") else text
    return [mark + line for line in text.split("\n")]


def chunk_lines(chunk: LogChunk) -> list[str]:
    """The lines of a stored chunk as shown."""
    return output_lines(chunk.stream, chunk.text)


class RunLog(Log):
    """The output of the run being followed, newest line last."""

    DEFAULT_CSS = """
    RunLog {
        height: 1fr;
        min-height: 4;
        border: round $panel-lighten-2;
        background: transparent;
        padding: 0 1;
        overflow: auto;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 1;
        &:focus { border: round $primary; }
    }
    """

    HELP = """
## Output

The output of the selected run, newest line last. Up, down and the page keys scroll; while
you read further up, new lines do not move the view. Lines from standard error start with
**stderr:**, notes from the runner with **note:**. Only the last 2,000 lines are kept here;
`taskyard run log` shows everything.
"""

    @dataclass
    class Following(Message):
        """The log now shows ``owner_id`` (``None``: nobody's): its screen feeds it that
        owner's output from its first line, and stops feeding it anyone else's."""

        run_log: RunLog
        owner_id: str | None

        @property
        def control(self) -> RunLog:
            return self.run_log

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(max_lines=MAX_LINES, auto_scroll=True, id=id, classes=classes)
        self.owner_id: str | None = None
        """Whose output is shown (a run id or a quick run id); ``None`` before the first."""
        self.last_seq = 0
        """The sequence number of the last chunk shown."""

    def show(self, owner_id: str | None, *, placeholder: str = "") -> None:
        """Follow ``owner_id`` from its first line (nothing changes if it is already shown)."""
        if owner_id == self.owner_id and owner_id is not None:
            return
        self.owner_id = owner_id
        self.last_seq = 0
        self.clear()
        if owner_id is None and placeholder:
            self.write_line(placeholder)
        self.post_message(self.Following(self, owner_id))

    def add_chunks(self, chunks: Iterable[LogChunk]) -> None:
        """Show chunks of the followed owner (older or repeated ones are skipped)."""
        lines: list[str] = []
        for chunk in chunks:
            if chunk.owner_id != self.owner_id or chunk.seq <= self.last_seq:
                continue
            self.last_seq = chunk.seq
            lines.extend(chunk_lines(chunk))
        if lines:
            self.write_lines(lines)

    def write_output(self, stream: str, text: str) -> None:
        """Show output handed over directly (a quick run in this process, as it happens)."""
        self.write_lines(output_lines(stream, text))

    def place_cursor(self) -> None:
        """The terminal cursor sits at the start of the last visible line (R1)."""
        if not self.has_focus:
            return
        region = self.content_region
        visible = min(region.height, max(1, self.line_count - int(self.scroll_y)))
        move_terminal_cursor(self, Offset(region.x, region.y + visible - 1))

    def on_focus(self) -> None:
        self.call_after_refresh(self.place_cursor)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.call_after_refresh(self.place_cursor)
