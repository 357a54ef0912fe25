"""Occurrences and conflicts packed as columns (issue 19): read back equal to what was
packed, every field of an occurrence kept."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from meetbot.models import MeetingStatus
from meetbot.services.conflict_pairs import find_conflicts_in
from meetbot.services.occurrences import OccurrenceView
from meetbot.services.packed_occurrences import (
    PACKED_FIELDS,
    pack_conflicts,
    pack_occurrences,
)

T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def _view(n: int, **changes) -> OccurrenceView:
    fields = {
        "uid": f"series-{n}@x",
        "recurrence_id": T0 + timedelta(days=n),
        "series_id": n,
        "slot_key": "a",
        "meeting_id": None,
        "group_id": 7,
        "title": f"Meeting {n}",
        "start": T0 + timedelta(days=n),
        "end": T0 + timedelta(days=n, hours=1),
        "timezone": "Europe/Berlin",
        "status": MeetingStatus.SCHEDULED,
        "location": "#room",
        "original_start_local": datetime(2026, 1, 5 + n, 16, 0),
    }
    return OccurrenceView(**{**fields, **changes})


def test_every_field_is_packed():
    assert {f.name for f in dataclasses.fields(OccurrenceView)} == PACKED_FIELDS


def test_occurrences_read_back_equal():
    views = [
        _view(0),
        _view(1, recurrence_id=None, series_id=None, slot_key=None, original_start_local=None),
        _view(
            2, meeting_id=12, is_moved=True, change_reason="moved", start=T0 + timedelta(hours=50)
        ),
        _view(3, status=MeetingStatus.CANCELLED, location=""),
    ]
    packed = pack_occurrences(views)
    assert len(packed) == 4
    assert packed.views() == views
    assert packed.view(3).is_cancelled


def test_the_occurrences_overlapping_a_window_are_read_as_a_sequence():
    # Day n, 15:00-16:00; one of day 2 lasts two days.
    views = [_view(n) for n in range(6)]
    views[2] = _view(2, end=T0 + timedelta(days=4))
    packed = pack_occurrences(views)
    begin, end = T0 + timedelta(days=3, hours=1), T0 + timedelta(days=5)
    window = packed.overlapping(begin, end)
    # Day 3 ends as the window begins: over. Day 5 starts as it ends: not yet.
    assert len(window) == 2
    assert list(window) == [views[2], views[4]]
    assert window[1] == views[4] and window[-1] == views[4]
    assert window[:1] == [views[2]]
    assert list(packed.overlapping(T0 - timedelta(days=2), T0)) == []


def test_the_occurrences_of_a_slot_share_their_references():
    """A slot's occurrences have one UID, title, zone and location: kept once, with an
    index per occurrence (a share of 200 groups held 7 references per occurrence)."""
    views = [_view(0, start=T0 + timedelta(days=7 * n), uid="a", title="A") for n in range(50)]
    views += [_view(1, start=T0 + timedelta(days=7 * n), uid="b", title="B") for n in range(50)]
    views[7] = _view(0, uid="a", title="A", status=MeetingStatus.CANCELLED)
    packed = pack_occurrences(views)
    assert len(packed.text_rows) == 3
    assert packed.views() == views


def test_conflicts_read_back_equal_from_two_sources():
    mine = [_view(n) for n in range(3)]
    theirs = [_view(n, uid=f"other-{n}@x", group_id=8, series_id=100 + n) for n in range(3)]
    sources = [pack_occurrences(mine), pack_occurrences(theirs)]
    views = [source.views() for source in sources]
    found = find_conflicts_in([v for listed in views for v in listed], {})
    assert len(found) == 3
    packed = pack_conflicts(found, sources, views)
    assert [packed.conflict(n) for n in range(len(packed))] == found
