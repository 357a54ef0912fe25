"""The API's meeting status: in_progress from the start until the end (frozen clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Meeting, Role
from tests.api.conftest import assert_error

START = datetime(2026, 1, 6, 15, 0)  # a Tuesday, UTC


@pytest.fixture
def meetings(create_person, create_group, create_series, create_meeting):
    chair = create_person("Cora Chair")
    group = create_group("wg", members={chair: Role.CHAIR})
    series = create_series(group, title="Weekly", start=START)
    held = create_meeting(series=series, status="held")
    cancelled = create_meeting(
        series=series, original_start_local=datetime(2026, 1, 13, 15, 0), status="cancelled"
    )
    return held, cancelled


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 1, 6, 14, 59, tzinfo=UTC), "held"),
        (datetime(2026, 1, 6, 15, 0, tzinfo=UTC), "in_progress"),
        (datetime(2026, 1, 6, 15, 59, tzinfo=UTC), "in_progress"),
        (datetime(2026, 1, 6, 16, 0, tzinfo=UTC), "held"),
    ],
)
def test_meeting_is_in_progress_from_start_to_end(api, meetings, time_machine, now, expected):
    held, _ = meetings
    time_machine.move_to(now, tick=False)
    assert api.get(f"/meetings/{held.id}").get_json()["status"] == expected
    listed = api.get("/groups/wg/meetings").get_json()["items"]
    assert {m["id"]: m["status"] for m in listed}[held.id] == expected


def test_cancelled_meeting_stays_cancelled_during_its_hour(api, meetings, time_machine):
    _, cancelled = meetings
    time_machine.move_to(datetime(2026, 1, 13, 15, 30, tzinfo=UTC), tick=False)
    assert api.get(f"/meetings/{cancelled.id}").get_json()["status"] == "cancelled"


def test_openapi_lists_in_progress(api):
    spec = api.get("/openapi.json").get_json()
    status = spec["components"]["schemas"]["Meeting"]["properties"]["status"]
    assert status["enum"] == ["scheduled", "in_progress", "cancelled", "held"]


def test_member_sends_regrets_for_an_unopened_occurrence(
    api, create_user, create_group, create_series, token_for, time_machine
):
    member, outsider = create_user("Mia Member"), create_user("Otto Outsider")
    group = create_group("wg2", members={member: Role.MEMBER})
    series = create_series(group, title="Weekly", start=START)
    time_machine.move_to(datetime(2026, 1, 12, 9, 0, tzinfo=UTC), tick=False)
    path = f"/series/{series.id}/occurrences/regrets"
    body = {"slot_key": "slot-0", "original_start_local": "2026-01-13T15:00"}
    response = api.post(path, json=body, token=token_for(member))
    assert response.status_code == 200, response.get_json()
    meeting = response.get_json()
    assert [r["person"]["id"] for r in meeting["regrets"]] == [member.id]
    assert meeting["status"] == "scheduled" and meeting["start"] == "2026-01-13T15:00:00Z"
    # Not a member: 403, nothing written.
    refused = api.post(
        path, json={**body, "original_start_local": "2026-01-20T15:00"}, token=token_for(outsider)
    )
    assert_error(refused, 403, "forbidden")
    # Started already: 422 with the reason, and no meeting record for it.
    past = api.post(
        path, json={**body, "original_start_local": "2026-01-06T15:00"}, token=token_for(member)
    )
    error = assert_error(past, 422)
    assert "already started" in error["message"]
    assert db.session.scalar(select(func.count(Meeting.id))) == 1
