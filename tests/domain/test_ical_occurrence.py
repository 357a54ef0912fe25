"""ical.build_occurrence: one occurrence alone, for a mail attachment (iTIP)."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from meetbot.domain.ical import OneOccurrence, build_occurrence

STAMP = datetime(2026, 3, 1, tzinfo=UTC)


def _item(**overrides) -> OneOccurrence:
    values = {
        "uid": "series-abc-slot-0@meetbot.test",
        "recurrence_id": datetime(2026, 3, 24, 15, 0),
        "timezone": "Europe/Berlin",
        "start_utc": datetime(2026, 3, 24, 14, 0, tzinfo=UTC),
        "end_utc": datetime(2026, 3, 24, 15, 0, tzinfo=UTC),
        "title": "Weekly, with a\\nnew line",
        "dtstamp": STAMP,
        "sequence": 3,
    }
    return OneOccurrence(**{**values, **overrides})


def test_publish_in_the_slot_zone_with_its_vtimezone() -> None:
    cal = icalendar.Calendar.from_ical(build_occurrence(_item()))
    (event,) = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "PUBLISH" and str(event["STATUS"]) == "CONFIRMED"
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert event["RECURRENCE-ID"].to_ical() == b"20260324T150000"
    assert event["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"
    assert (int(event["SEQUENCE"]), str(event["UID"])) == (3, "series-abc-slot-0@meetbot.test")


def test_cancel_of_a_utc_slot_uses_the_utc_form() -> None:
    data = build_occurrence(
        _item(timezone="UTC", recurrence_id=datetime(2026, 3, 24, 14, 0)), method="CANCEL"
    )
    cal = icalendar.Calendar.from_ical(data)
    (event,) = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert b"RECURRENCE-ID:20260324T140000Z" in data and not cal.walk("VTIMEZONE")


@pytest.mark.parametrize(
    ("overrides", "method", "message"),
    [
        ({}, "REQUEST", "method must be one of"),
        ({"timezone": "Mars/Olympus"}, "PUBLISH", "Mars/Olympus"),
        ({"end_utc": datetime(2026, 3, 24, 13, 0, tzinfo=UTC)}, "PUBLISH", "after start"),
        ({"uid": "bad\r\nUID:x"}, "PUBLISH", "control"),
    ],
)
def test_bad_input_is_refused(overrides, method: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_occurrence(_item(**overrides), method=method)
