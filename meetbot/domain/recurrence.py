"""Recurrence of meeting slots: pure Python, no Flask or SQLAlchemy.

CONTRACT: keep these names and fields stable; the models, services, iCal
builder and API are written against them.

Functions: validate_slot(), first_matching_start(), to_utc(), expand(),
expand_many(), next_occurrences(), to_rrule(), describe().

Time rules (tested): a slot is a naive local wall time in an IANA zone; each
occurrence keeps that wall time across DST (so it moves in UTC). A wall time in
a DST gap or fold is resolved as RFC 5545 section 3.3.5 says (see to_utc()).
Durations are absolute. to_rrule() and expand() describe the same set.

A meeting series has one or more *slots*. Each slot is a wall-clock time in an
IANA zone plus a rule that maps 1:1 to an RFC 5545 RRULE, so that the feeds
and meetbot's own occurrence list always agree.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class RecurrenceError(ValueError):
    """A rule or slot that cannot be used; ``field`` names the offending input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Frequency(StrEnum):
    ONCE = "once"  # a single occurrence, no RRULE
    WEEKLY = "weekly"  # every `interval` weeks on the weekday of the slot's start
    MONTHLY = "monthly"  # every `interval` months on the `setpos`-th `weekday`


@dataclass(frozen=True)
class Rule:
    """A recurrence rule that maps 1:1 to an RRULE.

    frequency: once / weekly / monthly.
    interval: every N weeks or months (>= 1).
    weekday: 0=Monday .. 6=Sunday; monthly only (weekly uses the start's weekday).
    setpos: monthly only: 1..4 for the nth weekday, -1 for the last one.
    until: last local date on which an occurrence may fall (inclusive), or None.
    count: total number of occurrences, or None. Not both until and count.
    """

    frequency: Frequency
    interval: int = 1
    weekday: int | None = None
    setpos: int | None = None
    until: date | None = None
    count: int | None = None


@dataclass(frozen=True)
class Slot:
    """One recurring time of a series.

    key: stable identifier of the slot inside its series (used in iCal UIDs).
    timezone: IANA zone name, e.g. "Europe/Berlin" or "UTC".
    start: naive local wall-clock datetime of the first occurrence (DTSTART).
    duration: length of each occurrence, > 0 and <= 24 h.
    """

    key: str
    timezone: str
    start: datetime
    duration: timedelta
    rule: Rule


@dataclass(frozen=True)
class Occurrence:
    """One expanded occurrence of a slot.

    original_start: naive local wall-clock start as the rule generates it; with
    the slot's zone it is the RECURRENCE-ID and the key of a Meeting row.
    start_utc / end_utc: aware datetimes in UTC.
    """

    slot_key: str
    original_start: datetime
    start_utc: datetime
    end_utc: datetime


# --------------------------------------------------------------------------
# Implementation
# --------------------------------------------------------------------------

_UTC = UTC
_ALLOWED_SETPOS = (1, 2, 3, 4, -1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
# No zone has ever been more than 26 hours away from UTC in wall time, so a
# margin of two days around a UTC window covers every local date that can map
# into it.
_MARGIN = timedelta(days=2)
_MAX_HORIZON = datetime(9999, 1, 1, tzinfo=UTC)


def _zone(name: str) -> ZoneInfo:
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
    return local.replace(tzinfo=_zone(timezone), fold=0).astimezone(_UTC)


def _as_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(_UTC)


def _nth_weekday(year: int, month: int, weekday: int, setpos: int) -> date:
    """The ``setpos``-th (1..4, or -1 for last) ``weekday`` of a month."""
    if setpos > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (setpos - 1))
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _matches_monthly(day: date, weekday: int, setpos: int) -> bool:
    return _nth_weekday(day.year, day.month, weekday, setpos) == day


def _frequency(rule: Rule) -> Frequency:
    try:
        return Frequency(rule.frequency)
    except ValueError as exc:
        raise RecurrenceError(f"Unknown frequency {rule.frequency!r}.", field="frequency") from exc


