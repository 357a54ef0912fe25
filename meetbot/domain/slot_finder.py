"""The DST-aware slot finder: pure Python + numpy, zoneinfo only (no Flask, no models).

The score is defined in docs/slot-finder.md; this module is its one implementation.

* A participant group is people who share an IANA zone, a daily window (minutes
  from local midnight, ``start < end <= 1440``) and a set of acceptable local
  weekdays (0 = Monday); ``count`` people, ``weight`` (default: ``count``).
* A candidate slot is a weekly wall time in the finder's zone: a weekday and a start
  in 30-minute steps (7 x 48 = 336 candidates). Its occurrence in week ``k`` of the
  period is on that weekday in ``[start + 7k, start + 7k + 6]``, the wall time read
  as recurrence.to_utc() does (fold=0: a gap is read with the offset before it).
* An occurrence suits a participant when, in their zone, it starts on an acceptable
  local weekday at or after the window's start and ends (local wall clock, counted
  from the start's local midnight) at or before the window's end.
* coverage = suited (participant, occurrence) pairs / (participants x weeks).
* A pair (A, B): A in the period's even weeks 0, 2, 4 ..., B in the odd ones. Two-week
  cycle j is weeks 2j and 2j + 1 (the last one has only A when ``weeks`` is odd); a
  participant is *included* when in every cycle A or B suits them.

Exact and fast: participants are grouped by zone and then by window; each zone's UTC
offsets over the period come from its transitions (found once by sampling and
bisection), so the per-(group, week, slot) table is a numpy boolean array, groups
with identical tables are merged, and the pair search is bit operations over
two-week cycles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

__all__ = [
    "MAX_WEEKS",
    "SLOT_COUNT",
    "STEP_MINUTES",
    "FinderResult",
    "PairScore",
    "Participant",
    "Slot",
    "SlotScore",
    "find_slots",
    "score_pair",
]

STEP_MINUTES = 30
STEPS_PER_DAY = 24 * 60 // STEP_MINUTES
SLOT_COUNT = 7 * STEPS_PER_DAY
MAX_WEEKS = 104  # 52 two-week cycles: one 64-bit mask per (group, slot)
DEFAULT_WINDOW = (8 * 60, 20 * 60)
DEFAULT_DAYS = frozenset(range(5))
_DAY = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # a Thursday: weekday 3
_SAMPLE = 6 * 3600  # no zone changes offset twice within six hours


@dataclass(frozen=True)
class Participant:
    """``count`` people sharing a zone, a daily window (minutes) and weekdays."""

    timezone: str
    count: int = 1
    window: tuple[int, int] = DEFAULT_WINDOW
    days: frozenset[int] = DEFAULT_DAYS
    weight: int | None = None  # None: weight = count

    @property
    def total_weight(self) -> int:
        return self.count if self.weight is None else self.weight


@dataclass(frozen=True, order=True)
class Slot:
    """A weekly wall time in the finder's zone: weekday (0 = Monday) and minute of day."""

    weekday: int
    minute: int

    @property
    def index(self) -> int:
        return self.weekday * STEPS_PER_DAY + self.minute // STEP_MINUTES

    @classmethod
    def from_index(cls, index: int) -> Slot:
        return cls(index // STEPS_PER_DAY, (index % STEPS_PER_DAY) * STEP_MINUTES)

    @property
    def start(self) -> str:
        return f"{self.minute // 60:02d}:{self.minute % 60:02d}"


@dataclass(frozen=True)
class SlotScore:
    slot: Slot
    coverage: float
    suited: int  # weighted suited (participant, occurrence) pairs
    suited_every_week: int  # people suited in every week of the period


@dataclass(frozen=True)
class PairScore:
    a: Slot
    b: Slot
    coverage: float
    suited: int
    included: int  # people included (every two-week cycle suits them)
    included_weight: int


@dataclass(frozen=True)
class FinderResult:
    timezone: str
    start: date
    weeks: int
    duration_minutes: int
    people: int
    total_weight: int
    by_slot: list[SlotScore] = field(repr=False)  # all 336, in week order
    slots: list[SlotScore]  # best first
    pairs: list[PairScore]  # best first


def _check(participants: Sequence[Participant], duration: int, weeks: int) -> None:
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be between 1 and {MAX_WEEKS}")
    if not 1 <= duration <= 24 * 60:
        raise ValueError("duration_minutes must be between 1 and 1440")
    for p in participants:
        lo, hi = p.window
        if not 0 <= lo < hi <= 24 * 60:
            raise ValueError(f"window {p.window!r} must satisfy 0 <= start < end <= 1440")
        if not p.days or not set(p.days) <= set(range(7)):
            raise ValueError("days must be a non-empty subset of 0..6")
        if p.count < 0 or p.total_weight < 0:
            raise ValueError("count and weight must not be negative")


def _offset_seconds(moment: datetime) -> int:
    return int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]


