"""A slot's time as a reader elsewhere sees it, when that changes the day.

"Tuesday 15:00 UTC" is Wednesday 00:00 in Tokyo: a reader who only reads "Tuesday"
turns up a day late. Whether the day changes can depend on the week (daylight saving
time starts on different dates in different zones), so the answer is for one
occurrence, normally the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from meetbot.domain.recurrence.rules import WEEKDAY_NAMES


@dataclass(frozen=True)
class ReaderTime:
    """An occurrence in the reader's zone and in the slot's own zone."""

    reader_day: str  # e.g. "Wednesday"
    reader_time: str  # "00:00"
    own_day: str  # "Tuesday"
    own_time: str  # "15:00"
    own_zone: str  # "UTC"

    def text(self) -> str:
        """ "Wednesday 00:00 your time (Tuesday 15:00 UTC)"."""
        return (
            f"{self.reader_day} {self.reader_time} your time "
            f"({self.own_day} {self.own_time} {self.own_zone})"
        )


def reader_time(start_utc: datetime, slot_zone: str, reader_zone: str) -> ReaderTime | None:
    """The occurrence starting at ``start_utc`` (aware) in the reader's zone, or None
    when the reader's day is the slot's day (then "Tuesday 15:00 UTC" says enough, and
    the page's times show the reader's hour anyway)."""
    own = start_utc.astimezone(ZoneInfo(slot_zone))
    theirs = start_utc.astimezone(ZoneInfo(reader_zone))
    if own.date() == theirs.date():
        return None
    return ReaderTime(
        reader_day=WEEKDAY_NAMES[theirs.weekday()],
        reader_time=f"{theirs:%H:%M}",
        own_day=WEEKDAY_NAMES[own.weekday()],
        own_time=f"{own:%H:%M}",
        own_zone=slot_zone,
    )
