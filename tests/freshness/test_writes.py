"""Revisions move by construction: any ORM write, through a service or not, marks what
the models' ``__freshness__`` declarations say it makes stale (meetbot/freshness/writes.py).
These tests write rows directly, as a new write path that knows nothing of feeds would."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from meetbot.extensions import db
from meetbot.models import (
    ActionEventKind,
    ActionItem,
    ActionItemEvent,
    Group,
    MeetingStatus,
    Membership,
    Person,
    Role,
)
from meetbot.services.meetings import materialize_occurrence


def _revisions(group, series=None) -> tuple[int, ...]:
    db.session.expire_all()
    return (group.revision,) if series is None else (group.revision, series.revision)


def test_a_series_change_moves_its_revision_and_its_groups_once_per_transaction(
    create_group, create_series
):
    group = create_group()
    series = create_series(group)
    before = _revisions(group, series)
    series.title = "Renamed"
    db.session.flush()
    series.slots[0].duration_minutes = 45  # a second flush in the same transaction
    db.session.flush()
    db.session.commit()
    assert _revisions(group, series) == (before[0] + 1, before[1] + 1)


def test_a_slot_removed_moves_the_series_and_the_group(create_group, create_series):
    group = create_group()
    series = create_series(
        group,
        slots=[
            {"start_local": datetime(2026, 1, 6, 15, 0)},
            {"start_local": datetime(2026, 1, 8, 15, 0)},
        ],
    )
    before = _revisions(group, series)
    db.session.delete(series.slots[1])
    db.session.commit()
    assert _revisions(group, series) == (before[0] + 1, before[1] + 1)


def test_an_occurrence_row_for_attendance_moves_nothing_but_a_cancellation_does(
    create_group, create_series
):
    group = create_group()
    series = create_series(group)
    before = _revisions(group, series)
    meeting = materialize_occurrence(series, "slot-0", datetime(2026, 1, 13, 15, 0))
    db.session.commit()
    assert _revisions(group, series) == before
    meeting.status = MeetingStatus.CANCELLED.value
    db.session.commit()
    assert _revisions(group, series) == (before[0] + 1, before[1] + 1)


def test_an_action_item_edit_is_a_new_sequence_and_group_revision(create_group):
    group = create_group()
    item = ActionItem(group=group, text="Write the gap analysis")
    db.session.add(item)
    db.session.commit()
    group_before = _revisions(group)[0]
    assert item.sequence == 0  # a new row keeps its counter's default
    item.text = "Write the gap analysis, part 2"
    db.session.commit()
    db.session.expire_all()
    assert (item.sequence, group.revision) == (1, group_before + 1)


def test_an_event_recorded_on_an_item_is_a_change_of_the_item(create_group):
    group = create_group()
    item = ActionItem(group=group, text="Carry me over")
    item.events.append(ActionItemEvent(kind=ActionEventKind.OPENED.value))
    db.session.add(item)
    db.session.commit()
    assert item.sequence == 0
    group_before = _revisions(group)[0]
    item.events.append(ActionItemEvent(kind=ActionEventKind.CARRIED_OVER.value))
    db.session.commit()
    db.session.expire_all()
    assert (item.sequence, group.revision) == (1, group_before + 1)


def test_changes_the_feeds_do_not_show_move_nothing(create_group, create_person):
    group = create_group()
    person: Person = create_person()
    before = _revisions(group)
    db.session.add(Membership(group=group, person=person, role=Role.MEMBER.value))
    db.session.commit()
    person.display_name = "Someone Else"  # in the personal feed's own key
    db.session.commit()
    assert _revisions(group) == before
    assert db.session.scalar(select(Membership.id).where(Membership.group_id == group.id))


def test_revision_increments_in_the_database(create_group, db_backend) -> None:
    """Two sessions bumping the same group both count (no lost update): the hook
    writes ``revision = revision + 1`` in the UPDATE, not a number read earlier."""
    if db_backend == "sqlite":
        pytest.skip("SQLite writers take the lock at BEGIN IMMEDIATE: they cannot interleave")
    group = create_group()
    start = group.revision
    with Session(db.engine) as a, Session(db.engine) as b:
        ga, gb = a.get(Group, group.id), b.get(Group, group.id)
        assert ga.revision == gb.revision == start  # both read the same value
        ga.name = "Renamed by A"
        a.commit()
        gb.name = "Renamed by B"
        b.commit()
    db.session.expire_all()
    assert db.session.get(Group, group.id).revision == start + 2
