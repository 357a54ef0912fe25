"""Conflict check: meetings that overlap in the same place, or a chair booked twice.

Two occurrences conflict when their times overlap (half-open intervals: one ending at
15:00 and one starting at 15:00 do not) and either

* they share a location -- chat channels compared case-insensitively with or without
  their leading "#", rooms case- and space-insensitively, video links by host, path and
  query (scheme, "www.", default port, trailing "/", fragment and passcode parameters
  ignored) -- or
* they share a chair (a person named chair on both series).

Cancelled occurrences never conflict. Occurrences come from
:mod:`meetbot.services.occurrences`, so zones, DST, moves and every kind of rule are
handled exactly as the pages and feeds show them.

The check is a sort-and-sweep per shared key (location or chair): each bucket is sorted
by start and swept once with the set of still-running occurrences, so the cost is
O(n log n + conflicts) instead of comparing every pair.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from meetbot.models import Group, MeetingSeries, utcnow
from meetbot.services.clock_bound import kept_until
from meetbot.services.conflict_cache import all_conflicts, conflict_spans
from meetbot.services.conflict_pairs import (
    ChairRef,
    Conflict,
    find_conflicts_in,
    normalize_location,
)
from meetbot.services.packed_occurrences import PackedConflicts, instant, micros

__all__ = [
    "ChairRef",
    "Conflict",
    "ConflictsAhead",
    "conflicts_ahead",
    "conflicts_for_series",
    "describe_conflict",
    "find_conflicts",
    "find_conflicts_in",
    "normalize_location",
]

DEFAULT_HORIZON = timedelta(days=365)
_TICK = timedelta(microseconds=1)  # the resolution of the instants compared


def find_conflicts(
    *,
    group: Group | None = None,
    start: datetime | None = None,
    days: int | None = None,
    domain: str = "meetbot.invalid",
) -> list[Conflict]:
    """Every conflict from ``start`` (default now) over ``days`` (default 365).

    All groups are expanded, because two groups can share a channel; with ``group``
    only the conflicts that involve at least one of its meetings are returned.

    From now (no ``start``) the result comes from a per-process cache kept per group
    (services.conflict_cache): the conflicts of a window from the start of the day
    (UTC) to a day after now + days, filtered to the pairs whose both occurrences
    overlap [now, now + days) -- exactly the conflicts of that window, since a pair
    conflicts whatever else is expanded.
    """
    horizon = timedelta(days=days) if days is not None else DEFAULT_HORIZON
    if start is not None:
        begin = start.astimezone(UTC)
        found = all_conflicts(begin, begin + horizon, domain)
        if group is not None:
            found = [c for c in found if group.id in (c.a.group_id, c.b.group_id)]
        return found
    now, spans = _spans_from_now(group, horizon, domain)
    return [spans.conflict(n) for n in _from_now(spans, now, horizon)]


def _from_now(spans: PackedConflicts, now: datetime, horizon: timedelta) -> list[int]:
    """Which of ``spans`` overlap [now, now + horizon): both occurrences of a pair
    overlap it exactly when their overlap does."""
    after, before = micros(now), micros(now + horizon)
    stop = bisect_left(spans.first, before)
    last = spans.last
    return [n for n in range(stop) if last[n] > after]


@dataclass(frozen=True)
class ConflictsAhead:
    """The first conflicts of a group from now and how many there are."""

    shown: tuple[Conflict, ...]
    total: int
    until: datetime | None  # the last instant it holds (clock_bound.kept_until)


def conflicts_ahead(
    group: Group, *, days: int, domain: str = "meetbot.invalid", limit: int = 20
) -> ConflictsAhead:
    """The first ``limit`` of ``find_conflicts(group=group, days=days)`` and how many
    there are, kept while the database is unchanged until a conflict ends or a new one
    comes into the window (a large group has one every few minutes)."""
    now = utcnow().astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    key = ("conflicts_ahead", group.id, day, days, domain, limit)
    return kept_until(key, now, lambda: _ahead(group, now, timedelta(days=days), domain, limit))


def _ahead(
    group: Group, now: datetime, horizon: timedelta, domain: str, limit: int
) -> ConflictsAhead:
    """Without walking every conflict: the cached spans are in order of their start, so
    those starting from now until the end are one slice (found by bisection); only the
    few that started earlier today are looked at one by one."""
    now, spans = _spans_from_now(group, horizon, domain, now)
    after, before = micros(now), micros(now + horizon)
    first, last = spans.first, spans.last
    started = bisect_left(first, after)
    # Those that started before now count while they last; the rest start in [now, end).
    running = [n for n in range(started) if last[n] > after]
    stop = max(bisect_left(first, before), started)
    shown = [*running, *range(started, min(stop, started + limit))][:limit]
    # It holds until one of them ends (the last microsecond before it) or the next one
    # comes within ``horizon`` of now (a new day has a key of its own).
    ends = [last[n] for n in running] + list(last[started:stop])
    bounds = [instant(min(ends)) - _TICK] if ends else []
    if stop < len(spans):
        bounds.append(instant(first[stop]) - horizon)
    total = len(running) + stop - started
    return ConflictsAhead(
        tuple(spans.conflict(n) for n in shown), total, min(bounds) if bounds else None
    )


def _spans_from_now(
    group: Group | None, horizon: timedelta, domain: str, now: datetime | None = None
) -> tuple[datetime, PackedConflicts]:
    """(now, the cached conflicts of the window from the start of today (UTC) to a day
    after now + horizon): each group is expanded once a day per process."""
    now = (now or utcnow()).astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    wide_end = day + horizon + timedelta(days=1)
    return now, conflict_spans(group.id if group else None, day, wide_end, domain)


def conflicts_for_series(
    series: MeetingSeries, *, days: int | None = None, domain: str = "meetbot.invalid"
) -> list[Conflict]:
    """The conflicts that involve one series (for the warning shown when it is saved):
    ``find_conflicts(group=series.group, days=days)`` of that series, picked before any
    is made from the cache's columns."""
    horizon = timedelta(days=days) if days is not None else DEFAULT_HORIZON
    now, spans = _spans_from_now(series.group, horizon, domain)
    return [
        spans.conflict(n) for n in _from_now(spans, now, horizon) if series.id in spans.series_of(n)
    ]


def describe_conflict(conflict: Conflict, titles: dict[int, str] | None = None) -> str:
    """One line of text, e.g. "2026-01-06 15:00-15:30 UTC: #chan is used by "A" and "B"."""
    start, end = conflict.overlap_start, conflict.overlap_end
    when = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC"
    if end.date() != start.date():
        when = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    a, b = f'"{conflict.a.title}"', f'"{conflict.b.title}"'
    if titles:
        a += f" ({titles.get(conflict.a.group_id, '?')})"
        b += f" ({titles.get(conflict.b.group_id, '?')})"
    if conflict.kind == "chair":
        return f"{when}: {conflict.what} chairs both {a} and {b}"
    return f"{when}: {conflict.what} is used by both {a} and {b}"
