"""What a feed is made of: the frozen inputs of :func:`build_calendar` and its constants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from meetbot.domain.recurrence import Slot

DEFAULT_PRODID = "-//meetbot//meetbot calendar feed//EN"
EVENT_STATUSES = frozenset({"CONFIRMED", "TENTATIVE", "CANCELLED"})


TODO_STATUSES = frozenset({"NEEDS-ACTION", "IN-PROCESS", "COMPLETED", "CANCELLED"})
# VTIMEZONE rules are generated up to this many years after the latest date in
# the input (start, until, DTSTAMP, ...). Past the last listed transition a
# client keeps the last offset, so this must outlast how long a feed is used
# without any change to its content.
VTIMEZONE_YEARS_AHEAD = 20
_UTC_ZONES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}
)


@dataclass(frozen=True)
class OccurrenceOverride:
    """A change to one occurrence of a series, keyed by its original start.

    original_start: naive local wall time the rule generated (RECURRENCE-ID),
        in the series slot's zone.
    cancelled: the occurrence does not take place; published as an EXDATE on
        the series (every other field is then ignored).
    start_utc / end_utc: aware new start and end; None keeps the generated
        time (original start via recurrence.to_utc, end = start + duration).
        If only start_utc is given the end keeps the slot's duration.
    title / description / location / url: replacements; None keeps the series'.
    sequence: SEQUENCE of the exception VEVENT; None uses the series' (give at
        least the series' value, clients may ignore a lower one).
    dtstamp: aware; None uses the series' dtstamp.
    """

    original_start: datetime
    cancelled: bool = False
    start_utc: datetime | None = None
    end_utc: datetime | None = None
    title: str | None = None
    description: str | None = None
    location: str | None = None
    url: str | None = None
    sequence: int | None = None
    dtstamp: datetime | None = None


@dataclass(frozen=True)
class SeriesEvent:
    """One slot of a meeting series: a VEVENT with RRULE plus its exceptions.

    uid: stable forever (e.g. "series-12-slot-a@meetbot.example"); unique in a feed.
    slot: the recurrence slot (zone, local start, duration, rule).
    title / description / location / url / categories: published text.
    dtstamp: aware; the series row's last change (also LAST-MODIFIED).
    sequence: SEQUENCE, raised by the caller on every change.
    status: CONFIRMED, TENTATIVE or CANCELLED (whole series).
    overrides: moved, retitled or cancelled occurrences (distinct original_start).
    """

    uid: str
    slot: Slot
    title: str
    dtstamp: datetime
    sequence: int = 0
    description: str | None = None
    location: str | None = None
    url: str | None = None
    categories: Sequence[str] = ()
    status: str = "CONFIRMED"
    overrides: Sequence[OccurrenceOverride] = ()


@dataclass(frozen=True)
class SingleEvent:
    """A one-off meeting that is not part of a series.

    start_utc / end_utc: aware instants (end after start).
    timezone: IANA zone the meeting is shown in (DTSTART;TZID=...).
    status: CONFIRMED, TENTATIVE or CANCELLED (written as given).
    Other fields as in SeriesEvent.
    """

    uid: str
    start_utc: datetime
    end_utc: datetime
    timezone: str
    title: str
    dtstamp: datetime
    sequence: int = 0
    description: str | None = None
    location: str | None = None
    url: str | None = None
    categories: Sequence[str] = ()
    status: str = "CONFIRMED"


@dataclass(frozen=True)
class TodoItem:
    """An action item, published as a VTODO.

    due: local date (DUE;VALUE=DATE) or None.
    status: NEEDS-ACTION, IN-PROCESS, COMPLETED or CANCELLED.
    created / completed: aware instants or None (CREATED / COMPLETED).
    dtstamp: aware; the item's last change (also LAST-MODIFIED).
    """

    uid: str
    summary: str
    dtstamp: datetime
    sequence: int = 0
    description: str | None = None
    due: date | None = None
    status: str = "NEEDS-ACTION"
    url: str | None = None
    categories: Sequence[str] = ()
    created: datetime | None = None
    completed: datetime | None = None


def is_utc_zone(name: str) -> bool:
    """True for the IANA names of UTC itself ("UTC", "Etc/UTC", ...)."""
    return name in _UTC_ZONES
