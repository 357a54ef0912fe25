"""Series through the API: create with slots, validation, who may, patch, end.
Each calls the series services; these tests check the API's side of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import (
    MeetingSeries,
)
from tests.api.conftest import (
    SERIES,
    assert_error,
)


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
    # (What the schema itself refuses, such as a blank title, is answered before the
    # service's checks run, alone: docs/api.md. Everything the schema takes is checked
    # at once.)
    bad = {
        **SERIES,
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
    assert set(fields) == {"timezone", "location", "slots.0.until"}
    assert "did you mean Europe/Kyiv?" in fields["timezone"]
    assert db.session.scalar(select(func.count()).select_from(MeetingSeries)) == 0
