"""The whole VCALENDAR: calendar properties, VTIMEZONEs and the cached components."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, MutableMapping
from datetime import timedelta

from icalendar import Calendar, vDuration, vText

from meetbot.domain.ical.components import series_components, single_component, todo_component
from meetbot.domain.ical.items import DEFAULT_PRODID, SeriesEvent, SingleEvent, TodoItem
from meetbot.domain.ical.values import Context, check_unique_uids, check_zone, clean_text, clean_uid
from meetbot.domain.ical.vtimezone import vtimezone, year_range


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
    if refresh <= timedelta(0):
        raise ValueError("refresh must be positive")
    event_list = list(events)
    todo_list = list(todos)
    check_unique_uids(event_list, todo_list)

    ctx = Context(*year_range(event_list, todo_list))
    components = _components(event_list, todo_list, ctx, cache)
    calendar_zone = "UTC" if ctx.needs_utc_calendar(timezone) else timezone
    ctx.tzids.add(calendar_zone)
    cal = _calendar(name, calendar_zone, refresh, description, prodid)
    for zone in sorted(ctx.tzids):
        cal.add_component(vtimezone(zone, ctx.first_year, ctx.last_year))
    return with_components(cal, b"".join(part for _key, part in components))


def with_components(cal: Calendar, body: bytes) -> bytes:
    """``cal`` serialized with already serialized components appended.

    A calendar's bytes are its own lines, then each component's bytes in order
    (icalendar serializes subcomponents one after another), then END:VCALENDAR: so
    cached component bytes are spliced in before the end instead of re-parsed."""
    head = cal.to_ical()
    if not head.endswith(_END_CALENDAR):
        raise AssertionError("unexpected calendar serialization")
    return head[: -len(_END_CALENDAR)] + body + _END_CALENDAR


def _components(
    events: list[SeriesEvent | SingleEvent],
    todos: list[TodoItem],
    ctx: Context,
    cache: MutableMapping[Hashable, object] | None,
) -> list[tuple[tuple[str, str, str], bytes]]:
    """Every event's and action item's serialized components, in their feed order."""
    components: list[tuple[tuple[str, str, str], bytes]] = []
    for item in events:
        components.extend(_event_parts(item, ctx, cache))
    for todo in todos:
        components.append(((clean_uid(todo.uid), "", "VTODO"), todo_component(todo).to_ical()))
    components.sort(key=lambda pair: pair[0])
    return components


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


def _event_parts(
    item: SeriesEvent | SingleEvent,
    ctx: Context,
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
    sub = Context(ctx.first_year, ctx.last_year)
    if isinstance(item, SeriesEvent):
        built = series_components(item, sub)
    else:
        built = [single_component(item, sub)]
    parts = [(sort_key, component.to_ical()) for sort_key, component in built]
    ctx.tzids.update(sub.tzids)
    ctx.recurring_utc = ctx.recurring_utc or sub.recurring_utc
    ctx.utc_times.extend(sub.utc_times)
    if key is not None:
        cache[key] = (parts, frozenset(sub.tzids), sub.recurring_utc, tuple(sub.utc_times))
    return parts
