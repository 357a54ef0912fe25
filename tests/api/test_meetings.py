"""GET /meetings/<id> (attendees, regrets, minutes, action items) and meeting records."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import (
    Attendance,
    AttendanceKind,
    AttendanceSource,
    Meeting,
    MinuteItem,
    Role,
)
from tests.api.conftest import assert_error


@pytest.fixture
def held(create_group, create_series, create_meeting, create_person, create_action_item):
    chair = create_person("Cora Chair")
    ann, bob, cy = create_person("Ann"), create_person("Bob"), create_person("Cy")
    group = create_group("wg", members={chair: Role.CHAIR})
    series = create_series(group, title="Weekly", start=datetime(2026, 1, 6, 15, 0))
    meeting = create_meeting(series=series, status="held", agenda="1. Roll call")
    for person, kind in ((bob, "present"), (ann, "present"), (cy, "regrets")):
        db.session.add(
            Attendance(
                meeting=meeting,
                person=person,
                kind=AttendanceKind(kind).value,
                source=AttendanceSource.ROSTER.value,
                recorded_by=chair,
                recorded_dt=datetime(2026, 1, 6, 15, 5, tzinfo=UTC),
            )
        )
    db.session.add_all(
        [
            MinuteItem(meeting=meeting, kind="agreed", text="Ship it", position=2),
            MinuteItem(meeting=meeting, kind="topic", text="Roll call", position=1, author=chair),
        ]
    )
    db.session.commit()
    create_action_item(
        group, text="Write docs", owners=[bob, ann], due_date=date(2026, 1, 20), opened_in=meeting
    )
    create_action_item(group, text="Unrelated", owners=[ann])
    return meeting, chair, series


def test_meeting_has_attendees_regrets_minutes_actions(api, held):
    meeting, chair, series = held
    response = api.get(f"/meetings/{meeting.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Weekly"
    assert (body["start"], body["end"]) == ("2026-01-06T15:00:00Z", "2026-01-06T16:00:00Z")
    assert body["status"] == "held" and body["agenda"] == "1. Roll call"
    assert body["uid"].startswith(f"series-{series.uid_token}-")
    assert [a["person"]["display_name"] for a in body["attendees"]] == ["Ann", "Bob"]
    assert body["attendees"][0]["recorded_by"]["display_name"] == "Cora Chair"
    assert body["attendees"][0]["recorded_at"] == "2026-01-06T15:05:00Z"
    assert [a["person"]["display_name"] for a in body["regrets"]] == ["Cy"]
    assert [(m["kind"], m["text"]) for m in body["minutes"]] == [
        ("topic", "Roll call"),
        ("agreed", "Ship it"),
    ]
    (action,) = body["action_items"]
    assert action["text"] == "Write docs" and action["status"] == "open"
    assert [o["display_name"] for o in action["owners"]] == ["Ann", "Bob"]
    assert action["due_date"] == "2026-01-20"
    assert action["opened_in"] == meeting.id


def test_unknown_meeting_404(api):
    assert_error(api.get("/meetings/999"), 404)
    assert api.get("/meetings/99999999999").status_code == 404  # beyond any id: no 500


def test_group_meetings_list(api, held):
    meeting, _, _ = held
    body = api.get("/groups/wg/meetings").get_json()
    assert [m["id"] for m in body["items"]] == [meeting.id]
    assert body["items"][0]["attendees"][0]["person"]["display_name"] == "Ann"


def test_series_read(api, held):
    _, chair, series = held
    body = api.get(f"/series/{series.id}").get_json()
    assert body["group"] == "wg" and body["slots"][0]["frequency"] == "weekly"
    listed = api.get("/groups/wg/series").get_json()
    assert [s["id"] for s in listed["items"]] == [series.id]


def test_materialize_occurrence_201_then_200(api, held, token_for):
    _, chair, series = held
    token = token_for(chair)
    body = {"slot_key": "slot-0", "original_start_local": "2026-01-13T15:00:00"}
    created = api.post(f"/series/{series.id}/meetings", json=body, token=token)
    assert created.status_code == 201, created.get_json()
    meeting_id = created.get_json()["id"]
    assert created.headers["Location"].endswith(f"/api/v1/meetings/{meeting_id}")
    assert created.get_json()["start"] == "2026-01-13T15:00:00Z"
    again = api.post(f"/series/{series.id}/meetings", json=body, token=token)
    assert again.status_code == 200
    assert again.get_json()["id"] == meeting_id
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 2


def test_materialize_refuses_times_the_rule_does_not_make(api, held, token_for):
    _, chair, series = held
    body = {"slot_key": "slot-0", "original_start_local": "2026-01-14T15:00:00"}
    response = api.post(f"/series/{series.id}/meetings", json=body, token=token_for(chair))
    assert_error(response, 404)
    bad = api.post(
        f"/series/{series.id}/meetings",
        json={"slot_key": "slot-0", "original_start_local": "2026-01-13T15:00:00Z"},
        token=token_for(chair),
    )
    assert "original_start_local" in assert_error(bad, 422)["fields"]


def test_materialize_needs_chair(api, held, create_user, token_for):
    _, _, series = held
    outsider = create_user("Outsider")
    body = {"slot_key": "slot-0", "original_start_local": "2026-01-13T15:00:00"}
    response = api.post(f"/series/{series.id}/meetings", json=body, token=token_for(outsider))
    assert_error(response, 403)
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1
