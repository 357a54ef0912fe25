"""Conflicting pairs among occurrences: the pure sort-and-sweep of the conflict check
(meetbot.services.conflicts explains what conflicts)."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from meetbot.models import Person
from meetbot.services.occurrences import OccurrenceView

# Query parameters that carry a passcode, not the identity of a call room.
_SECRET_PARAMS = {"pwd", "passcode", "password", "pw"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
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
