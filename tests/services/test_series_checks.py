"""services/series_checks: every error of a series input at once, whatever the entry
path (the form, its Preview, the API, polls and imports share it)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from meetbot.domain.recurrence import first_weekday_on_or_after
from meetbot.services import series as series_service
from meetbot.services.errors import ValidationError
from meetbot.services.series_checks import check_series_input, series_errors
from tests.services.test_series import counts, data, slot


def test_every_bad_field_of_series_slots_chairs_and_streams_at_once(
    create_group, create_person, create_work_stream
) -> None:
    group = create_group()
    other = create_work_stream(create_group(), "elsewhere")
    outsider = create_person("Not A Member")
    bad = data(
        slot(duration_minutes=0, count=0, timezone="Mars/Base"),
        slot(until=date(2025, 1, 1)),
        title=" ",
        timezone="Europe/Kiev ",  # an old spelling is a real zone name: accepted
        location_kind="video",
        location="meet.example.org/x",
        agenda_url="agenda",
        chair_ids=[outsider.id],
        work_stream_ids=[other.id],
    )
    expected = {
        "title",
        "location",
        "agenda_url",
        "slots-0-duration",
        "slots-0-count",
        "slots-0-timezone",
        "slots-1-until",
        "chairs",
        "work_streams",
    }
    assert set(series_errors(group, bad)) == expected
    with pytest.raises(ValidationError) as caught:
        series_service.create_series(None, group, bad)
    assert set(caught.value.fields) == expected
    assert caught.value.message == "9 fields need fixing."
    assert counts() == (0, 0, 0)


def test_a_bad_series_zone_is_named_once_not_for_every_slot(create_group) -> None:
    group = create_group()
    fields = series_errors(group, data(slot(), slot(), timezone="Tokio"))
    assert fields == {"timezone": "Unknown time zone 'Tokio'; did you mean Asia/Tokyo?"}


def test_a_good_input_passes(create_group) -> None:
    group = create_group()
    assert series_errors(group, data()) == {}
    checked = check_series_input(group, data(slot(weekday=3, interval=2)))
    # 6 January 2026 is a Tuesday: Thursday moves the first meeting to the 8th.
    assert checked.slots[0].domain.start == datetime(2026, 1, 8, 15, 0)
    assert checked.slots[0].domain.rule.weekday is None  # weekly: the start says the day


def test_first_weekday_on_or_after() -> None:
    tuesday = datetime(2026, 1, 6, 15, 0)
    assert first_weekday_on_or_after(tuesday, 1) == tuesday
    assert first_weekday_on_or_after(tuesday, 0) == datetime(2026, 1, 12, 15, 0)
    assert first_weekday_on_or_after(tuesday, 6) == datetime(2026, 1, 11, 15, 0)
