"""Checking in to a meeting under way marks it held without touching its optimistic
lock: many members checking in at once must not conflict with each other (see
tests/concurrency), nor make a chair's open agenda or minutes form stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meetbot.extensions import db
from meetbot.models import Meeting, MeetingStatus, Role
from meetbot.services import attendance_roster, minutes

START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def test_first_checkin_marks_held_and_keeps_the_minutes_version(
    app, create_user, create_group, create_meeting
) -> None:
    chair, alice, bob = create_user("Chair"), create_user("Alice"), create_user("Bob")
    group = create_group(members={chair: Role.CHAIR, alice: Role.MEMBER, bob: Role.MEMBER})
    meeting = create_meeting(group, start=START)
    version = meeting.lock_version  # the chair opens the minutes form now

    first = attendance_roster.check_in_self(alice, meeting, now=START + timedelta(minutes=2))
    second = attendance_roster.check_in_self(bob, meeting, now=START + timedelta(minutes=3))
    assert first.held and not second.held

    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.status == MeetingStatus.HELD.value
    assert meeting.lock_version == version
    # The chair's form is still current: the item is saved, not refused as a conflict.
    minutes.add_item(chair, meeting, kind="info", text="Roll call done", version=version)


def test_checkin_before_the_start_leaves_it_scheduled(
    app, create_user, create_group, create_meeting
) -> None:
    alice = create_user("Alice")
    group = create_group(members={alice: Role.MEMBER})
    meeting = create_meeting(group, start=START)
    changes = attendance_roster.check_in_self(alice, meeting, now=START - timedelta(minutes=5))
    assert changes.added and not changes.held
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.SCHEDULED.value
