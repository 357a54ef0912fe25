"""iCalendar (RFC 5545) feeds: pure Python, no Flask, SQLAlchemy or models.

The caller turns its rows into the frozen dataclasses below and calls
:func:`build_calendar`, which returns the bytes of a ``text/calendar`` feed.
The same input always gives the same bytes (components and properties are
emitted in a fixed order, DTSTAMP comes from the caller), so :func:`feed_etag`
of the output is a stable ETag.

What a feed contains
--------------------
* One VEVENT per series slot: ``DTSTART;TZID=<zone>`` at the slot's local wall
  time, ``DTEND`` one duration later and the RRULE from
  :func:`meetbot.domain.recurrence.to_rrule` (UNTIL in UTC, as RFC 5545 wants
  when DTSTART has a TZID). A one-off slot (no RRULE) is a plain VEVENT.
* A moved or retitled occurrence: a second VEVENT with the same UID and
  ``RECURRENCE-ID;TZID=<zone>:<original local start>``. It repeats every
  property of the series (an exception does not inherit anything in iCalendar).
* An occurrence that starts at a nonexistent or repeated local time, or spans
  a UTC offset change, also gets such an exception VEVENT with its exact
  instants: clients disagree on those local times (ical.js reads 02:30 in the
  spring gap as 00:30 UTC in Berlin, RFC 5545 as 01:30 UTC) and some add the
  duration in wall-clock time. Pinned within the years the VTIMEZONEs cover.
* One VTIMEZONE per TZID used, generated from the zoneinfo transitions
  (RDATE observances, one RDATE per line; see ``_vtimezone_bytes``), covering
  the years of the data plus :data:`VTIMEZONE_YEARS_AHEAD` years, so clients
  that trust the VTIMEZONE (ical.js-based ones, Outlook) place old and future
  occurrences correctly.
* Calendar properties: VERSION, PRODID, CALSCALE:GREGORIAN, METHOD:PUBLISH,
  NAME / X-WR-CALNAME, DESCRIPTION / X-WR-CALDESC, X-WR-TIMEZONE (its zone
  always has a VTIMEZONE in the file), REFRESH-INTERVAL;VALUE=DURATION and
  X-PUBLISHED-TTL.
* Text (titles, descriptions, locations, categories) is escaped by
  ``icalendar``; CR, LF and CRLF all become an escaped newline and other
  control characters are dropped, so user text can never start a new property.
  URLs and UIDs containing control characters are rejected (ValueError).

Cancelled occurrences
---------------------
A cancelled occurrence of a series is published as an ``EXDATE`` on the
series' VEVENT (one EXDATE line per date, in the same TZID as DTSTART), not as
an exception VEVENT with ``STATUS:CANCELLED``. EXDATE is core RFC 5545
recurrence-set arithmetic and every major client -- Google Calendar, Outlook
(desktop and web), Apple Calendar and Thunderbird -- removes the occurrence.
A ``STATUS:CANCELLED`` exception is handled inconsistently: some clients hide
it, some show it struck through, and some subscribed-calendar importers ignore
STATUS and show the meeting as if it were happening, which is the one mistake
a participant must never see. A cancelled occurrence that had been moved is
still excluded by its original start. A cancelled one-off slot is left out of
the feed, which removes it from every subscribed client. A stand-alone
:class:`SingleEvent` is written with the status its caller gives (the caller
may also simply leave a cancelled one-off meeting out).

Times in UTC
------------
A slot whose zone is UTC is written in the RFC 5545 UTC form
(``DTSTART:20260105T150000Z``, same for RECURRENCE-ID and EXDATE): it needs no
TZID lookup, so every client reads it the same. Google Calendar (and the
``x-wr-timezone`` library that mimics it) re-read UTC times in the calendar's
X-WR-TIMEZONE, which would move a weekly UTC series by an hour across DST in a
calendar whose zone has DST. So X-WR-TIMEZONE is ``UTC`` instead of the
caller's zone when the feed holds a recurring UTC series, or a UTC-form time
that is in a repeated hour of the caller's zone (see below); otherwise it is
the caller's zone. An explicit instant (one-off start and end, an exception's
DTSTART/DTEND) that falls in a repeated local hour (DST fold) is written in UTC
form: RFC 5545 reads such a local time as the first pass, ical.js as the
second.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    Todo,
    vDuration,
    vRecur,
    vText,
)

from meetbot.domain import recurrence
from meetbot.domain.recurrence import Slot

__all__ = [
    "DEFAULT_PRODID",
    "EVENT_STATUSES",
    "TODO_STATUSES",
    "VTIMEZONE_YEARS_AHEAD",
    "OccurrenceOverride",
    "SeriesEvent",
    "SingleEvent",
    "OneOccurrence",
    "TodoItem",
    "build_calendar",
    "build_occurrence",
    "feed_etag",
    "is_utc_zone",
]

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
# Control characters that are not allowed in iCalendar TEXT (HTAB is allowed;
# CR and LF are turned into an escaped newline before this is applied).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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


def feed_etag(data: bytes) -> str:
    """A strong ETag value for feed bytes (unquoted; Flask's set_etag() quotes it)."""
    return hashlib.sha256(data).hexdigest()[:40]


def build_calendar(
    name: str,
    timezone: str,
    events: Iterable[SeriesEvent | SingleEvent],
    todos: Iterable[TodoItem] = (),
    *,
    refresh: timedelta = timedelta(hours=1),
    description: str | None = None,
    prodid: str = DEFAULT_PRODID,
    cache: MutableMapping[Hashable, object] | None = None,
) -> bytes:
    """Build a complete, deterministic VCALENDAR feed and return its bytes.

    name: calendar name (NAME, X-WR-CALNAME). timezone: the calendar's IANA
    zone (X-WR-TIMEZONE; see the module docstring for the UTC-series rule).
    events / todos: the content; UIDs must be unique across both.
    refresh: REFRESH-INTERVAL and X-PUBLISHED-TTL (> 0).
    description: optional DESCRIPTION / X-WR-CALDESC.

    cache: optional mapping (e.g. a bounded LRU kept by the caller across calls)
    of each event's serialized components, keyed by the event itself (events are
    frozen, hashable values) and the year range the VTIMEZONEs cover, which is
    all a component's bytes depend on. An unchanged event is then not built
    again: re-rendering a large feed after one series changed costs in
    proportion to what changed. The output is byte-identical with or without it.

    Raises ValueError for invalid input (unknown zone, naive instant, duplicate
    UID or override, bad status, end not after start, URL with control
    characters) and recurrence.RecurrenceError for an invalid slot.
    """
    _check_zone(timezone)
    if refresh <= timedelta(0):
        raise ValueError("refresh must be positive")
    event_list = list(events)
    todo_list = list(todos)
    _check_unique_uids(event_list, todo_list)

    first_year, last_year = _year_range(event_list, todo_list)
    components: list[tuple[tuple[str, str, str], bytes]] = []
    ctx = _Context(first_year, last_year)
    for item in event_list:
        components.extend(_event_parts(item, ctx, cache))
    for todo in todo_list:
        components.append(((_clean_uid(todo.uid), "", "VTODO"), _todo_component(todo).to_ical()))
    components.sort(key=lambda pair: pair[0])

    calendar_zone = "UTC" if ctx.needs_utc_calendar(timezone) else timezone
    ctx.tzids.add(calendar_zone)

    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", _clean_text(prodid))
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # vText explicitly: icalendar does not know NAME and the X-WR- properties as TEXT
    # and would write a line break in them unescaped (an invalid feed).
    cal.add("name", vText(_clean_text(name)))
    cal.add("x-wr-calname", vText(_clean_text(name)))
    if description:
        cal.add("description", vText(_clean_text(description)))
        cal.add("x-wr-caldesc", vText(_clean_text(description)))
    cal.add("x-wr-timezone", calendar_zone)
    cal.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(refresh))

    for zone in sorted(ctx.tzids):
        cal.add_component(_vtimezone(zone, first_year, last_year))
    # The calendar's bytes are its own lines, then each component's bytes in order
    # (icalendar serializes subcomponents one after another), then END:VCALENDAR.
    head = cal.to_ical()
    if not head.endswith(_END_CALENDAR):
        raise AssertionError("unexpected calendar serialization")
    body = b"".join(part for _key, part in components)
    return head[: -len(_END_CALENDAR)] + body + _END_CALENDAR


