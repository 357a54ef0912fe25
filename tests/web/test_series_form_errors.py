"""The series form a person fills in once: every bad field marked beside it in one
response (Save and the no-JavaScript Preview alike), the weekday buttons, the zone list."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import MeetingSeries, Person, Role
from tests.web.test_series_pages import NOW, form

FOUR_BAD = {
    "title": "",
    "timezone": "Europe/Kiew",
    "location_kind": "video",
    "location": "meet.example.org/edge",
    "slots-0-duration_minutes": "0",
}
FOUR_IDS = ("title", "timezone", "location", "slots-0-duration_minutes")


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def edge(create_user, create_group):
    org = create_user("Olga", email="org@example.org")
    create_group(slug="edge", timezone="Europe/Berlin", members={org: Role.ORGANIZER})


def _marked(html: str) -> dict[str, str]:
    """Input id -> the message shown beside it."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r'<p class="error" id="([\w-]+)-err">([^<]*)</p>', html)
    }


@pytest.mark.parametrize("preview", [False, True], ids=["save", "preview"])
def test_four_bad_fields_four_messages_in_one_response(client, auth, edge, frozen, preview):
    auth.login("org@example.org")
    data = form(**FOUR_BAD)
    if preview:
        data["_preview"] = "1"
    response = client.post("/groups/edge/series/new", data=data)
    assert response.status_code == (200 if preview else 422)
    html = response.get_data(as_text=True)
    marked = _marked(html)
    assert set(marked) == set(FOUR_IDS), marked
    assert marked["title"] == "A title is required."
    assert "Europe/Kyiv" in marked["timezone"]  # "did you mean"
    assert "https://" in marked["location"]
    assert "duration" in marked["slots-0-duration_minutes"]
    assert "4 fields need fixing" in html
    for field_id in FOUR_IDS:
        assert f'href="#{field_id}"' in html  # the summary links to each field
    assert "Fix the errors above" not in html
    assert db.session.scalar(select(func.count(MeetingSeries.id))) == 0


def test_every_error_of_one_slot_at_once(client, auth, edge, frozen):
    auth.login("org@example.org")
    data = form(
        **{
            "slots-0-timezone": "Mars/Base",
            "slots-0-duration_minutes": "0",
            "slots-0-interval": "0",
            "slots-0-count": "0",
        }
    )
    html = client.post("/groups/edge/series/new", data=data).get_data(as_text=True)
    assert set(_marked(html)) == {
        "slots-0-timezone",
        "slots-0-duration_minutes",
        "slots-0-interval",
        "slots-0-count",
    }


def test_weekday_button_moves_a_weekly_start_to_that_day(client, auth, edge, frozen):
    auth.login("org@example.org")
    # 6 January 2026 is a Tuesday; Thursday is picked, so the first meeting is the 8th.
    data = form(**{"slots-0-weekday": "3", "slots-0-interval": "2"})
    response = client.post("/groups/edge/series/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    series = db.session.scalar(select(MeetingSeries))
    slot = series.slots[0]
    assert slot.start_local.isoformat() == "2026-01-08T16:00:00"
    assert slot.weekday is None and slot.interval == 2
    edit = client.get(f"/series/{series.id}/edit").get_data(as_text=True)
    assert re.search(r'id="slots-0-weekday-3" name="slots-0-weekday" value="3" checked', edit)


def test_time_zone_list_utc_first_and_cached(client):
    response = client.get("/time-zones.json")
    assert response.status_code == 200
    zones = response.get_json()["zones"]
    assert zones[0]["name"] == "UTC"
    kyiv = next(z for z in zones if z["name"] == "Europe/Kyiv")
    assert "kiev" in kyiv["exact"] and kyiv["label"].startswith("Kyiv — Ukraine")
    assert "max-age=86400" in response.headers["Cache-Control"]


def test_a_rule_that_is_another_day_for_the_reader_says_so(client, auth, edge, frozen):
    auth.login("org@example.org")
    data = form(
        **{"timezone": "UTC", "slots-0-start_date": "2026-01-06", "slots-0-start_time": "15:00"}
    )
    location = client.post("/groups/edge/series/new", data=data).headers["Location"]
    person = db.session.scalar(select(Person).where(Person.email == "org@example.org"))
    assert "your time" not in client.get(location).get_data(as_text=True)  # no saved zone
    person.timezone = "Asia/Tokyo"
    db.session.commit()
    html = client.get(location).get_data(as_text=True)
    assert "Weekly on Tuesday at 15:00 (UTC)" in html
    assert "— Wednesday 00:00 your time (Tuesday 15:00 UTC)" in html
    assert 'data-reader-day data-start="2026-01-06T15:00:00Z" data-zone="UTC"' in html
