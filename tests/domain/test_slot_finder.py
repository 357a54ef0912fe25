"""The slot finder against a brute-force oracle that expands every occurrence.

The oracle shares nothing with meetbot.domain.slot_finder except the Slot numbering:
it reads each occurrence's wall time with recurrence.to_utc(), converts start and end
into every participant's zone with zoneinfo and checks the rule of docs/slot-finder.md
person by person.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetbot.domain.recurrence import to_utc
from meetbot.domain.slot_finder import (
    SLOT_COUNT,
    Participant,
    Slot,
    find_slots,
    score_pair,
)
from meetbot.domain.slot_local import local_runs

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",  # -03:30 with DST
    "America/Santiago",  # southern hemisphere DST
    "America/Sao_Paulo",
    "Australia/Sydney",  # southern hemisphere DST
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Auckland",
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Asia/Shanghai",
    "Asia/Tehran",
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
]


def _occurrence(slot: Slot, tz: str, start: date, k: int) -> datetime:
    day = start + timedelta(days=7 * k + (slot.weekday - start.weekday()) % 7)
    return to_utc(datetime.combine(day, time(slot.minute // 60, slot.minute % 60)), tz)


def _suits(p: Participant, begin: datetime, minutes: int) -> bool:
    zone = ZoneInfo(p.timezone)
    ls = begin.astimezone(zone)
    le = (begin + timedelta(minutes=minutes)).astimezone(zone)
    start_min = ls.hour * 60 + ls.minute
    end_min = (le.date() - ls.date()).days * 1440 + le.hour * 60 + le.minute
    return ls.weekday() in p.days and p.window[0] <= start_min and end_min <= p.window[1]


def _oracle(people, tz, start, weeks, minutes):
    """suited[person][slot index] = list of bools per week."""
    occ = {
        (i, k): _occurrence(Slot.from_index(i), tz, start, k)
        for i in range(SLOT_COUNT)
        for k in range(weeks)
    }
    return [
        [[_suits(p, occ[(i, k)], minutes) for k in range(weeks)] for i in range(SLOT_COUNT)]
        for p in people
    ]


def _oracle_pairs(table, people, weeks, top):
    fail_a, fail_b = [], []
    for rows in table:
        fa, fb = [], []
        for weeks_ok in rows:
            a = b = 0
            for j in range((weeks + 1) // 2):
                if not weeks_ok[2 * j]:
                    a |= 1 << j
                if 2 * j + 1 >= weeks or not weeks_ok[2 * j + 1]:
                    b |= 1 << j
            fa.append(a)
            fb.append(b)
        fail_a.append(fa)
        fail_b.append(fb)
    even = [[sum(rows[i][0::2]) for i in range(SLOT_COUNT)] for rows in table]
    odd = [[sum(rows[i][1::2]) for i in range(SLOT_COUNT)] for rows in table]
    scored = []
    for a in range(SLOT_COUNT):
        for b in range(SLOT_COUNT):
            if a == b:
                continue
            inc = sum(1 for n in range(len(people)) if not fail_a[n][a] & fail_b[n][b])
            suited = sum(even[n][a] + odd[n][b] for n in range(len(people)))
            scored.append((-inc, -suited, a, b))
    scored.sort()
    return [(-i, -s, a, b) for i, s, a, b in scored[:top]]


windows = (
    st.tuples(st.integers(0, 95), st.integers(1, 96))
    .map(lambda t: (t[0] * 15, min(96, t[0] + t[1]) * 15))
    .filter(lambda w: w[0] < w[1])
)
participants = st.builds(
    Participant,
    timezone=st.sampled_from(ZONES),
    count=st.just(1),
    window=windows,
    days=st.frozensets(st.integers(0, 6), min_size=1),
)
starts = st.one_of(
    st.dates(date(2026, 1, 1), date(2031, 12, 31)),
    st.builds(
        date,
        st.integers(2026, 2031),
        st.sampled_from([3, 4, 9, 10, 11]),  # DST changes of both hemispheres
        st.integers(1, 28),
    ),
)
FEW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FEW
@given(
    people=st.lists(participants, min_size=1, max_size=3),
    tz=st.sampled_from(ZONES),
    start=starts,
    weeks=st.integers(1, 9),
    minutes=st.sampled_from([15, 30, 45, 60, 90, 120, 600]),
)
def test_every_slot_and_the_best_pairs_match_the_oracle(people, tz, start, weeks, minutes) -> None:
    result = find_slots(
        people, start=start, timezone=tz, duration_minutes=minutes, weeks=weeks, top=5
    )
    table = _oracle(people, tz, start, weeks, minutes)
    for i, score in enumerate(result.by_slot):
        assert score.slot.index == i
        assert score.suited == sum(sum(rows[i]) for rows in table), score.slot
        assert score.suited_every_week == sum(all(rows[i]) for rows in table), score.slot
        assert score.coverage == score.suited / (len(people) * weeks)
    got = [(p.included, p.suited, p.a.index, p.b.index) for p in result.pairs]
    assert got == _oracle_pairs(table, people, weeks, 5)


@FEW
@given(
    people=st.lists(participants, min_size=1, max_size=6),
    tz=st.sampled_from(ZONES),
    start=starts,
    weeks=st.integers(20, 104),
)
def test_long_periods_match_the_oracle_on_sampled_slots(people, tz, start, weeks) -> None:
    result = find_slots(people, start=start, timezone=tz, duration_minutes=60, weeks=weeks)
    for i in range(0, SLOT_COUNT, 37):
        slot = Slot.from_index(i)
        ok = [
            [_suits(p, _occurrence(slot, tz, start, k), 60) for k in range(weeks)] for p in people
        ]
        assert result.by_slot[i].suited == sum(map(sum, ok))
        assert result.by_slot[i].suited_every_week == sum(map(all, ok))


def test_identical_people_are_one_group_with_a_count() -> None:
    one = Participant("Asia/Kathmandu", count=1, window=(9 * 60 + 45, 18 * 60))
    many = find_slots([one] * 7, start=date(2027, 3, 1), weeks=12)
    grouped = find_slots(
        [Participant("Asia/Kathmandu", count=7, window=(9 * 60 + 45, 18 * 60))],
        start=date(2027, 3, 1),
        weeks=12,
    )
    assert [s.suited for s in many.by_slot] == [s.suited for s in grouped.by_slot]
    assert many.pairs == grouped.pairs
    # 04:00 UTC is 09:45 in Kathmandu: the first slot that fits the window
    first = next(s for s in grouped.by_slot if s.suited)
    assert (first.slot, first.suited_every_week) == (Slot(0, 4 * 60), 7)


def test_no_single_slot_suits_both_all_year_but_a_pair_includes_everyone() -> None:
    """Berlin 08:00-20:00 and Sydney 08:00-17:00 move in opposite directions."""
    people = [
        Participant("Europe/Berlin", count=3),
        Participant("Australia/Sydney", count=2, window=(8 * 60, 17 * 60)),
    ]
    result = find_slots(people, start=date(2027, 1, 4), weeks=52, duration_minutes=60)
    assert result.slots[0].suited_every_week == 3
    assert result.pairs[0].included == 5
    # Monday 06:00 UTC: Berlin 07:00 in winter (no), 08:00 in summer (yes); Sydney
    # 17:00 in its summer (no), 16:00 in its winter (yes): only April-October suits both
    score = result.by_slot[Slot(0, 6 * 60).index]
    assert score.suited_every_week == 0
    # Berlin: Mondays 29 March - 25 October 2027 (31); Sydney: 5 April - 27 September (26)
    assert score.suited == 3 * 31 + 2 * 26


def test_lord_howe_moves_by_half_an_hour() -> None:
    runs = local_runs(
        Slot(0, 22 * 60),
        timezone="UTC",
        start=date(2027, 3, 1),
        weeks=10,
        zone="Australia/Lord_Howe",
    )
    # 22:00 UTC Monday: 09:00 Tuesday (+11) until 4 April 2027, then 08:30 (+10:30)
    assert [(r.weekday, r.start, r.occurrences) for r in runs] == [(1, "09:00", 5), (1, "08:30", 5)]
    assert runs[1].first == date(2027, 4, 6)


def test_weights_rank_but_people_are_counted() -> None:
    people = [
        Participant("America/New_York", count=2, weight=1, window=(9 * 60, 17 * 60)),
        Participant("Asia/Tokyo", count=1, weight=5),
    ]
    result = find_slots(people, start=date(2027, 1, 4), weeks=4)
    # Tokyo weighs more: its best slot wins though two New Yorkers cannot come
    best = result.slots[0]
    assert best.suited == 5 * 4 and best.suited_every_week == 1
    assert best.coverage == 20 / (6 * 4)
    assert result.total_weight == 6 and result.people == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weeks": 105}, "weeks"),
        ({"weeks": 0}, "weeks"),
        ({"duration_minutes": 0}, "duration"),
    ],
)
def test_bad_bounds_are_refused(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        find_slots([Participant("UTC")], start=date(2027, 1, 4), **kwargs)


def test_bad_window_is_refused() -> None:
    with pytest.raises(ValueError, match="window"):
        find_slots([Participant("UTC", window=(600, 600))], start=date(2027, 1, 4))


@FEW
@given(
    people=st.lists(participants, min_size=1, max_size=3),
    tz=st.sampled_from(ZONES),
    start=starts,
    weeks=st.integers(1, 9),
    a=st.integers(0, SLOT_COUNT - 1),
    b=st.integers(0, SLOT_COUNT - 1),
)
def test_score_pair_matches_the_oracle(people, tz, start, weeks, a, b) -> None:
    sa, sb = Slot.from_index(a), Slot.from_index(b)
    got = score_pair(people, sa, sb, start=start, timezone=tz, weeks=weeks)
    included = suited = 0
    for p in people:
        ok_a = [_suits(p, _occurrence(sa, tz, start, k), 60) for k in range(0, weeks, 2)]
        ok_b = [_suits(p, _occurrence(sb, tz, start, k), 60) for k in range(1, weeks, 2)]
        suited += sum(ok_a) + sum(ok_b)
        included += all(ok_a[j] or (j < len(ok_b) and ok_b[j]) for j in range(len(ok_a)))
    assert (got.included, got.suited) == (included, suited)