_END_CALENDAR = b"END:VCALENDAR\r\n"
MESSAGE_METHODS = frozenset({"PUBLISH", "CANCEL"})


@dataclass(frozen=True)
class OneOccurrence:
    """One occurrence on its own, for an e-mail attachment (iTIP, RFC 5546).

    uid / sequence: those the feed gives the occurrence, so a client that has the
    feed updates the same event instead of adding a second one.
    recurrence_id: the original local start in ``timezone`` when the occurrence is
        part of a series (RECURRENCE-ID as in the feed), None for a stand-alone one.
    """

    uid: str
    recurrence_id: datetime | None
    timezone: str
    start_utc: datetime
    end_utc: datetime
    title: str
    dtstamp: datetime
    sequence: int = 0
    description: str | None = None
    location: str | None = None
    url: str | None = None


def build_occurrence(item: OneOccurrence, *, method: str = "PUBLISH") -> bytes:
    """A VCALENDAR with one VEVENT: the occurrence (PUBLISH) or its cancellation
    (CANCEL, STATUS:CANCELLED), with the feed's UID, RECURRENCE-ID and SEQUENCE."""
    if method not in MESSAGE_METHODS:
        raise ValueError(f"method must be one of {sorted(MESSAGE_METHODS)}")
    _check_zone(item.timezone)
    begin = _aware_utc(item.start_utc, "start_utc")
    end = _aware_utc(item.end_utc, "end_utc")
    if end <= begin:
        raise ValueError(f"event {item.uid!r}: end_utc must be after start_utc")
    first_year = min(begin.year, _aware_utc(item.dtstamp, "dtstamp").year)
    ctx = _Context(first_year, end.year + 1)
    event = _event(
        uid=_clean_uid(item.uid),
        dtstamp=item.dtstamp,
        sequence=item.sequence,
        title=item.title,
        description=item.description,
        location=item.location,
        url=item.url,
        categories=(),
        status="CANCELLED" if method == "CANCEL" else "CONFIRMED",
    )
    if item.recurrence_id is not None:
        _add_local(event, "recurrence-id", item.recurrence_id, item.timezone, ctx)
    _add_instant(event, "dtstart", begin, item.timezone, ctx)
    _add_instant(event, "dtend", end, item.timezone, ctx)
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", DEFAULT_PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    # As build_calendar: the cached VTIMEZONE bytes are spliced in, not re-parsed.
    zones = b"".join(_vtimezone_bytes(z, ctx.first_year, ctx.last_year) for z in sorted(ctx.tzids))
    head = cal.to_ical()
    if not head.endswith(_END_CALENDAR):
        raise AssertionError("unexpected calendar serialization")
    return head[: -len(_END_CALENDAR)] + zones + event.to_ical() + _END_CALENDAR


