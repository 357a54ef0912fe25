"""The whole VCALENDAR: calendar properties, VTIMEZONEs and the cached components."""

from __future__ import annotations

import hashlib
import io
from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, MutableMapping, Sequence
from datetime import timedelta

from icalendar import Calendar, vDuration, vText

from meetbot.domain.ical.fragments import Fragment, SortKey, build_fragment
from meetbot.domain.ical.items import DEFAULT_PRODID, SeriesEvent, SingleEvent, TodoItem
from meetbot.domain.ical.values import Context, check_unique_uids, check_zone, clean_text
from meetbot.domain.ical.vtimezone import vtimezone_bytes, year_range


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
    check_zone(timezone)
    event_list = list(events)
    todo_list = list(todos)
    check_unique_uids(event_list, todo_list)
    years = year_range(event_list, todo_list)
    fragment = build_fragment(event_list, years, cache, todo_list)
    return assemble_calendar(
        name, timezone, [fragment], years, refresh=refresh, description=description, prodid=prodid
    )


def assemble_calendar(
    name: str,
    timezone: str,
    fragments: Sequence[Fragment],
    years: tuple[int, int],
    *,
    refresh: timedelta = timedelta(hours=1),
    description: str | None = None,
    prodid: str = DEFAULT_PRODID,
    zone_bytes: Callable[[str, int, int], bytes] = vtimezone_bytes,
) -> bytes:
    """The VCALENDAR of fragments all built for ``years`` (their components sorted
    together, the VTIMEZONEs of every TZID they use: ``zone_bytes(zone, first_year,
    last_year)``, by default generated here, or the same bytes kept by the caller).
    Raises ValueError for an unknown zone, a non-positive refresh or two components
    with one sort key (a duplicate UID)."""
    check_zone(timezone)
    if refresh <= timedelta(0):
        raise ValueError("refresh must be positive")
    ctx = Context(*years)
    for fragment in fragments:
        ctx.tzids.update(fragment.tzids)
        ctx.recurring_utc = ctx.recurring_utc or fragment.recurring_utc
        ctx.utc_times.extend(fragment.utc_times)
    calendar_zone = "UTC" if ctx.needs_utc_calendar(timezone) else timezone
    ctx.tzids.add(calendar_zone)
    cal = _calendar(name, calendar_zone, refresh, description, prodid)
    # The VTIMEZONEs first (as icalendar would serialize them), then the events.
    zones = [zone_bytes(zone, ctx.first_year, ctx.last_year) for zone in sorted(ctx.tzids)]
    return with_components(cal, [*zones, *_merged(fragments)])


def _merged(fragments: Sequence[Fragment]) -> Iterator[memoryview]:
    """The fragments' components in sort-key order, each run of one fragment's adjacent
    components one slice of its bytes (no per-component copies: the order is held as
    flat arrays of offsets). ValueError for two components with one sort key (a
    duplicate UID)."""
    keys: list[SortKey] = []
    owner = array("l")
    starts = array("l")
    ends = array("l")
    for n, fragment in enumerate(fragments):
        count = len(fragment.keys)
        keys.extend(fragment.keys)
        owner.extend([n] * count)
        starts.extend((0, *fragment.ends[:-1])[:count])
        ends.extend(fragment.ends)
    views = [memoryview(f.body) for f in fragments]
    run_owner, run_start, run_end = -1, 0, 0
    previous: SortKey | None = None
    for i in sorted(range(len(keys)), key=keys.__getitem__):
        key = keys[i]
        if key == previous:
            raise ValueError(f"duplicate UID {key[0]!r}")
        previous = key
        if owner[i] == run_owner and starts[i] == run_end:
            run_end = ends[i]
            continue
        if run_owner >= 0:
            yield views[run_owner][run_start:run_end]
        run_owner, run_start, run_end = owner[i], starts[i], ends[i]
    if run_owner >= 0:
        yield views[run_owner][run_start:run_end]


def with_components(cal: Calendar, components: Iterable[bytes | memoryview]) -> bytes:
    """``cal`` serialized with already serialized components appended.

    A calendar's bytes are its own lines, then each component's bytes in order
    (icalendar serializes subcomponents one after another), then END:VCALENDAR: so
    cached component bytes are spliced in before the end instead of re-parsed, each
    written once straight into the feed's bytes (no intermediate copy of the body)."""
    head = cal.to_ical()
    if not head.endswith(_END_CALENDAR):
        raise AssertionError("unexpected calendar serialization")
    out = io.BytesIO()
    out.write(memoryview(head)[: -len(_END_CALENDAR)])
    for component in components:
        out.write(component)
    out.write(_END_CALENDAR)
    return out.getvalue()


def _calendar(
    name: str, zone: str, refresh: timedelta, description: str | None, prodid: str
) -> Calendar:
    """The VCALENDAR with its own properties and no components yet."""
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", clean_text(prodid))
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # vText explicitly: icalendar does not know NAME and the X-WR- properties as TEXT
    # and would write a line break in them unescaped (an invalid feed).
    cal.add("name", vText(clean_text(name)))
    cal.add("x-wr-calname", vText(clean_text(name)))
    if description:
        cal.add("description", vText(clean_text(description)))
        cal.add("x-wr-caldesc", vText(clean_text(description)))
    cal.add("x-wr-timezone", zone)
    cal.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(refresh))
    return cal


_END_CALENDAR = b"END:VCALENDAR\r\n"
