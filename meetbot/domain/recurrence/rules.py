"""Checking a slot's rule, local wall time to UTC, and the weekday arithmetic of rules."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meetbot.domain.recurrence.slots import Frequency, RecurrenceError, Rule, Slot

ALLOWED_SETPOS = (1, 2, 3, 4, -1)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


# No zone has ever been more than 26 hours away from UTC in wall time, so a
# margin of two days around a UTC window covers every local date that can map
# into it.
MARGIN = timedelta(days=2)
MAX_HORIZON = datetime(9999, 1, 1, tzinfo=UTC)


def zone_info(name: str) -> ZoneInfo:
    """Return the ZoneInfo for ``name`` or raise RecurrenceError(field="timezone")."""
    if not isinstance(name, str) or not name:
        raise RecurrenceError("A time zone is required.", field="timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise RecurrenceError(f"Unknown time zone {name!r}.", field="timezone") from exc


def to_utc(local: datetime, timezone: str) -> datetime:
    """Convert a naive local wall-clock time in ``timezone`` to an aware UTC datetime.

    The one behaviour for ambiguous wall times follows RFC 5545 section 3.3.5,
    so that meetbot and calendar clients agree:

    * a repeated local time (a DST fold, clocks going back) means its FIRST
      occurrence, i.e. the one with the offset in force before the change;
    * a nonexistent local time (a DST gap, clocks going forward) is read with
      the UTC offset in force before the gap, so 02:30 on a spring-forward day
      becomes 03:30 local (e.g. 2026-03-08 02:30 America/New_York is 07:30 UTC).

    Both are exactly what ``zoneinfo`` does for ``fold=0`` (PEP 495), which is
    what this function uses. Raises ValueError for an aware ``local`` and
    RecurrenceError(field="timezone") for an unknown zone.
    """
    if local.tzinfo is not None:
        raise ValueError("to_utc() expects a naive local wall-clock datetime")
    return local.replace(tzinfo=zone_info(timezone), fold=0).astimezone(UTC)


def as_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


def nth_weekday(year: int, month: int, weekday: int, setpos: int) -> date:
    """The ``setpos``-th (1..4, or -1 for last) ``weekday`` of a month."""
    if setpos > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (setpos - 1))
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def matches_monthly(day: date, weekday: int, setpos: int) -> bool:
    return nth_weekday(day.year, day.month, weekday, setpos) == day


def frequency_of(rule: Rule) -> Frequency:
    try:
        return Frequency(rule.frequency)
    except ValueError as exc:
        raise RecurrenceError(f"Unknown frequency {rule.frequency!r}.", field="frequency") from exc


def check_structure(slot: Slot) -> Frequency:
    """Every check of validate_slot() except "the rule yields an occurrence"."""
    zone_info(slot.timezone)
    rule = slot.rule
    freq = frequency_of(rule)
    if not isinstance(slot.start, datetime) or slot.start.tzinfo is not None:
        raise RecurrenceError("The start must be a naive local date and time.", field="start")
    if slot.start.microsecond:
        raise RecurrenceError("The start cannot have fractions of a second.", field="start")
    if slot.duration <= timedelta(0) or slot.duration > timedelta(hours=24):
        raise RecurrenceError(
            "The duration must be longer than 0 and at most 24 hours.", field="duration"
        )
    if not isinstance(rule.interval, int) or rule.interval < 1:
        raise RecurrenceError(
            "The interval must be a whole number of at least 1.", field="interval"
        )
    if rule.count is not None and rule.count <= 0:
        raise RecurrenceError("The number of occurrences must be at least 1.", field="count")
    if rule.until is not None and rule.count is not None:
        raise RecurrenceError(
            "Give either an end date or a number of occurrences, not both.", field="until"
        )
    if rule.until is not None and rule.until < slot.start.date():
        raise RecurrenceError("The end date is before the first meeting.", field="until")
    if freq is Frequency.MONTHLY:
        if rule.weekday is None or rule.weekday not in range(7):
            raise RecurrenceError(
                "A monthly rule needs a weekday (Monday to Sunday).", field="weekday"
            )
        if rule.setpos not in ALLOWED_SETPOS:
            raise RecurrenceError(
                "A monthly rule needs the first, second, third, fourth or last weekday.",
                field="setpos",
            )
        if not matches_monthly(slot.start.date(), rule.weekday, rule.setpos):
            raise RecurrenceError(
                f"The start {slot.start.date().isoformat()} is not the "
                f"{ORDINALS[rule.setpos]} {WEEKDAY_NAMES[rule.weekday]} of its month.",
                field="start",
            )
    else:
        if rule.weekday is not None:
            raise RecurrenceError(
                f"A {freq} rule takes its weekday from the start; do not set one.",
                field="weekday",
            )
        if rule.setpos is not None:
            raise RecurrenceError(
                f"A {freq} rule cannot have a position in the month.", field="setpos"
            )
    return freq


def first_weekday_on_or_after(start: datetime, weekday: int) -> datetime:
    """The first date on or after naive ``start`` that is ``weekday`` (0=Monday), at
    the same wall-clock time: a weekly rule picked by its weekday buttons."""
    if weekday not in range(7):
        raise RecurrenceError("Choose a weekday from Monday to Sunday.", field="weekday")
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def first_matching_start(rule: Rule, start: datetime) -> datetime:
    """Snap a naive local ``start`` forward to the first date that ``rule`` matches.

    Monthly rules: the first date on or after ``start`` that is the rule's
    nth/last weekday of its month, keeping the wall-clock time. Weekly and once
    rules return ``start`` unchanged (a weekly rule takes its weekday from the
    start). Raises RecurrenceError for a monthly rule without a valid
    weekday/setpos.
    """
    if frequency_of(rule) is not Frequency.MONTHLY:
        return start
    if rule.weekday is None or rule.weekday not in range(7):
        raise RecurrenceError("A monthly rule needs a weekday (Monday to Sunday).", field="weekday")
    if rule.setpos not in ALLOWED_SETPOS:
        raise RecurrenceError(
            "A monthly rule needs the first, second, third, fourth or last weekday.",
            field="setpos",
        )
    year, month = start.year, start.month
    while True:
        day = nth_weekday(year, month, rule.weekday, rule.setpos)
        if day >= start.date():
            return datetime.combine(day, start.time())
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
