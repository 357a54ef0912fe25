"""The group's "Find a time" page: heatmap with a table behind it, best slots and pairs,
their cost per region, and a series created from a proposed pair."""

from __future__ import annotations

import re
from html import unescape
from xml.etree import ElementTree

import pytest
import time_machine
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import MeetingSeries, Membership, Role
from tests.conftest import TEST_PASSWORD

NOW = "2027-01-04T09:00:00Z"


@pytest.fixture
def wg(create_user, create_group):
    people = {}
    zones = ["Europe/Berlin"] * 3 + ["Australia/Sydney"] * 3 + ["America/Lima"]
    for n, zone in enumerate(zones):
        people[n] = create_user(f"P{n}", email=f"p{n}@example.org", timezone=zone)
        if zone == "Australia/Sydney":
            people[n].window_end_minutes = 17 * 60
    outsider = create_user("Otto", email="otto@example.org")
    roles = {p: Role.MEMBER for p in people.values()}
    roles[people[0]] = Role.ORGANIZER
    group = create_group("wg", members=roles, timezone="UTC")
    db.session.commit()
    return {"group": group, "organizer": people[0], "member": people[1], "outsider": outsider}


def _login(client, person):
    client.post("/logout")
    assert (
        client.post("/login", data={"email": person.email, "password": TEST_PASSWORD}).status_code
        == 302
    )


@time_machine.travel(NOW, tick=False)
def test_page_is_for_members(client, wg) -> None:
    assert client.get("/groups/wg/slot-finder").status_code == 302  # to the login page
    _login(client, wg["outsider"])
    assert client.get("/groups/wg/slot-finder").status_code == 403
    _login(client, wg["member"])
    assert client.get("/groups/wg/slot-finder").status_code == 200
    assert "/groups/wg/slot-finder" in client.get("/groups/wg/").get_data(as_text=True)


@time_machine.travel(NOW, tick=False)
def test_heatmap_table_slots_pairs_and_regions(client, wg) -> None:
    _login(client, wg["member"])
    html = client.get("/groups/wg/slot-finder?tz=UTC").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", html, re.DOTALL).group(0)
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    cells = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(cells) == 7 * 48
    # the table behind it: 48 rows of 7 days
    assert len(re.findall(r'<tr><th scope="row">\d\d:\d\d</th>', html)) == 48
    pairs = re.search(r'data-options="pairs">(.*?)</ol>', html, re.DOTALL).group(1)
    assert "7 of 7 people included every two weeks" in pairs
    # Sydney and Berlin have three members each: named with their local times; Lima
    # (one member) is not named anywhere
    assert "Sydney: " in html and "Berlin: " in html and "Lima" not in html
    assert re.search(r"Sydney: \w{3} \d\d:\d\d from \d+ \w+ 2027 to \d+ \w+ 2027", unescape(html))


@time_machine.travel(NOW, tick=False)
def test_bad_zone_is_shown_beside_the_field(client, wg) -> None:
    _login(client, wg["member"])
    response = client.get("/groups/wg/slot-finder?tz=Mars/Olympus")
    assert response.status_code == 422
    assert re.search(
        r'<p class="error" id="tz-err">Unknown time zone', response.get_data(as_text=True)
    )


@time_machine.travel(NOW, tick=False)
def test_a_proposed_pair_prefills_the_series_form_and_creates_the_series(client, wg) -> None:
    _login(client, wg["member"])
    assert "Create a series" not in client.get("/groups/wg/slot-finder?tz=UTC").get_data(
        as_text=True
    )
    _login(client, wg["organizer"])
    html = client.get("/groups/wg/slot-finder?tz=UTC").get_data(as_text=True)
    pairs = re.search(r'data-options="pairs">(.*?)</ol>', html, re.DOTALL).group(1)
    link = unescape(re.search(r'href="([^"]+)">Create a series with this pair', pairs).group(1))
    assert link.startswith("/groups/wg/series/new?")
    form = client.get(link).get_data(as_text=True)
    # (the day buttons are radio inputs: a browser sends only the checked one, none here)
    fields = dict(
        re.findall(r'name="(slots-\d-(?!weekday)[a-z_]+|timezone)"[^>]*value="([^"]*)"', form)
    )
    assert fields["timezone"] == "UTC"
    assert fields["slots-0-interval"] == fields["slots-1-interval"] == "2"
    assert (
        fields["slots-0-start_date"] >= "2027-01-04"
        and fields["slots-1-start_date"] >= "2027-01-11"
    )
    data = {k: v for k, v in fields.items()}
    data.update(
        {
            "title": "Alternating call",
            "location_kind": "video",
            "slots-0-frequency": "weekly",
            "slots-1-frequency": "weekly",
        }
    )
    response = client.post("/groups/wg/series/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    series = db.session.scalar(
        select(MeetingSeries).where(MeetingSeries.title == "Alternating call")
    )
    assert [(s.interval, s.start_local.isoformat()) for s in series.slots] == [
        (2, f"{fields['slots-0-start_date']}T{fields['slots-0-start_time']}:00"),
        (2, f"{fields['slots-1-start_date']}T{fields['slots-1-start_time']}:00"),
    ]


@time_machine.travel(NOW, tick=False)
def test_heatmap_is_in_the_viewers_zone(client, wg, create_user) -> None:
    # the profile's zone when there is one: no reload asked for
    _login(client, wg["member"])
    html = client.get("/groups/wg/slot-finder").get_data(as_text=True)
    assert "Coverage by weekly start time (Europe/Berlin)" in html
    assert "data-zone-param" not in html
    # no zone in the profile: drawn in the group's zone, marked for meetbot.js to reload
    # it with ?tz=<the browser's zone>; that zone is then the heatmap's
    nozone = create_user("Nadia", email="nadia@example.org")
    client.post("/logout")
    db.session.add(Membership(group=wg["group"], person=nozone, role=Role.MEMBER.value))
    db.session.commit()
    _login(client, nozone)
    html = client.get("/groups/wg/slot-finder").get_data(as_text=True)
    assert 'data-zone-param="tz" data-zone="UTC"' in html
    html = client.get("/groups/wg/slot-finder?tz=Asia/Tokyo").get_data(as_text=True)
    assert "Coverage by weekly start time (Asia/Tokyo)" in html
    assert "data-zone-param" not in html
