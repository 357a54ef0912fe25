"""Conflict check: same place or same chair, overlapping, whatever the zones and rules."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from meetbot.extensions import db
from meetbot.models import Role
from meetbot.services.conflicts import find_conflicts, find_conflicts_in, normalize_location
from meetbot.services.occurrences import OccurrenceView

WINTER = datetime(2026, 1, 1, tzinfo=UTC)
SUMMER = datetime(2026, 6, 1, tzinfo=UTC)


def _pairs(found):
    return {(c.kind, c.a.start, c.a.series_id, c.b.series_id) for c in found}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("#openstack-meeting", "openstack-meeting"),
        ("#OpenStack-Meeting", " #openstack-meeting "),
        ("Room  101", "room 101"),
        ("https://www.Zoom.us/j/123/?pwd=abc", "https://zoom.us/j/123"),
        ("https://meet.example.org:443/edge#x", "https://meet.example.org/edge"),
        ("https://x.org/r?b=2&a=1", "https://x.org/r?a=1&b=2"),
    ],
)
def test_normalize_same(a, b):
    assert normalize_location(a) == normalize_location(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("#openstack-meeting", "#openstack-meeting-alt"),
        ("https://zoom.us/j/123", "https://zoom.us/j/124"),
        ("https://x.org:8443/r", "https://x.org/r"),
    ],
)
def test_normalize_different(a, b):
    assert normalize_location(a) != normalize_location(b)


def test_empty_location_never_conflicts():
    assert normalize_location("  ") is None


def test_berlin_and_utc_share_a_channel_in_winter_only(create_group, create_series):
    group = create_group()
    berlin = create_series(
        group,
        timezone="Europe/Berlin",
        start=datetime(2026, 1, 6, 16, 0),
        location_kind="chat",
        location="#edge",
    )
    utc = create_series(
        group,
        timezone="UTC",
        start=datetime(2026, 1, 6, 15, 0),
        location_kind="chat",
        location="EDGE",
    )
    winter = find_conflicts(start=WINTER, days=28)
    # CET: 16:00 Berlin = 15:00 UTC, so every Tuesday of January clashes.
    assert len(winter) == 4
    assert {c.kind for c in winter} == {"location"}
    assert {(c.a.series_id, c.b.series_id) for c in winter} <= {
        (berlin.id, utc.id),
        (utc.id, berlin.id),
    }
    assert winter[0].overlap_start == datetime(2026, 1, 6, 15, tzinfo=UTC)
    # CEST: 16:00 Berlin = 14:00-15:00 UTC, which only touches 15:00: no conflict.
    assert find_conflicts(start=SUMMER, days=28) == []


def test_chair_booked_twice_across_groups(create_group, create_series, create_person):
    beth = create_person("Beth")
    g1 = create_group(members={beth: Role.CHAIR})
    g2 = create_group(members={beth: Role.CHAIR})
    other = create_group()
    s1 = create_series(
        g1,
        timezone="America/Los_Angeles",
        start=datetime(2026, 1, 7, 7, 0),
        chairs=[beth],
        location="https://a.example/1",
    )
    s2 = create_series(
        g2,
        timezone="Asia/Kolkata",
        start=datetime(2026, 1, 7, 20, 30),
        chairs=[beth],
        duration_minutes=60,
        location="https://b.example/2",
    )
    create_series(other, start=datetime(2026, 1, 7, 15, 0))  # same time, nothing shared
    found = find_conflicts(start=WINTER, days=7)
    # 07:00 PST = 15:00 UTC; 20:30 IST = 15:00 UTC.
    assert len(found) == 1
    c = found[0]
    assert (c.kind, c.what, c.person_id) == ("chair", "Beth", beth.id)
    assert {c.a.series_id, c.b.series_id} == {s1.id, s2.id}
    assert find_conflicts(group=g1, start=WINTER, days=7) == found
    assert find_conflicts(group=other, start=WINTER, days=7) == []


def test_cancelled_and_moved_occurrences(create_group, create_series, create_meeting):
    group = create_group()
    a = create_series(group, start=datetime(2026, 1, 6, 15, 0), location="#x")
    create_series(group, start=datetime(2026, 1, 6, 15, 30), location="#x")
    create_meeting(series=a, original_start_local=datetime(2026, 1, 6, 15, 0), status="cancelled")
    # Moved away from the clash on the 13th.
    create_meeting(
        series=a,
        original_start_local=datetime(2026, 1, 13, 15, 0),
        start=datetime(2026, 1, 13, 9, 0, tzinfo=UTC),
        is_moved=True,
    )
    found = find_conflicts(start=WINTER, days=21)
    assert [c.overlap_start for c in found] == [datetime(2026, 1, 20, 15, 30, tzinfo=UTC)]


def test_one_off_meeting_conflicts_with_series(create_group, create_series, create_meeting):
    g1, g2 = create_group(), create_group()
    create_series(g1, start=datetime(2026, 1, 6, 15, 0), location="#openstack-meeting")
    create_meeting(
        g2, start=datetime(2026, 1, 13, 14, 30, tzinfo=UTC), location="openstack-meeting"
    )
    found = find_conflicts(group=g2, start=WINTER, days=30)
    assert len(found) == 1
    assert found[0].a.meeting_id is not None and found[0].b.series_id is not None


def _view(n: int, start: datetime, minutes: int, location: str) -> OccurrenceView:
    return OccurrenceView(
        uid=f"u{n}",
        recurrence_id=None,
        series_id=None,
        slot_key=None,
        meeting_id=n,
        group_id=1,
        title=f"m{n}",
        start=start,
        end=start + timedelta(minutes=minutes),
        timezone="UTC",
        status="scheduled",
        location=location,
        original_start_local=None,
    )


def test_sweep_matches_all_pairs_brute_force():
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    views = [
        _view(
            n,
            base + timedelta(minutes=15 * rng.randrange(200)),
            rng.choice([15, 30, 60, 120, 600]),
            rng.choice(["#a", "#b", "A", "https://x.org/r", ""]),
        )
        for n in range(300)
    ]
    found = find_conflicts_in(views, {})
    got = {frozenset((c.a.uid, c.b.uid)) for c in found}
    expected = {
        frozenset((x.uid, y.uid))
        for x, y in itertools.combinations(views, 2)
        if normalize_location(x.location) is not None
        and normalize_location(x.location) == normalize_location(y.location)
        and x.start < y.end
        and y.start < x.end
    }
    assert got == expected and len(found) == len(expected) > 0
    assert all(c.a.start <= c.b.start for c in found)


def test_cli_lists_all_conflicts_and_exits_1(runner, create_group, create_series, time_machine):
    time_machine.move_to(WINTER, tick=False)
    group = create_group(slug="edge")
    create_series(group, start=datetime(2026, 1, 6, 15, 0), location="#x", title="A")
    create_series(group, start=datetime(2026, 1, 6, 15, 30), location="#x", title="B")
    result = runner.invoke(args=["check-conflicts", "--days", "21"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if "is used by both" in line]
    assert len(lines) == 3  # 6, 13 and 20 January: all of them, not just the first
    assert '"A"' in lines[0] and '"B"' in lines[0] and "2026-01-06 15:30-16:00 UTC" in lines[0]
    result = runner.invoke(args=["check-conflicts", "--group", "edge", "--days", "21"])
    assert result.exit_code == 1


def test_cli_exits_0_without_conflicts(runner, create_group, create_series, time_machine):
    time_machine.move_to(WINTER, tick=False)
    group = create_group(slug="edge")
    create_series(group, start=datetime(2026, 1, 6, 15, 0), location="#x")
    create_series(group, start=datetime(2026, 1, 6, 16, 0), location="#x")  # back to back
    result = runner.invoke(args=["check-conflicts"])
    assert result.exit_code == 0, result.output
    assert "No conflicts" in result.output
    result = runner.invoke(args=["check-conflicts", "--group", "nope"])
    assert result.exit_code != 0 and "nope" in result.output
    db.session.rollback()
