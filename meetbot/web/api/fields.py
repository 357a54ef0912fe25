"""marshmallow fields with the API's time conventions: instants as ISO 8601 UTC with Z."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import marshmallow as ma
from flask import url_for

# Instants outside MIN_YEAR..MAX_YEAR are refused: nothing meetbot schedules is there,
# and recurrence arithmetic near datetime's limits would overflow (the services check
# the same bound, for every entry path).
from meetbot.domain.bounds import MAX_DATE, MAX_YEAR, MIN_DATE, MIN_YEAR

# Longest date-time text read (``2026-01-06T15:00:00.123456+05:30`` is 32): with it in
# the spec (maxLength), every query string the spec allows fits the server's URL limit.
MAX_TIME_TEXT = 40

# Dates the API accepts (due dates, a rule's last date): the years meetbot schedules in.
DATES = ma.validate.Range(min=MIN_DATE, max=MAX_DATE)
# A row's lock_version: a positive 32-bit integer.
LOCK_VERSION = ma.validate.Range(1, 2**31 - 1)


def flag(description: str) -> ma.fields.Boolean:
    """An optional boolean query argument, false unless sent."""
    return ma.fields.Boolean(load_default=False, metadata={"description": description})


class _TimeText(ma.fields.Field):
    """A date-time sent as text of at most MAX_TIME_TEXT characters (``maxLength``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"maxLength": MAX_TIME_TEXT, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _text(self, value: Any, **error: Any) -> str:
        if not isinstance(value, str) or len(value) > MAX_TIME_TEXT:
            raise self.make_error("invalid", **error)
        return value


def format_utc(value: datetime | None) -> str | None:
    """``2026-01-06T15:00:00Z`` (seconds precision, always UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given for an instant")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text: str, *, date_means_midnight: bool = True) -> datetime:
    """An aware UTC datetime from ISO 8601 text; raises ValueError with a reason.

    Accepts ``2026-01-06T15:00:00Z``, any offset (``+02:00``), and a bare date
    (midnight UTC) when ``date_means_midnight``. A date-time without a zone is refused:
    its instant would be a guess.
    """
    text = (text or "").strip()
    if len(text) == 10 and date_means_midnight:
        day = date.fromisoformat(text)
        value = datetime.combine(day, time(0), tzinfo=UTC)
    else:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise ValueError("give a zone, e.g. 2026-01-06T15:00:00Z")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"use a year between {MIN_YEAR} and {MAX_YEAR}")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None


class UTCDateTime(_TimeText):
    """An instant: dumped as ``YYYY-MM-DDTHH:MM:SSZ``, loaded from ISO 8601 with a zone."""

    default_error_messages = {"invalid": "Not an ISO 8601 date-time with a zone: {reason}."}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return format_utc(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        self._text(value, reason=f"expected a string of at most {MAX_TIME_TEXT} characters")
        try:
            return parse_instant(value, date_means_midnight=False)
        except ValueError as exc:
            raise self.make_error("invalid", reason=str(exc)) from None


class InstantOrDate(UTCDateTime):
    """Like UTCDateTime, but a bare date (``2026-01-06``) means midnight UTC (queries)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        self._text(value, reason=f"expected a string of at most {MAX_TIME_TEXT} characters")
        try:
            return parse_instant(value)
        except ValueError as exc:
            raise self.make_error("invalid", reason=str(exc)) from None


class LocalDateTime(_TimeText):
    """A wall-clock time without zone (``2026-01-06T15:00:00``), in a zone given beside it."""

    default_error_messages = {"invalid": "Not a local date-time like 2026-01-06T15:00:00."}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return value.replace(tzinfo=None).isoformat(timespec="seconds")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        self._text(value)
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise self.make_error("invalid") from None
        if parsed.tzinfo is not None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise self.make_error("invalid")
        return parsed.replace(microsecond=0)


def register_fields(api: Any) -> None:
    """Tell flask-smorest's spec generator how these fields look in OpenAPI."""
    api.register_field(UTCDateTime, "string", "date-time")
    api.register_field(InstantOrDate, "string", "date-time")
    api.register_field(LocalDateTime, "string", None)


def meeting_list_url(endpoint: str, description: str) -> ma.fields.Function:
    """The absolute URL of one of a meeting's paged lists (attendance, minutes, actions)."""
    return ma.fields.Function(
        lambda m: url_for(endpoint, meeting_id=m["id"], _external=True),
        required=True,
        metadata={"description": description, "format": "uri"},
    )
