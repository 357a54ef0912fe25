"""The whole VCALENDAR: calendar properties, VTIMEZONEs and the cached components."""

from __future__ import annotations

import hashlib
import io
from array import array
from collections.abc import (
    Callable,
    Collection,
    Hashable,
    Iterable,
    Iterator,
    MutableMapping,
    Sequence,
)
from datetime import timedelta
from itertools import accumulate, chain

from icalendar import Calendar, vDuration, vText

from meetbot.domain.ical.fragments import Fragment, SortKey, build_fragment
from meetbot.domain.ical.items import (
    DEFAULT_PRODID,
    SeriesEvent,
    SingleEvent,
    TodoItem,
)
from meetbot.domain.ical.layout import OWN, Layout, PreviousFeed, RenderedFeed, Source, Span
from meetbot.domain.ical.values import (
    check_unique_uids,
    check_zone,
    clean_text,
    needs_utc_calendar,
)
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
    owners = [(OWN, "", None)] * len(fragments)
    return assemble_feed(
        name, timezone, fragments, owners, years, refresh=refresh, description=description,
        prodid=prodid, zone_bytes=zone_bytes,
    ).body  # fmt: skip


def assemble_feed(
    name: str,
    timezone: str,
    fragments: Sequence[Fragment],
    owners: Sequence[tuple[int, str, Span]],
    years: tuple[int, int],
    *,
    previous: PreviousFeed | None = None,
    kept: Collection[int] = (),
    refresh: timedelta = timedelta(hours=1),
    description: str | None = None,
    prodid: str = DEFAULT_PRODID,
    zone_bytes: Callable[[str, int, int], bytes] = vtimezone_bytes,
) -> RenderedFeed:
    """:func:`assemble_calendar`, with the components of the ``kept`` series taken from
    the ``previous`` bytes of the same feed (its layout built for the same ``years``
    and ``timezone``), and the :class:`Layout` of the result. ``owners[i]``: the series
    id, digest and event years of ``fragments[i]`` (series id :data:`OWN` for the
    feed's own one-off meetings and to-dos). The bytes are those of assembling every
    fragment afresh."""
    check_zone(timezone)
    if refresh <= timedelta(0):
        raise ValueError("refresh must be positive")
    sources = _kept_sources(previous, kept, years, timezone)
    tzids: set[str] = set().union(*(s.tzids for s in sources.values()))
    forces_utc = any(s.forces_utc for s in sources.values())
    for fragment, (owner, digest, span) in zip(fragments, owners, strict=True):
        forces = needs_utc_calendar(timezone, fragment.recurring_utc, fragment.utc_times)
        tzids.update(fragment.tzids)
        forces_utc = forces_utc or forces
        if owner != OWN:
            sources[owner] = Source(digest, span, fragment.tzids, forces)
    calendar_zone = "UTC" if forces_utc else timezone
    tzids.add(calendar_zone)
    head = _calendar(name, calendar_zone, refresh, description, prodid).to_ical()
    if not head.endswith(_END_CALENDAR):
        raise AssertionError("unexpected calendar serialization")
    # The VTIMEZONEs first (as icalendar would serialize them), then the events.
    zones = [zone_bytes(zone, *years) for zone in sorted(tzids)]
    base = len(head) - len(_END_CALENDAR) + sum(len(z) for z in zones)
    merged = _Merge(previous, set(kept), fragments, owners)
    out = io.BytesIO()
    out.write(memoryview(head)[: -len(_END_CALENDAR)])
    # One run at a time: a tuple of every run's view (thousands in a cold render) was
    # ~0.6 MiB at the render's memory peak.
    for part in chain(zones, merged.runs()):
        out.write(part)
    out.write(_END_CALENDAR)
    return RenderedFeed(out.getvalue(), merged.layout(years, timezone, sources, base))


def _kept_sources(
    previous: PreviousFeed | None, kept: Collection[int], years: tuple[int, int], zone: str
) -> dict[int, Source]:
    if not kept:
        return {}
    layout = None if previous is None else previous.layout
    if layout is None or layout.years != years or layout.zone != zone:
        raise ValueError("a previous layout reused for other years or another zone")
    return {i: layout.sources[i] for i in kept}


class _Merge:
    """The components of the fragments and of the kept series of a previous feed in
    sort-key order, as flat arrays (no per-component copies): each run of one source's
    adjacent components is written as one slice of its bytes. ValueError for two
    components with one sort key (a duplicate UID)."""

    def __init__(
        self,
        previous: PreviousFeed | None,
        kept: set[int],
        fragments: Sequence[Fragment],
        owners: Sequence[tuple[int, str, Span]],
    ) -> None:
        self.keys: list[SortKey] = []
        self.source = array("l")  # 0: the previous bytes, n + 1: fragments[n]
        self.owner = array("l")
        self.starts = array("l")
        self.ends = array("l")
        self.views = [memoryview(previous.body if previous is not None else b"")]
        if kept and previous is not None:
            self._add_kept(previous.layout, kept)
        for n, (fragment, (owner, _, _)) in enumerate(zip(fragments, owners, strict=True)):
            count = len(fragment.keys)
            self.keys.extend(fragment.keys)
            self.source.extend([n + 1] * count)
            self.owner.extend([owner] * count)
            self.starts.extend((0, *fragment.ends[:-1])[:count])
            self.ends.extend(fragment.ends)
            self.views.append(memoryview(fragment.body))
        self.order = sorted(range(len(self.keys)), key=self.keys.__getitem__)
        for a, b in zip(self.order, self.order[1:], strict=False):
            if self.keys[a] == self.keys[b]:
                raise ValueError(f"duplicate UID {self.keys[a][0]!r}")

    def _add_kept(self, layout: Layout, kept: set[int]) -> None:
        chosen = [i for i, owner in enumerate(layout.owners) if owner in kept]
        keys, owners, starts, ends = layout.keys, layout.owners, layout.starts, layout.ends
        self.keys.extend(keys[i] for i in chosen)
        self.source.extend([0] * len(chosen))
        self.owner.extend(owners[i] for i in chosen)
        self.starts.extend(starts[i] for i in chosen)
        self.ends.extend(ends[i] for i in chosen)

    def runs(self) -> Iterator[memoryview]:
        source, starts, ends, views = self.source, self.starts, self.ends, self.views
        run_source, run_start, run_end = -1, 0, 0
        for i in self.order:
            if source[i] == run_source and starts[i] == run_end:
                run_end = ends[i]
                continue
            if run_source >= 0:
                yield views[run_source][run_start:run_end]
            run_source, run_start, run_end = source[i], starts[i], ends[i]
        if run_source >= 0:
            yield views[run_source][run_start:run_end]

    def layout(
        self, years: tuple[int, int], zone: str, sources: dict[int, Source], base: int
    ) -> Layout:
        """Where the components lie in the bytes written, ``base`` the first's offset."""
        order, starts, ends = self.order, self.starts, self.ends
        new_ends = array("l", accumulate((ends[i] - starts[i] for i in order), initial=base))
        new_starts = new_ends[:-1]
        del new_ends[0]
        return Layout(
            years, zone, sources, [self.keys[i] for i in order],
            array("l", (self.owner[i] for i in order)), new_starts, new_ends,
        )  # fmt: skip


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
