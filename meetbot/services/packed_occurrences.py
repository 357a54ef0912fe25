"""Occurrences and conflicts kept as columns, for the per-process caches (issue 19).

The conflict check keeps every group's occurrences of its window (the groups' shares)
and a group's conflicts; the upcoming pages keep a group's (or work stream's) weeks.
As objects that is ~300 bytes an occurrence (the view and its three datetimes) and
~150 bytes a conflict, tens of thousands of small objects that keep Python's 1 MiB
arenas in the process. As columns an occurrence is ~110 bytes and a conflict ~50, in
a few large blocks the C allocator holds and returns whole. Views and conflicts are
made again when they are read: all of them only when the conflicts are computed
again, a page's few otherwise.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TypeVar, overload

from meetbot.services.conflict_pairs import Conflict
from meetbot.services.occurrences import OccurrenceView

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_NONE = -(2**63)  # a missing instant or id

# OccurrenceView's fields by how they are kept: references (strings, enum members),
# integers, aware instants, the naive local start; and the flag.
_TEXTS = ("uid", "slot_key", "title", "timezone", "status", "location", "change_reason")
_IDS = ("series_id", "meeting_id", "group_id")
_INSTANTS = ("recurrence_id", "start", "end")
# Every field of OccurrenceView is one of these (tests/services/test_packed_occurrences.py).
PACKED_FIELDS = frozenset({*_TEXTS, *_IDS, *_INSTANTS, "original_start_local", "is_moved"})


def micros(value: datetime) -> int:
    """An aware instant as microseconds since the epoch."""
    return (value - _EPOCH) // _MICROSECOND


def instant(value: int) -> datetime:
    """The aware UTC instant of :func:`micros`."""
    return _EPOCH + value * _MICROSECOND


@dataclass(frozen=True, slots=True)
class PackedOccurrences:
    """OccurrenceViews, each as the index of its ``len(_TEXTS)`` references among the
    distinct ones (the occurrences of a slot share UID, title, zone and location), three
    ids, four instants (microseconds; ``_NONE`` for None) and a flag."""

    text_rows: tuple[tuple, ...]  # distinct references, in _TEXTS order
    text_of: array  # occurrence i's are text_rows[text_of[i]]
    ids: array
    instants: array
    moved: bytes

    def __len__(self) -> int:
        return len(self.moved)

    def view(self, index: int) -> OccurrenceView:
        """The view ``index`` as it was given (equal, not the same object)."""
        t = self.text_rows[self.text_of[index]]
        series_id, meeting_id, group_id = (
            None if v == _NONE else v for v in self.ids[index * 3 : index * 3 + 3]
        )
        rid, start, end, local = self.instants[index * 4 : index * 4 + 4]
        return OccurrenceView(
            uid=t[0],
            recurrence_id=None if rid == _NONE else instant(rid),
            series_id=series_id,
            slot_key=t[1],
            meeting_id=meeting_id,
            group_id=group_id,
            title=t[2],
            start=instant(start),
            end=instant(end),
            timezone=t[3],
            status=t[4],
            location=t[5],
            original_start_local=None if local == _NONE else _NAIVE_EPOCH + local * _MICROSECOND,
            is_moved=bool(self.moved[index]),
            change_reason=t[6],
        )

    def series_id(self, index: int) -> int | None:
        value = self.ids[index * 3]
        return None if value == _NONE else value

    def views(self) -> list[OccurrenceView]:
        return [self.view(n) for n in range(len(self))]

    def overlapping(self, begin: datetime, end: datetime) -> PackedViews:
        """The occurrences overlapping [begin, end), in their order, unpacked only when
        read (a page shows 50 of a big group's ~3,000 in four weeks)."""
        lo, hi = micros(begin), micros(end)
        starts, ends = self.instants[1::4], self.instants[2::4]
        return PackedViews(
            self,
            [n for n, (s, e) in enumerate(zip(starts, ends, strict=True)) if s < hi and e > lo],
        )

    def approx_size(self) -> int:
        """Bytes held (``freshness.sizing``): the columns, and each string they refer to
        once (a series' title, UID and location are shared by its occurrences)."""
        texts = {
            id(t): t
            for row in self.text_rows
            for t in row
            if isinstance(t, str) and not isinstance(t, Enum)
        }
        columns = (self.text_rows, self.text_of, self.ids, self.instants, self.moved)
        return (
            sys.getsizeof(self)
            + sum(sys.getsizeof(c) for c in columns)
            + sum(sys.getsizeof(row) for row in self.text_rows)
            + sum(sys.getsizeof(t) for t in texts.values())
        )


T = TypeVar("T")


class Selection(Sequence[T]):
    """Some items of a packed container, by index, each made by ``read(index)`` when it
    is read (the occurrences of a window: ``PackedViews``; the API's entries:
    ``packed_entries.PackedWindow``)."""

    __slots__ = ("_indexes", "_read")

    def __init__(self, read: Callable[[int], T], indexes: list[int]) -> None:
        self._read = read
        self._indexes = indexes

    def __len__(self) -> int:
        return len(self._indexes)

    @overload
    def __getitem__(self, item: int) -> T: ...

    @overload
    def __getitem__(self, item: slice) -> list[T]: ...

    def __getitem__(self, item: int | slice) -> T | list[T]:
        if isinstance(item, slice):
            return [self._read(n) for n in self._indexes[item]]
        return self._read(self._indexes[item])


class PackedViews(Selection[OccurrenceView]):
    """Some occurrences of a :class:`PackedOccurrences` (by index), each unpacked when it
    is read."""

    __slots__ = ()

    def __init__(self, packed: PackedOccurrences, indexes: list[int]) -> None:
        super().__init__(packed.view, indexes)


def pack_occurrences(views: Iterable[OccurrenceView]) -> PackedOccurrences:
    rows: dict[tuple, int] = {}
    text_of, ids, instants, moved = array("l"), array("q"), array("q"), bytearray()
    for v in views:
        text_of.append(rows.setdefault(tuple(getattr(v, name) for name in _TEXTS), len(rows)))
        ids.extend(_NONE if getattr(v, name) is None else getattr(v, name) for name in _IDS)
        instants.extend(
            _NONE if getattr(v, name) is None else micros(getattr(v, name)) for name in _INSTANTS
        )
        local = v.original_start_local
        instants.append(_NONE if local is None else (local - _NAIVE_EPOCH) // _MICROSECOND)
        moved.append(v.is_moved)
    return PackedOccurrences(tuple(rows), text_of, ids, instants, bytes(moved))


@dataclass(frozen=True, slots=True)
class PackedConflicts:
    """Conflicts in their order, each as its overlap (microseconds), its two occurrences
    (which of ``sources`` and where in it), its kind, what and person."""

    sources: tuple[PackedOccurrences, ...]
    first: array  # overlap start, ascending
    last: array  # overlap end
    pairs: array  # a's source, a's index, b's source, b's index
    people: array  # person id, _NONE for a location
    whats: tuple

    def __len__(self) -> int:
        return len(self.first)

    def series_of(self, index: int) -> tuple[int | None, int | None]:
        """The series of conflict ``index``'s two occurrences (without making them)."""
        a_src, a_idx, b_src, b_idx = self.pairs[index * 4 : index * 4 + 4]
        return self.sources[a_src].series_id(a_idx), self.sources[b_src].series_id(b_idx)

    def conflict(self, index: int) -> Conflict:
        a_src, a_idx, b_src, b_idx = self.pairs[index * 4 : index * 4 + 4]
        person = self.people[index]
        return Conflict(
            "location" if person == _NONE else "chair",
            self.whats[index],
            self.sources[a_src].view(a_idx),
            self.sources[b_src].view(b_idx),
            None if person == _NONE else person,
        )


def pack_conflicts(
    found: Sequence[Conflict], sources: Sequence[PackedOccurrences], views: Sequence[list]
) -> PackedConflicts:
    """``found`` (in overlap order), whose occurrences are among ``views`` (the views of
    each of ``sources``, in order)."""
    where = {id(v): (s, n) for s, listed in enumerate(views) for n, v in enumerate(listed)}
    first, last, pairs, people = array("q"), array("q"), array("i"), array("q")
    for c in found:
        first.append(micros(c.overlap_start))
        last.append(micros(c.overlap_end))
        pairs.extend((*where[id(c.a)], *where[id(c.b)]))
        people.append(_NONE if c.person_id is None else c.person_id)
    return PackedConflicts(tuple(sources), first, last, pairs, people, tuple(c.what for c in found))
