"""A terminal driver that leaves the cursor visible, for braille displays and screen readers.

Textual hides the cursor when it starts; BRLTTY and console screen readers follow the cursor,
and some ignore a hidden one. The app already places the cursor on the focused item, so showing
it is all that is needed (ACCESSIBILITY.md, R2).
"""

from __future__ import annotations

from textual.drivers.linux_driver import LinuxDriver

SHOW_CURSOR = "\x1b[?25h"


class VisibleCursorDriver(LinuxDriver):
    """``LinuxDriver`` that shows the cursor again once the application screen is set up."""

    def start_application_mode(self) -> None:
        super().start_application_mode()  # type: ignore[no-untyped-call]
        self.write(SHOW_CURSOR)
        self.flush()
