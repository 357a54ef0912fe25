"""Meeting rule marks (issue 19): kept right on every write path, and what lets the feed
render read only the rows that differ from their rule, with the same bytes.

"Right" is checked two ways: the expected mark of the row at hand, and that marking
every row again from scratch (``mark_all``) changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from meetbot.extensions import db
from meetbot.freshness import clear_feed_fragments
from meetbot.models import Meeting, MeetingSeries
from meetbot.services import occurrence_changes, series_input, series_reschedule
from meetbot.services import series as series_service
from meetbot.services.feed_render import clear_render_cache, render_calendar
from meetbot.services.feed_rows import feed_series, rows_by_series
from meetbot.services.log_attach import meeting_for_start_in_session
from meetbot.services.meetings import materialize_occurrence
from meetbot.services.occurrence_marks import current_mark, mark_all

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
START = datetime(2026, 1, 6, 15, 0)  # a Tuesday, weekly, UTC


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def _all_right() -> bool:
    """Marking every row again from scratch would change nothing."""
    changed = mark_all(db.session.connection())
    db.session.rollback()
    return changed == 0


def _slot_input(slot, **kw) -> series_input.SlotInput:
    base = {
        "key": slot.key,
        "start": slot.start_local,
        "duration_minutes": slot.duration_minutes,
        "frequency": "weekly",
    }
    base.update(kw)
    return series_input.SlotInput(**base)


def _edit(series, **slot_kw) -> None:
    data = series_input.SeriesInput(
        title=series.title,
        timezone=series.timezone,
        slots=[_slot_input(series.slots[0], **slot_kw)],
    )
    series_service.update_series(None, series, data)


def _occurrence(series, day: int) -> Meeting:
    meeting = materialize_occurrence(series, series.slots[0].key, datetime(2026, 1, day, 15, 0))
    db.session.commit()
    return meeting


def test_occurrence_changes_keep_the_mark(frozen, create_group, create_series) -> None:
    series = create_series(create_group(), start=START)
    mark = current_mark(series.slots[0])
    held = _occurrence(series, 13)
    assert held.rule_mark == mark  # materialized where the rule puts it
    key = series.slots[0].key
    cancelled = occurrence_changes.cancel_occurrence(None, series, key, datetime(2026, 1, 20, 15))
    assert cancelled.rule_mark == mark  # status is no matching matter
    moved = occurrence_changes.move_occurrence(
        None, series, key, datetime(2026, 1, 27, 15), datetime(2026, 1, 28, 9)
    )
    assert moved.rule_mark is None
    back = occurrence_changes.move_occurrence(
        None, series, key, datetime(2026, 1, 27, 15), datetime(2026, 1, 27, 15)
    )
    assert back.rule_mark == mark
    longer = occurrence_changes.move_occurrence(
        None, series, key, datetime(2026, 1, 27, 15), datetime(2026, 1, 27, 15),
        duration_minutes=90,
    )  # fmt: skip
    assert longer.rule_mark is None
    retitled = occurrence_changes.retitle_occurrence(
        None, series, key, datetime(2026, 2, 3, 15), title="Special"
    )
    assert retitled.rule_mark == mark
    assert _all_right()


def test_a_rule_change_marks_the_slots_rows_again(frozen, create_group, create_series) -> None:
    series = create_series(create_group(), start=START)
    kept, dropped = _occurrence(series, 6), _occurrence(series, 13)
    old = current_mark(series.slots[0])
    # Every other week from 6 January: the 13th is no longer an occurrence (detached).
    _edit(series, interval=2)
    new = current_mark(series.slots[0])
    db.session.refresh(kept)
    db.session.refresh(dropped)
    assert new != old
    assert (kept.rule_mark, dropped.rule_mark) == (new, None)
    assert _all_right()
    # A longer meeting: no row holds the rule's times any more.
    _edit(series, interval=2, duration_minutes=90)
    db.session.refresh(kept)
    assert kept.rule_mark is None
    assert _all_right()


def test_ending_and_rescheduling_keep_marks_right(frozen, create_group, create_series) -> None:
    series = create_series(create_group(), start=START)
    first = _occurrence(series, 6)
    series_service.end_series(None, series, date(2026, 3, 31))
    db.session.refresh(first)
    assert first.rule_mark == current_mark(series.slots[0])  # a new rule, still generated
    assert _all_right()
    added = series_reschedule.reschedule(
        None,
        series,
        [series_input.SlotInput(start=datetime(2026, 2, 5, 10), duration_minutes=30)],
        date(2026, 2, 1),
    )
    db.session.commit()
    later = materialize_occurrence(series, added[0].key, datetime(2026, 2, 12, 10))
    db.session.commit()
    assert later.rule_mark == current_mark(added[0])
    assert _all_right()


def test_a_log_import_marks_the_occurrence_it_attaches(frozen, create_group, create_series) -> None:
    group = create_group()
    series = create_series(group, start=START)
    meeting, created = meeting_for_start_in_session(
        None, group, datetime(2026, 1, 13, 15, 2, tzinfo=UTC), name="call"
    )
    db.session.commit()
    assert created and meeting.rule_mark == current_mark(series.slots[0])
    assert _all_right()


def test_render_reads_only_rows_that_differ_same_bytes(
    frozen, create_group, create_series, create_meeting
) -> None:
    group = create_group()
    series = create_series(group, start=START)
    key = series.slots[0].key
    plain = [_occurrence(series, day) for day in (6, 13)]
    occurrence_changes.cancel_occurrence(None, series, key, datetime(2026, 1, 20, 15))
    occurrence_changes.move_occurrence(
        None, series, key, datetime(2026, 1, 27, 15), datetime(2026, 1, 28, 9)
    )
    occurrence_changes.retitle_occurrence(
        None, series, key, datetime(2026, 2, 3, 15), title="Special"
    )
    # A row the rule does not make (written directly, as an old edit left it).
    detached = create_meeting(series=series, original_start_local=datetime(2026, 2, 4, 15))
    assert detached.rule_mark is None
    rows = feed_series(MeetingSeries.id == series.id)
    read = {row.id for row in rows_by_series(rows)[series.id]}
    assert len(read) == 4 and not read & {m.id for m in plain}

    marked = render_calendar("g", "UTC", rows, [])
    # Without marks every row is read and matched by expanding the rule (as before).
    db.session.execute(update(Meeting).values(rule_mark=None, updated_dt=Meeting.updated_dt))
    db.session.commit()
    clear_render_cache()
    clear_feed_fragments()
    assert len(rows_by_series(rows)[series.id]) == 6
    assert render_calendar("g", "UTC", rows, []) == marked
