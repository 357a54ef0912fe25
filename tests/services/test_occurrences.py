"""The shared occurrence expansion: rule occurrences with Meeting rows applied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from meetbot.extensions import db
from meetbot.services.errors import ValidationError
from meetbot.services.occurrences import group_occurrences, series_occurrences

D = "meetbot.test"
WS = datetime(2026, 3, 1, tzinfo=UTC)
WE = datetime(2026, 4, 30, tzinfo=UTC)


def test_berlin_series_keeps_wall_time(create_group, create_series) -> None:
    group = create_group()
    series = create_series(group, timezone="Europe/Berlin", start=datetime(2026, 1, 7, 14, 0))
    occ = series_occurrences(series, WS, WE, D)
    hours = {o.start.date().isoformat(): o.start.hour for o in occ}
    assert hours["2026-03-25"] == 13 and hours["2026-04-01"] == 12  # CET then CEST
    assert all(o.meeting_id is None and o.status == "scheduled" for o in occ)
    assert len({o.uid for o in occ}) == 1


def test_rows_are_applied(create_group, create_series, create_meeting) -> None:
    group = create_group()
    series = create_series(group, start=datetime(2026, 1, 6, 15, 0))
    cancelled = create_meeting(
        series=series,
        original_start_local=datetime(2026, 3, 10, 15, 0),
        status="cancelled",
        change_reason="Holiday",
    )
    # Moved from 17 March to 19 March 09:00 UTC.
    moved = create_meeting(
        series=series,
        original_start_local=datetime(2026, 3, 17, 15, 0),
        start=datetime(2026, 3, 19, 9, 0, tzinfo=UTC),
        is_moved=True,
        title="Moved call",
    )
    # Moved out of the window entirely.
    create_meeting(
        series=series,
        original_start_local=datetime(2026, 4, 28, 15, 0),
        start=datetime(2026, 5, 5, 9, 0, tzinfo=UTC),
        is_moved=True,
    )
    one_off = create_meeting(group, start=datetime(2026, 3, 20, 8, 0, tzinfo=UTC))
    occ = group_occurrences(group, WS, WE, D)
    by_start = {o.start: o for o in occ}
    assert by_start[datetime(2026, 3, 10, 15, tzinfo=UTC)].status == "cancelled"
    assert by_start[datetime(2026, 3, 10, 15, tzinfo=UTC)].meeting_id == cancelled.id
    m = by_start[datetime(2026, 3, 19, 9, tzinfo=UTC)]
    assert (m.meeting_id, m.title, m.recurrence_id) == (
        moved.id,
        "Moved call",
        datetime(2026, 3, 17, 15, tzinfo=UTC),
    )
    assert datetime(2026, 3, 17, 15, tzinfo=UTC) not in by_start
    assert datetime(2026, 4, 28, 15, tzinfo=UTC) not in by_start
    o = by_start[datetime(2026, 3, 20, 8, tzinfo=UTC)]
    assert o.meeting_id == one_off.id and o.recurrence_id is None and o.uid.startswith("meeting-")
    assert [x.start for x in occ] == sorted(x.start for x in occ)


def test_detached_row_kept_when_rule_changes(create_group, create_series, create_meeting) -> None:
    group = create_group()
    series = create_series(group, start=datetime(2026, 1, 6, 15, 0))
    held = create_meeting(
        series=series, original_start_local=datetime(2026, 3, 3, 15, 0), status="held"
    )
    series.slots[0].start_local = datetime(2026, 1, 7, 15, 0)  # now on Wednesdays
    db.session.commit()
    occ = group_occurrences(group, WS, WE, D)
    kept = [o for o in occ if o.meeting_id == held.id]
    assert len(kept) == 1 and kept[0].uid.startswith("meeting-") and kept[0].status == "held"
    assert all(o.start.weekday() == 2 for o in occ if o.meeting_id is None)


def test_window_checks(create_group) -> None:
    group = create_group()
    with pytest.raises(ValidationError):
        group_occurrences(group, WE, WS, D)
    with pytest.raises(ValidationError):
        group_occurrences(group, WS, WS + timedelta(days=6 * 366), D)


def test_materialize_occurrence(create_group, create_series) -> None:
    from meetbot.services.errors import NotFound
    from meetbot.services.meetings import materialize_occurrence

    group = create_group()
    series = create_series(group, timezone="Europe/Berlin", start=datetime(2026, 1, 7, 14, 0))
    meeting = materialize_occurrence(series, "slot-0", datetime(2026, 4, 1, 14, 0))
    db.session.commit()
    assert meeting.start_dt == datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    again = materialize_occurrence(series, "slot-0", datetime(2026, 4, 1, 14, 0))
    assert again.id == meeting.id
    with pytest.raises(NotFound):
        materialize_occurrence(series, "slot-0", datetime(2026, 4, 2, 14, 0))
    with pytest.raises(NotFound):
        materialize_occurrence(series, "nope", datetime(2026, 4, 1, 14, 0))
