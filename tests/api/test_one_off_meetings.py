"""One-off meetings and agendas through the API."""

from __future__ import annotations

from meetbot.extensions import db
from meetbot.models import (
    Meeting,
)
from tests.api.conftest import (
    assert_error,
)


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
