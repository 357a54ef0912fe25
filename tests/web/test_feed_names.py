"""Calendar-level names with a line break: rows saved before names were kept on one
line (or written by any other path) must not make a feed an error on every poll.

Each feed's calendar name comes from a different row: the group's name (group feed),
group and stream names (stream feed), the series title (series feed), a one-off
meeting's title (meeting feed), a person's display name (personal feed)."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from meetbot.extensions import db
from meetbot.models import Membership, Role
from meetbot.services import accounts
from tests import feedcheck

NASTY = "Edge\r\nX-INJECTED:yes\nDTSTART:19700101T000000Z\r;, \\ end"


@pytest.mark.parametrize("kind", ["group", "stream", "series", "meeting", "personal"])
def test_a_line_break_in_a_calendar_name_is_escaped_not_an_error(
    kind,
    app,
    client,
    create_person,
    create_group,
    create_work_stream,
    create_series,
    create_meeting,
):
    person = create_person(NASTY if kind == "personal" else "Ann Lee")
    group = create_group("wg", name=NASTY if kind == "group" else "WG")
    db.session.add(Membership(group=group, person=person, role=Role.MEMBER.value))
    db.session.commit()
    stream = create_work_stream(group, "s1", name=NASTY if kind == "stream" else "Stream")
    series = create_series(group, title=NASTY if kind == "series" else "Weekly")
    series.work_streams.append(stream)
    meeting = create_meeting(
        group,
        title=NASTY if kind == "meeting" else "One-off",
        start=datetime(2026, 2, 3, 10, tzinfo=UTC),
    )
    db.session.commit()
    url = {
        "group": "/groups/wg/calendar.ics",
        "stream": "/groups/wg/streams/s1/calendar.ics",
        "series": f"/series/{series.id}/calendar.ics",
        "meeting": f"/meetings/{meeting.id}/calendar.ics",
        "personal": f"/feeds/{accounts.feed_token(person, app.config['SECRET_KEY'])}/calendar.ics",
    }[kind]
    response = client.get(url)
    assert response.status_code == 200
    body = response.data
    assert b"\r\nX-INJECTED" not in body and b"\r\nDTSTART:1970" not in body
    unfolded = body.replace(b"\r\n ", b"").decode()
    (name_line,) = [line for line in unfolded.split("\r\n") if line.startswith("X-WR-CALNAME:")]
    assert "Edge\\nX-INJECTED:yes\\nDTSTART:19700101T000000Z\\n\\;\\, \\\\ end" in name_line
    cal = icalendar.Calendar.from_ical(body)
    assert "X-INJECTED" not in cal
    parsed = feedcheck.parse_icaljs_summaries(body)
    assert "x-injected" not in parsed["calendar"]
    assert parsed["calendar"].count("x-wr-calname") == 1
