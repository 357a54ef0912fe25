"""Checks every entry path shares for the fields of a meeting: its zone, title,
location, length and local start time. The lowest service module: it imports no other
service, so groups, accounts, series and meetings all use it without a cycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import available_timezones

from meetbot.domain.recurrence import RecurrenceError, to_utc
from meetbot.domain.zone_names import suggest_zone
from meetbot.services.errors import check_year, field_error

MAX_TITLE = 200
MAX_LOCATION = 500


def check_timezone(name: str, field: str = "timezone") -> str:
    """Return an IANA zone name or raise a field error naming ``field``."""
    name = (name or "").strip()
    if name not in _zones():
        guess = suggest_zone(name, datetime.now(UTC).year)
        hint = f"did you mean {guess}?" if guess else "use an IANA name like Europe/Berlin."
        raise field_error(field, f"Unknown time zone {name!r}; {hint}")
    return name


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def all_timezones() -> list[str]:
    """Every IANA zone name, sorted (for pickers)."""
    return sorted(_zones())


def check_duration(minutes: int | None, name: str = "duration") -> timedelta:
    """A meeting length of more than 0 minutes and at most 24 hours."""
    if minutes is None or minutes <= 0 or minutes > 24 * 60:
        raise field_error(name, "The duration must be longer than 0 and at most 24 hours.")
    return timedelta(minutes=minutes)


def local_to_utc(local: datetime | None, zone: str, name: str) -> datetime:
    """A naive local time in ``zone`` as UTC (seconds dropped), or a field error."""
    if local is None:
        raise field_error(name, "Give a date and time.")
    check_year(local, name)
    try:
        return to_utc(local.replace(tzinfo=None, second=0, microsecond=0), zone)
    except (RecurrenceError, OverflowError, ValueError) as exc:
        raise field_error(name, f"This time cannot be used ({exc}).") from None
