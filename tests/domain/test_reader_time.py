"""domain/reader_time: a rule shown in the reader's zone when that changes the day."""

from __future__ import annotations

from datetime import UTC, datetime

from meetbot.domain.reader_time import reader_time
from meetbot.domain.recurrence import to_utc


def test_tuesday_1500_utc_is_wednesday_in_tokyo() -> None:
    start = datetime(2026, 3, 17, 15, 0, tzinfo=UTC)
    found = reader_time(start, "UTC", "Asia/Tokyo")
    assert found is not None
    assert found.text() == "Wednesday 00:00 your time (Tuesday 15:00 UTC)"


def test_same_day_says_nothing() -> None:
    start = datetime(2026, 3, 17, 15, 0, tzinfo=UTC)
    assert reader_time(start, "UTC", "Europe/Berlin") is None
    assert reader_time(start, "UTC", "UTC") is None


def test_a_day_earlier_to_the_west() -> None:
    # Monday 08:00 in Sydney (AEDT, +11) is Sunday 13:00 in Los Angeles (PST).
    start = to_utc(datetime(2026, 3, 2, 8, 0), "Australia/Sydney")
    found = reader_time(start, "Australia/Sydney", "America/Los_Angeles")
    assert found is not None
    assert found.text() == "Sunday 13:00 your time (Monday 08:00 Australia/Sydney)"


def test_the_day_changes_only_in_some_weeks_around_daylight_saving_time() -> None:
    # Monday 18:30 in New York for a reader in Berlin: six hours ahead (Tuesday 00:30)
    # while both are on standard or both on summer time, but only five in the weeks
    # between the US change (8 March 2026) and the EU one (29 March): still Monday.
    def berlin(day: int, month: int) -> str | None:
        start = to_utc(datetime(2026, month, day, 18, 30), "America/New_York")
        found = reader_time(start, "America/New_York", "Europe/Berlin")
        return None if found is None else found.text()

    assert berlin(2, 3) == "Tuesday 00:30 your time (Monday 18:30 America/New_York)"
    assert berlin(9, 3) is None  # US summer time, EU still winter time
    assert berlin(23, 3) is None
    assert berlin(30, 3) == "Tuesday 00:30 your time (Monday 18:30 America/New_York)"
    # and in autumn: the EU goes back on 25 October, the US on 1 November
    assert berlin(26, 10) is None
    assert berlin(2, 11) == "Tuesday 00:30 your time (Monday 18:30 America/New_York)"


def test_a_summer_time_slot_crosses_midnight_for_a_utc_reader() -> None:
    # Tuesday 00:30 in London is Tuesday 00:30 UTC in winter, Monday 23:30 UTC in summer.
    winter = to_utc(datetime(2026, 1, 6, 0, 30), "Europe/London")
    summer = to_utc(datetime(2026, 7, 7, 0, 30), "Europe/London")
    assert reader_time(winter, "Europe/London", "UTC") is None
    found = reader_time(summer, "Europe/London", "UTC")
    assert found is not None and found.text() == (
        "Monday 23:30 your time (Tuesday 00:30 Europe/London)"
    )
