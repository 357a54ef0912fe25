"""Which scheduled meeting a chat meeting belongs to, from the instant it started.

The one rule for "this ``#startmeeting`` is that occurrence": the log import uses it
(``flask import-log --group SLUG --date DAY``), and a live IRC bot can use it for a
``#startmeeting`` as it happens.

A meeting that started at ``started`` belongs to an occurrence when ``started`` lies
from ``ATTACH_EARLY`` (15 minutes) before the occurrence's scheduled start to
``ATTACH_LATE`` (15 minutes) after its scheduled end, both ends included. A chair who
opens the meeting a little early or late, or a short meeting that starts late, still
lands in its occurrence; a second meeting of the same day an hour after the first
ended does not (it gets a meeting of its own).

When several occurrences qualify (two series overlap): one that is not cancelled,
then one whose scheduled time contains ``started``, then the nearest start, then the
UID (so the choice is stable).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

__all__ = ["ATTACH_EARLY", "ATTACH_LATE", "Occurrence", "occurrence_for_start", "search_window"]

ATTACH_EARLY = timedelta(minutes=15)
ATTACH_LATE = timedelta(minutes=15)
# Longest meeting the search window allows for (occurrences starting up to this long
# before ``started`` are looked at).
_LONGEST = timedelta(days=1)


class Occurrence(Protocol):
    """What the rule reads of an occurrence (services.occurrences.OccurrenceView)."""

    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def is_cancelled(self) -> bool: ...
    @property
    def uid(self) -> str: ...


OccurrenceT = TypeVar("OccurrenceT", bound=Occurrence)


def search_window(started: datetime) -> tuple[datetime, datetime]:
    """[lo, hi) of occurrence instants to load so ``occurrence_for_start`` sees every
    occurrence that could hold ``started``."""
    return started - _LONGEST - ATTACH_LATE, started + ATTACH_EARLY + timedelta(seconds=1)


def holds(occurrence: Occurrence, started: datetime) -> bool:
    """Whether a meeting started at ``started`` belongs to ``occurrence``."""
    return occurrence.start - ATTACH_EARLY <= started <= occurrence.end + ATTACH_LATE


def occurrence_for_start(
    occurrences: Iterable[OccurrenceT], started: datetime
) -> OccurrenceT | None:
    """The occurrence a meeting started at ``started`` belongs to, or None (it is a
    meeting of its own)."""
    candidates = [o for o in occurrences if holds(o, started)]
    if not candidates:
        return None

    def rank(o: OccurrenceT) -> tuple[bool, bool, float, str]:
        inside = o.start <= started < o.end
        return (o.is_cancelled, not inside, abs((o.start - started).total_seconds()), o.uid)

    return min(candidates, key=rank)