def _event_parts(
    item: SeriesEvent | SingleEvent,
    ctx: _Context,
    cache: MutableMapping[Hashable, object] | None,
) -> list[tuple[tuple[str, str, str], bytes]]:
    """The serialized components of one event, from ``cache`` when it holds them.

    What building them noted in the context (TZIDs used, UTC-form times) is cached
    with them and applied to ``ctx`` again on a hit.
    """
    if not isinstance(item, SeriesEvent | SingleEvent):
        raise TypeError(f"not an event: {item!r}")
    key: Hashable | None = None
    if cache is not None:
        key = (item, ctx.first_year, ctx.last_year)
        try:
            hit = cache.get(key)
        except TypeError:  # an unhashable field (e.g. a list): build it, do not cache
            key, hit = None, None
        if hit is not None:
            parts, tzids, recurring_utc, utc_times = hit  # type: ignore[misc]
            ctx.tzids.update(tzids)
            ctx.recurring_utc = ctx.recurring_utc or recurring_utc
            ctx.utc_times.extend(utc_times)
            return parts
    sub = _Context(ctx.first_year, ctx.last_year)
    if isinstance(item, SeriesEvent):
        built = _series_components(item, sub)
    else:
        built = [_single_component(item, sub)]
    parts = [(sort_key, component.to_ical()) for sort_key, component in built]
    ctx.tzids.update(sub.tzids)
    ctx.recurring_utc = ctx.recurring_utc or sub.recurring_utc
    ctx.utc_times.extend(sub.utc_times)
    if key is not None:
        cache[key] = (parts, frozenset(sub.tzids), sub.recurring_utc, tuple(sub.utc_times))
    return parts


