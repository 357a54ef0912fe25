"""How each column's values are written to a backup and checked on the way back (the
*kinds* of the table in backup.py's docstring): encoders, decoders and the checks
every restored value passes before anything is written."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from meetbot.domain.bounds import YEAR_MESSAGE, year_ok
from meetbot.domain.text import single_line


class BackupError(Exception):
    """A backup or restore that cannot be done; ``message`` says what and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def column_kind(type_: TypeEngine[Any]) -> str:
    """How values of a column type are written to the backup (see the module table)."""
    if isinstance(type_, TypeDecorator):
        inner = type_.impl_instance
        if isinstance(inner, DateTime):
            # Our TypeDecorators on DateTime(timezone=True) hand out aware UTC values.
            return "datetime_utc" if inner.timezone else "datetime_local"
        return column_kind(inner)
    if isinstance(type_, DateTime):
        return "datetime_utc" if type_.timezone else "datetime_local"
    if isinstance(type_, Date):
        return "date"
    if isinstance(type_, LargeBinary):
        return "bytes"
    if isinstance(type_, JSON):
        return "json"
    if isinstance(type_, Boolean):
        return "bool"
    if isinstance(type_, Integer):
        return "int"
    if isinstance(type_, Float | Numeric):
        return "float"
    if isinstance(type_, String):
        return "str"
    raise BackupError(f"no backup format for column type {type_!r}")


def encode_value(kind: str, value: Any) -> Any:
    """A column value as the JSON value of its kind."""
    if value is None or kind in {"json", "bool", "int", "float", "str"}:
        return value
    if kind == "datetime_utc":
        if value.tzinfo is None:
            raise BackupError(f"naive datetime {value!r} in a UTC column")
        return value.astimezone(UTC).isoformat()
    if kind == "datetime_local":
        if value.tzinfo is not None:
            raise BackupError(f"aware datetime {value!r} in a wall-clock column")
        return value.isoformat()
    if kind == "date":
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    raise BackupError(f"unknown column kind {kind!r}")


def _decode_datetime(value: Any, aware: bool) -> datetime:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected an ISO 8601 date-time, not {value[:40]!r}") from None
    if aware and parsed.tzinfo is None:
        raise ValueError("expected a UTC offset (this column holds instants)")
    if not aware and parsed.tzinfo is not None:
        raise ValueError("expected no UTC offset (this column holds wall-clock times)")
    try:
        return parsed.astimezone(UTC) if aware else parsed
    except OverflowError:
        raise ValueError(
            f"out of range: {value[:40]} is before 0001 or after 9999 in UTC"
        ) from None


def _decode_date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("expected a YYYY-MM-DD string")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"expected a YYYY-MM-DD date from 0001-01-01 to 9999-12-31, not {value[:40]!r}"
        ) from None


def _decode_bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("expected a base64 string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("not valid base64") from None


def _decode_typed(expected: type | tuple[type, ...], what: str) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        # bool is an int in Python: an int column must not silently take true/false.
        if isinstance(value, bool) and expected is not bool:
            raise ValueError(f"expected {what}")
        if not isinstance(value, expected):
            raise ValueError(f"expected {what}")
        return value

    return decode


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "datetime_utc": lambda v: _decode_datetime(v, aware=True),
    "datetime_local": lambda v: _decode_datetime(v, aware=False),
    "date": _decode_date,
    "bytes": _decode_bytes,
    "json": lambda v: v,
    "bool": _decode_typed(bool, "true or false"),
    "int": _decode_typed(int, "an integer"),
    "float": _decode_typed((int, float), "a number"),
    "str": _decode_typed(str, "a string"),
}


# One-line names and titles (calendar names): kept to one line as every service does.
_SINGLE_LINE = {
    ("groups", "name"),
    ("work_streams", "name"),
    ("meeting_series", "title"),
    ("meetings", "title"),
    ("people", "display_name"),
    ("people", "organization"),
}


def checked_value(table: str, column: str, value: Any) -> Any:
    """The rules every entry path applies: one-line names, dates in the allowed years."""
    if isinstance(value, str) and (table, column) in _SINGLE_LINE:
        return single_line(value)
    if isinstance(value, date) and not year_ok(value):
        raise ValueError(YEAR_MESSAGE)
    return value


def _int_range(type_: TypeEngine[Any]) -> tuple[int, int]:
    """The values an integer column holds on every supported database (PostgreSQL's
    integer, bigint and smallint; SQLite's 64 bits hold them all)."""
    bits = 64 if isinstance(type_, BigInteger) else 16 if isinstance(type_, SmallInteger) else 32
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _check_int(value: int, low: int, high: int) -> None:
    if low <= value <= high:
        return
    digits = len(str(abs(value)))
    shown = str(value) if digits <= 20 else f"an integer of {digits} digits"
    raise ValueError(f"{shown} is out of range ({low} .. {high})")


def _check_str(value: str, length: int | None) -> None:
    if length is not None and len(value) > length:
        raise ValueError(f"{len(value)} characters, at most {length} fit this column")
    if "\x00" in value:
        raise ValueError("contains a NUL character (PostgreSQL cannot store it)")


def _check_float(value: float) -> None:
    try:
        number = float(value)
    except OverflowError:
        raise ValueError("the number is too large for a floating-point column") from None
    if not math.isfinite(number):
        raise ValueError("expected a finite number")


def column_decoder(column: Any) -> Callable[[Any], Any]:
    """Decode and check one value of ``column``: its kind's decoder, then the bounds
    the column's type sets on every supported database (integer range, string
    length, no NUL, finite floats), so a bad value is named before anything is
    written instead of failing (or crashing) half-way through the inserts."""
    type_ = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    kind = column_kind(column.type)
    decode = _DECODERS[kind]
    bounds, length = _int_range(type_), getattr(type_, "length", None)
    checks: dict[str, Callable[[Any], None]] = {
        "int": lambda v: _check_int(v, *bounds),
        "str": lambda v: _check_str(v, length),
        "float": _check_float,
    }
    check = checks.get(kind)
    if check is None:
        return decode

    def decode_and_check(value: Any) -> Any:
        decoded = decode(value)
        check(decoded)
        return decoded

    return decode_and_check
