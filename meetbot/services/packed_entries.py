"""Many small (key, text) entries kept as a few large objects (issue 19).

A big group's 90 days are ~11,000 occurrences; the API keeps each one's page key and
JSON. As tuples of strings and datetimes that is ~70,000 small objects (6.8 MiB)
scattered over Python's 1 MiB small-object arenas among the expansion's transients:
the arenas cannot be given back while any of them lives, so a worker kept ~11 MiB
more after the first request of that list. Packed, the same entries are two arrays
of instants, one string and one array of offsets: four large blocks the C allocator
holds (and returns whole when the entry is dropped), and the transients' arenas empty
and go back to the system.

The texts (JSON, ~330 characters an occurrence, most of it repeated from one
occurrence of a series to the next) are kept compressed, in blocks of
:data:`BLOCK_CHARS` characters (zlib, level 1): 2.9 MB of a big group's texts are
0.47 MB, for ~12 ms more when the entry is built (once per change). Reading is still
cheap: the entries are in key order, a window is found by bisection on the start
instants, and a page of consecutive entries is one slice of the texts (kept with a
comma after each, as a JSON list joins them), from the one to three blocks a page of
100 spans (~30 us each to decompress).
"""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import compress

from meetbot.services.packed_occurrences import Selection, instant, micros

Key = tuple[str, ...]
Entry = tuple[Key, str]


@dataclass(frozen=True, slots=True)
class PackedEntries:
    """Entries ``(start, end, key, text)`` sorted by key (whose order is the starts'),
    each key of ``width`` strings."""

    starts: array  # microseconds since the epoch, ascending
    ends: array
    keys: str  # every entry's key strings, one after the other
    key_bounds: array  # string j of entry i's key ends at key_bounds[i * width + j + 1]
    texts: tuple[bytes, ...]  # every entry's text and a comma, in compressed blocks
    block_starts: array  # block b holds the texts from offset block_starts[b] on
    text_bounds: array  # entry i's text starts at text_bounds[i] (its comma ends before i + 1's)
    width: int

    def __len__(self) -> int:
        return len(self.starts)

    def window(self, begin: datetime, end: datetime) -> PackedWindow:
        """The entries overlapping [begin, end), in key order."""
        stop = bisect_left(self.starts, micros(end))
        after = micros(begin)
        # Those that started before ``begin`` may have ended: one comparison each, in C.
        ended = map(after.__lt__, self.ends[:stop])
        return PackedWindow(self, list(compress(range(stop), ended)))

    def key(self, index: int) -> Key:
        first, bounds, keys = index * self.width, self.key_bounds, self.keys
        return tuple(keys[bounds[n] : bounds[n + 1]] for n in range(first, first + self.width))

    def texts_of(self, first: int, last: int) -> str:
        """The texts of entries ``first`` to ``last`` (included), comma-separated."""
        lo, hi = self.text_bounds[first], self.text_bounds[last + 1] - 1
        if hi <= lo:
            return ""
        starts = self.block_starts
        first_block = bisect_right(starts, lo) - 1
        last_block = bisect_right(starts, hi - 1) - 1
        text = "".join(
            zlib.decompress(self.texts[b]).decode() for b in range(first_block, last_block + 1)
        )
        offset = starts[first_block]
        return text[lo - offset : hi - offset]

    def entry(self, index: int) -> Entry:
        return self.key(index), self.texts_of(index, index)


class PackedWindow(Selection[Entry]):
    """Some entries of a :class:`PackedEntries` (by index), read as ``(key, text)``."""

    __slots__ = ("_packed",)

    def __init__(self, packed: PackedEntries, indexes: list[int]) -> None:
        super().__init__(packed.entry, indexes)
        self._packed = packed

    def page(self, after: Key | None, limit: int) -> tuple[list[str], Key | None]:
        """``services.paging.page_of`` of this window, its texts as runs: each run of
        consecutive entries is one comma-separated string (join them with commas)."""
        packed, indexes = self._packed, self._indexes
        first = 0 if after is None else bisect_right(indexes, after, key=packed.key)
        chunk = indexes[first : first + limit + 1]
        more = len(chunk) > limit
        chunk = chunk[:limit]
        runs: list[str] = []
        start = 0
        for n in range(1, len(chunk) + 1):
            if n == len(chunk) or chunk[n] != chunk[n - 1] + 1:
                runs.append(packed.texts_of(chunk[start], chunk[n - 1]))
                start = n
        return runs, (packed.key(chunk[-1]) if more else None)


def pack_entries(entries: Iterable[tuple[datetime, datetime, Key, str]]) -> PackedEntries:
    """``entries`` (start, end, key, text) packed, sorted by key (keys must sort as the
    starts do, and have as many strings each). Given in key order (as the occurrences
    are), each entry's strings are written out and dropped a block at a time, so the
    small objects never pile up (their peak sets how many arenas stay, issue 19)."""
    starts, ends = array("q"), array("q")
    key_bounds, text_bounds = array("q", [0]), array("q", [0])
    keys, texts = _Spool(), _Spool()
    key_chunks: list[str] = []
    blocks: list[bytes] = []
    block_starts = array("q")
    width = -1
    ordered = True
    last: Key | None = None

    def close_block() -> None:  # the texts written since the last block, compressed
        block_starts.append(text_bounds[-1] - texts.pending)
        blocks.append(zlib.compress(texts.take().encode(), 1))

    for start, end, key, text in entries:
        if width < 0:
            width = len(key)
        elif len(key) != width:
            raise ValueError("every key must have as many strings")
        if last is not None and key < last:
            ordered = False
        last = key
        starts.append(micros(start))
        ends.append(micros(end))
        for part in key:
            key_bounds.append(key_bounds[-1] + keys.write(part))
        text_bounds.append(text_bounds[-1] + texts.write(text) + texts.write(","))
        if keys.pending >= BLOCK_CHARS:
            key_chunks.append(keys.take())
        if texts.pending >= BLOCK_CHARS:
            close_block()
    key_chunks.append(keys.take())
    if texts.pending:
        close_block()
    packed = PackedEntries(
        starts,
        ends,
        "".join(key_chunks),
        key_bounds,
        tuple(blocks),
        block_starts,
        text_bounds,
        max(width, 0),
    )
    return packed if ordered else _sorted(packed)


# Characters of text per compressed block (a block ends with the entry that fills it):
# a page of 100 occurrences (~33,000) spans two or three; smaller blocks compress worse
# (16,384: 16 % of the text, 4,096: 20 %).
BLOCK_CHARS = 16384


class _Spool:
    """Strings written one after the other, taken out joined. Not ``io.StringIO``,
    which keeps a reference to every string written until ``getvalue()``: a big
    group's 8,700 texts and 26,000 key strings alive at once, ~4.5 MiB of small
    objects at the peak of the list's build."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.pending = 0  # characters written since the last take()

    def write(self, text: str) -> int:
        self._parts.append(text)
        self.pending += len(text)
        return len(text)

    def take(self) -> str:
        """What was written since the last take(), as one string."""
        joined = "".join(self._parts)
        self._parts.clear()
        self.pending = 0
        return joined


def _sorted(packed: PackedEntries) -> PackedEntries:
    """``packed`` in key order (entries given out of order)."""
    order = sorted(range(len(packed)), key=packed.key)
    return pack_entries(
        (
            instant(packed.starts[n]),
            instant(packed.ends[n]),
            *packed.entry(n),
        )
        for n in order
    )
