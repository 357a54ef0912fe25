"""VTIMEZONE components generated from the zoneinfo transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from meetbot.domain.ical.items import VTIMEZONE_YEARS_AHEAD, SeriesEvent, SingleEvent, TodoItem


def year_range(events: list[SeriesEvent | SingleEvent], todos: list[TodoItem]) -> tuple[int, int]:
    """First and last year the VTIMEZONEs must cover, from dates in the input."""
    return cover_years([years_of(events, todos)])


def years_of(
    events: list[SeriesEvent | SingleEvent], todos: list[TodoItem] = ()
) -> tuple[int, int] | None:
    """First and last year of the dates in the input (None: no dates)."""
    years: list[int] = []
    for item in events:
        years.append(item.dtstamp.year)
        if isinstance(item, SeriesEvent):
            years.append(item.slot.start.year)
            if item.slot.rule.until is not None:
                years.append(item.slot.rule.until.year)
            for ov in item.overrides:
                years.append(ov.original_start.year)
                years.extend(t.year for t in (ov.start_utc, ov.end_utc) if t is not None)
        else:
            years.extend((item.start_utc.year, item.end_utc.year))
    for todo in todos:
        years.append(todo.dtstamp.year)
    return (min(years), max(years)) if years else None


def cover_years(spans: list[tuple[int, int] | None]) -> tuple[int, int]:
    """The years the VTIMEZONEs cover for inputs spanning ``spans`` (see years_of)."""
    found = [span for span in spans if span is not None]
    if not found:
        return 2000, 2000 + VTIMEZONE_YEARS_AHEAD
    first = min(span[0] for span in found)
    last = max(span[1] for span in found)
    # One year of margin before: an occurrence early on 1 January local time
    # may still be in the previous year in UTC.
    return first - 1, max(last, first) + VTIMEZONE_YEARS_AHEAD


@lru_cache(maxsize=256)
def _vtimezone_bytes(zone: str, first_year: int, last_year: int) -> bytes:
    """A VTIMEZONE for ``zone`` valid from 1 January first_year to the end of last_year.

    Built from the zoneinfo transitions; ``icalendar`` only serializes it. Two
    things differ from ``icalendar.Timezone.from_tzid`` on purpose, both found
    by the ical.js feed check: each observance onset is in the local time of the
    offset in force *before* it (RFC 5545 3.6.5; from_tzid writes 03:00 instead
    of 02:00 for the EU spring change, so VTIMEZONE-trusting clients misplace
    times in the hour after it), and every RDATE is its own property line
    (ical.js reads only the first value of a multi-valued RDATE).
    """
    tz = ZoneInfo(zone)
    begin = datetime(first_year, 1, 1, tzinfo=tz)
    initial = _tz_state(begin)
    # onsets[(offset_from, offset_to, name, is_dst)] = [local onset in offset_from, ...]
    onsets: dict[tuple[timedelta, timedelta, str, bool], list[datetime]] = {}
    onsets[(initial[0], initial[0], initial[2], initial[1])] = [begin.replace(tzinfo=None)]
    begin_utc = begin.astimezone(UTC)
    end_utc = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    changes = [
        change
        for year in range(begin_utc.year, last_year + 1)
        for change in year_transitions(zone, year)
        if begin_utc <= change[0] < end_utc
    ]
    for when, before, after in changes:
        key = (before[0], after[0], after[2], after[1])
        onsets.setdefault(key, []).append((when + before[0]).replace(tzinfo=None))
    vtimezone = Timezone()
    vtimezone.add("tzid", zone)
    for (offset_from, offset_to, name, is_dst), starts in sorted(
        onsets.items(), key=lambda item: item[1][0]
    ):
        observance = TimezoneDaylight() if is_dst else TimezoneStandard()
        observance.add("dtstart", starts[0])
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", offset_to)
        observance.add("tzname", name)
        for onset in starts[1:]:
            observance.add("rdate", onset)
        vtimezone.add_component(observance)
    return vtimezone.to_ical()


_State = tuple[timedelta, bool, str]


def _tz_state(moment: datetime) -> _State:
    """(UTC offset, is daylight time, abbreviation) of an aware datetime."""
    offset = moment.utcoffset()
    dst = moment.dst()
    assert offset is not None
    return offset, bool(dst), moment.tzname() or _offset_name(offset)


def _offset_name(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


# Coarse step of the scan for changes. Every change tzdata records in a zone is weeks
# from the next one (daylight time starts and ends, a new standard offset); a step
# never holds two changes that return to the state it began in, which a scan by
# state would miss (tests/domain/test_vtimezone_transitions.py compares this with a
# day-by-day scan over every zone).
_STEP = timedelta(days=7)
_SECOND = timedelta(seconds=1)


@lru_cache(maxsize=4096)
def year_transitions(zone: str, year: int) -> tuple[tuple[datetime, _State, _State], ...]:
    """(UTC instant, state before, state after) of every change of ``zone`` in a UTC year.

    Compares the zone's state a week apart and bisects each change to the second
    (about 75 lookups a year instead of a day-by-day scan's 365 plus the bisection).
    """
    tz = ZoneInfo(zone)
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    out: list[tuple[datetime, _State, _State]] = []
    state = _tz_state(t.astimezone(tz))
    while t < end:
        nxt = min(t + _STEP, end)
        new = _tz_state(nxt.astimezone(tz))
        if new == state:
            t = nxt
            continue
        hi = _first_change(tz, t, nxt, state)
        after = _tz_state(hi.astimezone(tz))
        out.append((hi, state, after))
        # Rescan from the change: the step may hold another one.
        t, state = hi, after
    return tuple(out)


def _first_change(tz: ZoneInfo, lo: datetime, hi: datetime, state: _State) -> datetime:
    """The first second after ``lo`` whose state is not ``state`` (it differs at ``hi``)."""
    while hi - lo > _SECOND:
        mid = (lo + (hi - lo) / 2).replace(microsecond=0)
        if _tz_state(mid.astimezone(tz)) == state:
            lo = mid
        else:
            hi = mid
    return hi


def vtimezone_bytes(zone: str, first_year: int, last_year: int) -> bytes:
    """The serialized VTIMEZONE of ``zone`` for these years (see _vtimezone_bytes)."""
    return _vtimezone_bytes(zone, first_year, last_year)


def vtimezone(zone: str, first_year: int, last_year: int) -> Timezone:
    # Generated once per (zone, range) and re-parsed: components are mutable
    # and must not be shared between calendars.
    return Timezone.from_ical(_vtimezone_bytes(zone, first_year, last_year))