# --------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------


def _series_components(
    series: SeriesEvent, ctx: _Context
) -> list[tuple[tuple[str, str, str], Event]]:
    slot = series.slot
    recurrence.validate_slot(slot)
    uid = _clean_uid(series.uid)
    rrule = recurrence.to_rrule(slot)
    overrides = _check_overrides(series)
    utc_slot = is_utc_zone(slot.timezone)
    start_utc = recurrence.to_utc(slot.start, slot.timezone)

    if rrule is None:
        # A one-off slot: fold its override (if any) into the only VEVENT.
        override = overrides.get(slot.start)
        if override is not None and override.cancelled:
            return []
        event = _base_event(series, uid, override)
        if override is not None and override.start_utc is not None:
            begin, end = _override_times(slot, override)
            _add_instant(event, "dtstart", begin, slot.timezone, ctx)
            _add_instant(event, "dtend", end, slot.timezone, ctx)
        else:
            _add_instant(event, "dtstart", start_utc, slot.timezone, ctx)
            _add_instant(event, "dtend", start_utc + slot.duration, slot.timezone, ctx)
        return [((uid, "", "VEVENT"), event)]

    master = _base_event(series, uid, None)
    # RRULE first: _add_local/_add_instant note UTC times of recurring events.
    master.add("rrule", _parse_rrule(rrule))
    _add_local(master, "dtstart", slot.start, slot.timezone, ctx)
    # DTEND at the exact end instant of the first occurrence: clients apply the
    # exact DTEND-DTSTART difference to every instance (RFC 5545 3.8.5.3).
    _add_instant(master, "dtend", start_utc + slot.duration, slot.timezone, ctx)
    for original in sorted(o for o, ov in overrides.items() if ov.cancelled):
        _add_local(master, "exdate", original, slot.timezone, ctx)
    out: list[tuple[tuple[str, str, str], Event]] = [((uid, "", "VEVENT"), master)]

    for original in sorted(o for o, ov in overrides.items() if not ov.cancelled):
        override = overrides[original]
        event = _base_event(series, uid, override)
        _add_local(event, "recurrence-id", original, slot.timezone, ctx)
        begin, end = _override_times(slot, override)
        _add_instant(event, "dtstart", begin, slot.timezone, ctx)
        _add_instant(event, "dtend", end, slot.timezone, ctx)
        out.append(((uid, _rid_key(original, utc_slot), "VEVENT"), event))

    # Occurrences at a DST change are pinned to their exact instants.
    for occ in _dst_sensitive(slot, ctx.first_year, ctx.last_year):
        if occ.original_start in overrides:
            continue
        event = _base_event(series, uid, None)
        _add_local(event, "recurrence-id", occ.original_start, slot.timezone, ctx)
        _add_instant(event, "dtstart", occ.start_utc, slot.timezone, ctx)
        _add_instant(event, "dtend", occ.end_utc, slot.timezone, ctx)
        out.append(((uid, _rid_key(occ.original_start, utc_slot), "VEVENT"), event))
    return out


def _rid_key(original: datetime, utc_slot: bool) -> str:
    return original.strftime("%Y%m%dT%H%M%S") + ("Z" if utc_slot else "")


def _dst_sensitive(slot: Slot, first_year: int, last_year: int) -> list[recurrence.Occurrence]:
    """Occurrences that clients would place differently without an exception VEVENT.

    Those starting at a nonexistent or repeated local time (clients differ:
    ical.js reads 02:30 in a spring gap as 00:30 UTC in Berlin, RFC 5545 and
    recurrence.to_utc as 01:30 UTC) and those spanning a UTC offset change
    (some clients add the duration in wall-clock time). Only within the years
    the VTIMEZONEs cover.
    """
    if is_utc_zone(slot.timezone):
        return []
    tz = ZoneInfo(slot.timezone)
    found: dict[datetime, recurrence.Occurrence] = {}
    first = datetime(first_year, 1, 1, tzinfo=UTC)
    for year in range(first_year, last_year + 1):
        for when, _before, _after in _year_transitions(slot.timezone, year):
            if when < first:
                continue
            window = (when - slot.duration - timedelta(days=1), when + timedelta(days=1))
            for occ in recurrence.expand(slot, *window):
                local = occ.original_start.replace(tzinfo=tz)
                gap = local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != (
                    occ.original_start
                )
                fold = local.utcoffset() != local.replace(fold=1).utcoffset()
                if gap or fold or occ.start_utc < when < occ.end_utc:
                    found[occ.original_start] = occ
    return [found[key] for key in sorted(found)]


