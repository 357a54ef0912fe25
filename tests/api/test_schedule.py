"""Schedule writes through the API: series with slots, one occurrence, one-offs, agenda.
Each calls the scheduling/agenda services; these tests check the API's side of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Meeting, MeetingSeries, Role
from tests.api.conftest import assert_error


@pytest.fixture
def org(create_user, create_group, create_work_stream, token_for):
    organizer = create_user("Olga Organizer")
    chair = create_user("Cora Chair")
    group = create_group("wg", members={organizer: Role.ORGANIZER, chair: Role.CHAIR})
    create_work_stream(group, "gaps", name="Gaps")
    return {
        "group": group,
        "token": token_for(organizer),
        "chair_token": token_for(chair),
        "chair": chair,
    }


SERIES = {
    "title": "Weekly call",
    "timezone": "Europe/Berlin",
    "location": "https://meet.example/wg",
    "work_streams": ["gaps"],
    "slots": [
        {
            "label": "EU",
            "start_local": "2026-03-17T14:00:00",
            "duration_minutes": 60,
            "frequency": "weekly",
            "interval": 2,
        },
    ],
}


def test_create_series_201_and_its_occurrences(api, org):
    response = api.post("/groups/wg/series", json=SERIES, token=org["token"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/series/{body['id']}")
    assert body["work_streams"] == ["gaps"]
    (slot,) = body["slots"]
    assert slot["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;WKST=MO"
    occ = api.get("/groups/wg/occurrences?start=2026-03-16&end=2026-04-20").get_json()
    # Every two weeks at 14:00 Berlin: 13:00Z before the DST change, 12:00Z after.
    assert [o["start"] for o in occ] == [
        "2026-03-17T13:00:00Z",
        "2026-03-31T12:00:00Z",
        "2026-04-14T12:00:00Z",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"slots": []}, "slots"),
        (
            {"slots": [{"start_local": "2026-03-17T14:00:00", "duration_minutes": 0}]},
            "slots.0.duration_minutes",
        ),
        (
            {"slots": [{"start_local": "2026-03-17T14:00:00Z", "duration_minutes": 30}]},
            "slots.0.start_local",
        ),
        (
            {
                "slots": [
                    {
                        "start_local": "2026-03-17T14:00:00",
                        "duration_minutes": 30,
                        "timezone": "Nowhere/Land",
                    }
                ]
            },
            "slots.0.timezone",
        ),
        ({"work_streams": ["nope"]}, "work_streams"),
        ({"chairs": [987654]}, "chairs"),
    ],
)
def test_series_validation_422(api, org, change, field):
    response = api.post("/groups/wg/series", json={**SERIES, **change}, token=org["token"])
    assert field in assert_error(response, 422)["fields"]
    assert db.session.scalar(select(func.count()).select_from(MeetingSeries)) == 0


def test_series_writes_need_an_organizer(api, org):
    assert_error(api.post("/groups/wg/series", json=SERIES, token=org["chair_token"]), 403)
    assert_error(api.post("/groups/wg/series", json=SERIES), 401)
    assert db.session.scalar(select(func.count()).select_from(MeetingSeries)) == 0


def test_patch_series_keeps_slot_keys(api, org):
    created = api.post("/groups/wg/series", json=SERIES, token=org["token"]).get_json()
    key = created["slots"][0]["key"]
    response = api.patch(
        f"/series/{created['id']}", json={"title": "Biweekly call"}, token=org["token"]
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "Biweekly call"
    assert [s["key"] for s in body["slots"]] == [key]
    assert body["revision"] > created["revision"]


def test_cancel_move_and_uncancel_one_occurrence(api, org):
    series = api.post("/groups/wg/series", json=SERIES, token=org["token"]).get_json()
    key = series["slots"][0]["key"]
    ref = {"slot_key": key, "original_start_local": "2026-03-31T14:00:00"}
    cancelled = api.post(
        f"/series/{series['id']}/occurrences/cancel",
        json={**ref, "reason": "Holiday"},
        token=org["token"],
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["change_reason"] == "Holiday"
    occ = api.get("/groups/wg/occurrences?start=2026-03-30&end=2026-04-01").get_json()
    assert [(o["status"], o["meeting_id"]) for o in occ] == [
        ("cancelled", cancelled.get_json()["id"])
    ]

    api.post(f"/series/{series['id']}/occurrences/uncancel", json=ref, token=org["token"])
    moved = api.post(
        f"/series/{series['id']}/occurrences/move",
        json={**ref, "new_start_local": "2026-04-01T09:00:00"},
        token=org["token"],
    ).get_json()
    assert (moved["status"], moved["start"], moved["is_moved"]) == (
        "scheduled",
        "2026-04-01T07:00:00Z",
        True,
    )
    occ = api.get("/groups/wg/occurrences?start=2026-03-30&end=2026-04-02").get_json()
    assert [(o["start"], o["recurrence_id"]) for o in occ] == [
        ("2026-04-01T07:00:00Z", "2026-03-31T12:00:00Z")
    ]


def test_occurrence_the_rule_does_not_make_is_404(api, org):
    series = api.post("/groups/wg/series", json=SERIES, token=org["token"]).get_json()
    ref = {"slot_key": series["slots"][0]["key"], "original_start_local": "2026-03-18T14:00:00"}
    assert_error(
        api.post(f"/series/{series['id']}/occurrences/cancel", json=ref, token=org["token"]), 404
    )
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_one_off_meeting_and_agenda_with_lock(api, org):
    response = api.post(
        "/groups/wg/meetings",
        json={
            "title": "Kick-off",
            "timezone": "America/Los_Angeles",
            "start_local": "2026-07-01T09:00:00",
            "duration_minutes": 90,
            "work_stream": "gaps",
        },
        token=org["token"],
    )
    assert response.status_code == 201, response.get_json()
    meeting = response.get_json()
    assert (meeting["start"], meeting["end"]) == ("2026-07-01T16:00:00Z", "2026-07-01T17:30:00Z")
    path = f"/meetings/{meeting['id']}"

    # A chair edits the agenda with the lock_version they read.
    edited = api.patch(
        path,
        json={"agenda": "1. Intros", "lock_version": meeting["lock_version"]},
        token=org["chair_token"],
    )
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["agenda"] == "1. Intros"
    # A second edit from the same stale version is refused, and changes nothing.
    stale = api.patch(
        path,
        json={"agenda": "Overwritten", "lock_version": meeting["lock_version"]},
        token=org["chair_token"],
    )
    assert_error(stale, 409, "conflict")
    assert api.get(path).get_json()["agenda"] == "1. Intros"
    # A chair may not retitle (organizers do); nothing is half-written.
    refused = api.patch(
        path,
        json={"title": "X", "agenda": "Y", "lock_version": edited.get_json()["lock_version"]},
        token=org["chair_token"],
    )
    assert_error(refused, 403)
    assert api.get(path).get_json()["agenda"] == "1. Intros"

    cancelled = api.post(f"{path}/cancel", json={"reason": "No quorum"}, token=org["token"])
    assert cancelled.get_json()["status"] == "cancelled"
    db.session.expire_all()
    assert db.session.get(Meeting, meeting["id"]).status == "cancelled"


def test_one_off_validation(api, org):
    response = api.post(
        "/groups/wg/meetings",
        json={
            "title": "",
            "timezone": "UTC",
            "start_local": "2026-07-01T09:00:00",
            "duration_minutes": 30,
        },
        token=org["token"],
    )
    assert "title" in assert_error(response, 422)["fields"]


def test_end_series(api, org, time_machine):
    time_machine.move_to(datetime(2026, 3, 1, tzinfo=UTC), tick=False)
    series = api.post("/groups/wg/series", json=SERIES, token=org["token"]).get_json()
    ended = api.post(
        f"/series/{series['id']}/end", json={"last_date": "2026-04-01"}, token=org["token"]
    )
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["slots"][0]["until"] == "2026-04-01"
    occ = api.get("/groups/wg/occurrences?start=2026-03-01&end=2026-06-01").get_json()
    assert [o["start"][:10] for o in occ] == ["2026-03-17", "2026-03-31"]
    past = api.post(
        f"/series/{series['id']}/end", json={"last_date": "2026-01-01"}, token=org["token"]
    )
    assert "last_date" in assert_error(past, 422)["fields"]


def test_every_bad_field_of_a_series_in_one_422(api, org):
    bad = {
        **SERIES,
        "title": "   ",
        "timezone": "Europe/Kiew",
        "location": "meet.example/wg",
        # (an end before the start: the schema takes it, the service refuses it)
        "slots": [
            {"start_local": "2026-03-17T14:00:00", "duration_minutes": 60, "until": "2026-03-01"}
        ],
    }
    fields = assert_error(api.post("/groups/wg/series", json=bad, token=org["token"]), 422)[
        "fields"
    ]
    assert set(fields) == {"title", "timezone", "location", "slots.0.until"}
    assert "did you mean Europe/Kyiv?" in fields["timezone"]
    assert db.session.scalar(select(func.count()).select_from(MeetingSeries)) == 0
