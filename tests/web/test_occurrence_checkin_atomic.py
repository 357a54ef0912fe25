"""A refused check-in on an occurrence nobody opened yet writes nothing: no meeting
row is left behind (else any member could create rows for every future occurrence)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Attendance, Meeting, Role


def test_checkin_outside_the_window_creates_no_meeting_row(
    client, auth, create_user, create_group, create_series, time_machine
) -> None:
    member = create_user(email="member@example.org")
    group = create_group(members={member: Role.MEMBER})
    series = create_series(group, start=datetime(2026, 1, 7, 14, 0))
    url = f"/series/{series.id}/occurrences/slot-0/20260304T1400/"
    time_machine.move_to(datetime(2026, 3, 4, 10, 0, tzinfo=UTC), tick=False)  # too early
    auth.login("member@example.org")
    response = client.post(url + "checkin")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url)  # back to the occurrence page
    assert db.session.scalar(select(func.count(Meeting.id))) == 0
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    # A year ahead: refused the same way, still nothing written.
    client.post(f"/series/{series.id}/occurrences/slot-0/20270303T1400/checkin")
    assert db.session.scalar(select(func.count(Meeting.id))) == 0
    # In the window it works and creates the row with the check-in.
    time_machine.move_to(datetime(2026, 3, 4, 13, 55, tzinfo=UTC), tick=False)
    response = client.post(url + "checkin")
    meeting = db.session.scalar(select(Meeting))
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/")
    assert db.session.scalar(select(func.count(Attendance.id))) == 1