def _base_event(series: SeriesEvent, uid: str, override: OccurrenceOverride | None) -> Event:
    """A VEVENT with the descriptive properties of the series, overridden where given."""

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
    )


def _single_component(item: SingleEvent, ctx: _Context) -> tuple[tuple[str, str, str], Event]:
    _check_zone(item.timezone)
    begin = _aware_utc(item.start_utc, "start_utc")
    end = _aware_utc(item.end_utc, "end_utc")
    if end <= begin:
        raise ValueError(f"event {item.uid!r}: end_utc must be after start_utc")
    uid = _clean_uid(item.uid)
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
    )
    _add_instant(event, "dtstart", begin, item.timezone, ctx)
    _add_instant(event, "dtend", end, item.timezone, ctx)
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
) -> Event:
    if status not in EVENT_STATUSES:
        raise ValueError(f"event {uid!r}: status must be one of {sorted(EVENT_STATUSES)}")
    stamp = _aware_utc(dtstamp, "dtstamp")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", _sequence(sequence))
    event.add("summary", _clean_text(title))
    if description:
        event.add("description", _clean_text(description))
    if location:
        event.add("location", _clean_text(location))
    if url:
        event.add("url", _clean_url(url))
    if categories:
        event.add("categories", [_clean_text(c) for c in categories])
    event.add("status", status)
    return event


def _todo_component(todo: TodoItem) -> Todo:
    if todo.status not in TODO_STATUSES:
        raise ValueError(f"todo {todo.uid!r}: status must be one of {sorted(TODO_STATUSES)}")
    stamp = _aware_utc(todo.dtstamp, "dtstamp")
    item = Todo()
    item.add("uid", _clean_uid(todo.uid))
    item.add("dtstamp", stamp)
    item.add("last-modified", stamp)
    if todo.created is not None:
        item.add("created", _aware_utc(todo.created, "created"))
    item.add("sequence", _sequence(todo.sequence))
    item.add("summary", _clean_text(todo.summary))
    if todo.description:
        item.add("description", _clean_text(todo.description))
    if todo.due is not None:
        if isinstance(todo.due, datetime):
            raise ValueError(f"todo {todo.uid!r}: due must be a date, not a datetime")
        item.add("due", todo.due)
    if todo.url:
        item.add("url", _clean_url(todo.url))
    if todo.categories:
        item.add("categories", [_clean_text(c) for c in todo.categories])
    item.add("status", todo.status)
    if todo.completed is not None:
        item.add("completed", _aware_utc(todo.completed, "completed"))
    return item


# --------------------------------------------------------------------------
# Date-time values
# --------------------------------------------------------------------------


def _add_local(component: Event, prop: str, local: datetime, zone: str, ctx: _Context) -> None:
    """Add a naive local wall time as ``PROP;TZID=zone`` (or UTC 'Z' form for UTC)."""
    if local.tzinfo is not None:
        raise ValueError(f"{prop}: expected a naive local datetime, got {local!r}")
    if is_utc_zone(zone):
        ctx.add_utc(prop, local.replace(tzinfo=UTC), recurring="RRULE" in component)
        component.add(prop, local.replace(tzinfo=UTC))
    else:
        ctx.tzids.add(zone)
        component.add(prop, local.replace(tzinfo=ZoneInfo(zone), fold=0))


