"""Cards built as JSON by the database and validated by pydantic in one pass.

A list of cards is what the board, the ready queue and the server's lists read most. Built
from rows, each card cost its columns' result processing (two datetimes, the labels' JSON,
the enums) and a model built from Python values: about 10 µs a card, two thirds of a
50-card read (docs/performance.md, "cards as JSON from the database"). Here the database
writes each card as a JSON object whose keys are ``TaskCard``'s fields, and
``TypeAdapter(list[TaskCard])`` validates the whole list from that text in pydantic's own
code: the same models, the same rules, a third of the time.

SQLite and PostgreSQL spell the object differently, so the pieces compile per dialect
(``core.store.dialects.functions.per_dialect``):

- ``card_object``: ``json_object`` on SQLite; ``json_build_object`` cast to text on PostgreSQL
  (a driver may otherwise decode it into Python values first).
- ``utc_text``: a stored time as ISO text in UTC. SQLite keeps naive UTC text
  (``core.store.types.UtcDateTime``); PostgreSQL's ``timestamptz`` is written in UTC whatever
  the session's time zone, so a card reads the same from either.
- ``json_bool``: a condition as JSON ``true``/``false`` (SQLite's booleans are ``0``/``1``).
- ``json_value``: a JSON column embedded as JSON, not as a string holding JSON.

On SQLite the text is also byte for byte what pydantic writes for the card
(``written_as_pydantic``): times as ``2026-12-07T09:30:00.123456Z``, JSON values compact,
strings escaped as pydantic escapes them, with two exceptions ``cards_json`` sees. So the
server can send the database's text as it is, with no model built or serialized: that was
half of ``GET /api/v2/tasks/ready`` (docs/performance.md, "the ready queue as the database
wrote it"). PostgreSQL writes ``jsonb`` with spaces and times with ``+00:00``, so there the
cards go through pydantic on their way out.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Text
from sqlalchemy.sql.elements import ColumnElement, literal_column
from sqlalchemy.sql.functions import FunctionElement

from core.domain.models import TaskCard
from core.store.dialects.functions import per_dialect


class card_object(FunctionElement[str]):
    """A JSON object (as text) of ``name=column`` pairs, keys in the order given."""

    type = Text()
    inherit_cache = True
    name = "card_object"

    def __init__(self, **fields: ColumnElement[Any]) -> None:
        pairs: list[ColumnElement[Any]] = []
        for name, column in fields.items():
            # The keys are field names, written into the SQL (17 bound parameters a card cost
            # more than the card).
            pairs += [literal_column(f"'{name}'"), column]
        super().__init__(*pairs)


per_dialect(
    card_object,
    sqlite="json_object({args})",
    # As text: a driver may otherwise decode the object into Python values first.
    other="CAST(json_build_object({args}) AS TEXT)",
)


class utc_text(FunctionElement[str]):
    """A ``UtcDateTime`` column as ISO 8601 text in UTC, offset included (NULL stays NULL)."""

    type = Text()
    inherit_cache = True
    name = "utc_text"


per_dialect(
    utc_text,
    # Stored as "2026-12-07 09:30:00.123456" (fixed width; a time written by SQL itself may
    # lack the fraction): pydantic's form is "2026-12-07T09:30:00.123456Z". It drops a
    # fraction of zero, which ``cards_json`` sees (a second replace here cost a fifth of the
    # ready queue's SQL for a time in a million).
    sqlite="(replace({args}, ' ', 'T') || 'Z')",
    other="""to_char(({args}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')""",
)


class json_bool(FunctionElement[Any]):
    """A condition as a JSON boolean inside an object (``null`` when it is NULL)."""

    type = Text()
    inherit_cache = True
    name = "json_bool"


per_dialect(
    json_bool,
    # SQLite's conditions are 1 or 0 (NULL stays NULL); the constants are made once.
    sqlite="(CASE {args} WHEN 1 THEN json('true') WHEN 0 THEN json('false') END)",
    other="{args}",
)


class json_value(FunctionElement[Any]):
    """A JSON column as a JSON value inside another object (not a string of JSON)."""

    type = Text()
    inherit_cache = True
    name = "json_value"


per_dialect(json_value, sqlite="json({args})", other="{args}")


@cache
def _cards() -> TypeAdapter[list[TaskCard]]:
    # Built on first use: the CLI's commands that show no card never pay for it.
    return TypeAdapter(list[TaskCard])


def cards_from_json(objects: Iterable[str]) -> list[TaskCard]:
    """The cards of ``card_object`` texts, in their order, validated in one call."""
    return _cards().validate_json(_array(objects))


def written_as_pydantic(dialect: str) -> bool:
    """Whether ``dialect``'s card text is pydantic's JSON of the card (see ``cards_json``)."""
    return dialect == "sqlite"


def cards_json(objects: Iterable[str], dialect: str) -> str:
    r"""The JSON array of cards that ``TaskCard``'s serializer would write for these texts.

    SQLite's texts are that already (``written_as_pydantic``) and are only joined, unless
    one holds a ``\u`` escape (the labels column is stored as Python's ``json`` writes it,
    non-ASCII letters escaped as ``"\u00fc"`` where pydantic writes ``"ü"``) or a time
    whose fraction is zero (``.000000Z``, which pydantic leaves out). Those, and another
    database's texts, are validated and written again.
    """
    text = _array(objects)
    if written_as_pydantic(dialect) and "\\u" not in text and ".000000Z" not in text:
        return text
    return _cards().dump_json(_cards().validate_json(text)).decode()


def _array(objects: Iterable[str]) -> str:
    return "[" + ",".join(objects) + "]"


def card_from_json(text: str) -> TaskCard:
    """One card from its ``card_object`` text."""
    return TaskCard.model_validate_json(text)
