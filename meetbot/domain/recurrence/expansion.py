"""A slot's occurrences in a window, and the next occurrences of several slots."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from meetbot.domain.recurrence.rules import (
    MARGIN,
    MAX_HORIZON,
    as_utc,
    check_structure,
    nth_weekday,
    to_utc,
)
from meetbot.domain.recurrence.slots import Frequency, Occurrence, RecurrenceError, Slot


def dates_between(slot: Slot, freq: Frequency, lo: date, hi: date) -> Iterator[date]:
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
        day = nth_weekday(month_index // 12, month_index % 12 + 1, rule.weekday, rule.setpos)
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
    freq = check_structure(slot)
    lo = slot.start.date()
    if next(dates_between(slot, freq, lo, date.max), None) is None:
        raise RecurrenceError("This rule never produces a meeting.", field="rule")


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
    freq = check_structure(slot)
    ws = as_utc(window_start, "window_start")
    we = as_utc(window_end, "window_end")
    if we <= ws:
        return []
    lo = _safe_date(ws, -MARGIN)
    hi = _safe_date(we, MARGIN)
    wall = slot.start.time()
    out: list[Occurrence] = []
    for day in dates_between(slot, freq, lo, hi):
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
    begin = as_utc(after, "after")
    span = timedelta(days=92)
    found: list[Occurrence] = []
    window_start = begin
    while window_start < MAX_HORIZON:
        window_end = MAX_HORIZON if span >= MAX_HORIZON - window_start else window_start + span
        found.extend(expand_many(slot_list, window_start, window_end))
        if len(found) >= n:
            break
        window_start = window_end
        span *= 2
    return found[:n]
