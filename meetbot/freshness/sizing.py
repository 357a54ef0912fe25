"""An approximate size in bytes of a cached value, for caches bounded by memory.

``approx_size`` walks the value the way it is held: ``sys.getsizeof`` of every object
reached through containers (list, tuple, set, dict), the fields of dataclasses,
named tuples and plain objects (``__dict__`` / ``__slots__``), each object counted
once (strings, zones and people shared by many entries count once per value). Long
containers are sampled: of more than ``2 * SAMPLE`` items, ``SAMPLE`` spread evenly
are measured with what they share, and the mean of ``SAMPLE`` more (walked after them,
so without what is shared) is counted for each of the rest; the walk stops ``MAX_DEPTH``
levels down (what lies deeper counts as its shallow size). Module-level objects
that are never the cache's to free (classes, functions, enum members) count nothing.

Objects another entry holds can be named as ``shared``: they count nothing. An object
with an ``approx_size()`` method of its own (packed columns, whose long tuples of
shared strings sampling misjudges) is counted by it.

It is an estimate of what dropping the value frees, within a few tens of percent for
the lists of occurrences, conflicts and rendered text the derived cache holds, in
tens of microseconds per thousand items, not an exact measure (``tracemalloc`` is).
"""

from __future__ import annotations

import dataclasses
import enum
import sys
import types
from collections.abc import Iterable
from typing import Any

SAMPLE = 48
MAX_DEPTH = 8
_ATOMS = (str, bytes, bytearray, int, float, complex, bool, type(None))
_SHARED = (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType, enum.Enum)


def approx_size(value: Any, *, shared: Iterable[object] = ()) -> int:
    """Approximate bytes held by ``value`` and what it references (see the module).

    Objects in ``shared`` (and what only they reference) count nothing: another cache
    entry holds and counts them, e.g. the occurrences a list of conflicts points at."""
    return _size(value, {id(obj) for obj in shared}, 0)


def _size(obj: Any, seen: set[int], depth: int) -> int:
    if isinstance(obj, _SHARED) or id(obj) in seen:
        return 0
    seen.add(id(obj))
    own_size = getattr(type(obj), "approx_size", None)
    if own_size is not None:
        return own_size(obj)
    own = sys.getsizeof(obj, 64)
    if isinstance(obj, _ATOMS) or depth >= MAX_DEPTH:
        return own
    children = _children(obj)
    if children is None:
        return own
    return own + _sum_sampled(children, seen, depth + 1)


def _children(obj: Any) -> list | None:
    """What ``obj`` references (None for a leaf such as a datetime)."""
    if isinstance(obj, (list, tuple, set, frozenset)):
        return obj if isinstance(obj, list) else list(obj)
    if isinstance(obj, dict):
        return [*obj.keys(), *obj.values()]
    if dataclasses.is_dataclass(obj):
        return [getattr(obj, f.name, None) for f in dataclasses.fields(obj)]
    fields = getattr(obj, "__dict__", None)
    if fields is not None:
        return list(fields.values())
    slots = getattr(type(obj), "__slots__", ())
    if slots:
        return [getattr(obj, name, None) for name in slots]
    return None


def _sum_sampled(items: list, seen: set[int], depth: int) -> int:
    """The size of ``items``; of a long list, two interleaved samples of ``SAMPLE``: the
    first counts what its items share with the rest (titles, zones, a series' strings)
    once, the second, walked after it, what each further item adds."""
    count = len(items)
    if count <= 2 * SAMPLE:
        return sum(_size(item, seen, depth) for item in items)
    step = count / (2 * SAMPLE)
    picked = [items[int(n * step)] for n in range(2 * SAMPLE)]
    first = sum(_size(item, seen, depth) for item in picked[0::2])
    each = sum(_size(item, seen, depth) for item in picked[1::2]) / SAMPLE
    return int(first + each * (count - SAMPLE))
