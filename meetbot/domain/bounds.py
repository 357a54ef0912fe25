"""The calendar years meetbot accepts, on every entry path (forms, API, imports, restore).

Nothing a working group schedules lies outside them, and the feeds add VTIMEZONE rules
twenty years past the latest date: a date near ``datetime``'s limits (year 9999) would
overflow there and make the feed an error on every poll. Pure: no Flask, no database.
"""

from __future__ import annotations

from datetime import date, datetime

MIN_YEAR, MAX_YEAR = 1900, 2200
MIN_DATE, MAX_DATE = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
YEAR_MESSAGE = f"Use a date in the years {MIN_YEAR} to {MAX_YEAR}."


def year_ok(value: date | datetime | None) -> bool:
    """True for None and for a date or date-time within MIN_YEAR..MAX_YEAR."""
    return value is None or MIN_YEAR <= value.year <= MAX_YEAR
