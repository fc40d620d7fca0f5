"""``StableFooter``: Textual's ``Footer`` that recomposes only when what it shows changes.

Textual's ``Footer`` rebuilds all of its ``FooterKey`` widgets (a recompose, then a layout of
the whole screen) whenever the screen publishes ``bindings_updated``, which happens on every
focus change. On the board, moving between columns moves focus from one ``TaskList`` to
another whose bindings are the same, so the rebuild produced an identical footer and cost
most of a column switch (p95 240-435 ms at 100,000 tasks). This subclass remembers what it
last composed and ignores updates that would show the same keys.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class StableFooter(Footer):
    """A ``Footer`` that skips the recompose when the displayed bindings are unchanged."""

    _shown: Hashable | None = None
    """The signature of what the last ``compose`` displayed (``None``: nothing yet)."""

    def signature(self, screen: Screen[object]) -> Hashable:
        """Everything ``Footer.compose`` reads to build its keys, as a comparable value.

        Mirrors ``Footer.compose`` in Textual 8.2.8: the shown bindings in order with their
        key display, description, action, enabled state, tooltip and group, the command
        palette key, and the footer's own options. Only public API is used.
        """
        app = self.app
        keys = tuple(
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
                None
                if binding.group is None
                else (binding.group.description, binding.group.compact),
            )
            for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            found = screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, _tooltip = found
                palette = (
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    enabled,
                    binding.tooltip,
                )
        return (keys, palette, self.compact, self.combine_groups)

    def compose(self) -> ComposeResult:
        children = list(super().compose())
        # An empty compose means the bindings were not ready yet: nothing was shown.
        self._shown = self.signature(self.screen) if children else None
        yield from children

    def bindings_changed(self, screen: Screen[object]) -> None:
        if (
            self._shown is not None
            and self.is_attached
            and screen is self.screen
            and self.signature(screen) == self._shown
        ):
            return  # same keys as on screen: a recompose would rebuild an identical footer
        super().bindings_changed(screen)
