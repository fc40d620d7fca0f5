"""Every key binding of the app, gathered for the keymap check and the help listing."""

from __future__ import annotations

from textual.binding import Binding


def all_bindings() -> list[Binding]:
    """Every ``Binding`` declared by the app, its screens, modals and widgets."""
    from textual.dom import DOMNode

    from tui import app, modals, screens, widgets

    found: list[Binding] = []
    seen: set[int] = set()
    for module in (app, screens, modals, widgets):
        for name in getattr(module, "__all__", dir(module)):
            obj = getattr(module, name, None)
            if isinstance(obj, type) and issubclass(obj, DOMNode) and id(obj) not in seen:
                seen.add(id(obj))
                found.extend(b for b in obj.BINDINGS if isinstance(b, Binding))
    return found
