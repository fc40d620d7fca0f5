"""Argument types and choices the command modules share.

Only the standard library is imported: the enums behind the choices are loaded the first time
argparse checks a value or prints them, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Iterator


class EnumChoices:
    """argparse ``choices`` taken from a domain enum that is imported only when needed.

    The enums live in pydantic modules; importing them while building the parser would make
    ``taskyard --version`` pay for pydantic. argparse only iterates or tests choices when it
    checks a value or prints help, which is when this imports the enum.
    """

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name
        self._values: list[str] | None = None

    def _load(self) -> list[str]:
        if self._values is None:
            enum_type = getattr(importlib.import_module(self._module), self._name)
            self._values = [str(member.value) for member in enum_type]
        return self._values

    def __contains__(self, item: object) -> bool:
        return item in self._load()

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


STATUSES = EnumChoices("core.domain.models", "TaskStatus")
PRIORITIES = EnumChoices("core.domain.models", "Priority")
SORT_FIELDS = EnumChoices("core.domain.commands", "SortField")
GRANULARITIES = EnumChoices("core.prd.models", "Granularity")


def int_at_least(minimum: int, refusal: str) -> Callable[[str], int]:
    """An argparse type for whole numbers of at least ``minimum`` (counts, pages, sequences)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} {refusal}")
        return value

    return parse


positive_int = int_at_least(1, "must be 1 or more")
non_negative_int = int_at_least(0, "cannot be negative")


def number(text: str) -> float:
    """An argparse type for estimates."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


PROG = "taskyard"