def _add_instant(component: Event, prop: str, instant: datetime, zone: str, ctx: _Context) -> None:
    """Add an aware instant as local time in ``zone``, or in UTC when that is ambiguous."""
    instant = _aware_utc(instant, prop)
    if is_utc_zone(zone) or _ambiguous(instant, zone):
        # UTC, or in a repeated hour: RFC 5545 reads such a local time as the
        # first pass, ical.js as the second; the UTC form is unambiguous.
        ctx.add_utc(prop, instant, recurring="RRULE" in component)
        component.add(prop, instant)
        return
    ctx.tzids.add(zone)
    component.add(prop, instant.astimezone(ZoneInfo(zone)))


def _ambiguous(instant: datetime, zone: str) -> bool:
    """True if ``instant`` falls in a repeated local hour (DST fold) of ``zone``."""
    local = instant.astimezone(ZoneInfo(zone))
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


class _Context:
    """What building the components found out: TZIDs used and UTC-form times."""

    def __init__(self, first_year: int, last_year: int) -> None:
        self.first_year = first_year  # range the VTIMEZONEs cover
        self.last_year = last_year
        self.tzids: set[str] = set()
        self.recurring_utc = False
        self.utc_times: list[datetime] = []

    def add_utc(self, prop: str, instant: datetime, *, recurring: bool) -> None:
        self.utc_times.append(instant)
        if recurring:
            self.recurring_utc = True

    def needs_utc_calendar(self, zone: str) -> bool:
        """Would a client reading UTC times in X-WR-TIMEZONE ``zone`` misplace one?"""
        if is_utc_zone(zone):
            return False
        return self.recurring_utc or any(_ambiguous(t, zone) for t in self.utc_times)


def _override_times(slot: Slot, override: OccurrenceOverride) -> tuple[datetime, datetime]:
    if override.start_utc is None:
        if override.end_utc is not None:
            raise ValueError("an override with end_utc needs start_utc too")
        begin = recurrence.to_utc(override.original_start, slot.timezone)
    else:
        begin = _aware_utc(override.start_utc, "start_utc")
    if override.end_utc is None:
        end = begin + slot.duration
    else:
        end = _aware_utc(override.end_utc, "end_utc")
    if end <= begin:
        raise ValueError(f"override {override.original_start}: end must be after start")
    return begin, end


def _parse_rrule(value: str) -> vRecur:
    """The RRULE value from recurrence.to_rrule as an icalendar vRecur."""
    return vRecur.from_ical(value)


# --------------------------------------------------------------------------
# VTIMEZONE
# --------------------------------------------------------------------------


def _year_range(events: list[SeriesEvent | SingleEvent], todos: list[TodoItem]) -> tuple[int, int]:
    """First and last year the VTIMEZONEs must cover, from dates in the input."""
    years: list[int] = []
    for item in events:
        years.append(item.dtstamp.year)
        if isinstance(item, SeriesEvent):
            years.append(item.slot.start.year)
            if item.slot.rule.until is not None:
                years.append(item.slot.rule.until.year)
            for ov in item.overrides:
                years.append(ov.original_start.year)
                years.extend(t.year for t in (ov.start_utc, ov.end_utc) if t is not None)
        else:
            years.extend((item.start_utc.year, item.end_utc.year))
    for todo in todos:
        years.append(todo.dtstamp.year)
    if not years:
        return 2000, 2000 + VTIMEZONE_YEARS_AHEAD
    # One year of margin before: an occurrence early on 1 January local time
    # may still be in the previous year in UTC.
    return min(years) - 1, max(max(years), min(years)) + VTIMEZONE_YEARS_AHEAD


