"""Each series' events as a rendered fragment, shared by every app server.

A feed is the fragments of its series (plus its one-off meetings and to-dos) spliced
together (``ical.assemble_calendar``). A series' fragment depends on its fingerprint
(``feed_render._series_fingerprints``: its columns, slots, work streams and an
aggregate of its meeting rows) and on the years the feed's VTIMEZONEs cover; both are
known before any meeting row is read. So a render takes each series unchanged since
the feed's previous bytes from those bytes (``ical.Layout``), looks the others'
fragments up in the ``feed_fragments`` table (one query for all) and builds (loading
the meeting rows of) only the series found in neither: after a one-series change, any
worker, also a freshly started one, renders that one series and splices the others.
Fragments are not kept in process memory (``freshness.feed_memory`` says why).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import NamedTuple

from meetbot.domain import ical
from meetbot.freshness import (
    FEED_SPANS,
    BoundedCache,
    StoredFragment,
    load_fragments,
    load_zones,
    store_fragments,
    store_zones,
)
from meetbot.services.feed_rows import FeedSeries

# Part of every digest: raise it when what a fragment holds changes.
FRAGMENT_FORMAT = 1

Events = list[ical.SeriesEvent | ical.SingleEvent]
Build = Callable[[Sequence[FeedSeries]], dict[int, Events]]
Years = tuple[int, int]

# (series id, digest) -> (span,): bounded in bytes (freshness.feed_memory).
_SPANS = FEED_SPANS
_ZONES = BoundedCache(512)  # (zone, years) -> VTIMEZONE bytes


def digest(fingerprint: tuple) -> str:
    """A stable hash of a series' fingerprint (the same in every process)."""
    return hashlib.sha256(repr((FRAGMENT_FORMAT, fingerprint)).encode()).hexdigest()[:40]


class _Render:
    """One render's fragments: what memory, the table and building each supplied."""

    def __init__(self, series_list: Sequence[FeedSeries], digests: dict[int, str]) -> None:
        self.series = {s.id: s for s in series_list}
        self.digests = digests
        self.spans: dict[int, Years | None] = {}
        self.stored: dict[tuple[int, Years], StoredFragment] = {}
        self.events: dict[int, Events] = {}
        self.looked_up: set[int] = set()

    def lookup(self, ids: Sequence[int]) -> None:
        """Read the stored fragments of ``ids`` (one query for all of them)."""
        ids = [i for i in ids if i not in self.looked_up]
        if not ids:
            return
        self.looked_up.update(ids)
        for row in load_fragments({i: self.digests[i] for i in ids}):
            self.stored[(row.series_id, row.years)] = row
            self.spans[row.series_id] = row.span
            # Kept like a built series' span: else the next render of this process
            # would read every fragment it took from the table again (issue 19).
            _SPANS.put((row.series_id, row.digest), (row.span,))

    def build(self, ids: Sequence[int], build: Build) -> None:
        """Build the events of ``ids`` (their meeting rows read in one go)."""
        ids = [i for i in ids if i not in self.events]
        if ids:
            self.events.update(build([self.series[i] for i in ids]))
            for i in ids:
                self.spans[i] = ical.years_of(self.events[i])
                _SPANS.put((i, self.digests[i]), (self.spans[i],))


class SeriesParts(NamedTuple):
    """What a render takes for its series: ``fragments`` (``owners[i]``: the series id,
    digest and event years of ``fragments[i]``), the series ``kept`` from the previous
    bytes of the feed, and the years the feed's VTIMEZONEs cover."""

    fragments: list[ical.Fragment]
    owners: list[tuple[int, str, Years | None]]
    kept: frozenset[int]
    years: Years


def series_fragments(
    series_list: Sequence[FeedSeries],
    fingerprints: dict[int, tuple],
    other_spans: Sequence[Years | None],
    build: Build,
    previous: ical.Layout | None = None,
    zone: str | None = None,
) -> SeriesParts:
    """The parts of ``series_list`` and the years the feed covers (with the
    ``other_spans`` of the rest of the feed). ``build`` builds some series' events.
    ``previous``: the layout of the feed's previous bytes (for calendar ``zone``): a
    series whose digest it holds for the same years is kept from those bytes, no
    fragment of it read."""
    render = _Render(series_list, {i: digest(fp) for i, fp in fingerprints.items()})
    reusable = previous.reusable(render.digests) if previous is not None else set()
    for series in series_list:
        hit = _SPANS.get((series.id, render.digests[series.id]))
        if hit is not None:
            render.spans[series.id] = hit[0]
        elif series.id in reusable:
            render.spans[series.id] = previous.sources[series.id].span  # type: ignore[union-attr]
    render.lookup([s.id for s in series_list if s.id not in render.spans])
    render.build([s.id for s in series_list if s.id not in render.spans], build)
    years = ical.cover_years([*render.spans.values(), *other_spans])
    if previous is None or previous.years != years or previous.zone != zone:
        reusable = set()
    wanted = [s for s in series_list if s.id not in reusable]
    fragments = _fragments(render, wanted, years, build)
    owners = [(s.id, render.digests[s.id], render.spans[s.id]) for s in wanted]
    return SeriesParts(fragments, owners, frozenset(reusable), years)


def _fragments(
    render: _Render, wanted: Sequence[FeedSeries], years: Years, build: Build
) -> list[ical.Fragment]:
    """The fragments of ``wanted`` for ``years``: from the table (one query for all) or
    built now (and stored)."""
    found: dict[int, ical.Fragment] = {}
    missing = [s.id for s in wanted]
    render.lookup(missing)
    new: list[StoredFragment] = []
    unbuilt = [i for i in missing if (i, years) not in render.stored]
    render.build(unbuilt, build)
    for i in missing:
        stored = render.stored.get((i, years))
        if stored is not None:
            fragment = ical.Fragment.from_record(stored.meta, stored.body)
        else:
            # The events die with their fragment (not kept to the end of the render).
            fragment = ical.build_fragment(render.events.pop(i), years)
            meta, body = fragment.to_record()
            new.append(StoredFragment(i, render.digests[i], years, render.spans[i], meta, body))
        found[i] = fragment
    store_fragments(new)
    return [found[s.id] for s in wanted]


def zone_bytes(zones: set[str], years: Years) -> dict[str, bytes]:
    """The VTIMEZONE bytes of ``zones`` for ``years``: from this process, the shared
    table, or generated (and stored) now."""
    found: dict[str, bytes] = {}
    for zone in zones:
        hit = _ZONES.get((zone, years))
        if hit is not None:
            found[zone] = hit
    missing = sorted(zones - set(found))
    if missing:
        stored = load_zones(missing, years)
        new = {z: ical.vtimezone_bytes(z, *years) for z in missing if z not in stored}
        store_zones(new, years)
        for zone in missing:
            found[zone] = stored.get(zone) or new[zone]
            _ZONES.put((zone, years), found[zone])
    return found


def clear_series_fragments() -> None:
    """Forget the year spans and VTIMEZONEs kept in this process (the tables keep theirs)."""
    _SPANS.clear()
    _ZONES.clear()
