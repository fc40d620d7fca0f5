"""``TickBox``: a checkbox whose state is a glyph, ``[x]`` or ``[ ]``, never a colour alone.

Textual's ``Checkbox`` draws ``▐X▌`` whether it is ticked or not and shows the state by the
colour of the ``X`` only: under ``NO_COLOR``, in high contrast and on a braille line every box
reads as ticked (R9). In screen-reader mode the state is also said in words after the label.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


def _label(words: str, value: bool, spoken: bool) -> str:
    if not spoken:
        return words
    return f"{words}, checked" if value else f"{words}, not checked"


class TickBox(Checkbox):
    """A checkbox drawn as ``[x] label`` or ``[ ] label`` (``label, checked`` when spoken)."""

    def __init__(self, words: str, value: bool = False, *, spoken: bool = False, id: str) -> None:
        super().__init__(_label(words, value, spoken), value, id=id)
        self.words = words
        """The label without the state."""
        self.spoken = spoken
        """Screen-reader mode: the state is said in words too."""

    @property
    def _button(self) -> Content:
        """The state as a glyph, in the label's own style (readable in every theme)."""
        glyph = "[x]" if self.value else "[ ]"
        return Content.styled(glyph, self.get_visual_style("toggle--label"))

    def watch_value(self) -> None:
        super().watch_value()
        if self.spoken:
            self.label = _label(self.words, self.value, self.spoken)
