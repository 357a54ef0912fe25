"""Many small (key, text) entries kept as a few large objects (issue 19).

A big group's 90 days are ~11,000 occurrences; the API keeps each one's page key and
JSON. As tuples of strings and datetimes that is ~70,000 small objects (6.8 MiB)
scattered over Python's 1 MiB small-object arenas among the expansion's transients:
the arenas cannot be given back while any of them lives, so a worker kept ~11 MiB
more after the first request of that list. Packed, the same entries are two arrays
of instants, one string and one array of offsets: four large blocks the C allocator
holds (and returns whole when the entry is dropped), and the transients' arenas empty
and go back to the system.

Reading is cheap: the entries are in key order, a window is found by bisection on
the start instants, and a page slices only the entries it returns.
"""

from __future__ import annotations

import io
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import compress
from typing import overload

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

Key = tuple[str, ...]
Entry = tuple[Key, str]


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // _MICROSECOND


@dataclass(frozen=True, slots=True)
class PackedEntries:
    """Entries ``(start, end, key, text)`` sorted by key (whose order is the starts'),
    each key of ``width - 1`` strings."""

    starts: array  # microseconds since the epoch, ascending
    ends: array
    text: str  # every entry's key strings and text, one after the other
    bounds: array  # offsets into ``text``: string j of entry i ends at bounds[i * width + j + 1]
    width: int

    def __len__(self) -> int:
        return len(self.starts)

    def window(self, begin: datetime, end: datetime) -> PackedWindow:
        """The entries overlapping [begin, end), in key order."""
        stop = bisect_left(self.starts, _micros(end))
        after = _micros(begin)
        # Those that started before ``begin`` may have ended: one comparison each, in C.
        ended = map(after.__lt__, self.ends[:stop])
        return PackedWindow(self, list(compress(range(stop), ended)))

    def entry(self, index: int) -> Entry:
        first = index * self.width
        bounds, text = self.bounds, self.text
        parts = [text[bounds[n] : bounds[n + 1]] for n in range(first, first + self.width)]
        return tuple(parts[:-1]), parts[-1]


class PackedWindow(Sequence[Entry]):
    """Some entries of a :class:`PackedEntries` (by index), read as ``(key, text)``."""

    __slots__ = ("_indexes", "_packed")

    def __init__(self, packed: PackedEntries, indexes: list[int]) -> None:
        self._packed = packed
        self._indexes = indexes

    def __len__(self) -> int:
        return len(self._indexes)

    @overload
    def __getitem__(self, item: int) -> Entry: ...

    @overload
    def __getitem__(self, item: slice) -> list[Entry]: ...

    def __getitem__(self, item: int | slice) -> Entry | list[Entry]:
        if isinstance(item, slice):
            return [self._packed.entry(n) for n in self._indexes[item]]
        return self._packed.entry(self._indexes[item])


def pack_entries(entries: Iterable[tuple[datetime, datetime, Key, str]]) -> PackedEntries:
    """``entries`` (start, end, key, text) packed, sorted by key (keys must sort as the
    starts do, and have as many strings each). Given in key order (as the occurrences
    are), each entry's strings are written out and dropped one by one, so the small
    objects never pile up (their peak sets how many arenas stay, issue 19)."""
    starts, ends, bounds = array("q"), array("q"), array("q", [0])
    out = io.StringIO()
    width = 0
    total = 0
    ordered = True
    last: Key | None = None
    for start, end, key, text in entries:
        if not width:
            width = len(key) + 1
        elif len(key) != width - 1:
            raise ValueError("every key must have as many strings")
        if last is not None and key < last:
            ordered = False
        last = key
        starts.append(_micros(start))
        ends.append(_micros(end))
        for part in (*key, text):
            total += out.write(part)
            bounds.append(total)
    packed = PackedEntries(starts, ends, out.getvalue(), bounds, width or 1)
    if ordered:
        return packed
    return _sorted(packed)


def _sorted(packed: PackedEntries) -> PackedEntries:
    """``packed`` in key order (entries given out of order)."""
    order = sorted(range(len(packed)), key=lambda n: packed.entry(n)[0])
    window = PackedWindow(packed, order)
    return pack_entries(
        (_from_micros(packed.starts[n]), _from_micros(packed.ends[n]), *window[i])
        for i, n in enumerate(order)
    )


def _from_micros(value: int) -> datetime:
    return _EPOCH + value * _MICROSECOND
