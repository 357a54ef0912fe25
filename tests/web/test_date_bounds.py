"""Dates outside the years 1900-2200 are refused on every entry path, beside the field:
a series first date, end date or until of 9999-12-31 made that series' feed and the
whole group feed an error (500), and a one-off at 9999-12-31 23:59 was a 500 at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Meeting, MeetingSeries, Role

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def edge(create_user, create_group, time_machine):
    time_machine.move_to(NOW, tick=False)
    org = create_user("Olga", email="org@example.org")
    return create_group(slug="edge", timezone="UTC", members={org: Role.ORGANIZER})


def _series_form(**changes: str) -> dict[str, str]:
    data = {
        "title": "Edge weekly",
        "timezone": "UTC",
        "location_kind": "chat",
        "location": "#edge",
        "slots-0-start_date": "2026-01-06",
        "slots-0-start_time": "16:00",
        "slots-0-duration_minutes": "60",
        "slots-0-frequency": "weekly",
        "slots-0-interval": "1",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field_id"),
    [
        ({"slots-0-start_date": "9999-12-31"}, "slots-0-start_date"),
        ({"slots-0-start_date": "9999-12-31", "slots-0-frequency": "once"}, "slots-0-start_date"),
        ({"slots-0-start_date": "0001-01-01"}, "slots-0-start_date"),
        ({"slots-0-start_date": "1899-12-31"}, "slots-0-start_date"),
        ({"slots-0-until": "9999-12-31"}, "slots-0-until"),
        ({"slots-0-start_date": "2200-12-01", "slots-0-count": "10"}, "slots-0-count"),
    ],
)
def test_series_form_refuses_years_outside_the_bound(client, auth, edge, changes, field_id):
    auth.login("org@example.org")
    response = client.post("/groups/edge/series/new", data=_series_form(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field_id}-err"' in html, html
    assert "1900 to 2200" in html
    assert db.session.scalar(select(func.count(MeetingSeries.id))) == 0
    assert client.get("/groups/edge/calendar.ics").status_code == 200


def test_series_form_accepts_the_last_allowed_date(client, auth, edge):
    auth.login("org@example.org")
    data = _series_form(**{"slots-0-start_date": "2200-12-31", "slots-0-frequency": "once"})
    assert client.post("/groups/edge/series/new", data=data).status_code == 302
    (series_id,) = db.session.scalars(select(MeetingSeries.id))
    assert client.get(f"/series/{series_id}/calendar.ics").status_code == 200
    assert client.get("/groups/edge/calendar.ics").status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_one_off_form_refuses_years_outside_the_bound(client, auth, edge, day):
    auth.login("org@example.org")
    response = client.post(
        "/groups/edge/meetings/new",
        data={
            "title": "Far away",
            "timezone": "UTC",
            "start_date": day,
            "start_time": "23:59",
            "duration_minutes": "30",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="start_date-err"' in html and "1900 to 2200" in html
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_end_series_form_refuses_a_far_end_date(client, auth, edge, create_series):
    series = create_series(edge, start=datetime(2026, 1, 6, 15))
    auth.login("org@example.org")
    response = client.post(
        f"/series/{series.id}/end", data={"last_date": "9999-12-31"}, follow_redirects=True
    )
    # The end form is a panel of the series page: its error is flashed there.
    assert response.status_code == 200
    assert "1900 to 2200" in response.get_data(as_text=True)
    db.session.expire_all()
    assert all(slot.until is None for slot in series.slots)
    assert client.get(f"/series/{series.id}/calendar.ics").status_code == 200
