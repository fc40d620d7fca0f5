"""Command palette (ctrl+p): every key's action by name, for the screen it was opened on.

The entries are built from the active bindings, so the palette, the footer and the help
screen can never disagree: one action, one key, one palette entry, one help line.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.theme import ThemeProvider

from tui.settings import THEMES

_HIDDEN_ACTIONS = {"command_palette"}


class ScreenActions(Provider):
    """Each action bound on the current screen, titled ``area: Description``."""

    def _entries(self) -> list[tuple[str, str, str]]:
        entries: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            # Only taskyard's own keys (they all carry an id); Textual's scrolling and focus
            # keys are not actions a person looks up by name.
            if binding.action in _HIDDEN_ACTIONS or not binding.description or not binding.id:
                continue
            if binding.action in seen:
                continue
            seen.add(binding.action)
            area = (binding.id or "app.").split(".", 1)[0]
            title = f"{area}: {binding.description.rstrip('…')}"
            key = self.app.get_key_display(binding)
            help_text = f"{binding.tooltip or binding.description} (key: {key})"
            entries.append((title, binding.action, help_text))
        return sorted(entries)

    async def discover(self) -> Hits:
        for title, action, help_text in self._entries():
            yield DiscoveryHit(title, partial(self.screen.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self.screen.run_action, action),
                    help=help_text,
                )


class ThemeChoices(ThemeProvider):
    """The palette's themes: the ones ``--theme`` and ``[tui]`` accept (their contrast is
    tested), not every theme Textual ships."""

    @property
    def commands(self) -> list[tuple[str, Callable[[], None]]]:
        def pick(name: str) -> None:
            self.app.theme = name

        return [(name, partial(pick, name)) for name in THEMES]
