"""Rule marks (domain): a slot whose rule cannot be expanded marks no row, without
raising (a restore or any write of such a row must not fail on its mark)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from meetbot.domain.recurrence import Frequency, Rule, Slot
from meetbot.domain.rule_marks import row_marks, slot_mark

# A row on 2026-01-05 15:00 Berlin (14:00 UTC), one hour long.
ROW = (
    1,
    datetime(2026, 1, 5, 15),
    datetime(2026, 1, 5, 14, tzinfo=UTC),
    datetime(2026, 1, 5, 15, tzinfo=UTC),
)


def _slot(until: date | None) -> Slot:
    return Slot(
        key="a",
        timezone="Europe/Berlin",
        start=datetime(2026, 1, 5, 15),
        duration=timedelta(hours=1),
        rule=Rule(frequency=Frequency.WEEKLY, until=until),
    )


def test_a_row_on_the_rule_gets_the_slots_mark() -> None:
    slot = _slot(None)
    assert row_marks(7, slot, [ROW]) == {1: slot_mark(7, slot)}


def test_a_rule_that_cannot_be_expanded_marks_no_row() -> None:
    slot = _slot(date(2025, 12, 31))  # ends before its first meeting
    assert row_marks(7, slot, [ROW]) == {1: None}
