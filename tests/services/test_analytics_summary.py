"""The bounded attendance summary of the panels: the latest meetings only, with the same
figures as the full report (first-time attendees still judged over the whole history)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meetbot.extensions import db
from meetbot.models import Attendance, Role
from meetbot.services import analytics

T0 = datetime(2025, 1, 7, 15, 0, tzinfo=UTC)


def test_summary_is_the_tail_of_the_report(create_person, create_group, create_meeting):
    a, b, c = (
        create_person(n, organization=o) for n, o in [("Ann", "X"), ("Bob", "Y"), ("Cy", None)]
    )
    group = create_group(
        members={a: Role.CHAIR, b: Role.MEMBER, c: Role.MEMBER}, attendance_window=3
    )
    meetings = [
        create_meeting(group, start=T0 + timedelta(days=7 * i), status="held") for i in range(8)
    ]
    cancelled = create_meeting(group, start=T0 + timedelta(days=60), status="cancelled")
    for i, m in enumerate(meetings):
        people = [a] if i < 6 else [a, b]  # Bob first comes to meeting 6
        for p in people:
            db.session.add(Attendance(meeting=m, person=p, kind="present", source="roster"))
    # Cy came once, early, to a cancelled meeting only: never counted, so first at 7.
    db.session.add(Attendance(meeting=cancelled, person=c, kind="present", source="roster"))
    db.session.add(Attendance(meeting=meetings[7], person=c, kind="present", source="roster"))
    db.session.commit()

    full = analytics.report(group)
    short = analytics.summary(group, latest=4)
    assert len(short.meetings) == 4
    assert short.meetings == full.meetings[-4:]
    assert short.held == len(full.meetings) == 8
    assert [(s.present, s.first_time) for s in short.meetings] == [(1, 0), (1, 0), (2, 1), (3, 1)]
    assert short.window_meeting_ids == full.window_meeting_ids == [m.id for m in meetings[-3:]]
    assert short.members == full.members
    assert short.organizations == full.organizations


def test_summary_of_a_group_without_meetings(create_group):
    group = create_group()
    short = analytics.summary(group)
    assert (short.meetings, short.held, short.window_meeting_ids) == ([], 0, [])
