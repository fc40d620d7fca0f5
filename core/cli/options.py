"""The arguments several commands take, each written once.

Their ``dest`` is the field name the domain's request models use, so a handler passes them on
by name (``core.cli.inputs.picked``) instead of mapping each one again.
"""

from __future__ import annotations

from typing import Any

from core.cli.arguments import number, positive_int
from core.cli.specs import Arg, arg

REF = arg("ref", metavar="REF")
"""The task a command acts on: its ref (``TY-1``) or id."""

DUE = arg("--due", dest="due_date", metavar="DATE", help="YYYY-MM-DD")
ESTIMATE = arg("--estimate", dest="effort_estimate", type=number, metavar="N")


def repeated(*names: str, **options: Any) -> Arg:
    """An option that may be given many times; the command reads the list of its values."""
    return arg(*names, action="append", default=[], **options)


def project(help_text: str | None = None, *, metavar: str = "P", required: bool = False) -> Arg:
    """``--project``: the project slug a command reads, writes or filters by."""
    return arg("--project", metavar=metavar, help=help_text, required=required)


def limit(default: int, help_text: str | None = None) -> Arg:
    """``--limit N``: how many items at the most."""
    return arg("--limit", type=positive_int, default=default, metavar="N", help=help_text)