@lru_cache(maxsize=256)
def _vtimezone_bytes(zone: str, first_year: int, last_year: int) -> bytes:
    """A VTIMEZONE for ``zone`` valid from 1 January first_year to the end of last_year.

    Built from the zoneinfo transitions; ``icalendar`` only serializes it. Two
    things differ from ``icalendar.Timezone.from_tzid`` on purpose, both found
    by the ical.js feed check: each observance onset is in the local time of the
    offset in force *before* it (RFC 5545 3.6.5; from_tzid writes 03:00 instead
    of 02:00 for the EU spring change, so VTIMEZONE-trusting clients misplace
    times in the hour after it), and every RDATE is its own property line
    (ical.js reads only the first value of a multi-valued RDATE).
    """
    tz = ZoneInfo(zone)
    begin = datetime(first_year, 1, 1, tzinfo=tz)
    initial = _tz_state(begin)
    # onsets[(offset_from, offset_to, name, is_dst)] = [local onset in offset_from, ...]
    onsets: dict[tuple[timedelta, timedelta, str, bool], list[datetime]] = {}
    onsets[(initial[0], initial[0], initial[2], initial[1])] = [begin.replace(tzinfo=None)]
    begin_utc = begin.astimezone(UTC)
    end_utc = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    changes = [
        change
        for year in range(begin_utc.year, last_year + 1)
        for change in _year_transitions(zone, year)
        if begin_utc <= change[0] < end_utc
    ]
    for when, before, after in changes:
        key = (before[0], after[0], after[2], after[1])
        onsets.setdefault(key, []).append((when + before[0]).replace(tzinfo=None))
    vtimezone = Timezone()
    vtimezone.add("tzid", zone)
    for (offset_from, offset_to, name, is_dst), starts in sorted(
        onsets.items(), key=lambda item: item[1][0]
    ):
        observance = TimezoneDaylight() if is_dst else TimezoneStandard()
        observance.add("dtstart", starts[0])
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", offset_to)
        observance.add("tzname", name)
        for onset in starts[1:]:
            observance.add("rdate", onset)
        vtimezone.add_component(observance)
    return vtimezone.to_ical()


_State = tuple[timedelta, bool, str]


def _tz_state(moment: datetime) -> _State:
    """(UTC offset, is daylight time, abbreviation) of an aware datetime."""
    offset = moment.utcoffset()
    dst = moment.dst()
    assert offset is not None
    return offset, bool(dst), moment.tzname() or _offset_name(offset)


def _offset_name(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


@lru_cache(maxsize=4096)
def _year_transitions(zone: str, year: int) -> tuple[tuple[datetime, _State, _State], ...]:
    """(UTC instant, state before, state after) of every change of ``zone`` in a UTC year.

    Scans in 1-day steps and bisects each change to the second. Two changes
    within one day that end in the state they started from would be missed;
    tzdata has none in the years meetings are scheduled in.
    """
    tz = ZoneInfo(zone)
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    out: list[tuple[datetime, _State, _State]] = []
    t = start
    state = _tz_state(t.astimezone(tz))
    while t < end:
        nxt = min(t + step, end)
        new = _tz_state(nxt.astimezone(tz))
        if new != state:
            lo, hi = t, nxt  # state(lo) == state, state(hi) != state
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if _tz_state(mid.astimezone(tz)) == state:
                    lo = mid
                else:
                    hi = mid
            after = _tz_state(hi.astimezone(tz))
            out.append((hi, state, after))
            state = after
            if after != new:  # a second change in the same step: rescan from hi
                nxt = hi
        t = nxt
        state = _tz_state(t.astimezone(tz))
    return tuple(out)


def _vtimezone(zone: str, first_year: int, last_year: int) -> Timezone:
    # Generated once per (zone, range) and re-parsed: components are mutable
    # and must not be shared between calendars.
    return Timezone.from_ical(_vtimezone_bytes(zone, first_year, last_year))


# --------------------------------------------------------------------------
# Validation and text
# --------------------------------------------------------------------------


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _check_unique_uids(events: list[SeriesEvent | SingleEvent], todos: list[TodoItem]) -> None:
    seen: set[str] = set()
    for item in [*events, *todos]:
        if item.uid in seen:
            raise ValueError(f"duplicate UID {item.uid!r}")
        seen.add(item.uid)


def _check_overrides(series: SeriesEvent) -> dict[datetime, OccurrenceOverride]:
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


def _aware_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")
    return value.astimezone(UTC).replace(microsecond=0)


def _sequence(value: int) -> int:
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"SEQUENCE must be a non-negative integer, got {value!r}")
    return value


def _clean_text(value: str) -> str:
    """Text safe for an iCalendar TEXT value: newlines unified, other controls dropped."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _clean_uid(value: str) -> str:
    if not value or _ANY_CONTROL.search(value):
        raise ValueError(f"UID must be non-empty without control characters: {value!r}")
    return value


def _clean_url(value: str) -> str:
    if _ANY_CONTROL.search(value) or " " in value:
        raise ValueError(f"URL must not contain spaces or control characters: {value!r}")
    return value
