"""Rule marks: which meeting rows are exactly an occurrence of their slot's rule.

A meeting row of a series slot holds a *rule mark* (``Meeting.rule_mark``): the
:func:`slot_mark` of its slot (a hash of the slot's id and everything its rule is made
of) when the rule generates the row's original start and the row's start and end are
that occurrence's, else None. A mark equal to the slot's current one therefore says
"this row is where the rule puts it" without expanding the rule; a slot whose rule
changed has a new mark, so its rows' old marks stop counting by themselves (a stale
mark can only make a reader do the matching itself, never skip a row wrongly).
The feed render reads only the rows that lack the current mark or differ in content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from meetbot.domain.recurrence import RecurrenceError, Slot, expand, to_utc

# Part of every mark: raise it when what a mark means changes.
MARK_FORMAT = 1

# (row id, original local start, start instant, end instant) of one meeting row.
MarkRow = tuple[int, datetime | None, datetime, datetime]


def slot_mark(slot_id: int, slot: Slot) -> str:
    """The mark of the rows that are exactly occurrences of this slot's rule."""
    rule = slot.rule
    parts = (
        MARK_FORMAT,
        slot_id,
        slot.timezone,
        slot.start.isoformat(),
        int(slot.duration.total_seconds()),
        str(rule.frequency),
        rule.interval,
        rule.weekday,
        rule.setpos,
        rule.until.isoformat() if rule.until is not None else None,
        rule.count,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def row_marks(slot_id: int, slot: Slot, rows: Iterable[MarkRow]) -> dict[int, str | None]:
    """row id -> the mark each row should hold (one expansion over the rows' span)."""
    rows = [r for r in rows]
    keyed = [r for r in rows if r[1] is not None]
    if not keyed:
        return {r[0]: None for r in rows}
    try:
        starts = [to_utc(r[1], slot.timezone) for r in keyed]
        found = expand(slot, min(starts) - timedelta(days=1), max(starts) + timedelta(days=1))
    except RecurrenceError:
        # A rule the form would refuse (a restored or imported row may hold one): no row
        # is "where the rule puts it", so the readers match every row themselves.
        return {r[0]: None for r in rows}
    times = {occ.original_start: (occ.start_utc, occ.end_utc) for occ in found}
    mark = slot_mark(slot_id, slot)
    return {
        row_id: mark if original is not None and times.get(original) == (begin, end) else None
        for row_id, original, begin, end in rows
    }
