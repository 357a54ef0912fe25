"""The one rule for which occurrence a #startmeeting belongs to (issue 12, finding 12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from meetbot.domain.meeting_attach import (
    ATTACH_EARLY,
    ATTACH_LATE,
    occurrence_for_start,
    search_window,
)


@dataclass(frozen=True)
class Occ:
    uid: str
    start: datetime
    end: datetime
    is_cancelled: bool = False


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2017, 11, 7, hour, minute, second, tzinfo=UTC)


WEEKLY = Occ("weekly", at(15), at(16))


@pytest.mark.parametrize(
    ("started", "expected"),
    [
        (at(14, 45), WEEKLY),  # 15 minutes early: still that meeting
        (at(14, 44, 59), None),
        (at(15, 0, 3), WEEKLY),
        (at(16, 15), WEEKLY),  # 15 minutes after the scheduled end
        (at(16, 15, 1), None),
        (at(17, 30), None),  # the next meeting of the day is a meeting of its own
    ],
)
def test_a_start_belongs_to_an_occurrence_only_inside_it_with_tolerance(started, expected):
    assert ATTACH_EARLY == ATTACH_LATE == timedelta(minutes=15)
    assert occurrence_for_start([WEEKLY], started) == expected


def test_overlapping_occurrences_prefer_held_then_containing_then_nearest() -> None:
    cancelled = Occ("a-cancelled", at(15), at(16), is_cancelled=True)
    later = Occ("b-later", at(15, 10), at(16))
    ending = Occ("c-ending", at(14), at(15, 5))
    assert occurrence_for_start([cancelled, later, ending], at(15, 1)) == ending
    assert occurrence_for_start([cancelled, later, ending], at(15, 6)) == later
    assert occurrence_for_start([cancelled], at(15, 6)) == cancelled


def test_search_window_covers_every_occurrence_that_can_hold_the_start() -> None:
    lo, hi = search_window(at(15))
    assert lo <= at(15) - timedelta(hours=24) and hi > at(15) + ATTACH_EARLY
