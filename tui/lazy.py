"""Package roots that import a name's module on first use, so start-up pays only for what
it shows (the board opens without loading the dialogs, the other screens or their widgets)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_attributes(where: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that finds each name of ``where`` (name -> module) there."""

    def __getattr__(name: str) -> Any:
        if name in where:
            return getattr(import_module(where[name]), name)
        raise AttributeError(name)

    return __getattr__
