"""The occurrences of a slot pinned by exception VEVENTs at DST changes.

Clients disagree on a local time in a DST gap or fold, and some add the duration in
wall-clock time: occurrences there get their exact instants (see ``components``). Only
the changes an occurrence can touch are searched (the prefilter, :func:`may_touch`),
and what the prefilter keeps depends only on (zone, years, time of day, duration): the
slots of a feed share a few hundred such lists (issue 19).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from meetbot.domain import recurrence
from meetbot.domain.ical.items import is_utc_zone
from meetbot.domain.ical.values import in_fold
from meetbot.domain.ical.vtimezone import year_transitions
from meetbot.domain.recurrence import Slot

_DAY = timedelta(days=1)
# Slack around the local window of a transition (whole-hour and half-hour changes
# alike fit well inside it).
_MARGIN = timedelta(hours=1)


def dst_sensitive(
    slot: Slot, first_year: int, last_year: int, *, prefilter: bool = True
) -> list[recurrence.Occurrence]:
    """Occurrences that clients would place differently without an exception VEVENT.

    Those starting at a nonexistent or repeated local time (clients differ:
    ical.js reads 02:30 in a spring gap as 00:30 UTC in Berlin, RFC 5545 and
    recurrence.to_utc as 01:30 UTC) and those spanning a UTC offset change
    (some clients add the duration in wall-clock time). Only within the years
    the VTIMEZONEs cover. ``prefilter``: skip the transitions no occurrence can
    touch (:func:`may_touch`) without expanding the rule around them.
    """
    if is_utc_zone(slot.timezone):
        return []
    if prefilter:
        changes = _touchable(slot.timezone, first_year, last_year, slot.start.time(), slot.duration)
    else:
        changes = tuple(
            when for when, _low, _span in _windows(slot.timezone, first_year, last_year)
        )
    tz = ZoneInfo(slot.timezone)
    found: dict[datetime, recurrence.Occurrence] = {}
    for when in changes:
        window = (when - slot.duration - _DAY, when + _DAY)
        for occ in recurrence.expand(slot, *window):
            local = occ.original_start.replace(tzinfo=tz)
            gap = local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != (occ.original_start)
            if gap or in_fold(local) or occ.start_utc < when < occ.end_utc:
                found[occ.original_start] = occ
    return [found[key] for key in sorted(found)]


@lru_cache(maxsize=256)
def _windows(
    zone: str, first_year: int, last_year: int
) -> tuple[tuple[datetime, timedelta, timedelta], ...]:
    """(UTC instant, local time of day its window opens, the window's length) of each
    change of ``zone`` in these years: the window runs from the earlier of the
    wall-clock readings before and after the change to the later, widened by
    :data:`_MARGIN` each way."""
    first = datetime(first_year, 1, 1, tzinfo=UTC)
    out = []
    for year in range(first_year, last_year + 1):
        for when, before, after in year_transitions(zone, year):
            if when < first:
                continue
            low = (when + min(before[0], after[0])).replace(tzinfo=None) - _MARGIN
            span = abs(before[0] - after[0]) + 2 * _MARGIN
            out.append((when, low - low.replace(hour=0, minute=0, second=0, microsecond=0), span))
    return tuple(out)


@lru_cache(maxsize=4096)
def _touchable(
    zone: str, first_year: int, last_year: int, time_of_day: time, duration: timedelta
) -> tuple[datetime, ...]:
    """The changes of ``zone`` in these years an occurrence starting at ``time_of_day``
    and lasting ``duration`` can touch."""
    start = timedelta(
        hours=time_of_day.hour,
        minutes=time_of_day.minute,
        seconds=time_of_day.second,
        microseconds=time_of_day.microsecond,
    )
    return tuple(
        when
        for when, opens, span in _windows(zone, first_year, last_year)
        if may_touch(start, duration, opens, span)
    )


def may_touch(start: timedelta, duration: timedelta, opens: timedelta, span: timedelta) -> bool:
    """Can an occurrence starting at local time of day ``start`` and lasting
    ``duration`` start in the gap or fold of a change or span it? Every occurrence
    starts at the slot's local time of day (weekly and monthly rules repeat a
    wall-clock time), and any that can starts, in local time, in the change's window
    (opening at time of day ``opens``, ``span`` long) or up to ``duration`` before it:
    if ``start`` is not in that widened window, none can."""
    if span + duration >= _DAY:
        return True
    return (start - opens + duration) % _DAY <= span + duration


def clear_dst_cache() -> None:
    """Forget the prefilter's lists (a cold render starts without them)."""
    _touchable.cache_clear()
    _windows.cache_clear()
