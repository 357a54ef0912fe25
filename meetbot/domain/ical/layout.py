"""Where each component of a rendered feed lies in its bytes, and which series it is of.

A feed's events are the fragments of its series (``fragments``) merged in sort-key
order after the VTIMEZONEs. A :class:`Layout` records that merge: each component's
sort key, its offsets in the feed's bytes and its *owner* (a series id; 0 for the
feed's own one-off meetings and to-dos), and per series the digest its fragment was
built for, the years its events span, its TZIDs and whether it forces the calendar
into UTC. Kept beside the bytes, it lets the next render of the same feed take every
series whose digest is unchanged straight from the previous bytes
(:class:`PreviousFeed`), with no fragment of it read or decoded: after a one-series
change a render reads one row and merges one fragment, on a worker that never
rendered the feed as on one that did (issue 19). The splicing itself is
``feed.assemble_feed``; a layout is valid only for the years and calendar zone it was
built for.
"""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from meetbot.domain.ical.fragments import SortKey

# Raise it when the encoding changes (an older stored layout is then ignored).
LAYOUT_FORMAT = 1
# The feed's own components (one-off meetings, to-dos): built on every render.
OWN = 0
_FIELD = "\t"

Span = tuple[int, int] | None


class Source(NamedTuple):
    """One series' part of a feed: the digest its fragment was built for, the years its
    events span, the TZIDs it uses and whether its UTC-form times force the calendar
    into UTC (in the layout's zone). A tuple: a thousand are made per decoded layout."""

    digest: str
    span: Span
    tzids: frozenset[str]
    forces_utc: bool


@dataclass(frozen=True, eq=False)
class Layout:
    """The components of a feed's bytes in order: ``keys[i]`` lies at
    ``starts[i]:ends[i]`` and belongs to ``owners[i]`` (a series id of ``sources``, or
    :data:`OWN`). ``years`` and ``zone``: the VTIMEZONE years and the calendar zone asked
    for, which every component's bytes and the sources' ``forces_utc`` depend on."""

    years: tuple[int, int]
    zone: str
    sources: dict[int, Source]
    keys: list[SortKey]
    owners: array
    starts: array
    ends: array

    def fits(self, body: bytes) -> bool:
        """Do these offsets describe ``body`` (its components end where END:VCALENDAR
        begins)?"""
        end = self.ends[-1] if self.ends else None
        return end is None or body.startswith(b"END:VCALENDAR\r\n", end)

    def reusable(self, digests: dict[int, str]) -> set[int]:
        """The series (id -> current digest) whose components this layout holds."""
        sources = self.sources
        return {
            i
            for i, digest in digests.items()
            if (found := sources.get(i)) is not None and found.digest == digest
        }

    @property
    def size(self) -> int:
        """Roughly the bytes this layout holds in memory (for a cache's budget)."""
        key_bytes = sum(len(part) for part in self.keys[0]) if self.keys else 0
        return 600 + len(self.keys) * (160 + key_bytes + 24) + len(self.sources) * 400

    def encode(self) -> bytes | None:
        """Compact JSON for storing beside the feed's bytes, a list per field (None: a
        sort key holds a tab or line feed, or a zone name a space, which the encoding
        cannot carry; UIDs and zone names never do)."""
        keys = _FIELD.join(_FIELD.join(key) for key in self.keys)
        ids = list(self.sources)
        sources = [self.sources[i] for i in ids]
        tzids = [" ".join(sorted(s.tzids)) for s in sources]
        if keys.count(_FIELD) != max(3 * len(self.keys) - 1, 0) or any(
            len(text.split()) != len(s.tzids) for text, s in zip(tzids, sources, strict=True)
        ):
            return None
        record = {
            "format": LAYOUT_FORMAT,
            "years": list(self.years),
            "zone": self.zone,
            "ids": ids,
            "digests": " ".join(s.digest for s in sources),
            "first": [s.span[0] if s.span else 0 for s in sources],
            "last": [s.span[1] if s.span else 0 for s in sources],
            "tzids": tzids,
            "utc": "".join("1" if s.forces_utc else "0" for s in sources),
            "keys": keys,
            "owners": self.owners.tolist(),
            "base": self.starts[0] if self.starts else 0,
            "lengths": [b - a for a, b in zip(self.starts, self.ends, strict=True)],
        }
        return json.dumps(record, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> Layout:
        """The layout :meth:`encode` wrote (ValueError if it is not one)."""
        try:
            record = json.loads(data)
            if record["format"] != LAYOUT_FORMAT:
                raise ValueError("another layout format")
            sources = _sources(record)
            fields = record["keys"].split(_FIELD) if record["keys"] else []
            keys = list(zip(fields[0::3], fields[1::3], fields[2::3], strict=True))
            owners = array("l", record["owners"])
            ends = array("l", accumulate(record["lengths"], initial=int(record["base"])))
            starts = ends[:-1]
            del ends[0]
            years = (int(record["years"][0]), int(record["years"][1]))
            zone = str(record["zone"])
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ValueError(f"not a feed layout: {exc}") from exc
        if not len(keys) == len(owners) == len(ends):
            raise ValueError("not a feed layout: its lists disagree")
        if not set(owners) <= {OWN, *sources}:
            raise ValueError("not a feed layout: a component of no source")
        return cls(years, zone, sources, keys, owners, starts, ends)  # type: ignore[arg-type]


def _sources(record: dict) -> dict[int, Source]:
    """The sources of an encoded layout (its columns zipped back into rows)."""
    zones: dict[str, frozenset[str]] = {}  # one frozenset per distinct set of TZIDs
    for text in record["tzids"]:
        if text not in zones:
            zones[text] = frozenset(text.split())
    rows = zip(
        record["ids"],
        record["digests"].split(" ") if record["digests"] else [],
        record["first"],
        record["last"],
        record["tzids"],
        record["utc"],
        strict=True,
    )
    return {
        int(i): Source(d, (first, last) if first else None, zones[tz], utc == "1")
        for i, d, first, last, tz, utc in rows
    }


class PreviousFeed(NamedTuple):
    """A feed's last bytes and their layout: what its next render may reuse."""

    body: bytes
    layout: Layout


class RenderedFeed(NamedTuple):
    """A render's bytes and their layout (None for a feed assembled without one)."""

    body: bytes
    layout: Layout | None = None
