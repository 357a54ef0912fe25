"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=StrEnum)


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime (frozen by tests with time-machine)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC (the ``_dt`` columns).

    PostgreSQL keeps it as ``timestamptz``; SQLite has no zone type, so the naive UTC
    value is stored and UTC is attached again on load. Naive input is refused: a
    wall-clock time without its zone is a bug, not an instant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnumType(TypeDecorator[E]):
    """A :class:`~enum.StrEnum` column stored as its value in a ``VARCHAR(length)``.

    The schema is the plain string column (the CHECK constraint beside it names the
    allowed values); rows load as enum members. A plain string is written as it is,
    so a value outside the enum is refused by the CHECK constraint, as before.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 20) -> None:
        super().__init__(length)
        self.enum = enum
        self.length = length  # with ``enum``, the statement cache key (cache_ok)
        self._members: dict[str, E] = {member.value: member for member in enum}

    def process_bind_param(self, value: E | str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return value.value if isinstance(value, StrEnum) else value

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        if value is None:
            return None
        # A dict lookup per row (rows are read by the thousand); enum(value) raises
        # ValueError for a value the enum does not know.
        return self._members.get(value) or self.enum(value)
