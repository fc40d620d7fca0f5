"""``RunLog``: the live output of one run or quick run, as text lines with bounded memory.

It is Textual's ``Log`` (the Line API: one ``Strip`` per visible line, no widget per line),
capped at ``MAX_LINES`` so a chatty agent cannot grow the app without limit. It follows the
tail like ``tail -f`` in a pager: new output scrolls the view to the end until the user
scrolls up, and reaching the end again (``end``, scrolling down) follows again. Standard
error and the runner's own notes are marked in words (``stderr:``, ``note:``), not by colour
alone.

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
        self.following = True
        """New lines scroll the view to the end: true until the user scrolls up."""

    def show(self, owner_id: str | None, *, placeholder: str = "") -> None:
        """Follow ``owner_id`` from its first line (nothing changes if it is already shown)."""
        if owner_id == self.owner_id and owner_id is not None:
            return
        self.owner_id = owner_id
        self.last_seq = 0
        self.following = True
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
            self._write(lines)

    def write_output(self, stream: str, text: str) -> None:
        """Show output handed over directly (a quick run in this process, as it happens)."""
        self._write(output_lines(stream, text))

    def _write(self, lines: list[str]) -> None:
        """Add lines; while following, scroll to them once they are laid out.

        ``Log``'s own ``auto_scroll`` scrolls at once, before the layout has given the log
        its scrollbar, and a log without a scrollbar does not scroll: it stops at the first
        screenful and, no longer at the end, never follows again.
        """
        self.write_lines(lines, scroll_end=False)
        if self.following:
            self.call_after_refresh(self._follow)

    def _follow(self) -> None:
        """Scroll to the last line, unless the user has scrolled up since it was written."""
        if self.following and not self.is_vertical_scrollbar_grabbed:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def watch_show_horizontal_scrollbar(self) -> None:
        """A long line brings a horizontal scrollbar, which takes the last visible row."""
        if self.following:
            self.call_after_refresh(self._follow)

    def on_resize(self) -> None:
        if self.following:
            self.call_after_refresh(self._follow)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling away from the end stops following; coming back to it follows again.
        The cursor moves with the view (it sits on the last visible line)."""
        super().watch_scroll_y(old_value, new_value)
        self.following = new_value >= self.max_scroll_y
        self.call_after_refresh(self.place_cursor)

    def place_cursor(self) -> None:
        """The terminal cursor sits at the start of the last visible line (R1)."""
        if not self.has_focus:
            return
        region = self.content_region
        visible = min(region.height, max(1, self.line_count - int(self.scroll_y)))
        move_terminal_cursor(self, Offset(region.x, region.y + visible - 1))

    def on_focus(self) -> None:
        self.call_after_refresh(self.place_cursor)
