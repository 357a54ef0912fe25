"""Property values: checked and cleaned text, UIDs and URLs; local and UTC date-times."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meetbot.domain.ical.items import (
    OccurrenceOverride,
    SeriesEvent,
    SingleEvent,
    TodoItem,
    is_utc_zone,
)
from meetbot.domain.ical.lines import EventLines, LineCache

# Control characters that are not allowed in iCalendar TEXT (HTAB is allowed;
# CR and LF are turned into an escaped newline before this is applied).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def check_unique_uids(events: list[SeriesEvent | SingleEvent], todos: list[TodoItem]) -> None:
    seen: set[str] = set()
    for item in [*events, *todos]:
        if item.uid in seen:
            raise ValueError(f"duplicate UID {item.uid!r}")
        seen.add(item.uid)


def check_overrides(series: SeriesEvent) -> dict[datetime, OccurrenceOverride]:
    found: dict[datetime, OccurrenceOverride] = {}
    for ov in series.overrides:
        if ov.original_start.tzinfo is not None:
            raise ValueError(f"series {series.uid!r}: original_start must be naive local time")
        if ov.original_start in found:
            raise ValueError(
                f"series {series.uid!r}: two overrides for {ov.original_start.isoformat()}"
            )
        found[ov.original_start] = ov
    return found


def aware_utc(value: datetime, name: str) -> datetime:
    if type(value) is datetime and value.tzinfo is UTC and not value.microsecond:
        return value  # already what the rest makes of it (the rows' times)
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")
    return value.astimezone(UTC).replace(microsecond=0)


def sequence_number(value: int) -> int:
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"SEQUENCE must be a non-negative integer, got {value!r}")
    return value


def clean_text(value: str) -> str:
    """Text safe for an iCalendar TEXT value: newlines unified, other controls dropped."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def clean_uid(value: str) -> str:
    if not value or _ANY_CONTROL.search(value):
        raise ValueError(f"UID must be non-empty without control characters: {value!r}")
    return value


def clean_url(value: str) -> str:
    if _ANY_CONTROL.search(value) or " " in value:
        raise ValueError(f"URL must not contain spaces or control characters: {value!r}")
    return value


def add_local(component: EventLines, prop: str, local: datetime, zone: str, ctx: Context) -> None:
    """Add a naive local wall time as ``PROP;TZID=zone`` (or UTC 'Z' form for UTC)."""
    if local.tzinfo is not None:
        raise ValueError(f"{prop}: expected a naive local datetime, got {local!r}")
    if is_utc_zone(zone):
        ctx.add_utc(prop, local.replace(tzinfo=UTC), recurring="RRULE" in component)
        component.add(prop, local.replace(tzinfo=UTC))
    else:
        ctx.tzids.add(zone)
        component.add(prop, local.replace(tzinfo=ZoneInfo(zone), fold=0))


def add_instant(
    component: EventLines, prop: str, instant: datetime, zone: str, ctx: Context
) -> None:
    """Add an aware instant as local time in ``zone``, or in UTC when that is ambiguous."""
    instant = aware_utc(instant, prop)
    local = None if is_utc_zone(zone) else instant.astimezone(ZoneInfo(zone))
    if local is None or in_fold(local):
        # UTC, or in a repeated hour: RFC 5545 reads such a local time as the
        # first pass, ical.js as the second; the UTC form is unambiguous.
        ctx.add_utc(prop, instant, recurring="RRULE" in component)
        component.add(prop, instant)
        return
    ctx.tzids.add(zone)
    component.add(prop, local)


def ambiguous(instant: datetime, zone: str) -> bool:
    """True if ``instant`` falls in a repeated local hour (DST fold) of ``zone``."""
    return in_fold(instant.astimezone(ZoneInfo(zone)))


def needs_utc_calendar(zone: str, recurring_utc: bool, utc_times: Iterable[datetime]) -> bool:
    """Would a client reading UTC-form times in X-WR-TIMEZONE ``zone`` misplace one (a
    recurring one, or one in a repeated local hour)? Then the calendar is put in UTC."""
    if is_utc_zone(zone):
        return False
    return recurring_utc or any(ambiguous(t, zone) for t in utc_times)


def in_fold(local: datetime) -> bool:
    """True if the aware local time ``local`` reads the same in both passes of a
    repeated hour (its other fold has another UTC offset)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


class Context:
    """What building the components found out: TZIDs used and UTC-form times."""

    def __init__(self, first_year: int, last_year: int, lines: LineCache | None = None) -> None:
        self.first_year = first_year  # range the VTIMEZONEs cover
        self.last_year = last_year
        # The property lines serialized so far (shared by the events built with it).
        self.lines = lines if lines is not None else LineCache()
        self.tzids: set[str] = set()
        self.recurring_utc = False
        self.utc_times: list[datetime] = []

    def add_utc(self, prop: str, instant: datetime, *, recurring: bool) -> None:
        self.utc_times.append(instant)
        if recurring:
            self.recurring_utc = True
