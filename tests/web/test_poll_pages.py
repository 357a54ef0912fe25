"""Availability poll pages: an organizer proposes times (from the finder), a guest
answers through the link and sees times in their zone, changes only their own answer,
and the organizer closes the poll into a series."""

from __future__ import annotations

import re
from html import unescape

import pytest
import time_machine
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import AvailabilityPoll, PollAnswer, Role
from tests.conftest import TEST_PASSWORD

NOW = "2027-01-04T09:00:00Z"


@pytest.fixture
def wg(create_user, create_group):
    olga = create_user("Olga", email="olga@example.org", timezone="Europe/Berlin")
    sam = create_user("Sam", email="sam@example.org", timezone="Australia/Sydney")
    group = create_group("wg", members={olga: Role.ORGANIZER, sam: Role.MEMBER})
    return {"olga": olga, "sam": sam, "group": group}


def _login(client, person):
    client.post("/logout")
    assert (
        client.post("/login", data={"email": person.email, "password": TEST_PASSWORD}).status_code
        == 302
    )


@time_machine.travel(NOW, tick=False)
def test_finder_to_poll_to_guest_answer_to_series(client, wg) -> None:
    _login(client, wg["olga"])
    finder = client.get("/groups/wg/slot-finder?tz=UTC").get_data(as_text=True)
    link = unescape(re.search(r'href="([^"]+)">Ask members and guests', finder).group(1))
    form = client.get(link).get_data(as_text=True)
    options = unescape(
        re.search(r'<textarea[^>]*name="options"[^>]*>(.*?)</textarea>', form, re.DOTALL).group(1)
    ).strip()
    assert len(options.splitlines()) == 6 and " / " in options.splitlines()[3]
    response = client.post(
        "/groups/wg/polls/new",
        data={
            "title": "Weekly call",
            "timezone": "UTC",
            "duration": "60",
            "weeks": "52",
            "options": "Tue 15:00\nMon 07:00 / Tue 15:00",
        },
    )
    assert response.status_code == 302
    poll = db.session.scalar(select(AvailabilityPoll))
    # a guest (logged out) answers through the link, in their own zone
    client.post("/logout")
    page = client.get(f"/polls/{poll.token}?tz=Asia/Kolkata").get_data(as_text=True)
    assert "Tue 20:30" in page  # 15:00 UTC in Kolkata
    sent = client.post(
        f"/polls/{poll.token}",
        data={
            "name": "Guest Gita",
            "timezone": "Asia/Kolkata",
            "choice-0": "yes",
            "choice-1": "maybe",
        },
    )
    assert sent.status_code == 302
    cookie = client.get_cookie(f"meetbot_poll_{poll.id}", path=f"/polls/{poll.token}")
    assert cookie is not None and cookie.http_only
    # the same browser changes its own answer
    client.post(
        f"/polls/{poll.token}", data={"name": "Guest Gita", "choice-0": "no", "choice-1": "yes"}
    )
    rows = db.session.scalars(select(PollAnswer)).all()
    assert [(r.name, r.choices) for r in rows] == [("Guest Gita", "ny")]
    # another browser cannot: it gets its own answer
    other = client.application.test_client()
    other.post(
        f"/polls/{poll.token}", data={"name": "Guest Gita", "choice-0": "yes", "choice-1": "yes"}
    )
    db.session.expire_all()
    assert sorted(r.choices for r in db.session.scalars(select(PollAnswer))) == ["ny", "yy"]
    # a bad answer is shown and changes nothing
    bad = other.post(f"/polls/{poll.token}", data={"name": "X", "choice-0": "yes"})
    assert bad.status_code == 422 and "every time" in bad.get_data(as_text=True)
    # results, then closing creates the series
    _login(client, wg["sam"])
    results = client.get(f"/groups/wg/polls/{poll.id}").get_data(as_text=True)
    assert "Close the poll" not in results and "<strong>best</strong>" in results
    _login(client, wg["olga"])
    option_b = poll.options[1].id
    closed = client.post(f"/groups/wg/polls/{poll.id}/close", data={"option": str(option_b)})
    assert closed.status_code == 302
    db.session.expire_all()
    poll = db.session.get(AvailabilityPoll, poll.id)
    assert poll.status == "closed"
    assert [(s.label, s.interval) for s in poll.series.slots] == [("A", 2), ("B", 2)]
    late = client.application.test_client().post(
        f"/polls/{poll.token}", data={"name": "Late", "choice-0": "yes", "choice-1": "yes"}
    )
    assert late.status_code == 422


def test_unknown_poll_link_is_404(client, wg) -> None:
    assert client.get("/polls/nope").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_closing_into_an_existing_series_from_the_page(client, wg, create_series) -> None:
    series = create_series(wg["group"], title="Weekly call")
    _login(client, wg["olga"])
    client.post(
        "/groups/wg/polls/new",
        data={
            "title": "New time",
            "timezone": "UTC",
            "duration": "60",
            "weeks": "52",
            "options": "Wed 08:00",
        },
    )
    poll = db.session.scalars(select(AvailabilityPoll)).one()
    page = client.get(f"/groups/wg/polls/{poll.id}").get_data(as_text=True)
    assert "Close the poll" in page and "the existing series “Weekly call”" in page
    closed = client.post(
        f"/groups/wg/polls/{poll.id}/close",
        data={"option": str(poll.options[0].id), "series": str(series.id), "note": "Earlier!"},
        follow_redirects=True,
    )
    html = unescape(closed.get_data(as_text=True))
    assert "Poll closed and series changed; its members are told." in html
    assert "From Tuesday 5 January 2027, Weekly call meets every Wednesday 08:00 (UTC)" in html
    assert "Earlier!" in html
    again = client.post(
        f"/groups/wg/polls/{poll.id}/close",
        data={"option": str(poll.options[0].id)},
        follow_redirects=True,
    )
    assert "This poll is already closed." in unescape(again.get_data(as_text=True))
