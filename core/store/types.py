"""Column types that keep Python values honest across SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime; a naive one is a bug and fails loudly on write.

    SQLite has no time zones, so values are stored there as UTC text of fixed width (which
    sorts correctly) and come back with ``tzinfo=UTC`` attached.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive times; store UTC (naive UTC text on SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise TypeError(f"naive datetime {value!r}: taskyard stores only aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Always hand back an aware UTC time."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_type() -> Any:
    """JSON everywhere, JSONB on PostgreSQL (indexable, compact)."""
    return JsonDocument()


class JsonDocument(TypeDecorator[Any]):
    """JSON, stored as JSONB on PostgreSQL.

    ``JSON().with_variant(JSONB(), ...)`` would need ``sqlalchemy.dialects.postgresql`` (and its
    driver modules) at import time, about 40 ms of every SQLite start-up, CLI included; the
    PostgreSQL type is chosen here only when a PostgreSQL dialect asks for it.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        """JSONB on PostgreSQL, the generic JSON type elsewhere."""
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())
