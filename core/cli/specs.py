"""Commands as data: each command module lists its commands, and ``add_commands`` builds them.

A command is its name, its handler, its help and its arguments, written down once; the
argparse calls that turn that into a parser (``add_parser``, ``add_argument``, the mutually
exclusive groups, ``set_defaults``) live here alone. Like the rest of the package this imports
only the standard library, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

Subcommands: TypeAlias = "argparse._SubParsersAction[Any]"
"""What ``add_subparsers`` returns: the commands (or a group's actions) are added to it.

``Any``: the root parser is a subclass (``core.cli.parser``), and the action is invariant in it.
"""


@dataclass(frozen=True)
class Arg:
    """One argument: what ``add_argument`` is called with when the parser is built."""

    names: tuple[str, ...]
    options: Mapping[str, Any]


def arg(*names: str, **options: Any) -> Arg:
    """An argument, written as the ``add_argument`` call it becomes."""
    return Arg(names, options)


@dataclass(frozen=True)
class OneOf:
    """Arguments of which at most one may be given (an argparse mutually exclusive group)."""

    args: tuple[Arg, ...]


def one_of(*args: Arg) -> OneOf:
    """At most one of ``args``."""
    return OneOf(args)


@dataclass(frozen=True)
class Command:
    """A command (or a group's action): its parser, and what ``Session`` reads from it.

    ``needs`` become parser defaults next to ``handler``: ``orchestrated``,
    ``waits_for_work``, ``stores_files``, ``local_only``, ``standalone``, ``opens_engine``,
    ``light_read`` (``core.cli.session`` says what each means).
    """

    name: str
    handler: Callable[..., Awaitable[int]]
    help: str
    args: tuple[Arg | OneOf, ...] = ()
    description: str | None = None
    usage: str | None = None
    needs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """A command that takes an action (``task add``, ``dep rm``): its actions."""

    name: str
    help: str
    actions: tuple[Command, ...]


Commands: TypeAlias = tuple[Command | Group, ...]
"""What a command module lists: its commands and command groups, in ``--help`` order."""


def add_commands(commands: Subcommands, entries: Iterable[Command | Group]) -> None:
    """Add a parser for each command, and for each group one whose actions are required."""
    for entry in entries:
        if isinstance(entry, Group):
            parser = commands.add_parser(entry.name, help=entry.help)
            actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
            add_commands(actions, entry.actions)
            continue
        parser = commands.add_parser(
            entry.name, help=entry.help, description=entry.description, usage=entry.usage
        )
        for item in entry.args:
            if isinstance(item, OneOf):
                exclusive = parser.add_mutually_exclusive_group()
                for each in item.args:
                    exclusive.add_argument(*each.names, **each.options)
            else:
                parser.add_argument(*item.names, **item.options)
        parser.set_defaults(handler=entry.handler, **entry.needs)
