"""Typed access to the running ``TaskyardApp`` from any screen, modal or widget."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from tui.app import TaskyardApp


def taskyard_app(node: DOMNode) -> TaskyardApp:
    """The app ``node`` belongs to, typed (Textual types ``node.app`` as a plain ``App``)."""
    return cast("TaskyardApp", node.app)
