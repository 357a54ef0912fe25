"""The recurrence types: a slot (zone, local start, duration, rule) and its occurrences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class RecurrenceError(ValueError):
    """A rule or slot that cannot be used; ``field`` names the offending input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Frequency(StrEnum):
    ONCE = "once"  # a single occurrence, no RRULE
    WEEKLY = "weekly"  # every `interval` weeks on the weekday of the slot's start
    MONTHLY = "monthly"  # every `interval` months on the `setpos`-th `weekday`


@dataclass(frozen=True)
class Rule:
    """A recurrence rule that maps 1:1 to an RRULE.

    frequency: once / weekly / monthly.
    interval: every N weeks or months (>= 1).
    weekday: 0=Monday .. 6=Sunday; monthly only (weekly uses the start's weekday).
    setpos: monthly only: 1..4 for the nth weekday, -1 for the last one.
    until: last local date on which an occurrence may fall (inclusive), or None.
    count: total number of occurrences, or None. Not both until and count.
    """

    frequency: Frequency
    interval: int = 1
    weekday: int | None = None
    setpos: int | None = None
    until: date | None = None
    count: int | None = None


@dataclass(frozen=True)
class Slot:
    """One recurring time of a series.

    key: stable identifier of the slot inside its series (used in iCal UIDs).
    timezone: IANA zone name, e.g. "Europe/Berlin" or "UTC".
    start: naive local wall-clock datetime of the first occurrence (DTSTART).
    duration: length of each occurrence, > 0 and <= 24 h.
    """

    key: str
    timezone: str
    start: datetime
    duration: timedelta
    rule: Rule


@dataclass(frozen=True)
class Occurrence:
    """One expanded occurrence of a slot.

    original_start: naive local wall-clock start as the rule generates it; with
    the slot's zone it is the RECURRENCE-ID and the key of a Meeting row.
    start_utc / end_utc: aware datetimes in UTC.
    """

    slot_key: str
    original_start: datetime
    start_utc: datetime
    end_utc: datetime
