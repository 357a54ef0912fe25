"""A small per-process cache of derived schedule data, keyed by values read from the database.

Expanding a thousand series (occurrences, conflicts) costs a second; the result only
changes when the schedule does. Each caller reads a *fingerprint* of the schedule from
the database (one statement of aggregates: group revisions, series revisions, slots,
chairs and their names, and the meeting rows near the window) and uses it in the key,
so a process never serves a result computed from other data: several app servers stay
correct without sharing memory, and nothing has to invalidate anything. Entries live
in the app (``app.extensions``), so two apps in one process never share them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from flask import current_app
from sqlalchemy import case, func, select, true

from meetbot.extensions import db
from meetbot.freshness.cache import BoundedCache
from meetbot.freshness.sizing import approx_size
from meetbot.freshness.tokens import request_token
from meetbot.models import Group, Meeting, MeetingSeries, MeetingStatus, Person, SeriesSlot
from meetbot.models.meetings import series_chairs

T = TypeVar("T")
# The derived cache's default budget (MEETBOT_DERIVED_CACHE_BYTES): the estimated size
# of its values (freshness.sizing), not a count. A count let 64 expansions of every
# group (tens of MiB each) pile up: 245-319 MiB per worker after 30 changes (issue 19).
DEFAULT_CACHE_BYTES = 32 * 1024 * 1024
# Meeting rows this far around a window are watched: those overlapping it (one-off
# meetings can last days) and those whose original start is in it. A row moved from
# farther away comes with a revision bump (moves change what the feeds show).
ROW_MARGIN = timedelta(days=37)
# The token memo's default budget (MEETBOT_TOKEN_MEMO_BYTES), estimated like the
# derived cache's: fingerprints are small, but an attendance summary of a big group is
# half a MiB, and a count of 256 let such entries reach 128 MiB.
DEFAULT_MEMO_BYTES = 4 * 1024 * 1024
_MISSING = object()


def _app_cache(name: str, make: Callable[[], BoundedCache]) -> BoundedCache:
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, make())
    return cache


def _sized_store(config_key: str, default: int) -> Callable[[], BoundedCache]:
    """A maker of a cache of ``(check, value, size)`` entries bounded by the budget in
    ``config_key`` (bytes; ``default`` when unset): each value is measured once, when
    it is kept."""

    def make() -> BoundedCache:
        budget = int(current_app.config.get(config_key) or default)
        return BoundedCache(budget, size_of=_entry_size)

    return make


def _entry_size(entry: tuple) -> int:
    return entry[2]


_derived_store = _sized_store("MEETBOT_DERIVED_CACHE_BYTES", DEFAULT_CACHE_BYTES)
_memo_store = _sized_store("MEETBOT_TOKEN_MEMO_BYTES", DEFAULT_MEMO_BYTES)


def cached(
    key: Hashable,
    compute: Callable[[], T],
    *,
    fingerprint: Hashable = None,
    size_of: Callable[[T], int] = approx_size,
) -> T:
    """The value kept under ``key`` in this app's cache if it was computed for the same
    ``fingerprint`` (read from the database by the caller), else ``compute()``, which
    then *replaces* the entry: one entry per key, so a moving fingerprint leaves no
    stale entries behind. The cache is bounded by the estimated bytes of its values
    (``size_of``, by default ``freshness.sizing.approx_size``; budget
    ``MEETBOT_DERIVED_CACHE_BYTES``). A value pointing into another entry's objects
    passes a ``size_of`` that counts only its own (``approx_size(v, shared=...)``)."""
    store = _app_cache("meetbot_derived_cache", _derived_store)
    hit = store.get(key)
    if hit is not None:
        if hit[0] == fingerprint:
            return hit[1]
        # The stale value goes before its replacement is computed, not after: the
        # process then never holds both (a big group's window, ~7 MiB, twice at the
        # peak), so the peak that sets how much memory it keeps is lower (issue 19).
        store.pop(key)
        hit = None  # nor this frame
    value = compute()
    store.put(key, (fingerprint, value, size_of(value)))
    return value


def cached_while_unchanged(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` kept in the derived cache (bounded by bytes) while the database
    change token is the one it was computed under: a page's data read once per
    change, not once per view. Outside a request it always computes. ``compute``
    must return plain data (rows, not ORM objects)."""
    token = request_token()
    if token is None:
        return compute()
    return cached(key, compute, fingerprint=("token", token))


