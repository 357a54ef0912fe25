"""Conflict check: meetings that overlap in the same place, or a chair booked twice.

Two occurrences conflict when their times overlap (half-open intervals: one ending at
15:00 and one starting at 15:00 do not) and either

* they share a location -- chat channels compared case-insensitively with or without
  their leading "#", rooms case- and space-insensitively, video links by host, path and
  query (scheme, "www.", default port, trailing "/", fragment and passcode parameters
  ignored) -- or
* they share a chair (a person named chair on both series).

Cancelled occurrences never conflict. Occurrences come from
:mod:`meetbot.services.occurrences`, so zones, DST, moves and every kind of rule are
handled exactly as the pages and feeds show them.

The check is a sort-and-sweep per shared key (location or chair): each bucket is sorted
by start and swept once with the set of still-running occurrences, so the cost is
O(n log n + conflicts) instead of comparing every pair.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import select

from meetbot import freshness
from meetbot.extensions import db
from meetbot.models import Group, MeetingSeries, Person, utcnow
from meetbot.models.meetings import series_chairs
from meetbot.services.occurrences import OccurrenceView, occurrences_of_groups

DEFAULT_HORIZON = timedelta(days=365)
# Query parameters that carry a passcode, not the identity of a call room.
_SECRET_PARAMS = {"pwd", "passcode", "password", "pw"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Conflict:
    """Two overlapping occurrences that share ``what`` (a location or a chair).

    ``kind`` is "location" or "chair"; ``what`` is the location as the first meeting
    writes it, or the chair's display name; ``a`` starts no later than ``b``.
    """

    kind: str
    what: str
    a: OccurrenceView
    b: OccurrenceView
    person_id: int | None = None

    @property
    def overlap_start(self) -> datetime:
        return max(self.a.start, self.b.start)

    @property
    def overlap_end(self) -> datetime:
        return min(self.a.end, self.b.end)

    def involves_series(self, series_id: int) -> bool:
        return series_id in (self.a.series_id, self.b.series_id)


class ChairRef(NamedTuple):
    """A chair as the conflict check needs them (a Person does as well)."""

    id: int
    display_name: str


@lru_cache(maxsize=4096)
def normalize_location(text: str | None) -> str | None:
    """A comparison key for a location, or None if there is none.

    "#OpenStack-Meeting", "openstack-meeting" and " #openstack-meeting " give the same
    key; "https://www.Zoom.us/j/123/?pwd=x" and "https://zoom.us/j/123" too.
    """
    value = (text or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() in _DEFAULT_PORTS and parts.netloc:
        host = (parts.hostname or "").lower().removeprefix("www.")
        try:
            port = parts.port
        except ValueError:
            port = None
        if port is not None and port != _DEFAULT_PORTS[parts.scheme.lower()]:
            host = f"{host}:{port}"
        path = parts.path.rstrip("/")
        query = sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in _SECRET_PARAMS
        )
        return f"url:{host}{path}" + (f"?{urlencode(query)}" if query else "")
    return "text:" + " ".join(value.casefold().lstrip("#").split())


def _sweep(items: list[OccurrenceView]) -> Iterable[tuple[OccurrenceView, OccurrenceView]]:
    """Every overlapping pair in ``items`` (one bucket), earlier-starting one first."""
    items.sort(key=lambda o: (o.start, o.end, o.uid))
    running: list[tuple[datetime, int, OccurrenceView]] = []  # heap by end
    for n, occ in enumerate(items):
        while running and running[0][0] <= occ.start:
            heapq.heappop(running)
        for _, _, other in sorted(running, key=lambda r: r[1]):
            yield other, occ
        heapq.heappush(running, (occ.end, n, occ))


def find_conflicts_in(
    occurrences: Sequence[OccurrenceView],
    chairs_by_series: Mapping[int, Sequence[Person | ChairRef]],
) -> list[Conflict]:
    """Every conflict among ``occurrences`` (pure computation, no database access)."""
    by_location: dict[str, list[OccurrenceView]] = defaultdict(list)
    by_chair: dict[int, list[OccurrenceView]] = defaultdict(list)
    names: dict[int, str] = {}
    for occ in occurrences:
        if occ.is_cancelled:
            continue
        key = normalize_location(occ.location)
        if key is not None:
            by_location[key].append(occ)
        for person in chairs_by_series.get(occ.series_id or -1, ()):
            by_chair[person.id].append(occ)
            names[person.id] = person.display_name
    found: list[Conflict] = []
    for items in by_location.values():
        found.extend(Conflict("location", a.location.strip(), a, b) for a, b in _sweep(items))
    for person_id, items in by_chair.items():
        found.extend(Conflict("chair", names[person_id], a, b, person_id) for a, b in _sweep(items))
    found.sort(key=lambda c: (c.overlap_start, c.kind, c.what, c.a.uid, c.b.uid))
    return found


def find_conflicts(
    *,
    group: Group | None = None,
    start: datetime | None = None,
    days: int | None = None,
    domain: str = "meetbot.invalid",
) -> list[Conflict]:
    """Every conflict from ``start`` (default now) over ``days`` (default 365).

    All groups are expanded, because two groups can share a channel; with ``group``
    only the conflicts that involve at least one of its meetings are returned.

    From now (no ``start``) the result comes from a per-process cache keyed by the
    day and a fingerprint of the schedule read from the database
    (meetbot.freshness): the conflicts of a window from the start of the
    day (UTC) to a day after now + days, filtered to the pairs whose both occurrences
    overlap [now, now + days) -- exactly the conflicts of that window, since a pair
    conflicts whatever else is expanded.
    """
    horizon = timedelta(days=days) if days is not None else DEFAULT_HORIZON
    if start is None:
        now = utcnow().astimezone(UTC)
        # From the start of the day: all groups are expanded once a day per process.
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        wide_end = day + horizon + timedelta(days=1)
        key = (
            "conflicts",
            day,
            wide_end,
            domain,
            freshness.schedule_fingerprint(None, day, wide_end),
        )

        def everyone() -> list[Conflict]:
            return freshness.cached(key, lambda: _all_conflicts(day, wide_end, domain))

        def spans() -> list[tuple[datetime, datetime, Conflict]]:
            # With the overlap of each pair read once: both occurrences overlap
            # [now, end) exactly when their overlap does.
            return [
                (c.overlap_start, c.overlap_end, c)
                for c in everyone()
                if group is None or group.id in (c.a.group_id, c.b.group_id)
            ]

        # The group's share is kept too: a big group's page filters its own conflicts.
        found_spans = freshness.cached(("spans", group.id if group else None, *key), spans)
        end = now + horizon
        return [c for first, last, c in found_spans if last > now and first < end]
    else:
        begin = start.astimezone(UTC)
        found = _all_conflicts(begin, begin + horizon, domain)
    if group is not None:
        found = [c for c in found if group.id in (c.a.group_id, c.b.group_id)]
    return found


def _all_conflicts(begin: datetime, end: datetime, domain: str) -> list[Conflict]:
    """Every conflict among all groups' occurrences that overlap [begin, end)."""
    occurrences = occurrences_of_groups(None, begin, end, domain)
    chairs: dict[int, list[ChairRef]] = defaultdict(list)
    rows = db.session.execute(
        select(series_chairs.c.series_id, Person.id, Person.display_name)
        .join(Person, Person.id == series_chairs.c.person_id)
        .order_by(series_chairs.c.series_id, Person.display_name, Person.id)
    )
    for series_id, person_id, name in rows:
        chairs[series_id].append(ChairRef(person_id, name))
    return find_conflicts_in(occurrences, chairs)


def conflicts_for_series(
    series: MeetingSeries, *, days: int | None = None, domain: str = "meetbot.invalid"
) -> list[Conflict]:
    """The conflicts that involve one series (for the warning shown when it is saved)."""
    return [
        c
        for c in find_conflicts(group=series.group, days=days, domain=domain)
        if c.involves_series(series.id)
    ]


def describe_conflict(conflict: Conflict, titles: dict[int, str] | None = None) -> str:
    """One line of text, e.g. "2026-01-06 15:00-15:30 UTC: #chan is used by "A" and "B"."""
    start, end = conflict.overlap_start, conflict.overlap_end
    when = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC"
    if end.date() != start.date():
        when = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    a, b = f'"{conflict.a.title}"', f'"{conflict.b.title}"'
    if titles:
        a += f" ({titles.get(conflict.a.group_id, '?')})"
        b += f" ({titles.get(conflict.b.group_id, '?')})"
    if conflict.kind == "chair":
        return f"{when}: {conflict.what} chairs both {a} and {b}"
    return f"{when}: {conflict.what} is used by both {a} and {b}"