def _check_structure(slot: Slot) -> Frequency:
    """Every check of validate_slot() except "the rule yields an occurrence"."""
    _zone(slot.timezone)
    rule = slot.rule
    freq = _frequency(rule)
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
        if rule.setpos not in _ALLOWED_SETPOS:
            raise RecurrenceError(
                "A monthly rule needs the first, second, third, fourth or last weekday.",
                field="setpos",
            )
        if not _matches_monthly(slot.start.date(), rule.weekday, rule.setpos):
            raise RecurrenceError(
                f"The start {slot.start.date().isoformat()} is not the "
                f"{_ORDINALS[rule.setpos]} {_WEEKDAY_NAMES[rule.weekday]} of its month.",
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


def _dates_between(slot: Slot, freq: Frequency, lo: date, hi: date) -> Iterator[date]:
    """Local occurrence dates of ``slot`` in [lo, hi], ascending, honouring until/count.

    Jumps straight to the first candidate at or after ``lo`` (no iteration from
    the start), so the cost is proportional to the number of dates produced.
    """
    rule = slot.rule
    d0 = slot.start.date()
    last = hi if rule.until is None else min(hi, rule.until)
    if last < d0 or last < lo:
        return
    if freq is Frequency.ONCE:
        if lo <= d0 <= last:
            yield d0
        return
    if freq is Frequency.WEEKLY:
        step = 7 * rule.interval
        k_first = max(0, -(-(lo - d0).days // step))  # ceil division
        k_last = (last - d0).days // step
        if rule.count is not None:
            k_last = min(k_last, rule.count - 1)
        for k in range(k_first, k_last + 1):
            yield d0 + timedelta(days=k * step)
        return
    # MONTHLY: the j-th occurrence is in month m0 + j * interval; positions 1..4
    # and -1 exist in every month, so no month is skipped and j is also the count.
    assert rule.weekday is not None and rule.setpos is not None
    m0 = d0.year * 12 + d0.month - 1
    lo_month = lo.year * 12 + lo.month - 1
    j = max(0, -(-(lo_month - m0) // rule.interval))
    while rule.count is None or j < rule.count:
        month_index = m0 + j * rule.interval
        day = _nth_weekday(month_index // 12, month_index % 12 + 1, rule.weekday, rule.setpos)
        if day > last:
            return
        if day >= lo:
            yield day
        j += 1


def _safe_date(moment: datetime, delta: timedelta) -> date:
    try:
        return (moment + delta).date()
    except OverflowError:
        return date.max if delta > timedelta(0) else date.min


def validate_slot(slot: Slot) -> None:
    """Raise RecurrenceError(message, field=...) if ``slot`` cannot be used.

    Fields named: "timezone" (unknown IANA zone), "start" (aware or with
    microseconds; a monthly start that is not on a matching date, see
    first_matching_start()), "duration" (<= 0 or > 24 h), "frequency",
    "interval" (< 1), "count" (<= 0), "until" (together with count, or before
    the start date), "weekday"/"setpos" (monthly without them or setpos not in
    1, 2, 3, 4, -1; weekly/once with them), "rule" (yields no occurrence).
    For ONCE, until and count are ignored apart from these checks.
    """
    freq = _check_structure(slot)
    lo = slot.start.date()
    if next(_dates_between(slot, freq, lo, date.max), None) is None:
        raise RecurrenceError("This rule never produces a meeting.", field="rule")


def first_matching_start(rule: Rule, start: datetime) -> datetime:
    """Snap a naive local ``start`` forward to the first date that ``rule`` matches.

    Monthly rules: the first date on or after ``start`` that is the rule's
    nth/last weekday of its month, keeping the wall-clock time. Weekly and once
    rules return ``start`` unchanged (a weekly rule takes its weekday from the
    start). Raises RecurrenceError for a monthly rule without a valid
    weekday/setpos.
    """
    if _frequency(rule) is not Frequency.MONTHLY:
        return start
    if rule.weekday is None or rule.weekday not in range(7):
        raise RecurrenceError("A monthly rule needs a weekday (Monday to Sunday).", field="weekday")
    if rule.setpos not in _ALLOWED_SETPOS:
        raise RecurrenceError(
            "A monthly rule needs the first, second, third, fourth or last weekday.",
            field="setpos",
        )
    year, month = start.year, start.month
    while True:
        day = _nth_weekday(year, month, rule.weekday, rule.setpos)
        if day >= start.date():
            return datetime.combine(day, start.time())
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def expand(slot: Slot, window_start: datetime, window_end: datetime) -> list[Occurrence]:
    """Occurrences of ``slot`` whose start_utc lies in [window_start, window_end).

    The window bounds must be aware (any zone). Weekly: every ``interval`` weeks
    on the weekday of slot.start. Monthly: the ``setpos``-th (or last) weekday
    every ``interval`` months. Once: slot.start. ``until`` is a local date,
    inclusive; ``count`` counts from the first occurrence even when that lies
    before the window. Each occurrence's original_start is the naive local wall
    time the rule generates (the RECURRENCE-ID), start_utc = to_utc() of it
    (see there for DST gaps and folds), and end_utc = start_utc + duration: the
    duration is absolute, so a meeting that spans a DST change still lasts
    ``duration`` (its local end time shifts by the change).

    The work done is proportional to the number of occurrences near the window,
    however far the window is from the start. Result sorted by start_utc.
    Raises RecurrenceError for an invalid slot, ValueError for naive bounds.
    """
    freq = _check_structure(slot)
    ws = _as_utc(window_start, "window_start")
    we = _as_utc(window_end, "window_end")
    if we <= ws:
        return []
    lo = _safe_date(ws, -_MARGIN)
    hi = _safe_date(we, _MARGIN)
    wall = slot.start.time()
    out: list[Occurrence] = []
    for day in _dates_between(slot, freq, lo, hi):
        original = datetime.combine(day, wall)
        start_utc = to_utc(original, slot.timezone)
        if ws <= start_utc < we:
            out.append(Occurrence(slot.key, original, start_utc, start_utc + slot.duration))
    out.sort(key=lambda occ: occ.start_utc)
    return out


def expand_many(
    slots: Iterable[Slot], window_start: datetime, window_end: datetime
) -> list[Occurrence]:
    """expand() every slot over the same window; merged, sorted by start_utc then slot key."""
    out: list[Occurrence] = []
    for slot in slots:
        out.extend(expand(slot, window_start, window_end))
    out.sort(key=lambda occ: (occ.start_utc, occ.slot_key))
    return out


def next_occurrences(slots: Iterable[Slot], after: datetime, n: int) -> list[Occurrence]:
    """The first ``n`` occurrences across ``slots`` with start_utc >= ``after`` (aware).

    Searches windows of growing size, so a slot that has ended or starts far in
    the future costs little. Returns fewer than ``n`` if the slots run out
    (searched up to the year 9999).
    """
    slot_list = list(slots)
    if n <= 0 or not slot_list:
        return []
    begin = _as_utc(after, "after")
    span = timedelta(days=92)
    found: list[Occurrence] = []
    window_start = begin
    while window_start < _MAX_HORIZON:
        window_end = _MAX_HORIZON if span >= _MAX_HORIZON - window_start else window_start + span
        found.extend(expand_many(slot_list, window_start, window_end))
        if len(found) >= n:
            break
        window_start = window_end
        span *= 2
    return found[:n]


def to_rrule(slot: Slot) -> str | None:
    """The RFC 5545 RRULE value (without "RRULE:") describing exactly expand()'s set.

    Weekly: "FREQ=WEEKLY[;INTERVAL=n];BYDAY=WE;WKST=MO". Monthly:
    "FREQ=MONTHLY[;INTERVAL=n];BYDAY=3TH" (or "-1TH" for the last). Then
    ";UNTIL=YYYYMMDDTHHMMSSZ" -- the UTC instant of the slot's local start time
    on the until date, as RFC 5545 requires when DTSTART has a TZID -- or
    ";COUNT=n". Returns None for a one-off slot (no RRULE). Meant to be used
    with "DTSTART;TZID=<slot.timezone>:<slot.start>".
    """
    freq = _check_structure(slot)
    rule = slot.rule
    if freq is Frequency.ONCE:
        return None
    parts = [f"FREQ={freq.upper()}"]
    if rule.interval != 1:
        parts.append(f"INTERVAL={rule.interval}")
    if freq is Frequency.WEEKLY:
        parts.append(f"BYDAY={_RRULE_DAYS[slot.start.weekday()]}")
        parts.append("WKST=MO")
    else:
        assert rule.weekday is not None
        parts.append(f"BYDAY={rule.setpos}{_RRULE_DAYS[rule.weekday]}")
    if rule.until is not None:
        until_utc = to_utc(datetime.combine(rule.until, slot.start.time()), slot.timezone)
        parts.append(f"UNTIL={until_utc:%Y%m%dT%H%M%SZ}")
    elif rule.count is not None:
        parts.append(f"COUNT={rule.count}")
    return ";".join(parts)


def describe(slot: Slot) -> str:
    """Human description, e.g. "Every 2 weeks on Wednesday at 15:00 (UTC)".

    Other forms: "Weekly on Monday at 09:30 (Asia/Kolkata)", "Monthly on the
    last Thursday at 14:00 (Europe/Berlin)", "Every 3 months on the first
    Monday at ...", "Once on 2026-05-04 at 10:00 (UTC)"; a rule that ends adds
    ", until 2027-06-30" or ", 10 times".
    """
    freq = _frequency(slot.rule)
    rule = slot.rule
    at = f"at {slot.start:%H:%M} ({slot.timezone})"
    if freq is Frequency.ONCE:
        return f"Once on {slot.start.date().isoformat()} {at}"
    if freq is Frequency.WEEKLY:
        head = "Weekly" if rule.interval == 1 else f"Every {rule.interval} weeks"
        text = f"{head} on {_WEEKDAY_NAMES[slot.start.weekday()]} {at}"
    else:
        head = "Monthly" if rule.interval == 1 else f"Every {rule.interval} months"
        ordinal = _ORDINALS.get(rule.setpos or 0, f"#{rule.setpos}")
        weekday = _WEEKDAY_NAMES[rule.weekday] if rule.weekday in range(7) else "?"
        text = f"{head} on the {ordinal} {weekday} {at}"
    if rule.until is not None:
        text += f", until {rule.until.isoformat()}"
    elif rule.count is not None:
        text += ", once" if rule.count == 1 else f", {rule.count} times"
    return text