def cached_many(
    fingerprints: Mapping[Hashable, Hashable],
    compute_missing: Callable[[list[Hashable]], Mapping[Hashable, T]],
) -> dict[Hashable, T]:
    """:func:`cached` for many keys at once (key -> its fingerprint): the keys whose
    entry is missing or was computed for another fingerprint are computed by one
    ``compute_missing(keys)`` call (one query for all, not one per key)."""
    store = _app_cache("meetbot_derived_cache", _derived_store)
    found: dict[Hashable, T] = {}
    missing = []
    for key, fingerprint in fingerprints.items():
        hit = store.get(key)
        if hit is not None and hit[0] == fingerprint:
            found[key] = hit[1]
        else:
            if hit is not None:
                store.pop(key)  # as in cached(): never the stale and the new at once
            missing.append(key)
    hit = None
    if missing:
        computed = compute_missing(missing)
        for key in missing:
            value = computed[key]
            store.put(key, (fingerprints[key], value, approx_size(value)))
            found[key] = value
    return found


def schedule_fingerprint(group_ids: Sequence[int] | None, start: datetime, end: datetime) -> tuple:
    """The fingerprint of :func:`query_schedule_fingerprint`, read from the database
    only when something was committed since it was last read for the same arguments
    (``freshness.request_token``): on a quiet database a page skips the aggregates
    (~5-10 ms each on a large instance). Outside a request it always queries."""
    key = ("fingerprint", None if group_ids is None else tuple(group_ids), start, end)
    return while_unchanged(key, lambda: query_schedule_fingerprint(group_ids, start, end))


def while_unchanged(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for ``key`` in an earlier request of this
    process that saw the same database change token (``freshness.request_token``):
    nothing was committed anywhere since, so it would return the same. Outside a
    request it always computes. ``compute`` must return plain data (no ORM objects:
    they belong to one request's session)."""
    token = request_token()
    if token is None:
        return compute()
    memo = _app_cache("meetbot_fingerprint_memo", _memo_store)
    hit = memo.get(key)
    if hit is not None and hit[0] == token:
        return hit[1]
    value = compute()
    memo.put(key, (token, value, approx_size(value)))
    return value


def query_schedule_fingerprint(
    group_ids: Sequence[int] | None, start: datetime, end: datetime
) -> tuple:
    """Aggregates that change whenever what the groups (all with None) schedule in
    [start, end) may change: one SELECT of scalar subqueries.

    Revisions only grow and ids are never reused, so counts, maxima and sums of them
    differ after any insert, delete or revision bump; meeting rows near the window
    add their sequence, status and last update (a check-in marks a meeting held
    without bumping a revision)."""

    def scoped(query, column):
        return query if group_ids is None else query.where(column.in_(list(group_ids)))

    sources = [
        scoped(select(func.count(), func.max(Group.id), func.sum(Group.revision)), Group.id),
        *(scoped(q, MeetingSeries.group_id) for q in _series_aggregates()),
        scoped(_meeting_aggregates(start - ROW_MARGIN, end + ROW_MARGIN), Meeting.group_id),
    ]
    # One derived table per source, cross-joined (each has exactly one row): every
    # table is read once, not once per aggregate as scalar subqueries would.
    parts = [q.subquery() for q in sources]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.join(part, true())
    row = db.session.execute(
        select(*(c for part in parts for c in part.c)).select_from(joined)
    ).one()
    return tuple(str(v) for v in row)


def _series_aggregates() -> list:
    """Series, their slots and their chairs (each to be scoped by the series' group)."""
    series = select(
        func.count(),
        func.max(MeetingSeries.id),
        func.sum(MeetingSeries.revision),
        func.max(MeetingSeries.updated_dt),
    )
    slots = select(func.count(), func.max(SeriesSlot.id)).join(
        MeetingSeries, MeetingSeries.id == SeriesSlot.series_id
    )
    chairs = (
        select(
            func.count(),
            func.sum(series_chairs.c.series_id * 100_003 + series_chairs.c.person_id),
            func.max(Person.updated_dt),
        )
        .select_from(series_chairs)
        .join(Person, Person.id == series_chairs.c.person_id)
        .join(MeetingSeries, MeetingSeries.id == series_chairs.c.series_id)
    )
    return [series, slots, chairs]


def _meeting_aggregates(lo: datetime, hi: datetime):
    """Meeting rows near the window: ids, sequences, updates, held and cancelled counts."""
    held = case((Meeting.status == MeetingStatus.HELD, 1), else_=0)
    cancelled = case((Meeting.status == MeetingStatus.CANCELLED, 1), else_=0)
    return select(
        func.count(),
        func.max(Meeting.id),
        func.sum(Meeting.sequence),
        func.max(Meeting.updated_dt),
        func.sum(held),
        func.sum(cancelled),
    ).where(Meeting.start_dt >= lo, Meeting.start_dt < hi)
