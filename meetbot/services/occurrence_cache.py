"""Occurrences of a group's window through the per-process cache (meetbot.freshness),
keyed by the day (or hour) and a fingerprint of the group's schedule read from the
database, so an answer is current whichever server changed the data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from meetbot import freshness
from meetbot.models import Group, MeetingSeries, WorkStream
from meetbot.services.occurrences import OccurrenceView, group_occurrences, series_occurrences
from meetbot.services.packed_entries import Key, PackedEntries, PackedWindow, pack_entries
from meetbot.services.packed_occurrences import PackedViews, pack_occurrences


def _window_key(
    group: Group, now: datetime, days: int, domain: str, work_stream: WorkStream | None
) -> tuple[tuple, tuple, datetime, datetime]:
    """(cache key, fingerprint, window start, window end) of the window from the start of ``now``'s
    day (UTC) to a day after ``now + days``: keyed by the day and the fingerprint of
    the group's schedule. A day, not an hour: a big group's window is expanded once a
    day per process instead of every hour, for a day's more occurrences."""

    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    wide_end = day + timedelta(days=days + 1)
    # The day is part of the fingerprint, not of the key: tomorrow's window replaces
    # today's entry instead of sitting beside it until the budget pushes it out.
    key = (
        "group_occurrences",
        group.id,
        work_stream.id if work_stream is not None else None,
        days,
        domain,
    )
    fingerprint = (day, freshness.schedule_fingerprint([group.id], day, wide_end))
    return key, fingerprint, day, wide_end


def cached_group_occurrences(
    group: Group,
    now: datetime,
    days: int,
    domain: str,
    *,
    work_stream: WorkStream | None = None,
) -> PackedViews:
    """group_occurrences(group, now, now + days), through a per-process cache keyed by
    the day and a fingerprint of the group's schedule read from the database
    (meetbot.freshness): the occurrences of a window from the start of the day (see
    _window_key), kept packed (``services.packed_occurrences``: a big group's four
    weeks were ~3,000 views, 1.9 MiB, now ~0.4), those that overlap [now, now + days)
    unpacked as they are read."""

    now = now.astimezone(UTC)
    key, fingerprint, begin, wide_end = _window_key(group, now, days, domain, work_stream)
    found = freshness.cached(
        key,
        lambda: pack_occurrences(
            group_occurrences(group, begin, wide_end, domain, work_stream=work_stream)
        ),
        fingerprint=fingerprint,
    )
    return found.overlapping(now, now + timedelta(days=days))


def cached_group_entries(
    group: Group,
    now: datetime,
    days: int,
    domain: str,
    render: Callable[[OccurrenceView], tuple[Key, str]],
    *,
    work_stream: WorkStream | None = None,
) -> PackedWindow:
    """The ``(key, text)`` that ``render`` gives each of cached_group_occurrences(...), in
    key order (keys must sort as the starts do), with each occurrence rendered once per
    cache entry rather than on every request (the API keeps each one's page key and
    JSON: serializing thousands of occurrences cost more than everything else). Only
    the renderings are kept, packed (``services.packed_entries``: a few large blocks,
    not tens of thousands of small objects), not the occurrences. ``render`` must be a
    module-level function: its name is part of the key."""

    now = now.astimezone(UTC)
    key, fingerprint, begin, wide_end = _window_key(group, now, days, domain, work_stream)

    def compute() -> PackedEntries:
        # The occurrences are not kept besides their rendering: they change together
        # (same fingerprint), and nothing else reads this window (a big group's 90 days
        # were ~5 MiB held twice, issue 19).
        found = group_occurrences(group, begin, wide_end, domain, work_stream=work_stream)
        return pack_entries((o.start, o.end, *render(o)) for o in found)

    packed = freshness.cached(
        ("rendered", render.__module__, render.__qualname__, *key), compute, fingerprint=fingerprint
    )
    return packed.window(now, now + timedelta(days=days))


def cached_upcoming(
    group: Group,
    now: datetime,
    domain: str,
    *,
    limit: int = 10,
    days: int = 120,
    work_stream: WorkStream | None = None,
) -> list[OccurrenceView]:
    """The first ``limit`` of group_occurrences(group, now, now + days), as upcoming()
    gives them, through the per-process cache of cached_group_occurrences().

    Only as much is expanded as the answer needs: windows from the start of the hour
    of 1, 4, 16, 64 ... days (then the whole ``days``) until one holds ``limit``
    occurrences ending after the hour is over. Occurrences outside such a window start
    after all of those in it, so its first ``limit`` are the first of the whole list.
    A group with a thousand series fills a page in a day, not in four months."""

    now = now.astimezone(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    horizon = hour + timedelta(days=days, hours=1)
    later = hour + timedelta(hours=1)  # ``now`` is before it: these all count for it

    def compute() -> list[OccurrenceView]:
        span = timedelta(days=1)
        while True:
            window_end = min(hour + span, horizon)
            found = group_occurrences(group, hour, window_end, domain, work_stream=work_stream)
            if window_end >= horizon or sum(1 for o in found if o.end > later) >= limit:
                return found
            span *= 4

    key = (
        "upcoming",
        group.id,
        work_stream.id if work_stream is not None else None,
        days,
        limit,
        domain,
    )
    # The hour in the fingerprint: the next hour's answer replaces this one.
    fingerprint = (hour, freshness.schedule_fingerprint([group.id], hour, horizon))
    found = freshness.cached(key, compute, fingerprint=fingerprint)
    end = now + timedelta(days=days)
    return [o for o in found if o.start < end and o.end > now][:limit]


def cached_series_window(
    series: MeetingSeries, start: datetime, days: int, domain: str
) -> list[OccurrenceView]:
    """series_occurrences(series, start, start + days), from an expansion of the window
    from the start of ``start``'s day (UTC) to a day after ``start + days``, kept while
    the database is unchanged (the meeting page's "next in this series"): every
    occurrence overlapping [start, start + days) lies in that wider window."""
    start = start.astimezone(UTC)
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    wide_end = day + timedelta(days=days + 1)
    found = freshness.cached_while_unchanged(
        ("series_window", series.id, day, days, domain),
        lambda: series_occurrences(series, day, wide_end, domain),
    )
    end = start + timedelta(days=days)
    return [o for o in found if o.start < end and o.end > start]
