"""The VEVENT and VTODO components of series, one-off meetings and action items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from icalendar import Todo, vRecur

from meetbot.domain import recurrence
from meetbot.domain.ical.dst import dst_sensitive
from meetbot.domain.ical.items import (
    EVENT_STATUSES,
    TODO_STATUSES,
    OccurrenceOverride,
    SeriesEvent,
    SingleEvent,
    TodoItem,
    is_utc_zone,
)
from meetbot.domain.ical.lines import EventLines, LineCache
from meetbot.domain.ical.values import (
    Context,
    add_instant,
    add_local,
    aware_utc,
    check_overrides,
    check_zone,
    clean_text,
    clean_uid,
    clean_url,
    sequence_number,
)
from meetbot.domain.recurrence import Slot

Built = tuple[tuple[str, str, str], EventLines]


def series_components(series: SeriesEvent, ctx: Context) -> list[Built]:
    slot = series.slot
    recurrence.validate_slot(slot)
    uid = clean_uid(series.uid)
    rrule = recurrence.to_rrule(slot)
    overrides = check_overrides(series)
    utc_slot = is_utc_zone(slot.timezone)
    start_utc = recurrence.to_utc(slot.start, slot.timezone)

    if rrule is None:
        # A one-off slot: fold its override (if any) into the only VEVENT.
        override = overrides.get(slot.start)
        if override is not None and override.cancelled:
            return []
        event = _base_event(series, uid, override, ctx.lines)
        if override is not None and override.start_utc is not None:
            begin, end = _override_times(slot, override)
            add_instant(event, "dtstart", begin, slot.timezone, ctx)
            add_instant(event, "dtend", end, slot.timezone, ctx)
        else:
            add_instant(event, "dtstart", start_utc, slot.timezone, ctx)
            add_instant(event, "dtend", start_utc + slot.duration, slot.timezone, ctx)
        return [((uid, "", "VEVENT"), event)]

    master = _base_event(series, uid, None, ctx.lines)
    # RRULE first: add_local/add_instant note UTC times of recurring events.
    master.add("rrule", _parse_rrule(rrule))
    add_local(master, "dtstart", slot.start, slot.timezone, ctx)
    # DTEND at the exact end instant of the first occurrence: clients apply the
    # exact DTEND-DTSTART difference to every instance (RFC 5545 3.8.5.3).
    add_instant(master, "dtend", start_utc + slot.duration, slot.timezone, ctx)
    for original in sorted(o for o, ov in overrides.items() if ov.cancelled):
        add_local(master, "exdate", original, slot.timezone, ctx)
    out: list[Built] = [((uid, "", "VEVENT"), master)]

    for original in sorted(o for o, ov in overrides.items() if not ov.cancelled):
        override = overrides[original]
        event = _base_event(series, uid, override, ctx.lines)
        add_local(event, "recurrence-id", original, slot.timezone, ctx)
        begin, end = _override_times(slot, override)
        add_instant(event, "dtstart", begin, slot.timezone, ctx)
        add_instant(event, "dtend", end, slot.timezone, ctx)
        out.append(((uid, _rid_key(original, utc_slot), "VEVENT"), event))

    # Occurrences at a DST change are pinned to their exact instants.
    for occ in dst_sensitive(slot, ctx.first_year, ctx.last_year):
        if occ.original_start in overrides:
            continue
        event = _base_event(series, uid, None, ctx.lines)
        add_local(event, "recurrence-id", occ.original_start, slot.timezone, ctx)
        add_instant(event, "dtstart", occ.start_utc, slot.timezone, ctx)
        add_instant(event, "dtend", occ.end_utc, slot.timezone, ctx)
        out.append(((uid, _rid_key(occ.original_start, utc_slot), "VEVENT"), event))
    return out


def _rid_key(original: datetime, utc_slot: bool) -> str:
    return original.strftime("%Y%m%dT%H%M%S") + ("Z" if utc_slot else "")


def _override_times(slot: Slot, override: OccurrenceOverride) -> tuple[datetime, datetime]:
    if override.start_utc is None:
        if override.end_utc is not None:
            raise ValueError("an override with end_utc needs start_utc too")
        begin = recurrence.to_utc(override.original_start, slot.timezone)
    else:
        begin = aware_utc(override.start_utc, "start_utc")
    if override.end_utc is None:
        end = begin + slot.duration
    else:
        end = aware_utc(override.end_utc, "end_utc")
    if end <= begin:
        raise ValueError(f"override {override.original_start}: end must be after start")
    return begin, end


@lru_cache(maxsize=1024)
def _parse_rrule(value: str) -> vRecur:
    """The RRULE value from recurrence.to_rrule as an icalendar vRecur (shared: never
    changed after parsing)."""
    return vRecur.from_ical(value)


def _base_event(
    series: SeriesEvent, uid: str, override: OccurrenceOverride | None, lines: LineCache
) -> EventLines:
    """A VEVENT with the descriptive properties of the series, overridden where given
    (the lines it shares with the series' other VEVENTs come from ``lines``)."""

    def pick(new: str | None, old: str | None) -> str | None:
        return new if new is not None else old

    ov = override
    sequence = series.sequence if ov is None or ov.sequence is None else ov.sequence
    dtstamp = series.dtstamp if ov is None or ov.dtstamp is None else ov.dtstamp
    return _event(
        uid=uid,
        dtstamp=dtstamp,
        sequence=sequence,
        title=series.title if ov is None or ov.title is None else ov.title,
        description=pick(ov.description if ov else None, series.description),
        location=pick(ov.location if ov else None, series.location),
        url=pick(ov.url if ov else None, series.url),
        categories=series.categories,
        status=series.status,
        lines=lines,
    )


def single_component(item: SingleEvent, ctx: Context) -> Built:
    check_zone(item.timezone)
    begin = aware_utc(item.start_utc, "start_utc")
    end = aware_utc(item.end_utc, "end_utc")
    if end <= begin:
        raise ValueError(f"event {item.uid!r}: end_utc must be after start_utc")
    uid = clean_uid(item.uid)
    event = _event(
        uid=uid,
        dtstamp=item.dtstamp,
        sequence=item.sequence,
        title=item.title,
        description=item.description,
        location=item.location,
        url=item.url,
        categories=item.categories,
        status=item.status,
        lines=ctx.lines,
    )
    add_instant(event, "dtstart", begin, item.timezone, ctx)
    add_instant(event, "dtend", end, item.timezone, ctx)
    return (uid, "", "VEVENT"), event


def _event(
    *,
    uid: str,
    dtstamp: datetime,
    sequence: int,
    title: str,
    description: str | None,
    location: str | None,
    url: str | None,
    categories: Sequence[str],
    status: str,
    lines: LineCache | None = None,
) -> EventLines:
    if status not in EVENT_STATUSES:
        raise ValueError(f"event {uid!r}: status must be one of {sorted(EVENT_STATUSES)}")
    stamp = aware_utc(dtstamp, "dtstamp")
    event = _component(lines)
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", sequence_number(sequence))
    event.add("summary", clean_text(title))
    if description:
        event.add("description", clean_text(description))
    if location:
        event.add("location", clean_text(location))
    if url:
        event.add("url", clean_url(url))
    if categories:
        event.add("categories", [clean_text(c) for c in categories])
    event.add("status", status)
    return event


def _component(lines: LineCache | None) -> EventLines:
    """A new, empty VEVENT whose lines come from ``lines``."""
    return EventLines(lines)


def todo_component(todo: TodoItem) -> Todo:
    if todo.status not in TODO_STATUSES:
        raise ValueError(f"todo {todo.uid!r}: status must be one of {sorted(TODO_STATUSES)}")
    stamp = aware_utc(todo.dtstamp, "dtstamp")
    item = Todo()
    item.add("uid", clean_uid(todo.uid))
    item.add("dtstamp", stamp)
    item.add("last-modified", stamp)
    if todo.created is not None:
        item.add("created", aware_utc(todo.created, "created"))
    item.add("sequence", sequence_number(todo.sequence))
    item.add("summary", clean_text(todo.summary))
    if todo.description:
        item.add("description", clean_text(todo.description))
    if todo.due is not None:
        if isinstance(todo.due, datetime):
            raise ValueError(f"todo {todo.uid!r}: due must be a date, not a datetime")
        item.add("due", todo.due)
    if todo.url:
        item.add("url", clean_url(todo.url))
    if todo.categories:
        item.add("categories", [clean_text(c) for c in todo.categories])
    item.add("status", todo.status)
    if todo.completed is not None:
        item.add("completed", aware_utc(todo.completed, "completed"))
    return item
