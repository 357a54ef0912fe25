"""The calendar years meetbot accepts, on every entry path (forms, API, imports, restore).

Nothing a working group schedules lies outside them, and the feeds add VTIMEZONE rules
twenty years past the latest date: a date near ``datetime``'s limits (year 9999) would
overflow there and make the feed an error on every poll. Pure: no Flask, no database.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from meetbot.domain.recurrence import Frequency, Rule, Slot

MIN_YEAR, MAX_YEAR = 1900, 2200
MIN_DATE, MAX_DATE = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
YEAR_MESSAGE = f"Use a date in the years {MIN_YEAR} to {MAX_YEAR}."


def year_ok(value: date | datetime | None) -> bool:
    """True for None and for a date or date-time within MIN_YEAR..MAX_YEAR."""
    return value is None or MIN_YEAR <= value.year <= MAX_YEAR


def last_rule_date(start: date, rule: Rule) -> date | None:
    """A local date in the year of the last occurrence of ``rule`` from ``start`` (the
    day itself for weekly rules and ``until``; the first of its month for monthly ones);
    None when the rule never ends. Past ``date.max``: ``date.max``, which year_ok()
    refuses."""
    if rule.frequency is Frequency.ONCE:
        return start
    if rule.until is not None:
        return rule.until
    if rule.count is None:
        return None
    steps = (rule.count - 1) * max(rule.interval or 1, 1)
    if rule.frequency is Frequency.WEEKLY:
        days = 7 * steps
        return start + timedelta(days=days) if days <= (date.max - start).days else date.max
    month = start.year * 12 + start.month - 1 + steps
    if month // 12 > date.max.year:
        return date.max
    return date(month // 12, month % 12 + 1, 1)


def slot_out_of_years(slot: Slot) -> str | None:
    """Which part of ``slot`` lies outside the allowed years: "start", "until" or
    "count" (its last occurrence); None when all of it is inside."""
    if not year_ok(slot.start):
        return "start"
    if not year_ok(slot.rule.until):
        return "until"
    if not year_ok(last_rule_date(slot.start.date(), slot.rule)):
        return "count"
    return None
