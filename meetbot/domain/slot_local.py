"""Where a weekly slot falls on another zone's clock over a period (pure, zoneinfo).

Used by the slot finder's page ("Sydney: Tue 02:00 from 5 January to 30 March; ...")
and the availability poll (each option in the answerer's zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from meetbot.domain.slot_finder import Slot

__all__ = ["LocalRun", "local_runs"]


@dataclass(frozen=True)
class LocalRun:
    """Consecutive occurrences that fall at the same local weekday and time in a zone."""

    first: date  # local date of the first occurrence of the run
    last: date
    weekday: int
    start: str  # HH:MM local
    occurrences: int


def local_runs(
    slot: Slot,
    *,
    timezone: str,
    start: date,
    weeks: int,
    zone: str,
    parity: int | None = None,
) -> list[LocalRun]:
    """Where a slot falls in ``zone`` over the period, as runs of equal local wall time.

    ``parity`` 0 keeps only the even weeks (a pair's A), 1 only the odd ones (B).
    """
    source, target = ZoneInfo(timezone), ZoneInfo(zone)
    runs: list[LocalRun] = []
    for k in range(weeks):
        if parity is not None and k % 2 != parity:
            continue
        day = start + timedelta(days=7 * k + (slot.weekday - start.weekday()) % 7)
        wall = datetime.combine(day, time(slot.minute // 60, slot.minute % 60), source)
        local = wall.astimezone(UTC).astimezone(target)
        hhmm = local.strftime("%H:%M")
        if runs and runs[-1].start == hhmm and runs[-1].weekday == local.weekday():
            prev = runs[-1]
            runs[-1] = LocalRun(prev.first, local.date(), prev.weekday, hhmm, prev.occurrences + 1)
        else:
            runs.append(LocalRun(local.date(), local.date(), local.weekday(), hhmm, 1))
    return runs
