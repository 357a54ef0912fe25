"""year_transitions (a week-step scan, bisected) finds exactly what the day-by-day scan
it replaced found (issue 19: that scan was most of a new worker's DST pinning)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from meetbot.domain.ical.vtimezone import _tz_state, year_transitions

# The bench's ten zones, and zones with odd changes: half-hour and 45-minute offsets,
# a 30-minute DST, negative DST (Dublin), DST suspended for Ramadan (Casablanca), a
# skipped day (Apia 2011), a +2 h DST (Troll), changes at midnight (Tehran, Gaza).
ZONES = [
    "UTC", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo",
    "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", "Europe/London",
    "Asia/Shanghai", "Australia/Lord_Howe", "Europe/Dublin", "Africa/Casablanca",
    "Pacific/Apia", "Antarctica/Troll", "Asia/Tehran", "Asia/Gaza", "Pacific/Chatham",
    "Asia/Kathmandu", "America/Santiago",
]  # fmt: skip
YEARS = [1996, 2011, 2019, 2026]


def _day_scan(zone: str, year: int) -> tuple:
    """The replaced implementation: 1-day steps, each change bisected to the second."""
    tz = ZoneInfo(zone)
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    out = []
    state = _tz_state(t.astimezone(tz))
    while t < end:
        nxt = min(t + timedelta(days=1), end)
        new = _tz_state(nxt.astimezone(tz))
        if new != state:
            lo, hi = t, nxt
            while hi - lo > timedelta(seconds=1):
                mid = (lo + (hi - lo) / 2).replace(microsecond=0)
                if _tz_state(mid.astimezone(tz)) == state:
                    lo = mid
                else:
                    hi = mid
            after = _tz_state(hi.astimezone(tz))
            out.append((hi, state, after))
            state = after
            if after != new:
                nxt = hi
        t = nxt
        state = _tz_state(t.astimezone(tz))
    return tuple(out)


@pytest.mark.parametrize("zone", ZONES)
def test_same_transitions_as_a_day_by_day_scan(zone: str) -> None:
    for year in YEARS:
        assert year_transitions.__wrapped__(zone, year) == _day_scan(zone, year), year


def test_finds_the_eu_spring_change_to_the_second() -> None:
    (spring, autumn) = year_transitions("Europe/Berlin", 2026)
    assert spring[0] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert (spring[1][0], spring[2][0]) == (timedelta(hours=1), timedelta(hours=2))
    assert autumn[0] == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
