"""The slot finder's alternating-pair search, in pure Python (docs/slot-finder.md).

A pair (A, B): A in the period's even weeks, B in the odd ones; two-week cycle ``j``
is weeks ``2j`` and ``2j + 1``. With a group's week mask ``m`` of a slot, the cycles
in which A fails are ``EVEN & ~m`` and those in which B fails, moved onto the same
bits, ``(ODD & ~m) >> 1`` (plus the last cycle when ``weeks`` is odd: it has no B
week); a group is included in (A, B) when the two share no bit.

All 336 x 336 pairs at once: a row of the pair table (one A, every B) is a "packed"
integer, one 64-bit field per B slot, so adding a group's contribution to a row is
one integer addition. A group's B slots fall into a few classes of equal fail mask,
and its contribution to row A depends only on A's fail mask, so each (group, A fail
mask) vector is built once (and the loops over slots run in ``map``). Each field
finally holds ``included x K + suited`` (K above any suited figure): the best pairs
are the largest fields, ties by index.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import repeat
from operator import add, invert, rshift

from meetbot.domain.slot_table import SLOT_COUNT, Table

_FIELD_BYTES = 8
_ROW_BYTES = SLOT_COUNT * _FIELD_BYTES
_FIELD_LIMIT = 1 << 63


def _pack(values: Sequence[int]) -> int:
    """One 64-bit field per slot (values must be in [0, 2**63))."""
    return int.from_bytes(array("q", values).tobytes(), "little")


def _unpack(packed: int) -> array:
    out = array("q")
    out.frombytes(packed.to_bytes(_ROW_BYTES, "little"))
    return out


_ALL = _pack([1] * SLOT_COUNT)


class FailMasks:
    """Per merged group and slot, the two-week cycles in which A (resp. B) fails."""

    def __init__(self, table: Table, weeks: int) -> None:
        even = sum(1 << k for k in range(0, weeks, 2))
        odd = sum(1 << k for k in range(1, weeks, 2))
        pad = 1 << (weeks - 1) if weeks % 2 else 0
        self.a = [list(map(even.__and__, map(invert, row))) for row in table.rows]
        self.b = [
            list(map(pad.__or__, map(rshift, map(odd.__and__, map(invert, row)), repeat(1))))
            for row in table.rows
        ]
        self.cov_a = _weighted_counts(table, even)
        self.cov_b = _weighted_counts(table, odd)

    def included(self, weights: Sequence[int], a: int, b: int) -> int:
        return sum(
            w for w, fa, fb in zip(weights, self.a, self.b, strict=True) if not fa[a] & fb[b]
        )


def _weighted_counts(table: Table, weeks_mask: int) -> list[int]:
    """Per slot, the weighted (group, week) pairs that suit among ``weeks_mask``."""
    out = [0] * SLOT_COUNT
    for w, row in zip(table.weights, table.rows, strict=True):
        counts = map(int.bit_count, map(weeks_mask.__and__, row))
        out = list(map(add, out, map(w.__mul__, counts)))
    return out


def _group_rows(weight: int, fail_a: list[int], fail_b: list[int]) -> list[int]:
    """The group's weighted inclusion vector (packed, over B) for every A slot."""
    classes = []
    for fb in set(fail_b):
        buf = bytearray(_ROW_BYTES)
        buf[::_FIELD_BYTES] = bytes(map(fb.__eq__, fail_b))
        classes.append((fb, int.from_bytes(buf, "little")))
    vectors = {0: weight * _ALL}
    for fa in set(fail_a) - {0}:
        vectors[fa] = weight * sum(packed for fb, packed in classes if not fa & fb)
    return list(map(vectors.__getitem__, fail_a))


def _inclusion_rows(table: Table, masks: FailMasks) -> list[int]:
    """Per A slot, the packed weighted inclusion over every B slot."""
    rows = [0] * SLOT_COUNT
    for w, fail_a, fail_b in zip(table.weights, masks.a, masks.b, strict=True):
        if w:
            rows = list(map(add, rows, _group_rows(w, fail_a, fail_b)))
    return rows


def best_pairs(table: Table, masks: FailMasks, top: int) -> list[tuple[int, int, int, int]]:
    """The ``top`` best (a, b, included weight, suited): included weight, then suited,
    highest first, then by index ``a * SLOT_COUNT + b``; a == b is not a pair."""
    total = sum(table.weights)
    k = max(max(masks.cov_a, default=0) + max(masks.cov_b, default=0), 0) + 1
    if total * k + k >= _FIELD_LIMIT:
        raise ValueError("the total weight is too large for the pair search")
    cov_b = _pack(masks.cov_b)
    keys = []
    for a, inc in enumerate(_inclusion_rows(table, masks)):
        row = _unpack(inc * k + masks.cov_a[a] * _ALL + cov_b)
        row[a] = -k + masks.cov_a[a] + masks.cov_b[a]  # included = -1: after every pair
        keys.append(row)
    return [(a, b, key // k, key % k) for a, b, key in _top(keys, top)]


def _top(keys: list[array], top: int) -> list[tuple[int, int, int]]:
    """The ``top`` largest keys as (a, b, key), ties by index."""
    tops = sorted((v for row in keys for v in sorted(row, reverse=True)[:top]), reverse=True)
    threshold = tops[min(top, len(tops)) - 1]
    found = [
        (-v, a * SLOT_COUNT + b)
        for a, row in enumerate(keys)
        if max(row) >= threshold
        for b, v in enumerate(row)
        if v >= threshold
    ]
    found.sort()
    return [(i // SLOT_COUNT, i % SLOT_COUNT, -v) for v, i in found[:top]]
