"""Recurrence of meeting slots: pure Python, no Flask or SQLAlchemy.

CONTRACT: keep these names and fields stable; the models, services, iCal
builder and API are written against them.

Functions: validate_slot(), first_matching_start(), to_utc(), expand(),
expand_many(), next_occurrences(), to_rrule(), describe().

Time rules (tested): a slot is a naive local wall time in an IANA zone; each
occurrence keeps that wall time across DST (so it moves in UTC). A wall time in
a DST gap or fold is resolved as RFC 5545 section 3.3.5 says (see to_utc()).
Durations are absolute. to_rrule() and expand() describe the same set.

A meeting series has one or more *slots*. Each slot is a wall-clock time in an
IANA zone plus a rule that maps 1:1 to an RFC 5545 RRULE, so that the feeds
and meetbot's own occurrence list always agree.

Modules: ``slots`` (the types), ``rules`` (checks, wall time to UTC, weekday
arithmetic), ``expansion`` (occurrences in a window), ``rrule`` (RRULE text and
the English description). Import from the package: its names are the interface.
"""

from __future__ import annotations

from meetbot.domain.recurrence.expansion import expand, expand_many, next_occurrences, validate_slot
from meetbot.domain.recurrence.rrule import describe, to_rrule
from meetbot.domain.recurrence.rules import (
    first_matching_start,
    first_weekday_on_or_after,
    to_utc,
)
from meetbot.domain.recurrence.slots import Frequency, Occurrence, RecurrenceError, Rule, Slot

__all__ = [
    "Frequency",
    "Occurrence",
    "RecurrenceError",
    "Rule",
    "Slot",
    "describe",
    "expand",
    "expand_many",
    "first_matching_start",
    "first_weekday_on_or_after",
    "next_occurrences",
    "to_rrule",
    "to_utc",
    "validate_slot",
]
