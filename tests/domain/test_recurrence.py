"""Tests of meetbot.domain.recurrence.

Expected instants below were worked out by hand from the published DST rules
(EU: last Sunday of March / October at 01:00 UTC; US: second Sunday of March /
first Sunday of November at 02:00 local; Australia/Sydney: first Sunday of
April / October; India: +05:30 all year), not copied from the code's output.
The property tests use dateutil.rrule as an independent oracle.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from meetbot.domain.recurrence import (
    Frequency,
    Occurrence,
    RecurrenceError,
    Rule,
    Slot,
    describe,
    expand,
    expand_many,
    expansion,
    first_matching_start,
    next_occurrences,
    to_rrule,
    to_utc,
    validate_slot,
)

HOUR = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekly(tz: str, start: datetime, interval: int = 1, **kw) -> Slot:
    return Slot("k", tz, start, HOUR, Rule(Frequency.WEEKLY, interval=interval, **kw))


def starts(slot: Slot, a: datetime, b: datetime) -> list[datetime]:
    return [o.start_utc for o in expand(slot, a, b)]


# ---------------------------------------------------------------- to_utc


@pytest.mark.parametrize(
    ("local", "zone", "expected"),
    [
        # Spring-forward gap: 02:30 does not exist; read with the offset before
        # the gap (EST -5 / CET +1), i.e. 03:30 local daylight time.
        (datetime(2026, 3, 8, 2, 30), "America/New_York", utc(2026, 3, 8, 7, 30)),
        (datetime(2026, 3, 29, 2, 30), "Europe/Berlin", utc(2026, 3, 29, 1, 30)),
        # Fall-back fold: 01:30 / 02:30 happen twice; the FIRST one (still
        # daylight time, EDT -4 / CEST +2) is meant.
        (datetime(2026, 11, 1, 1, 30), "America/New_York", utc(2026, 11, 1, 5, 30)),
        (datetime(2026, 10, 25, 2, 30), "Europe/Berlin", utc(2026, 10, 25, 0, 30)),
        # Ordinary times either side.
        (datetime(2026, 3, 8, 1, 59), "America/New_York", utc(2026, 3, 8, 6, 59)),
        (datetime(2026, 3, 8, 3, 0), "America/New_York", utc(2026, 3, 8, 7, 0)),
        (datetime(2026, 1, 5, 10, 0), "Asia/Kolkata", utc(2026, 1, 5, 4, 30)),
        (datetime(2026, 7, 6, 12, 0), "UTC", utc(2026, 7, 6, 12, 0)),
    ],
)
def test_to_utc_gap_fold_and_plain(local: datetime, zone: str, expected: datetime) -> None:
    assert to_utc(local, zone) == expected
    assert to_utc(local, zone).tzinfo is UTC


def test_gap_time_reads_as_0330_local_daylight_time() -> None:
    instant = to_utc(datetime(2026, 3, 8, 2, 30), "America/New_York")
    local = instant.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (3, 30)


def test_to_utc_rejects_aware_and_unknown_zone() -> None:
    with pytest.raises(ValueError):
        to_utc(utc(2026, 1, 1), "UTC")
    with pytest.raises(RecurrenceError) as err:
        to_utc(datetime(2026, 1, 1), "Mars/Olympus_Mons")
    assert err.value.field == "timezone"


# ---------------------------------------------------------------- expand: hand-checked


def test_berlin_weekly_keeps_local_time_and_moves_in_utc() -> None:
    slot = weekly("Europe/Berlin", datetime(2026, 3, 18, 14, 0))  # a Wednesday
    got = expand(slot, utc(2026, 3, 1), utc(2026, 4, 9))
    assert [o.start_utc for o in got] == [
        utc(2026, 3, 18, 13),  # CET, +1
        utc(2026, 3, 25, 13),
        utc(2026, 4, 1, 12),  # CEST, +2 after 2026-03-29
        utc(2026, 4, 8, 12),
    ]
    assert all(o.original_start.time() == datetime(1, 1, 1, 14).time() for o in got)
    autumn = starts(slot, utc(2026, 10, 20), utc(2026, 11, 1))
    assert autumn == [utc(2026, 10, 21, 12), utc(2026, 10, 28, 13)]  # back on CET after 10-25


def test_utc_series_stays_in_utc() -> None:
    slot = weekly("UTC", datetime(2026, 1, 7, 15, 0))
    got = starts(slot, utc(2026, 1, 1), utc(2027, 1, 1))
    assert len(got) == 52
    assert {(t.hour, t.minute) for t in got} == {(15, 0)}
    assert all(t.weekday() == 2 for t in got)


def test_sydney_utc_date_is_the_day_before_and_shifts_in_april() -> None:
    slot = weekly("Australia/Sydney", datetime(2026, 3, 30, 9, 0))  # Monday
    got = starts(slot, utc(2026, 3, 1), utc(2026, 4, 14))
    # AEDT +11 until 2026-04-05 03:00, then AEST +10.
    assert got == [utc(2026, 3, 29, 22), utc(2026, 4, 5, 23), utc(2026, 4, 12, 23)]


def test_kolkata_half_hour_offset_all_year() -> None:
    slot = weekly("Asia/Kolkata", datetime(2026, 1, 5, 10, 0))
    got = starts(slot, utc(2026, 1, 1), utc(2027, 1, 1))
    assert {(t.hour, t.minute) for t in got} == {(4, 30)}


def test_weekly_series_through_gap_and_fold_new_york() -> None:
    slot = weekly("America/New_York", datetime(2026, 3, 1, 2, 30))  # Sundays 02:30
    assert starts(slot, utc(2026, 3, 1), utc(2026, 3, 16)) == [
        utc(2026, 3, 1, 7, 30),  # EST
        utc(2026, 3, 8, 7, 30),  # gap: 03:30 EDT
        utc(2026, 3, 15, 6, 30),  # EDT
    ]
    autumn = weekly("America/New_York", datetime(2026, 10, 25, 1, 30))
    assert starts(autumn, utc(2026, 10, 25), utc(2026, 11, 9)) == [
        utc(2026, 10, 25, 5, 30),  # EDT
        utc(2026, 11, 1, 5, 30),  # fold: first (EDT) 01:30
        utc(2026, 11, 8, 6, 30),  # EST
    ]


def test_gap_occurrence_keeps_its_wall_time_as_original_start() -> None:
    slot = weekly("Europe/Berlin", datetime(2026, 3, 22, 2, 30))
    occ = expand(slot, utc(2026, 3, 29), utc(2026, 3, 30))
    assert occ == [
        Occurrence(
            "k", datetime(2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2, 30)
        )
    ]


def test_duration_is_absolute_across_dst_change() -> None:
    slot = Slot("k", "Europe/Berlin", datetime(2026, 3, 29, 1, 30), 2 * HOUR, Rule(Frequency.ONCE))
    (occ,) = expand(slot, utc(2026, 3, 28), utc(2026, 3, 30))
    assert occ.start_utc == utc(2026, 3, 29, 0, 30)
    assert occ.end_utc - occ.start_utc == 2 * HOUR
    # 2 h later is 04:30 CEST on the wall clock (an hour was skipped).
    assert occ.end_utc.astimezone(ZoneInfo("Europe/Berlin")).hour == 4


def test_window_bounds_half_open_and_any_zone() -> None:
    slot = weekly("UTC", datetime(2026, 1, 7, 15, 0))
    assert starts(slot, utc(2026, 1, 7, 15), utc(2026, 1, 14, 15)) == [utc(2026, 1, 7, 15)]
    ny = ZoneInfo("America/New_York")
    # 2026-01-14 10:00 EST == 15:00 UTC: the end is exclusive.
    got = starts(slot, datetime(2026, 1, 7, 10, tzinfo=ny), datetime(2026, 1, 14, 10, tzinfo=ny))
    assert got == [utc(2026, 1, 7, 15)]
    assert expand(slot, utc(2026, 2, 1), utc(2026, 1, 1)) == []
    with pytest.raises(ValueError):
        expand(slot, datetime(2026, 1, 1), utc(2026, 2, 1))


def test_count_is_counted_from_the_first_start_even_before_the_window() -> None:
    slot = weekly("UTC", datetime(2026, 1, 7, 15), count=5)
    # 01-07, 01-14 before the window; 01-21, 01-28, 02-04 are numbers 3..5.
    assert starts(slot, utc(2026, 1, 20), utc(2026, 12, 31)) == [
        utc(2026, 1, 21, 15),
        utc(2026, 1, 28, 15),
        utc(2026, 2, 4, 15),
    ]
    one = weekly("UTC", datetime(2026, 1, 7, 15), count=1)
    assert starts(one, utc(2020, 1, 1), utc(2030, 1, 1)) == [utc(2026, 1, 7, 15)]


@pytest.mark.parametrize(("until", "n"), [(date(2026, 1, 28), 4), (date(2026, 1, 27), 3)])
def test_until_is_an_inclusive_local_date(until: date, n: int) -> None:
    # 23:30 in Sydney is 12:30 UTC the same day; until refers to the local date.
    slot = weekly("Australia/Sydney", datetime(2026, 1, 7, 23, 30), until=until)
    got = expand(slot, utc(2025, 1, 1), utc(2027, 1, 1))
    assert len(got) == n
    assert got[-1].original_start.date() <= until


def test_monthly_last_thursday() -> None:
    rule = Rule(Frequency.MONTHLY, weekday=3, setpos=-1)
    slot = Slot("k", "Europe/Berlin", datetime(2026, 1, 29, 14), HOUR, rule)
    got = expand(slot, utc(2026, 1, 1), utc(2026, 7, 1))
    assert [o.original_start.date() for o in got] == [
        date(2026, 1, 29),
        date(2026, 2, 26),
        date(2026, 3, 26),
        date(2026, 4, 30),
        date(2026, 5, 28),
        date(2026, 6, 25),
    ]
    assert got[2].start_utc == utc(2026, 3, 26, 13) and got[3].start_utc == utc(2026, 4, 30, 12)


def test_monthly_third_thursday_every_two_months() -> None:
    rule = Rule(Frequency.MONTHLY, interval=2, weekday=3, setpos=3)
    slot = Slot("k", "UTC", datetime(2026, 1, 15, 9), HOUR, rule)
    got = expand(slot, utc(2026, 1, 1), utc(2026, 7, 1))
    assert [o.original_start.date() for o in got] == [
        date(2026, 1, 15),
        date(2026, 3, 19),
        date(2026, 5, 21),
    ]


def test_once() -> None:
    slot = Slot("k", "Asia/Kolkata", datetime(2026, 5, 4, 10), HOUR, Rule(Frequency.ONCE))
    assert starts(slot, utc(2026, 1, 1), utc(2027, 1, 1)) == [utc(2026, 5, 4, 4, 30)]
    assert starts(slot, utc(2026, 5, 4, 4, 31), utc(2027, 1, 1)) == []
    assert to_rrule(slot) is None


def test_far_window_jumps_instead_of_iterating(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = expansion.to_utc

    def counting(local: datetime, timezone: str) -> datetime:
        nonlocal calls
        calls += 1
        return real(local, timezone)

    monkeypatch.setattr(expansion, "to_utc", counting)
    slot = weekly("Europe/Berlin", datetime(1971, 1, 6, 14))
    got = expand(slot, utc(2031, 1, 1), utc(2036, 1, 1))  # 5-year window, 60 years on
    assert 260 <= len(got) <= 262
    assert 0 < calls <= len(got) + 2  # only dates near the window are localised
    monthly = Slot(
        "m", "UTC", datetime(1970, 1, 1, 9), HOUR, Rule(Frequency.MONTHLY, weekday=3, setpos=1)
    )
    calls = 0
    assert len(expand(monthly, utc(2100, 1, 1), utc(2100, 2, 1))) == 1
    assert calls <= 2


def test_expand_many_and_next_occurrences_merge_sorted() -> None:
    a = Slot("a", "UTC", datetime(2026, 1, 5, 9), HOUR, Rule(Frequency.WEEKLY, interval=2))
    b = Slot("b", "Europe/Berlin", datetime(2026, 1, 6, 9), HOUR, Rule(Frequency.WEEKLY))
    c = Slot("c", "UTC", datetime(2040, 1, 1, 9), HOUR, Rule(Frequency.ONCE))
    merged = expand_many([a, b], utc(2026, 1, 1), utc(2026, 2, 1))
    assert [o.start_utc for o in merged] == sorted(o.start_utc for o in merged)
    assert [o.slot_key for o in merged] == ["a", "b", "b", "a", "b", "b"]
    nxt = next_occurrences([a, b], utc(2026, 1, 6, 8), 3)
    assert [(o.slot_key, o.start_utc) for o in nxt] == [
        ("b", utc(2026, 1, 6, 8)),  # inclusive of `after`
        ("b", utc(2026, 1, 13, 8)),
        ("a", utc(2026, 1, 19, 9)),
    ]
    # A slot far away is still found; an exhausted one yields fewer than n.
    assert [o.slot_key for o in next_occurrences([c], utc(2026, 1, 1), 2)] == ["c"]
    assert next_occurrences([a], utc(2026, 1, 1), 0) == []


# ---------------------------------------------------------------- first_matching_start


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        # 2026-06-01 is a Monday; first Monday of July is the 6th.
        (
            Rule(Frequency.MONTHLY, weekday=0, setpos=1),
            datetime(2026, 6, 1, 10),
            datetime(2026, 6, 1, 10),
        ),
        (
            Rule(Frequency.MONTHLY, weekday=0, setpos=1),
            datetime(2026, 6, 2, 10),
            datetime(2026, 7, 6, 10),
        ),
        # last Thursday: 2026-12-31 is one, from 12-01 that is the answer.
        (
            Rule(Frequency.MONTHLY, weekday=3, setpos=-1),
            datetime(2026, 12, 1, 8),
            datetime(2026, 12, 31, 8),
        ),
        (
            Rule(Frequency.MONTHLY, weekday=4, setpos=-1),
            datetime(2026, 12, 26, 8),
            datetime(2027, 1, 29, 8),
        ),
        (Rule(Frequency.WEEKLY), datetime(2026, 6, 2, 10), datetime(2026, 6, 2, 10)),
        (Rule(Frequency.ONCE), datetime(2026, 6, 2, 10), datetime(2026, 6, 2, 10)),
    ],
)
def test_first_matching_start(rule: Rule, start: datetime, expected: datetime) -> None:
    assert first_matching_start(rule, start) == expected


# ---------------------------------------------------------------- validation


def _slot(**over) -> Slot:
    base = dict(
        key="k",
        timezone="Europe/Berlin",
        start=datetime(2026, 1, 7, 14),
        duration=HOUR,
        rule=Rule(Frequency.WEEKLY),
    )
    base.update(over)
    return Slot(**base)


@pytest.mark.parametrize(
    ("slot", "field"),
    [
        (_slot(timezone="Europe/Atlantis"), "timezone"),
        (_slot(timezone=""), "timezone"),
        (_slot(duration=timedelta(0)), "duration"),
        (_slot(duration=timedelta(minutes=-5)), "duration"),
        (_slot(duration=timedelta(hours=24, seconds=1)), "duration"),
        (_slot(rule=Rule(Frequency.WEEKLY, interval=0)), "interval"),
        (_slot(rule=Rule(Frequency.WEEKLY, count=0)), "count"),
        (_slot(rule=Rule(Frequency.WEEKLY, count=-3)), "count"),
        (_slot(rule=Rule(Frequency.WEEKLY, count=3, until=date(2027, 1, 1))), "until"),
        (_slot(rule=Rule(Frequency.WEEKLY, until=date(2026, 1, 6))), "until"),
        (_slot(rule=Rule(Frequency.MONTHLY, setpos=1)), "weekday"),
        (_slot(rule=Rule(Frequency.MONTHLY, weekday=7, setpos=1)), "weekday"),
        (_slot(rule=Rule(Frequency.MONTHLY, weekday=2)), "setpos"),
        (_slot(rule=Rule(Frequency.MONTHLY, weekday=2, setpos=5)), "setpos"),
        (_slot(rule=Rule(Frequency.MONTHLY, weekday=2, setpos=-2)), "setpos"),
        (_slot(rule=Rule(Frequency.WEEKLY, weekday=2)), "weekday"),
        (_slot(rule=Rule(Frequency.ONCE, setpos=1)), "setpos"),
        # 2026-01-07 is the first Wednesday, not the second.
        (_slot(rule=Rule(Frequency.MONTHLY, weekday=2, setpos=2)), "start"),
        (_slot(start=datetime(2026, 1, 7, 14, tzinfo=UTC)), "start"),
        (_slot(rule=Rule("fortnightly")), "frequency"),  # type: ignore[arg-type]
    ],
)
def test_validation_names_the_field(slot: Slot, field: str) -> None:
    with pytest.raises(RecurrenceError) as err:
        validate_slot(slot)
    assert err.value.field == field
    assert str(err.value)


def test_validation_rule_without_occurrence(monkeypatch: pytest.MonkeyPatch) -> None:
    # No valid combination of fields yields an empty set, so simulate a rule
    # generator that produces nothing to prove the "rule" check is wired.
    monkeypatch.setattr(expansion, "dates_between", lambda *a, **k: iter(()))
    with pytest.raises(RecurrenceError) as err:
        validate_slot(_slot())
    assert err.value.field == "rule"


def test_valid_slots_pass() -> None:
    validate_slot(_slot())
    validate_slot(_slot(rule=Rule(Frequency.MONTHLY, weekday=2, setpos=1)))
    validate_slot(_slot(rule=Rule(Frequency.WEEKLY, until=date(2026, 1, 7))))
    validate_slot(_slot(duration=timedelta(hours=24)))


# ---------------------------------------------------------------- to_rrule / describe


def test_to_rrule_strings() -> None:
    s = _slot(timezone="UTC", rule=Rule(Frequency.WEEKLY, interval=2))
    assert to_rrule(s) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;WKST=MO"
    m = _slot(start=datetime(2026, 1, 15, 14), rule=Rule(Frequency.MONTHLY, weekday=3, setpos=3))
    assert to_rrule(m) == "FREQ=MONTHLY;BYDAY=3TH"
    last = _slot(
        start=datetime(2026, 1, 29, 14), rule=Rule(Frequency.MONTHLY, weekday=3, setpos=-1)
    )
    assert to_rrule(last) == "FREQ=MONTHLY;BYDAY=-1TH"
    # 14:00 Berlin on 2026-07-01 is CEST: 12:00 UTC.
    until = _slot(rule=Rule(Frequency.WEEKLY, until=date(2026, 7, 1)))
    assert to_rrule(until) == "FREQ=WEEKLY;BYDAY=WE;WKST=MO;UNTIL=20260701T120000Z"
    count = _slot(rule=Rule(Frequency.WEEKLY, count=10))
    assert to_rrule(count) == "FREQ=WEEKLY;BYDAY=WE;WKST=MO;COUNT=10"


def test_describe() -> None:
    s = _slot(
        timezone="UTC", start=datetime(2026, 1, 7, 15), rule=Rule(Frequency.WEEKLY, interval=2)
    )
    assert describe(s) == "Every 2 weeks on Wednesday at 15:00 (UTC)"
    m = _slot(start=datetime(2026, 1, 29, 14), rule=Rule(Frequency.MONTHLY, weekday=3, setpos=-1))
    assert describe(m) == "Monthly on the last Thursday at 14:00 (Europe/Berlin)"
    assert describe(_slot(rule=Rule(Frequency.WEEKLY, count=3))).endswith(", 3 times")
    assert (
        describe(_slot(rule=Rule(Frequency.ONCE))) == "Once on 2026-01-07 at 14:00 (Europe/Berlin)"
    )


# ---------------------------------------------------------------- property tests


ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "America/St_Johns",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Africa/Casablanca",
]


@st.composite
def slots(draw: st.DrawFn) -> Slot:
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.dates(min_value=date(1995, 1, 1), max_value=date(2035, 12, 31)))
    # Favour the small hours, where DST gaps and folds live.
    hour = draw(st.one_of(st.integers(0, 3), st.integers(0, 23)))
    minute = draw(st.sampled_from([0, 15, 30, 45]))
    start = datetime(day.year, day.month, day.day, hour, minute)
    freq = draw(st.sampled_from(list(Frequency)))
    interval = draw(st.integers(1, 5))
    weekday = setpos = None
    if freq is Frequency.MONTHLY:
        weekday = draw(st.integers(0, 6))
        setpos = draw(st.sampled_from([1, 2, 3, 4, -1]))
    end = draw(st.sampled_from(["none", "until", "count"]))
    until = count = None
    probe = Rule(freq, interval, weekday, setpos)
    start = first_matching_start(probe, start)
    if end == "until":
        until = start.date() + timedelta(days=draw(st.integers(0, 3000)))
    elif end == "count":
        count = draw(st.integers(1, 80))
    rule = Rule(freq, interval if freq is not Frequency.ONCE else 1, weekday, setpos, until, count)
    minutes = draw(st.integers(1, 24 * 60))
    return Slot("p", zone, start, timedelta(minutes=minutes), rule)


def oracle(slot: Slot, ws: datetime, we: datetime) -> list[datetime]:
    """UTC starts in [ws, we) according to dateutil's reading of to_rrule()."""
    zone = ZoneInfo(slot.timezone)
    text = to_rrule(slot)
    if text is None:
        candidates = [slot.start]
    else:
        rule = rrulestr(text, dtstart=slot.start.replace(tzinfo=zone))
        candidates = []
        stop = (we + timedelta(days=3)).astimezone(UTC).replace(tzinfo=None)
        for wall in rule:
            naive = wall.replace(tzinfo=None)
            if naive > stop:
                break
            candidates.append(naive)
    out = [to_utc(c, slot.timezone) for c in candidates]
    return sorted(t for t in out if ws <= t < we)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    slot=slots(),
    offset=st.one_of(st.integers(-30, 120), st.integers(-400, 3000)),
    length=st.integers(1, 1500),
    window_zone=st.sampled_from(ZONES),
)
def test_expand_matches_dateutil_reading_of_to_rrule(
    slot: Slot, offset: int, length: int, window_zone: str
) -> None:
    validate_slot(slot)
    ws = to_utc(slot.start, slot.timezone) + timedelta(days=offset, hours=offset % 24)
    we = ws + timedelta(days=length)
    zone = ZoneInfo(window_zone)
    got = expand(slot, ws.astimezone(zone), we.astimezone(zone))
    expected = oracle(slot, ws, we)
    event("occurrences: " + ("none" if not expected else "some"))
    assert [o.start_utc for o in got] == expected
    for o in got:
        assert o.start_utc == to_utc(o.original_start, slot.timezone)
        assert o.end_utc - o.start_utc == slot.duration
        assert o.original_start.time() == slot.start.time()
        assert o.slot_key == "p"


@settings(max_examples=150, deadline=None)
@given(slot=slots())
def test_count_and_until_bound_the_whole_series(slot: Slot) -> None:
    everything = expand(slot, utc(1990, 1, 1), utc(2045, 1, 1))
    assert everything[0].original_start == slot.start
    if slot.rule.frequency is Frequency.ONCE:
        assert len(everything) == 1
    elif slot.rule.count is not None:
        # All ``count`` occurrences, those past the window's end included.
        later = expand(slot, utc(2045, 1, 1), utc(2200, 1, 1))
        assert len(everything) + len(later) == slot.rule.count
    if slot.rule.until is not None:
        assert everything[-1].original_start.date() <= slot.rule.until
