"""Conflicts and upcoming occurrences "from now" come from a per-process cache keyed by a
fingerprint of the schedule read from the database: the cached answers equal a fresh
computation, and any change to the data (even one that bumps no revision) is seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from meetbot.extensions import db
from meetbot.models import Meeting, Person
from meetbot.services.conflicts import find_conflicts
from meetbot.services.occurrence_cache import cached_group_occurrences
from meetbot.services.occurrences import group_occurrences

NOW = datetime(2026, 1, 5, 12, 40, tzinfo=UTC)


def _clash(create_group, create_series, create_person):
    beth = create_person("Beth")
    group = create_group()
    a = create_series(group, start=datetime(2026, 1, 6, 15, 0), location="#edge", chairs=[beth])
    b = create_series(group, start=datetime(2026, 1, 6, 15, 30), location="EDGE", chairs=[beth])
    return group, beth, a, b


def test_cached_conflicts_equal_a_fresh_computation_as_time_moves(
    app, create_group, create_series, create_person, time_machine
):
    group, _, _, _ = _clash(create_group, create_series, create_person)
    time_machine.move_to(NOW)
    first = find_conflicts(group=group, days=14)
    assert first == find_conflicts(group=group, start=NOW, days=14)
    assert len(first) == 4  # two Tuesdays, each a location and a chair conflict
    # Later in the same hour (the cached window is reused): same answer as fresh.
    later = NOW + timedelta(minutes=15)
    time_machine.move_to(later)
    assert find_conflicts(group=group, days=14) == find_conflicts(start=later, days=14)
    # During the first clash the pairs still overlap now; after it they are gone.
    during = datetime(2026, 1, 6, 15, 45, tzinfo=UTC)
    time_machine.move_to(during)
    assert find_conflicts(group=group, days=14) == find_conflicts(start=during, days=14)
    after = datetime(2026, 1, 6, 16, 10, tzinfo=UTC)
    time_machine.move_to(after)
    got = find_conflicts(group=group, days=14)
    assert got == find_conflicts(start=after, days=14)
    # The 6 January clash is over; those of 13 and 20 January remain.
    assert len(got) == 4 and all(c.overlap_start > after for c in got)


def test_changes_without_a_revision_bump_are_seen(
    app, create_group, create_series, create_person, create_meeting, time_machine
):
    group, beth, a, _ = _clash(create_group, create_series, create_person)
    time_machine.move_to(NOW)
    assert {c.what for c in find_conflicts(group=group, days=7)} == {"#edge", "Beth"}
    # Renaming the chair changes no revision, but the conflict names her.
    db.session.get(Person, beth.id).display_name = "Bethany"
    db.session.commit()
    assert {c.what for c in find_conflicts(group=group, days=7)} == {"#edge", "Bethany"}
    # A meeting row written straight to the database (no revision bump): cancelled.
    meeting = create_meeting(group, series=a, original_start_local=datetime(2026, 1, 6, 15, 0))
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id).values(status="cancelled"))
    db.session.commit()
    assert find_conflicts(group=group, days=7) == []


def test_cached_group_occurrences_follow_the_data(
    app, create_group, create_series, create_meeting, time_machine
):
    group = create_group()
    series = create_series(group, start=datetime(2026, 1, 6, 15, 0))
    time_machine.move_to(NOW)
    domain = "example.test"
    got = list(cached_group_occurrences(group, NOW, 30, domain))
    assert got == group_occurrences(group, NOW, NOW + timedelta(days=30), domain)
    assert len(got) == 5 and all(o.status == "scheduled" for o in got)
    # A check-in marks a meeting held with a plain UPDATE: the next read shows it.
    meeting = create_meeting(group, series=series, original_start_local=datetime(2026, 1, 6, 15, 0))
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id).values(status="held"))
    db.session.commit()
    later = NOW + timedelta(minutes=5)
    got = list(cached_group_occurrences(group, later, 30, domain))
    assert got == group_occurrences(group, later, later + timedelta(days=30), domain)
    assert got[0].status == "held"


def test_conflicts_are_kept_per_group(
    app, create_group, create_series, create_person, time_machine
):
    """A change in a group that shares no location or chair with another leaves the
    other's cached conflicts (and its expanded share) in place; a change in a group
    that shares one is seen by both."""
    group, beth, a, _ = _clash(create_group, create_series, create_person)
    other = create_group()
    create_series(other, start=datetime(2026, 1, 6, 15, 0), location="#elsewhere")
    neighbour = create_group()
    time_machine.move_to(NOW)
    first = find_conflicts(group=group, days=7)
    store = app.extensions["meetbot_derived_cache"]
    kept = [(key, store.get(key)) for key in list(store._items) if key[0] == "conflicts"]
    assert [key[1] for key, _ in kept] == [group.id]
    # The unrelated group changes: the group's entry is the very same object.
    db.session.get(type(other), other.id).name = "Other, renamed"
    create_series(other, start=datetime(2026, 1, 7, 9, 0), location="#elsewhere-too")
    assert find_conflicts(group=group, days=7) == first
    assert store.get(kept[0][0]) is kept[0][1]
    # A neighbour starts using the same channel at the same time: both see it.
    create_series(neighbour, start=datetime(2026, 1, 6, 15, 15), location="#Edge")
    found = find_conflicts(group=group, days=7)
    assert {c.b.group_id for c in found} | {c.a.group_id for c in found} == {
        group.id,
        neighbour.id,
    }
    assert store.get(kept[0][0]) is not kept[0][1]
    assert found == find_conflicts(group=group, start=NOW, days=7)
