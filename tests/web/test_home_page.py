"""My meetings (/me/): login lands there, the header links, Join buttons only for
http(s) call links, regrets and "done" from the home, in progress on the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ActionItem, ActionStatus, Attendance, Meeting, Role
from tests.conftest import TEST_PASSWORD

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def world(
    create_user, create_group, create_series, create_meeting, create_action_item, time_machine
):
    time_machine.move_to(NOW, tick=False)
    member = create_user("Mia Member", email="mia@example.org")
    group = create_group("wg", name="The WG", members={member: Role.MEMBER})
    call = create_series(
        group,
        title="Video call",
        start=datetime(2026, 1, 6, 15, 0),
        location="https://meet.example.org/wg",
        location_kind="video",
    )
    room = create_series(
        group, title="In a room", start=datetime(2026, 1, 7, 9, 0), location="javascript:alert(1)"
    )
    running = create_meeting(
        group,
        title="Running now",
        start=NOW - timedelta(minutes=10),
        location="https://x.example/r",
    )
    item = create_action_item(
        group, text="Write the note", owners=[member], due_date=date(2026, 2, 1)
    )
    return {"member": member, "call": call, "room": room, "running": running, "item": item}


def _login(client, next_: str | None = None):
    path = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(path, data={"email": "mia@example.org", "password": TEST_PASSWORD})


def test_login_lands_on_my_meetings_and_next_is_honoured(client, world) -> None:
    assert _login(client).headers["Location"] == "/me/"
    client.post("/logout")
    assert _login(client, "/groups/wg/").headers["Location"] == "/groups/wg/"
    assert client.get("/").headers["Location"] == "/me/"


def test_home_shows_meetings_join_regrets_actions_and_feed(client, world) -> None:
    _login(client)
    html = client.get("/me/").get_data(as_text=True)
    # Header: My meetings, My action items, the API docs.
    assert 'href="/me/"' in html and 'href="/me/actions"' in html and 'href="/api/v1/docs"' in html
    assert "Running now" in html and "in progress" in html
    assert 'href="https://meet.example.org/wg"' in html  # Join the video call
    assert 'href="https://x.example/r"' in html
    assert "javascript:" not in html  # a non-http location never becomes a link
    regrets = f"/series/{world['call'].id}/occurrences/slot-0/20260303T1500/regrets"
    assert f'action="{regrets}"' in html
    assert "Write the note" in html and "1 overdue" in html
    assert f'action="/actions/{world["item"].id}/done"' in html
    assert "webcal://" in html and "/feeds/" in html  # the personal feed's subscribe links


def test_regrets_from_home_for_an_unopened_occurrence(client, world) -> None:
    _login(client)
    url = f"/series/{world['call'].id}/occurrences/slot-0/20260303T1500/regrets"
    response = client.post(url, data={"next": "/me/"})
    assert response.headers["Location"] == "/me/"
    meeting = db.session.scalar(select(Meeting).where(Meeting.series_id == world["call"].id))
    entry = db.session.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id))
    assert entry.person_id == world["member"].id and entry.kind == "regrets"
    html = client.get("/me/").get_data(as_text=True)
    assert "You sent regrets." in html
    # An open redirect is not followed: the meeting page instead.
    other = f"/series/{world['call'].id}/occurrences/slot-0/20260310T1500/regrets"
    assert (
        client.post(other, data={"next": "//evil.example/"})
        .headers["Location"]
        .startswith("/meetings/")
    )


def test_regrets_for_a_past_occurrence_say_why_and_write_nothing(client, world) -> None:
    _login(client)
    url = f"/series/{world['call'].id}/occurrences/slot-0/20260224T1500/regrets"
    response = client.post(url, data={"next": "/me/"}, follow_redirects=True)
    assert "This meeting has already started" in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(func.count(Meeting.id)).where(Meeting.series_id.isnot(None))) == 0
    )


def test_done_from_home_comes_back_home(client, world) -> None:
    _login(client)
    item = world["item"]
    response = client.post(f"/actions/{item.id}/done", data={"next": "/me/"})
    assert response.headers["Location"] == "/me/"
    db.session.expire_all()
    assert db.session.get(ActionItem, item.id).status == ActionStatus.DONE
    assert "No open action items" in client.get("/me/").get_data(as_text=True)


def test_meeting_page_in_progress_with_join_and_checkin_first(client, world) -> None:
    _login(client)
    html = client.get(f"/meetings/{world['running'].id}/").get_data(as_text=True)
    assert '<span class="badge in-progress">in progress</span>' in html
    join = html.index('href="https://x.example/r"')
    here = html.index("I&#39;m here") if "I&#39;m here" in html else html.index("I'm here")
    # Join and "I'm here" come before the facts and the agenda on the page.
    assert join < html.index('<dl class="facts">') and here < html.index('id="agenda-h"')


def test_group_and_series_pages_join_buttons_only_for_http(client, world) -> None:
    group_html = client.get("/groups/wg/").get_data(as_text=True)
    assert 'class="button small join" href="https://meet.example.org/wg"' in group_html
    assert 'href="javascript:' not in group_html
    series_html = client.get(f"/series/{world['call'].id}/").get_data(as_text=True)
    assert 'class="button small join" href="https://meet.example.org/wg"' in series_html
    room_html = client.get(f"/series/{world['room'].id}/").get_data(as_text=True)
    assert 'href="javascript:' not in room_html and 'class="button small join"' not in room_html


def test_home_needs_a_login(client, world) -> None:
    assert client.get("/me/").headers["Location"].startswith("/login")
