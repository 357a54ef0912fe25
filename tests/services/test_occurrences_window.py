"""The expansion reads only what a window needs; its results equal a brute-force
reference that expands every rule far around the window and applies every row.

Also: the group page's upcoming list (cached_upcoming, a growing window) equals the
head of the full list, and the per-group conflict cache equals the uncached check.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from meetbot.domain.recurrence import Frequency, Rule, expand, first_matching_start, to_utc
from meetbot.extensions import db
from meetbot.models import Group, Meeting, MeetingSeries, SeriesSlot
from meetbot.services.conflicts import conflicts_ahead, find_conflicts
from meetbot.services.occurrence_cache import cached_upcoming
from meetbot.services.occurrences import (
    group_occurrences,
    meeting_uid,
    slot_uid,
)

D = "meetbot.test"
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
FIELDS = ("uid", "recurrence_id", "series_id", "slot_key", "meeting_id", "title")
MORE = ("start", "end", "status", "location", "timezone", "original_start_local", "is_moved")


def _key(o) -> tuple:
    return tuple(getattr(o, f) for f in FIELDS + MORE)


def _reference(group: Group, start: datetime, end: datetime) -> list[tuple]:
    """Every rule occurrence within 400 days of the window, every row of the group."""
    far = timedelta(days=400)
    series_list = list(
        db.session.scalars(select(MeetingSeries).where(MeetingSeries.group_id == group.id))
    )
    generated = {}
    for series in series_list:
        if series.status == "ended":
            continue
        for slot in series.slots:
            for occ in expand(slot.to_domain(), start - far, end + far):
                generated[(slot.id, occ.original_start)] = (series, slot, occ)
    out = []
    rows = db.session.scalars(select(Meeting).where(Meeting.group_id == group.id))

    def overlaps(a, b) -> bool:
        return a < end and b > start

    def row_view(row, uid, recurrence):
        series = row.series
        return dict(
            uid=uid,
            recurrence_id=recurrence,
            series_id=series.id if series else None,
            slot_key=row.slot.key if row.slot else None,
            meeting_id=row.id,
            title=row.title or (series.title if series else "Meeting"),
            start=row.start_dt,
            end=row.end_dt,
            status=row.status,
            location=row.location
            if row.location is not None
            else (series.location if series else ""),
            timezone=row.timezone,
            original_start_local=row.original_start_local,
            is_moved=row.is_moved,
        )

    for row in rows:
        hit = generated.pop((row.slot_id, row.original_start_local), None) if row.slot_id else None
        if not overlaps(row.start_dt, row.end_dt):
            continue
        if hit is not None:
            out.append(row_view(row, slot_uid(hit[0], hit[1], D), hit[2].start_utc))
        else:
            out.append(row_view(row, meeting_uid(row, D), None))
    for series, slot, occ in generated.values():
        if overlaps(occ.start_utc, occ.end_utc):
            out.append(
                dict(
                    uid=slot_uid(series, slot, D),
                    recurrence_id=occ.start_utc,
                    series_id=series.id,
                    slot_key=slot.key,
                    meeting_id=None,
                    title=series.title,
                    start=occ.start_utc,
                    end=occ.end_utc,
                    status="scheduled",
                    location=series.location,
                    timezone=slot.timezone,
                    original_start_local=occ.original_start,
                    is_moved=False,
                )
            )
    out.sort(key=lambda v: (v["start"], v["uid"]))
    return [tuple(v[f] for f in FIELDS + MORE) for v in out]


def _random_group(rnd: random.Random, create_group) -> Group:
    group = create_group()
    base = datetime(2026, 1, 5, 0, 0)
    for n in range(6):
        zone = rnd.choice(ZONES)
        series = MeetingSeries(
            group=group,
            title=f"Series {n}",
            timezone=zone,
            location=rnd.choice(["#a", "#b", "https://v.example/x"]),
            status="ended" if n == 5 else "active",
        )
        for pos in range(rnd.randint(1, 2)):
            freq = rnd.choice(["weekly", "weekly", "monthly", "once"])
            start = base + timedelta(days=rnd.randint(0, 60), hours=rnd.randint(0, 23))
            weekday = setpos = None
            if freq == "monthly":
                weekday, setpos = rnd.randint(0, 6), rnd.choice([1, 2, 3, 4, -1])
                start = first_matching_start(
                    Rule(Frequency.MONTHLY, weekday=weekday, setpos=setpos), start
                )
            series.slots.append(
                SeriesSlot(
                    key=f"k{pos}",
                    position=pos,
                    timezone=zone,
                    start_local=start,
                    duration_minutes=rnd.choice([30, 60, 90, 1440]),
                    frequency=freq,
                    interval=rnd.randint(1, 3) if freq != "once" else 1,
                    weekday=weekday,
                    setpos=setpos,
                    count=rnd.choice([None, None, 30]) if freq != "once" else None,
                )
            )
        db.session.add(series)
        db.session.flush()
        # Rows on some of its rule occurrences: cancelled, held, retitled, relocated,
        # moved a little or far (also into and out of any window), and detached ones.
        taken = set()
        for slot in series.slots:
            occs = expand(
                slot.to_domain(),
                datetime(2025, 12, 1, tzinfo=UTC),
                datetime(2027, 1, 1, tzinfo=UTC),
            )
            for occ in rnd.sample(occs, min(len(occs), 5)):
                kind = rnd.choice(["cancelled", "held", "retitled", "moved", "far", "detached"])
                original = occ.original_start
                start_dt, end_dt = occ.start_utc, occ.end_utc
                if kind == "detached":
                    original = original + timedelta(minutes=17)
                if (slot.id, original) in taken:
                    continue
                taken.add((slot.id, original))
                if kind in ("moved", "far"):
                    shift = timedelta(hours=rnd.randint(-72, 72))
                    if kind == "far":
                        shift = timedelta(days=rnd.choice([-1, 1]) * rnd.randint(36, 120))
                    start_dt, end_dt = start_dt + shift, end_dt + shift
                db.session.add(
                    Meeting(
                        group=group,
                        series=series,
                        slot=slot,
                        original_start_local=original,
                        timezone=slot.timezone,
                        start_dt=start_dt,
                        end_dt=end_dt,
                        status={"cancelled": "cancelled", "held": "held"}.get(kind, "scheduled"),
                        title="Renamed" if kind == "retitled" else None,
                        location="#elsewhere" if kind == "moved" else None,
                        is_moved=kind in ("moved", "far"),
                    )
                )
    for n in range(4):  # one-off meetings, one of them three days long
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rnd.randint(0, 24 * 300))
        db.session.add(
            Meeting(
                group=group,
                title=f"One-off {n}",
                timezone="UTC",
                start_dt=start,
                end_dt=start + timedelta(days=3 if n == 0 else 0, hours=1),
            )
        )
    db.session.commit()
    return group


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_group_occurrences_equal_the_brute_force_reference(create_group, seed) -> None:
    rnd = random.Random(seed)
    group = _random_group(rnd, create_group)
    windows = [
        (datetime(2026, 3, 8, tzinfo=UTC), timedelta(days=1)),  # US DST change
        (datetime(2026, 3, 29, tzinfo=UTC), timedelta(days=2)),  # EU DST change
        (datetime(2026, 1, 1, tzinfo=UTC), timedelta(days=400)),
    ]
    for _ in range(8):
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rnd.randint(0, 24 * 330))
        windows.append((start, timedelta(hours=rnd.choice([1, 24, 24 * 7, 24 * 90]))))
    # Windows at the edges of rows: just after a rule occurrence starts (a row moved
    # away must still hide it, in zones behind UTC too), inside a moved meeting, and
    # in the middle of day-long meetings.
    rows = list(db.session.scalars(select(Meeting).where(Meeting.series_id.is_not(None))))
    for row in rnd.sample(rows, min(len(rows), 12)):
        original = to_utc(row.original_start_local, row.timezone)
        windows.append((original + timedelta(minutes=10), timedelta(minutes=20)))
        windows.append((row.start_dt + timedelta(minutes=5), timedelta(hours=1)))
    for slot in db.session.scalars(select(SeriesSlot).where(SeriesSlot.duration_minutes == 1440)):
        (first, *_) = expand(
            slot.to_domain(), datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
        ) or [None]
        if first is not None:
            windows.append((first.start_utc + timedelta(hours=20), timedelta(hours=1)))
    for start, length in windows:
        got = [_key(o) for o in group_occurrences(group, start, start + length, D)]
        assert got == _reference(group, start, start + length), (start, length)


def test_a_row_moved_in_from_far_away_stays_an_override(create_group, create_series) -> None:
    """Matched to its rule occurrence however far it moved (as the feeds do)."""
    group = create_group()
    series = create_series(group, start=datetime(2026, 1, 6, 15, 0))
    row = Meeting(
        group=group,
        series=series,
        slot=series.slots[0],
        original_start_local=datetime(2026, 1, 13, 15, 0),
        timezone="UTC",
        start_dt=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        end_dt=datetime(2026, 6, 1, 10, 0, tzinfo=UTC),
        is_moved=True,
    )
    db.session.add(row)
    db.session.commit()
    start = datetime(2026, 6, 1, tzinfo=UTC)
    (moved,) = [
        o for o in group_occurrences(group, start, start + timedelta(days=1), D) if o.meeting_id
    ]
    assert moved.uid == slot_uid(series, series.slots[0], D)
    assert moved.recurrence_id == datetime(2026, 1, 13, 15, 0, tzinfo=UTC)
    january = datetime(2026, 1, 13, tzinfo=UTC)
    assert not [o for o in group_occurrences(group, january, january + timedelta(days=1), D)]


@pytest.mark.parametrize("seed", [4, 5])
def test_cached_upcoming_is_the_head_of_the_full_list(app, create_group, seed) -> None:
    rnd = random.Random(seed)
    group = _random_group(rnd, create_group)
    for _ in range(6):
        now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rnd.randint(0, 60 * 24 * 300))
        for limit, days in ((1, 120), (10, 120), (40, 30), (500, 120)):
            full = group_occurrences(group, now, now + timedelta(days=days), D)
            got = cached_upcoming(group, now, D, limit=limit, days=days)
            assert [_key(o) for o in got] == [_key(o) for o in full[:limit]], (now, limit, days)


def test_cached_upcoming_of_a_sparse_group_grows_its_window(
    app, create_group, create_series
) -> None:
    group = create_group()
    series = create_series(group, start=datetime(2026, 1, 6, 15, 0), frequency="weekly", interval=3)
    now = datetime(2026, 1, 6, 16, 30, tzinfo=UTC)  # just after a meeting
    got = cached_upcoming(group, now, D, limit=3, days=120)
    assert [o.start for o in got] == [
        datetime(2026, 1, 27, 15, 0, tzinfo=UTC),
        datetime(2026, 2, 17, 15, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 15, 0, tzinfo=UTC),
    ]
    assert all(o.series_id == series.id for o in got)
    # Fewer than asked for within the horizon: all of them.
    assert len(cached_upcoming(group, now, D, limit=10, days=30)) == 1


def test_cached_group_conflicts_equal_the_uncached_check(
    app, create_group, create_series, time_machine
) -> None:
    now = datetime(2026, 2, 3, 14, 40, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    mine, other = create_group(), create_group()
    for n in range(4):
        create_series(mine, start=datetime(2026, 1, 5 + n, 15, 0), location="#shared")
        create_series(other, start=datetime(2026, 1, 5 + n, 15, 30), location="#shared")
    create_series(other, start=datetime(2026, 1, 5, 15, 0), location="#theirs")
    create_series(other, start=datetime(2026, 1, 5, 15, 0), location="#theirs")

    def pairs(found) -> list[tuple]:
        return [(c.kind, c.a.uid, c.b.uid, c.a.start) for c in found]

    for group in (mine, other):
        cached = find_conflicts(group=group, days=30, domain=D)
        expected = find_conflicts(group=group, start=now, days=30, domain=D)
        assert cached and pairs(cached) == pairs(expected)
    everyone = find_conflicts(days=30, domain=D)
    assert pairs(everyone) == pairs(find_conflicts(start=now, days=30, domain=D))
    assert len(everyone) > len(find_conflicts(group=mine, days=30, domain=D))


def test_day_anchored_caches_answer_like_fresh_all_day(
    app, create_group, create_series, time_machine
) -> None:
    """The default-window caches cover the day of ``now``: early and late in the day,
    and on the next day, the answers equal a fresh computation."""
    from meetbot.services.occurrence_cache import cached_group_occurrences

    group = create_group()
    for n in range(3):  # daily-ish clashes on one channel, near midnight too
        create_series(group, start=datetime(2026, 1, 5 + n, 23, 30), location="#x")
        create_series(group, start=datetime(2026, 1, 5 + n, 23, 45), location="#x")
    for moment in (
        datetime(2026, 2, 2, 0, 5, tzinfo=UTC),
        datetime(2026, 2, 2, 23, 40, tzinfo=UTC),
        datetime(2026, 2, 2, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 2, 3, 0, 0, tzinfo=UTC),
    ):
        time_machine.move_to(moment, tick=False)
        assert list(cached_group_occurrences(group, moment, 14, D)) == group_occurrences(
            group, moment, moment + timedelta(days=14), D
        )
        cached = find_conflicts(group=group, days=14, domain=D)
        assert cached == find_conflicts(group=group, start=moment, days=14, domain=D)
        assert cached


def test_conflicts_ahead_are_the_head_and_count_of_the_full_check(
    app, create_group, create_series, time_machine
) -> None:
    """The group page's conflicts (a slice of the cached spans found by bisection)
    equal the first of find_conflicts and their number, also while a conflict runs
    and for a conflict that started yesterday."""
    group = create_group()
    for n in range(3):  # daily clashes on one channel, across midnight
        create_series(group, start=datetime(2026, 1, 5 + n, 23, 30), location="#x")
        create_series(group, start=datetime(2026, 1, 5 + n, 23, 45), location="#x")
    create_series(group, start=datetime(2026, 1, 5, 12, 0), location="#y", duration_minutes=600)
    create_series(group, start=datetime(2026, 1, 5, 12, 15), location="#y")
    for moment, running in (
        (datetime(2026, 2, 3, 0, 5, tzinfo=UTC), True),  # Monday's late clash
        (datetime(2026, 2, 2, 12, 30, tzinfo=UTC), True),  # the 10-hour one
        (datetime(2026, 2, 2, 6, 0, tzinfo=UTC), False),
        (datetime(2026, 2, 2, 23, 45, tzinfo=UTC), False),  # one starts now
    ):
        time_machine.move_to(moment, tick=False)
        full = find_conflicts(group=group, days=14, domain=D)
        assert len(full) > 3 and (full[0].overlap_start < moment) is running
        for limit in (1, 3, 100):
            ahead = conflicts_ahead(group, days=14, domain=D, limit=limit)
            assert (list(ahead.shown), ahead.total) == (full[:limit], len(full))