def slot_starts_utc(timezone: str, start: date, weeks: int) -> np.ndarray:
    """UTC epoch seconds of every occurrence: shape (weeks, SLOT_COUNT)."""
    zone = ZoneInfo(timezone)
    out = np.empty((weeks, SLOT_COUNT), dtype=np.int64)
    steps = np.arange(STEPS_PER_DAY, dtype=np.int64) * STEP_MINUTES * 60
    for k in range(weeks):
        for d in range(7):
            day = start + timedelta(days=7 * k + d)
            wall0 = (day.toordinal() - _EPOCH_ORDINAL) * _DAY
            first = _offset_seconds(datetime.combine(day, time(0), zone))
            last = _offset_seconds(datetime.combine(day, time(23, 30), zone))
            if first == last:
                offsets = np.full(STEPS_PER_DAY, first, dtype=np.int64)
            else:
                offsets = np.array(
                    [
                        _offset_seconds(datetime.combine(day, time(m // 60, m % 60), zone))
                        for m in range(0, 24 * 60, STEP_MINUTES)
                    ],
                    dtype=np.int64,
                )
            i = day.weekday() * STEPS_PER_DAY
            out[k, i : i + STEPS_PER_DAY] = wall0 + steps - offsets
    return out


def _transitions(zone: ZoneInfo, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """(times, offsets): offsets[i] is in force from times[i] on, over [lo, hi]."""

    def off(t: int) -> int:
        return _offset_seconds(datetime.fromtimestamp(t, zone))

    times, offsets = [lo], [off(lo)]
    t = lo
    while t < hi:
        n = min(t + _SAMPLE, hi)
        o = off(n)
        if o != offsets[-1]:
            a, b = t, n
            while b - a > 1:
                m = (a + b) // 2
                if off(m) == offsets[-1]:
                    a = m
                else:
                    b = m
            times.append(b)
            offsets.append(o)
        t = n
    return np.array(times, dtype=np.int64), np.array(offsets, dtype=np.int64)


def _zone_local(
    zone_name: str, starts: np.ndarray, duration: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(local weekday, local second of day of the start, local end from that midnight)."""
    ends = starts + duration * 60
    times, offsets = _transitions(ZoneInfo(zone_name), int(starts.min()), int(ends.max()))

    def local(x: np.ndarray) -> np.ndarray:
        return x + offsets[np.searchsorted(times, x, side="right") - 1]

    ls, le = local(starts), local(ends)
    day = ls // _DAY
    return (day + 3) % 7, ls - day * _DAY, le - day * _DAY


def _tables(
    participants: Iterable[Participant], starts: np.ndarray, duration: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merged suitability tables: (S[u, week, slot], weights[u], counts[u])."""
    by_zone: dict[str, list[Participant]] = {}
    for p in participants:
        if p.count or p.total_weight:
            by_zone.setdefault(p.timezone, []).append(p)
    merged: dict[bytes, list] = {}
    for zone_name in sorted(by_zone):
        weekday, start_s, end_s = _zone_local(zone_name, starts, duration)
        for p in by_zone[zone_name]:
            days = np.zeros(7, dtype=bool)
            days[list(p.days)] = True
            suited = days[weekday] & (start_s >= p.window[0] * 60) & (end_s <= p.window[1] * 60)
            entry = merged.setdefault(suited.tobytes(), [suited, 0, 0])
            entry[1] += p.total_weight
            entry[2] += p.count
    if not merged:
        empty = np.zeros((0,) + starts.shape, dtype=bool)
        return empty, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows = list(merged.values())
    return (
        np.stack([r[0] for r in rows]),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=np.int64),
    )


def _fail_masks(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group and slot, the two-week cycles in which A (resp. B) does not suit."""
    weeks = table.shape[1]
    cycles = (weeks + 1) // 2
    bits = np.uint64(1) << np.arange(cycles, dtype=np.uint64)  # (cycles,)
    fail_a = ((~table[:, 0::2, :]).astype(np.uint64) * bits[None, :, None]).sum(axis=1)
    fail_b_weeks = (~table[:, 1::2, :]).astype(np.uint64)
    if weeks % 2:  # the last cycle has no B week: B never helps there
        pad = np.ones((table.shape[0], 1, table.shape[2]), dtype=np.uint64)
        fail_b_weeks = np.concatenate([fail_b_weeks, pad], axis=1)
    fail_b = (fail_b_weeks * bits[None, :, None]).sum(axis=1)
    return fail_a.astype(np.uint64), fail_b.astype(np.uint64)


def _pair_scores(
    table: np.ndarray, weights: np.ndarray, counts: np.ndarray, top: int, denominator: int
) -> list[PairScore]:
    fail_a, fail_b = _fail_masks(table)
    inc_w = np.zeros((SLOT_COUNT, SLOT_COUNT), dtype=np.int64)
    inc_c = np.zeros((SLOT_COUNT, SLOT_COUNT), dtype=np.int64)
    same = bool((weights == counts).all())
    for u in range(table.shape[0]):
        ok = (fail_a[u][:, None] & fail_b[u][None, :]) == 0
        inc_w += ok * weights[u]
        if not same:
            inc_c += ok * counts[u]
    if same:
        inc_c = inc_w
    cov_a = (table[:, 0::2, :].sum(axis=1) * weights[:, None]).sum(axis=0)
    cov_b = (table[:, 1::2, :].sum(axis=1) * weights[:, None]).sum(axis=0)
    suited = cov_a[:, None] + cov_b[None, :]
    flat_inc = inc_w.ravel().copy()
    flat_inc[:: SLOT_COUNT + 1] = -1  # A == B is a single slot, not a pair
    order = np.lexsort((-suited.ravel(), -flat_inc))[:top]
    out = []
    for i in order.tolist():
        a, b = divmod(i, SLOT_COUNT)
        out.append(
            PairScore(
                a=Slot.from_index(a),
                b=Slot.from_index(b),
                coverage=float(suited[a, b]) / denominator if denominator else 0.0,
                suited=int(suited[a, b]),
                included=int(inc_c[a, b]),
                included_weight=int(inc_w[a, b]),
            )
        )
    return out


def find_slots(
    participants: Sequence[Participant],
    *,
    start: date,
    timezone: str = "UTC",
    duration_minutes: int = 60,
    weeks: int = 52,
    top: int = 10,
    top_pairs: int | None = None,
) -> FinderResult:
    """Score every weekly slot and every alternating pair (see the module docstring)."""
    _check(participants, duration_minutes, weeks)
    starts = slot_starts_utc(timezone, start, weeks)
    table, weights, counts = _tables(participants, starts, duration_minutes)
    total_weight = int(weights.sum())
    denominator = total_weight * weeks
    per_slot = (table.sum(axis=1) * weights[:, None]).sum(axis=0) if len(weights) else None
    every = (table.all(axis=1) * counts[:, None]).sum(axis=0) if len(weights) else None
    by_slot = [
        SlotScore(
            slot=Slot.from_index(i),
            coverage=float(per_slot[i]) / denominator if denominator else 0.0,
            suited=int(per_slot[i]) if per_slot is not None else 0,
            suited_every_week=int(every[i]) if every is not None else 0,
        )
        for i in range(SLOT_COUNT)
    ]
    best = sorted(by_slot, key=lambda s: (-s.suited, -s.suited_every_week, s.slot.index))
    pairs = (
        _pair_scores(table, weights, counts, top if top_pairs is None else top_pairs, denominator)
        if len(weights)
        else []
    )
    return FinderResult(
        timezone=timezone,
        start=start,
        weeks=weeks,
        duration_minutes=duration_minutes,
        people=int(sum(p.count for p in participants)),
        total_weight=total_weight,
        by_slot=by_slot,
        slots=best[:top],
        pairs=pairs,
    )


def score_pair(
    participants: Sequence[Participant],
    a: Slot,
    b: Slot,
    *,
    start: date,
    timezone: str = "UTC",
    duration_minutes: int = 60,
    weeks: int = 52,
) -> PairScore:
    """The figures of one given pair (A in the period's first week), e.g. a series'."""
    _check(participants, duration_minutes, weeks)
    table, weights, counts = _tables(
        participants, slot_starts_utc(timezone, start, weeks), duration_minutes
    )
    denominator = int(weights.sum()) * weeks
    fail_a, fail_b = _fail_masks(table)
    ok = (fail_a[:, a.index] & fail_b[:, b.index]) == 0
    suited = int(
        (table[:, 0::2, a.index].sum(axis=1) * weights).sum()
        + (table[:, 1::2, b.index].sum(axis=1) * weights).sum()
    )
    return PairScore(
        a=a,
        b=b,
        coverage=suited / denominator if denominator else 0.0,
        suited=suited,
        included=int((ok * counts).sum()),
        included_weight=int((ok * weights).sum()),
    )
