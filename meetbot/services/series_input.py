"""What an organizer enters for a series: the input types, their validation and the
preview of the meetings they would make. Nothing here writes.

Bad input raises :class:`~meetbot.services.errors.ValidationError` whose ``fields`` name
what is wrong. Slot errors are named ``slots-<i>-<field>`` where ``i`` is the position
of the slot in the list given and ``field`` is one of ``timezone``, ``start``,
``duration``, ``frequency``, ``interval``, ``weekday``, ``setpos``, ``until``, ``count``,
``rule`` (the rule yields no meeting), ``key``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetbot.domain.bounds import YEAR_MESSAGE, slot_out_of_years
from meetbot.domain.recurrence import (
    Frequency,
    RecurrenceError,
    Rule,
    Slot,
    first_matching_start,
    next_occurrences,
    validate_slot,
)
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import Group, LocationKind, Membership, Person, WorkStream, utcnow
from meetbot.services.checks import MAX_LOCATION, MAX_TITLE, check_timezone
from meetbot.services.errors import ValidationError, field_error

MAX_SLOTS = 20
_CHANNEL_RE = re.compile(r"^[#&!+]?[^\s,]{1,200}$")

# --------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------


@dataclass
class SlotInput:
    """One slot as an organizer enters it.

    ``key`` is None for a new slot (a key is generated) and the existing key for a slot
    being edited. ``timezone`` None or "" means the series' zone. ``start`` is the naive
    local date and time of the first meeting (monthly starts are moved forward to the
    first matching date).
    """

    start: datetime | None
    duration_minutes: int | None
    frequency: str = Frequency.WEEKLY
    interval: int | None = 1
    weekday: int | None = None
    setpos: int | None = None
    until: date | None = None
    count: int | None = None
    timezone: str | None = None
    label: str = ""
    key: str | None = None


@dataclass
class SeriesInput:
    """Everything of a series that an organizer enters."""

    title: str
    timezone: str
    slots: list[SlotInput]
    description: str = ""
    location_kind: str = LocationKind.VIDEO
    location: str = ""
    agenda_url: str | None = None
    chair_ids: Sequence[int] = ()
    work_stream_ids: Sequence[int] = ()


@dataclass(frozen=True)
class PreviewItem:
    """One occurrence of a preview: when, in the slot's zone, the series' zone and UTC."""

    slot_index: int
    slot_key: str | None
    label: str
    start_utc: datetime
    end_utc: datetime
    slot_timezone: str
    local_start: datetime  # aware, in the slot's zone
    series_start: datetime  # aware, in the series' zone


@dataclass
class CheckedSlot:
    index: int
    domain: Slot
    label: str
    key: str | None
    timezone: str


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def slot_error(index: int, name: str, message: str) -> ValidationError:
    return field_error(f"slots-{index}-{name}", message)


def check_slots(slots: Sequence[SlotInput], series_timezone: str) -> list[CheckedSlot]:
    """Validate every slot and return them normalised (monthly starts snapped forward).

    Collects the first error of each slot so a form can show them all at once.
    """
    if not slots:
        raise field_error("slots", "Add at least one time slot.")
    if len(slots) > MAX_SLOTS:
        raise field_error("slots", f"A series can have at most {MAX_SLOTS} time slots.")
    errors: dict[str, str] = {}
    checked: list[CheckedSlot] = []
    for i, item in enumerate(slots):
        try:
            checked.append(_check_slot(i, item, series_timezone))
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError("Some time slots need fixing.", errors)
    return checked


def _check_slot(i: int, item: SlotInput, series_timezone: str) -> CheckedSlot:
    zone = (item.timezone or "").strip() or series_timezone
    if item.start is None:
        raise slot_error(i, "start", "Give the date and local time of the first meeting.")
    if item.duration_minutes is None:
        raise slot_error(i, "duration", "Give the length of the meeting in minutes.")
    try:
        frequency = Frequency(item.frequency)
    except ValueError:
        raise slot_error(i, "frequency", f"Unknown frequency {item.frequency!r}.") from None
    interval = 1 if item.interval is None else item.interval
    weekday, setpos = item.weekday, item.setpos
    until, count = item.until, item.count
    if frequency is not Frequency.MONTHLY:
        weekday = setpos = None  # the weekday comes from the start date
    if frequency is Frequency.ONCE:
        interval, until, count = 1, None, None
    rule = Rule(
        frequency=frequency,
        interval=interval,
        weekday=weekday,
        setpos=setpos,
        until=until,
        count=count,
    )
    start = item.start.replace(second=0, microsecond=0, tzinfo=None)
    try:
        if frequency is Frequency.MONTHLY:
            start = first_matching_start(rule, start)
        slot = Slot(
            key=item.key or f"new-{i}",
            timezone=zone,
            start=start,
            duration=timedelta(minutes=item.duration_minutes),
            rule=rule,
        )
        validate_slot(slot)
    except RecurrenceError as exc:
        raise slot_error(i, exc.field or "rule", str(exc)) from None
    except (OverflowError, ValueError) as exc:
        raise slot_error(i, "start", f"This date cannot be used ({exc}).") from None
    _check_slot_years(i, slot)
    label = (item.label or "").strip()
    if len(label) > 100:
        raise slot_error(i, "label", "Use at most 100 characters.")
    return CheckedSlot(index=i, domain=slot, label=label, key=item.key, timezone=zone)


def _check_slot_years(i: int, slot: Slot) -> None:
    """The first and the last occurrence (by ``until`` or ``count``) lie in the years
    every entry path accepts (domain.bounds): feeds overflow near year 9999."""
    part = slot_out_of_years(slot)
    if part == "count":
        raise slot_error(i, part, f"The last meeting would be too late. {YEAR_MESSAGE}")
    if part is not None:
        raise slot_error(i, part, YEAR_MESSAGE)


def _check_location(kind: str, location: str) -> str:
    if kind not in {k.value for k in LocationKind}:
        raise field_error("location_kind", f"Unknown kind of location {kind!r}.")
    location = (location or "").strip()
    if len(location) > MAX_LOCATION:
        raise field_error("location", f"Use at most {MAX_LOCATION} characters.")
    if not location:
        return ""
    if kind == LocationKind.VIDEO and not _is_http_url(location):
        raise field_error("location", "A video call needs its https:// link.")
    if kind == LocationKind.CHAT and not _CHANNEL_RE.match(location):
        raise field_error(
            "location", "Give the channel name, e.g. #openstack-meeting (no spaces or commas)."
        )
    return location


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def check_series_fields(group: Group, data: SeriesInput) -> dict:
    title = single_line(data.title)
    if not title:
        raise field_error("title", "A title is required.")
    if len(title) > MAX_TITLE:
        raise field_error("title", f"Use at most {MAX_TITLE} characters.")
    timezone = check_timezone(data.timezone)
    location = _check_location(data.location_kind, data.location)
    agenda_url = (data.agenda_url or "").strip() or None
    if agenda_url and (not _is_http_url(agenda_url) or len(agenda_url) > 500):
        raise field_error("agenda_url", "Give a full http(s):// link to the agenda.")
    return {
        "title": title,
        "timezone": timezone,
        "description": data.description or "",
        "location_kind": data.location_kind,
        "location": location,
        "agenda_url": agenda_url,
    }


def series_chairs(group: Group, ids: Sequence[int]) -> list[Person]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    people = list(
        db.session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id == group.id, Person.id.in_(wanted))
        )
    )
    if len(people) != len(wanted):
        raise field_error("chairs", "Every chair must be a member of the group.")
    return people


def series_streams(group: Group, ids: Sequence[int]) -> list[WorkStream]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    streams = list(
        db.session.scalars(
            select(WorkStream).where(WorkStream.group_id == group.id, WorkStream.id.in_(wanted))
        )
    )
    if len(streams) != len(wanted):
        raise field_error("work_streams", "A work stream is not one of this group's.")
    return streams


# --------------------------------------------------------------------------
# Preview
# --------------------------------------------------------------------------


def preview(
    slots: Sequence[SlotInput],
    series_timezone: str,
    *,
    after: datetime | None = None,
    limit: int = 10,
) -> list[PreviewItem]:
    """The next ``limit`` occurrences the slots would produce from ``after`` (default now).

    Nothing is read from or written to the database. Raises ValidationError naming the
    field (``timezone`` for the series' zone, ``slots-<i>-<field>`` for a slot).
    """
    series_timezone = check_timezone(series_timezone)
    checked = check_slots(slots, series_timezone)
    after = (after or utcnow()).astimezone(UTC)
    by_key = {}
    domain_slots = []
    for c in checked:
        key = f"#{c.index}"  # preview-only key, so unsaved slots can be told apart
        by_key[key] = c
        domain_slots.append(
            Slot(
                key=key,
                timezone=c.timezone,
                start=c.domain.start,
                duration=c.domain.duration,
                rule=c.domain.rule,
            )
        )
    series_zone = ZoneInfo(series_timezone)
    items = []
    for occ in next_occurrences(domain_slots, after, limit):
        c = by_key[occ.slot_key]
        zone = ZoneInfo(c.timezone)
        items.append(
            PreviewItem(
                slot_index=c.index,
                slot_key=c.key,
                label=c.label,
                start_utc=occ.start_utc,
                end_utc=occ.end_utc,
                slot_timezone=c.timezone,
                local_start=occ.start_utc.astimezone(zone),
                series_start=occ.start_utc.astimezone(series_zone),
            )
        )
    return items
