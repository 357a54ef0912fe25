"""DST pinning only where it can matter (issue 19): skipping the transitions a slot's
time of day cannot touch finds exactly the occurrences the full search finds."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from meetbot.domain.ical import dst
from meetbot.domain.recurrence import Frequency, Rule, Slot

# Whole-hour DST both ways, southern hemisphere, a half-hour DST (Lord Howe), a
# zone that stopped DST (Sao Paulo, 2019) and one with a 45-minute offset (Chatham).
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Pacific/Chatham",
)
TIMES = [(h, m) for h in (0, 1, 2, 3, 4, 23) for m in (0, 30, 45)] + [(12, 0), (21, 15)]
MINUTES = (30, 90, 240, 1440)


@pytest.mark.parametrize("zone", ZONES)
def test_prefilter_finds_what_the_full_search_finds(zone: str) -> None:
    compared = pinned = 0
    for hour, minute in TIMES:
        for minutes in MINUTES:
            for rule in (Rule(Frequency.WEEKLY), Rule(Frequency.MONTHLY, weekday=6, setpos=-1)):
                slot = Slot(
                    "a",
                    zone,
                    datetime(2017, 1, 29, hour, minute),
                    timedelta(minutes=minutes),
                    rule,
                )
                fast = dst.dst_sensitive(slot, 2017, 2021)
                assert fast == dst.dst_sensitive(slot, 2017, 2021, prefilter=False)
                compared += 1
                pinned += bool(fast)
    assert compared == len(TIMES) * len(MINUTES) * 2 and pinned > 0
