"""``TickBox``: a checkbox whose state is a glyph, ``[x]`` or ``[ ]``, never a colour alone.

Textual's ``Checkbox`` draws ``▐X▌`` whether it is ticked or not and shows the state by the
colour of the ``X`` only: under ``NO_COLOR``, in high contrast and on a braille line every box
reads as ticked (R9). In screen-reader mode the state is also said in words after the label.
"""

from __future__ import annotations

from textual.content import Content, ContentText
from textual.geometry import Size
from textual.widgets import Checkbox


class TickBox(Checkbox):
    """A checkbox drawn as ``[x] label`` or ``[ ] label`` (``label, checked`` when spoken)."""

    def __init__(
        self, label: ContentText, value: bool = False, *, spoken: bool = False, id: str
    ) -> None:
        super().__init__(label, value, id=id)
        self.spoken = spoken
        """Screen-reader mode: the state is said in words too."""

    @property
    def _button(self) -> Content:
        """The state as a glyph, in the label's own style (readable in every theme)."""
        glyph = "[x]" if self.value else "[ ]"
        return Content.styled(glyph, self.get_visual_style("toggle--label"))

    def render(self) -> Content:
        style = self.get_visual_style("toggle--label")
        words = self._label
        if self.spoken:
            words = Content.assemble(words, ", checked" if self.value else ", not checked")
        return Content.assemble(self._button, words.pad(1, 1).stylize_before(style))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.render().cell_length
