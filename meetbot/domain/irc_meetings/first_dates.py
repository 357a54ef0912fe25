"""The first date of a schedule, as yaml2ical computes it, and the ISO week 53 warning."""

from __future__ import annotations

from datetime import date, timedelta


def _on_or_after(anchor: date, weekday: int) -> date:
    return anchor + timedelta(days=(weekday - anchor.weekday()) % 7)


def nth_weekday_next_month(anchor: date, weekday: int, nth: int) -> date:
    year, month = (anchor.year + 1, 1) if anchor.month == 12 else (anchor.year, anchor.month + 1)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def first_weekly_date(anchor: date, weekday: int, weeks: int, residue: int | None) -> date:
    day = _on_or_after(anchor, weekday)
    if residue is None:
        return day
    # ISO week numbers run ...52, (53,) 1, 2...: within 5 weeks every residue
    # mod 2 or mod 4 appears.
    while day.isocalendar().week % weeks != residue:
        day += timedelta(days=7)
    return day


def drift_warning(frequency: str, first: date, weeks: int, residue: int) -> str:
    """Warn where a 2/4-weekly series stops matching its ISO-week name."""
    year = first.isocalendar().year
    while date(year, 12, 28).isocalendar().week != 53:  # Dec 28 is always in the last week
        year += 1
    start_next = date.fromisocalendar(year + 1, 1, 1)
    step = 7 * weeks
    k = -(-(start_next - first).days // step)
    drifted = first + timedelta(days=k * step)
    wanted = (
        ("odd" if residue else "even") + " ISO weeks"
        if weeks == 2
        else f"ISO weeks with number % 4 == {residue}"
    )
    return (
        f"{frequency}: repeats every {weeks} weeks from {first.isoformat()} (RRULE "
        f"INTERVAL={weeks}); ISO year {year} has a week 53, so from {drifted.isoformat()} "
        f"the meetings no longer fall on {wanted}. The RRULE meaning is kept, as in "
        f"yaml2ical's calendar."
    )
