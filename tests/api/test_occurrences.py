"""GET /groups/<group>/occurrences: the public fields (docs/api.md), as the service expands."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meetbot.models import MeetingStatus
from meetbot.services.occurrences import group_occurrences
from tests.api.conftest import assert_error

FIELDS = {
    "uid",
    "recurrence_id",
    "series_id",
    "meeting_id",
    "title",
    "start",
    "end",
    "timezone",
    "status",
    "location",
}


@pytest.fixture
def berlin(create_group, create_series, create_meeting):
    group = create_group("wg")
    series = create_series(
        group,
        title="Berlin call",
        timezone="Europe/Berlin",
        start=datetime(2026, 3, 17, 14, 0),  # a Tuesday, before the DST change of 29 March
        location="https://meet.example/berlin",
    )
    # Cancel the 24 March occurrence; move the 31 March one to 16:00 Berlin (14:00Z).
    create_meeting(
        series=series,
        original_start_local=datetime(2026, 3, 24, 14, 0),
        status=MeetingStatus.CANCELLED.value,
    )
    create_meeting(
        series=series,
        original_start_local=datetime(2026, 3, 31, 14, 0),
        start=datetime(2026, 3, 31, 14, 0, tzinfo=UTC),
        is_moved=True,
    )
    create_meeting(group, start=datetime(2026, 3, 20, 9, 0, tzinfo=UTC), title="One-off")
    return group, series


def test_fields_and_times_are_exact(api, berlin):
    group, series = berlin
    response = api.get("/groups/wg/occurrences?start=2026-03-16T00:00:00Z&end=2026-04-08T00:00:00Z")
    assert response.status_code == 200
    items = response.get_json()
    assert all(set(o) == FIELDS for o in items)
    summary = [(o["start"], o["status"], o["title"], o["meeting_id"] is None) for o in items]
    assert summary == [
        ("2026-03-17T13:00:00Z", "scheduled", "Berlin call", True),  # CET: UTC+1
        ("2026-03-20T09:00:00Z", "scheduled", "One-off", False),
        ("2026-03-24T13:00:00Z", "cancelled", "Berlin call", False),
        ("2026-03-31T14:00:00Z", "scheduled", "Berlin call", False),  # moved
        ("2026-04-07T12:00:00Z", "scheduled", "Berlin call", True),  # CEST: UTC+2
    ]
    moved = items[3]
    assert moved["recurrence_id"] == "2026-03-31T12:00:00Z"  # the original start
    assert moved["end"] == "2026-03-31T15:00:00Z"
    assert moved["timezone"] == "Europe/Berlin"
    assert moved["series_id"] == series.id
    assert items[1]["recurrence_id"] is None and items[1]["series_id"] is None
    assert items[0]["uid"] == items[2]["uid"] == items[4]["uid"]
    assert items[0]["uid"].endswith("@meetbot.test")
    assert items[0]["location"] == "https://meet.example/berlin"


def test_equals_the_service_output(api, app, berlin):
    group, _ = berlin
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = datetime(2027, 1, 1, tzinfo=UTC)
    expected = [
        {
            "uid": o.uid,
            "recurrence_id": o.recurrence_id.strftime("%Y-%m-%dT%H:%M:%SZ")
            if o.recurrence_id
            else None,
            "series_id": o.series_id,
            "meeting_id": o.meeting_id,
            "title": o.title,
            "start": o.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": o.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timezone": o.timezone,
            "status": o.status,
            "location": o.location,
        }
        for o in group_occurrences(group, start, end, "meetbot.test")
    ]
    response = api.get("/groups/wg/occurrences?start=2026-01-01T00:00:00Z&end=2027-01-01")
    assert len(expected) > 40
    assert response.get_json() == expected


def test_offsets_are_converted_to_utc(api, berlin):
    a = api.get("/groups/wg/occurrences?start=2026-03-17T15:00:00%2B02:00&end=2026-03-18")
    # 15:00+02:00 is 13:00Z: the 13:00Z-14:00Z meeting overlaps the window.
    assert [o["start"] for o in a.get_json()] == ["2026-03-17T13:00:00Z"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=yesterday", "start"),
        ("start=2026-13-01", "start"),
        ("start=2026-01-01T10:00:00", "start"),  # no zone: the instant would be a guess
        ("start=2020-01-01&end=2025-01-10", "end"),  # more than five years (5 x 366 days)
        ("start=2026-01-02&end=2026-01-01", "end"),  # end before start
        ("start=0001-01-01T00:00:00%2B01:00", "start"),
        ("end=9999-12-31T23:59:59Z", "end"),
    ],
)
def test_bad_windows_are_400(api, berlin, query, field):
    error = assert_error(api.get(f"/groups/wg/occurrences?{query}"), 400, "bad_request")
    assert field in error["fields"]


def test_default_window_is_90_days_from_now(api, berlin, time_machine):
    time_machine.move_to(datetime(2026, 3, 1, tzinfo=UTC), tick=False)
    items = api.get("/groups/wg/occurrences").get_json()
    assert items[0]["start"] == "2026-03-17T13:00:00Z"
    assert items[-1]["start"] < "2026-05-30T00:00:00Z"
    assert items[-1]["start"] >= "2026-05-20T00:00:00Z"


def test_unknown_group_and_stream_are_404(api, berlin):
    assert_error(api.get("/groups/nope/occurrences"), 404)
    assert_error(api.get("/groups/wg/occurrences?stream=nope"), 404)
