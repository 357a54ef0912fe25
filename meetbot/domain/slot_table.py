"""The slot finder's suitability table, in pure Python (docs/slot-finder.md).

For every participant group and every candidate slot, one ``int`` whose bit ``k``
says whether the slot's occurrence in week ``k`` suits the group (the rule in
``slot_finder``'s docstring). Occurrences are read zone by zone: a zone's UTC
offsets over the period come from its transitions (found once by sampling and
bisection), each occurrence is reduced to its local (weekday, start, end), and a
slot's weeks are grouped by that triple, so a group's table is a few bit ORs per
slot; groups with identical tables are merged.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

STEP_MINUTES = 30
STEPS_PER_DAY = 24 * 60 // STEP_MINUTES
SLOT_COUNT = 7 * STEPS_PER_DAY
_DAY = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # a Thursday: weekday 3
_SAMPLE = 6 * 3600  # no zone changes offset twice within six hours

# A slot's weeks by local (weekday, start second, end second from the start's midnight).
LocalWeeks = dict[tuple[int, int, int], int]


class Person(Protocol):
    """What the table reads of a participant (``slot_finder.Participant``)."""

    @property
    def timezone(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def window(self) -> tuple[int, int]: ...
    @property
    def days(self) -> frozenset[int]: ...
    @property
    def total_weight(self) -> int: ...


class Table:
    """Merged groups: ``rows[u][slot]`` is the week mask, with ``weights[u]`` and
    ``counts[u]`` the summed weight and people of the groups merged into ``u``."""

    def __init__(self, rows: list[tuple[int, ...]], weights: list[int], counts: list[int]):
        self.rows, self.weights, self.counts = rows, weights, counts


def _offset_seconds(moment: datetime) -> int:
    return int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]


class Starts:
    """Every occurrence of every slot: ``utc[week][slot]`` (epoch seconds), the wall
    time of week 0 read as if it were UTC (``wall[slot]``), and per week the finder
    zone's one UTC offset that week (``None`` when it changes within the week)."""

    def __init__(self, utc: list[list[int]], wall: list[int], offsets: list[int | None]):
        self.utc, self.wall, self.offsets = utc, wall, offsets


def slot_starts_utc(timezone: str, start: date, weeks: int) -> Starts:
    """Every occurrence of the finder's slots (wall times read as ``to_utc`` does)."""
    zone = ZoneInfo(timezone)
    utc = [[0] * SLOT_COUNT for _ in range(weeks)]
    wall = [0] * SLOT_COUNT
    week_offsets: list[int | None] = []
    steps = [m * 60 for m in range(0, 24 * 60, STEP_MINUTES)]
    for k in range(weeks):
        seen: set[int] = set()
        for d in range(7):
            day = start + timedelta(days=7 * k + d)
            wall0 = (day.toordinal() - _EPOCH_ORDINAL) * _DAY
            offsets = _day_offsets(day, zone)
            seen.update(offsets)
            i = day.weekday() * STEPS_PER_DAY
            utc[k][i : i + STEPS_PER_DAY] = [
                wall0 + s - o for s, o in zip(steps, offsets, strict=True)
            ]
            if k == 0:
                wall[i : i + STEPS_PER_DAY] = [wall0 + s for s in steps]
        week_offsets.append(seen.pop() if len(seen) == 1 else None)
    return Starts(utc, wall, week_offsets)


def _day_offsets(day: date, zone: ZoneInfo) -> list[int]:
    first = _offset_seconds(datetime.combine(day, time(0), zone))
    last = _offset_seconds(datetime.combine(day, time(23, 30), zone))
    if first == last:
        return [first] * STEPS_PER_DAY
    return [
        _offset_seconds(datetime.combine(day, time(m // 60, m % 60), zone))
        for m in range(0, 24 * 60, STEP_MINUTES)
    ]


def _transitions(zone: ZoneInfo, lo: int, hi: int) -> tuple[list[int], list[int]]:
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
    return times, offsets


def _local_weeks(zone_name: str, starts: Starts, duration: int) -> list[LocalWeeks]:
    """Per slot, its weeks grouped by local (weekday, start second, end second).

    In a week where neither the finder's zone nor ``zone_name`` changes offset, every
    slot is moved by the same shift (zone offset - finder offset) from its wall time,
    and a shift's weeks give the same triples: such weeks are grouped by shift, and
    only the weeks with a change are read slot by slot."""
    span = duration * 60
    lo = min(min(row) for row in starts.utc)
    hi = max(max(row) for row in starts.utc) + span
    times, offsets = _transitions(ZoneInfo(zone_name), lo, hi)
    by_slot: list[LocalWeeks] = [{} for _ in range(SLOT_COUNT)]
    by_shift: dict[int, int] = {}
    for k, row in enumerate(starts.utc):
        first = bisect_right(times, min(row))
        finder_offset = starts.offsets[k]
        if finder_offset is not None and bisect_right(times, max(row) + span) == first:
            shift = offsets[first - 1] - finder_offset
            by_shift[shift] = by_shift.get(shift, 0) | 1 << k
            continue
        local = [
            (
                x + offsets[bisect_right(times, x) - 1],
                x + span + offsets[bisect_right(times, x + span) - 1],
            )
            for x in row
        ]
        _add_weeks(by_slot, local, 1 << k)
    for shift, weeks in by_shift.items():
        _add_weeks(by_slot, [(w + shift, w + shift + span) for w in starts.wall], weeks)
    return by_slot


def _add_weeks(by_slot: list[LocalWeeks], local: list[tuple[int, int]], weeks: int) -> None:
    """Add ``weeks`` to each slot's local (start, end), given as epoch-like seconds."""
    for weeks_of, (ls, le) in zip(by_slot, local, strict=True):
        day = ls // _DAY
        key = ((day + 3) % 7, ls - day * _DAY, le - day * _DAY)
        weeks_of[key] = weeks_of.get(key, 0) | weeks


def _suited_rows(person: Person, by_slot: list[LocalWeeks]) -> tuple[int, ...]:
    lo, hi = person.window[0] * 60, person.window[1] * 60
    days = person.days
    rows = [0] * SLOT_COUNT
    for s, weeks_of in enumerate(by_slot):
        for (wd, ls, le), weeks in weeks_of.items():
            if ls >= lo and le <= hi and wd in days:
                rows[s] |= weeks
    return tuple(rows)


def build_table(participants: Sequence[Person], starts: Starts, duration: int) -> Table:
    """Merged suitability table of ``participants`` (zero-weight, zero-count ones left out)."""
    by_zone: dict[str, list[Person]] = {}
    for p in participants:
        if p.count or p.total_weight:
            by_zone.setdefault(p.timezone, []).append(p)
    merged: dict[tuple[int, ...], list[int]] = {}
    for zone_name in sorted(by_zone):
        by_slot = _local_weeks(zone_name, starts, duration)
        for p in by_zone[zone_name]:
            entry = merged.setdefault(_suited_rows(p, by_slot), [0, 0])
            entry[0] += p.total_weight
            entry[1] += p.count
    rows = list(merged)
    return Table(rows, [merged[r][0] for r in rows], [merged[r][1] for r in rows])
