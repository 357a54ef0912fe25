"""The DST-aware slot finder: pure Python, zoneinfo only (no Flask, no models).

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
bisection), the per-(group, slot) table holds one week bit mask per slot, groups
with identical tables are merged (``slot_table``), and the pair search is bit
operations over two-week cycles, a whole row of pairs per integer addition
(``slot_pairs``). No numpy: importing the app stays cheap (issue 19).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import add

from meetbot.domain.slot_pairs import FailMasks, best_pairs
from meetbot.domain.slot_table import (
    SLOT_COUNT,
    STEP_MINUTES,
    STEPS_PER_DAY,
    Table,
    build_table,
    slot_starts_utc,
)

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

MAX_WEEKS = 104  # 52 two-week cycles: one 64-bit mask per (group, slot)
DEFAULT_WINDOW = (8 * 60, 20 * 60)
DEFAULT_DAYS = frozenset(range(5))


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


def _table(
    participants: Sequence[Participant], start: date, timezone: str, duration: int, weeks: int
) -> Table:
    _check(participants, duration, weeks)
    return build_table(participants, slot_starts_utc(timezone, start, weeks), duration)


def _slot_scores(table: Table, weeks: int, denominator: int) -> list[SlotScore]:
    full = (1 << weeks) - 1
    suited = [0] * SLOT_COUNT
    every = [0] * SLOT_COUNT
    for w, c, row in zip(table.weights, table.counts, table.rows, strict=True):
        suited = list(map(add, suited, map(w.__mul__, map(int.bit_count, row))))
        every = list(map(add, every, map(c.__mul__, map(full.__eq__, row))))
    return [
        SlotScore(
            slot=Slot.from_index(i),
            coverage=suited[i] / denominator if denominator else 0.0,
            suited=suited[i],
            suited_every_week=every[i],
        )
        for i in range(SLOT_COUNT)
    ]


def _pair_scores(table: Table, weeks: int, top: int, denominator: int) -> list[PairScore]:
    masks = FailMasks(table, weeks)
    same = table.weights == table.counts
    return [
        PairScore(
            a=Slot.from_index(a),
            b=Slot.from_index(b),
            coverage=suited / denominator if denominator else 0.0,
            suited=suited,
            included=included if same else masks.included(table.counts, a, b),
            included_weight=included,
        )
        for a, b, included, suited in best_pairs(table, masks, top)
    ]


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
    table = _table(participants, start, timezone, duration_minutes, weeks)
    total_weight = sum(table.weights)
    denominator = total_weight * weeks
    by_slot = _slot_scores(table, weeks, denominator)
    best = sorted(by_slot, key=lambda s: (-s.suited, -s.suited_every_week, s.slot.index))
    pairs = (
        _pair_scores(table, weeks, top if top_pairs is None else top_pairs, denominator)
        if table.rows
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
    table = _table(participants, start, timezone, duration_minutes, weeks)
    denominator = sum(table.weights) * weeks
    masks = FailMasks(table, weeks)
    suited = masks.cov_a[a.index] + masks.cov_b[b.index]
    return PairScore(
        a=a,
        b=b,
        coverage=suited / denominator if denominator else 0.0,
        suited=suited,
        included=masks.included(table.counts, a.index, b.index),
        included_weight=masks.included(table.weights, a.index, b.index),
    )
