"""Expanded occurrences: the one list that pages, the API and the feeds all come from.

An occurrence is what a slot's rule generates, with the Meeting row for it (if any)
applied on top: cancelled, moved, retitled, held. Rules:

* A Meeting row whose (slot, original start) the rule generates is an *override* of
  that occurrence: its UID is the slot's, its RECURRENCE-ID the original start.
* A Meeting row of a series whose original start the rule no longer generates (the
  rule was edited after something was attached to it) is *detached*: it is kept and
  listed as a stand-alone meeting with its own UID, so history is never lost.
* One-off meetings (no series) are stand-alone meetings with their own UID.
* Ended series contribute only their Meeting rows (history) and no new occurrences.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, or_, select

from meetbot import freshness
from meetbot.domain.recurrence import Frequency, Rule, Slot, expand, to_utc
from meetbot.extensions import db
from meetbot.models import (
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    SeriesSlot,
    SeriesStatus,
    WorkStream,
)
from meetbot.models.meetings import series_work_streams
from meetbot.services.errors import ValidationError

T = TypeVar("T")
MAX_WINDOW = timedelta(days=5 * 366)
# Enum member values read once: ``.value`` is a slow descriptor, and these are read for
# every occurrence of every expansion.
_SCHEDULED = MeetingStatus.SCHEDULED.value
_CANCELLED = MeetingStatus.CANCELLED.value
_ENDED = SeriesStatus.ENDED.value


@dataclass(frozen=True)
class OccurrenceView:
    """One occurrence as every reader sees it (API fields of DESIGN.md, plus extras)."""

    uid: str
    recurrence_id: datetime | None  # original start, aware UTC; None when stand-alone
    series_id: int | None
    slot_key: str | None
    meeting_id: int | None
    group_id: int
    title: str
    start: datetime  # aware UTC
    end: datetime  # aware UTC
    timezone: str
    status: str  # scheduled | cancelled | held
    location: str
    original_start_local: datetime | None
    is_moved: bool = False
    change_reason: str = ""

    @property
    def is_cancelled(self) -> bool:
        return self.status == _CANCELLED


def slot_uid(series: MeetingSeries, slot: SeriesSlot, domain: str) -> str:
    """The iCal UID of a slot's VEVENT: stable for the life of the series."""
    return f"series-{series.uid_token}-{slot.key}@{domain}"


def meeting_uid(meeting: Meeting, domain: str) -> str:
    """The iCal UID of a stand-alone meeting (one-off or detached)."""
    return f"meeting-{meeting.uid_token}@{domain}"


def check_window(start: datetime, end: datetime) -> None:
    """Refuse windows that are empty, naive or longer than five years."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("Times need a zone (e.g. 2026-01-01T00:00:00Z).", {"start": "naive"})
    if end <= start:
        raise ValidationError("The end must be after the start.", {"end": "before start"})
    if end - start > MAX_WINDOW:
        raise ValidationError("A window can span at most five years.", {"end": "window too long"})


# A slot's occurrences last at most 24 hours (validated, and a database constraint), so
# only those starting less than a day before a window can overlap it.
LONGEST = timedelta(days=1)
# Wall times are at most 26 hours from UTC: the local dates of a window's instants.
_LOCAL_SLACK = timedelta(days=2)

_SLOT_COLUMNS = (
    SeriesSlot.id,
    SeriesSlot.series_id,
    SeriesSlot.key,
    SeriesSlot.timezone,
    SeriesSlot.start_local,
    SeriesSlot.duration_minutes,
    SeriesSlot.frequency,
    SeriesSlot.interval,
    SeriesSlot.weekday,
    SeriesSlot.setpos,
    SeriesSlot.until,
    SeriesSlot.count,
)
_MEETING_COLUMNS = (
    Meeting.id,
    Meeting.group_id,
    Meeting.series_id,
    Meeting.slot_id,
    Meeting.original_start_local,
    Meeting.timezone,
    Meeting.start_dt,
    Meeting.end_dt,
    Meeting.status,
    Meeting.title,
    Meeting.location,
    Meeting.is_moved,
    Meeting.change_reason,
    Meeting.uid_token,
)


@dataclass
class _SlotPlan:
    """What the expansion needs of a slot (read as plain columns, not ORM objects)."""

    id: int
    key: str
    timezone: str
    rule: Slot
    uid: str = ""  # set once per slot, not once per occurrence


@dataclass
class _SeriesPlan:
    """What the expansion needs of a series."""

    id: int
    group_id: int
    title: str
    location: str
    ended: bool
    uid_token: str
    slots: dict[int, _SlotPlan] = field(default_factory=dict)


# Every zone a slot has used, kept alive: zoneinfo caches only a few zones strongly and
# the rest weakly, so expanding slots in hundreds of zones would read the zone files
# from disk again on every request.
_ZONES: dict[str, ZoneInfo] = {}


def _keep_zone(name: str) -> None:
    if name not in _ZONES:
        with suppress(ZoneInfoNotFoundError, ValueError):  # expand() reports a bad zone
            _ZONES[name] = ZoneInfo(name)


def _domain_slot(
    key, timezone, start_local, minutes, frequency, interval, weekday, setpos, until, count
) -> Slot:  # noqa: E501
    _keep_zone(timezone)
    return Slot(
        key=key,
        timezone=timezone,
        start=start_local,
        duration=timedelta(minutes=minutes),
        rule=Rule(
            frequency=Frequency(frequency),
            interval=interval,
            weekday=weekday,
            setpos=setpos,
            until=until,
            count=count,
        ),
    )


def _plans_of(series_list: Iterable[MeetingSeries]) -> dict[int, _SeriesPlan]:
    """Plans of loaded series (their slots loaded too)."""
    plans = {}
    for series in series_list:
        plan = _SeriesPlan(
            series.id,
            series.group_id,
            series.title,
            series.location,
            series.status == _ENDED,
            series.uid_token,
        )
        for slot in series.slots:
            _keep_zone(slot.timezone)
            plan.slots[slot.id] = _SlotPlan(slot.id, slot.key, slot.timezone, slot.to_domain())
        plans[series.id] = plan
    return plans


def _load_plans(scope) -> dict[int, _SeriesPlan]:
    """Plans of the series ``scope`` (a SELECT of series ids) picks, in two statements
    of plain columns: ORM objects for a thousand series and their slots cost more than
    expanding them."""
    plans = {
        row.id: _SeriesPlan(
            row.id,
            row.group_id,
            row.title,
            row.location,
            row.status == _ENDED,
            row.uid_token,
        )
        for row in db.session.execute(
            select(
                MeetingSeries.id,
                MeetingSeries.group_id,
                MeetingSeries.title,
                MeetingSeries.location,
                MeetingSeries.status,
                MeetingSeries.uid_token,
            )
            .where(MeetingSeries.id.in_(scope))
            .order_by(MeetingSeries.id)
        )
    }
    slots = db.session.execute(
        select(*_SLOT_COLUMNS)
        .where(SeriesSlot.series_id.in_(scope))
        .order_by(SeriesSlot.series_id, SeriesSlot.position, SeriesSlot.id)
    )
    for row in slots:
        plan = plans.get(row.series_id)
        if plan is not None:
            plan.slots[row.id] = _SlotPlan(row.id, row.key, row.timezone, _domain_slot(*row[2:]))
    return plans


def _series_scope(group_ids: Sequence[int] | None, work_stream: WorkStream | None):
    """A SELECT of the ids of the groups' series (all groups with None), optionally only
    those tagged with ``work_stream``."""
    scope = select(MeetingSeries.id)
    if group_ids is not None:
        scope = scope.where(MeetingSeries.group_id.in_(list(group_ids)))
    if work_stream is not None:
        scope = scope.join(
            series_work_streams, series_work_streams.c.series_id == MeetingSeries.id
        ).where(series_work_streams.c.work_stream_id == work_stream.id)
    return scope


def occurrences_for_series(
    series_list: Sequence[MeetingSeries],
    start: datetime,
    end: datetime,
    domain: str,
    *,
    one_offs: Iterable[Meeting] = (),
) -> list[OccurrenceView]:
    """Expand ``series_list`` (slots loaded) in [start, end) and merge their Meeting rows
    and ``one_offs``; sorted by start. Cancelled occurrences are included (status)."""
    plans = _plans_of(series_list)
    scope = select(MeetingSeries.id).where(MeetingSeries.id.in_(list(plans))) if plans else None
    return _expand(plans, scope, start, end, domain, one_offs)


def _expand(
    plans: dict[int, _SeriesPlan],
    scope,
    start: datetime,
    end: datetime,
    domain: str,
    one_offs: Iterable,
) -> list[OccurrenceView]:
    """The occurrences of ``plans`` (series ids: ``scope``) overlapping [start, end).

    The work is proportional to the window: each slot is expanded over the window only
    (plus the day before it, for meetings running into it), and the Meeting rows read
    are those that overlap the window or whose original start could be in it. A row
    moved into the window from anywhere is matched to its rule occurrence by checking
    that one date, as the feeds do (services.meetings.is_generated)."""
    result: list[OccurrenceView] = []
    generated: dict[tuple[int, datetime], tuple[_SeriesPlan, _SlotPlan, object]] = {}
    for plan in plans.values():
        if plan.ended:
            continue
        for slot in plan.slots.values():
            for occ in expand(slot.rule, start - LONGEST, end):
                if occ.end_utc > start:
                    generated[(slot.id, occ.original_start)] = (plan, slot, occ)

    rows: list = []
    if plans:
        naive_start = start.astimezone(UTC).replace(tzinfo=None)
        naive_end = end.astimezone(UTC).replace(tzinfo=None)
        local_lo = naive_start - LONGEST - _LOCAL_SLACK
        local_hi = naive_end + _LOCAL_SLACK
        rows = list(
            db.session.execute(
                select(*_MEETING_COLUMNS).where(
                    Meeting.series_id.in_(scope),
                    or_(
                        and_(Meeting.start_dt < end, Meeting.end_dt > start),
                        Meeting.original_start_local.between(local_lo, local_hi),
                    ),
                )
            )
        )

    for row in rows:
        plan = plans.get(row.series_id)
        if plan is None:
            continue
        hit = generated.pop((row.slot_id, row.original_start_local), None)
        overlaps = row.start_dt < end and row.end_dt > start
        if not overlaps:
            continue  # moved out of the window (its rule occurrence is dropped above)
        slot = plan.slots.get(row.slot_id)
        if hit is None and slot is not None and not plan.ended:
            # Moved into the window: still an override if the rule generates its start.
            hit = _rule_occurrence(plan, slot, row.original_start_local)
        if hit is not None:
            _, slot, occ = hit
            result.append(
                _row_view(row, plan, slot, uid=_uid(plan, slot, domain), recurrence=occ.start_utc)
            )
        else:
            # Detached (the rule no longer generates it) or history of an ended series.
            result.append(_row_view(row, plan, slot, uid=meeting_uid(row, domain)))

    for plan, slot, occ in generated.values():
        result.append(
            OccurrenceView(
                uid=_uid(plan, slot, domain),
                recurrence_id=occ.start_utc,
                series_id=plan.id,
                slot_key=slot.key,
                meeting_id=None,
                group_id=plan.group_id,
                title=plan.title,
                start=occ.start_utc,
                end=occ.end_utc,
                timezone=slot.timezone,
                status=_SCHEDULED,
                location=plan.location,
                original_start_local=occ.original_start,
            )
        )
    for row in one_offs:
        if row.start_dt < end and row.end_dt > start:
            result.append(_row_view(row, None, None, uid=meeting_uid(row, domain)))

    result.sort(key=lambda o: (o.start, o.uid))
    return result


def _uid(plan: _SeriesPlan, slot: _SlotPlan, domain: str) -> str:
    if not slot.uid:
        slot.uid = f"series-{plan.uid_token}-{slot.key}@{domain}"
    return slot.uid


def _rule_occurrence(plan: _SeriesPlan, slot: _SlotPlan, original: datetime | None):
    """(plan, slot, occurrence) if the slot's rule generates ``original``, else None."""
    if original is None:
        return None
    at = to_utc(original, slot.timezone)
    for occ in expand(slot.rule, at - LONGEST, at + LONGEST):
        if occ.original_start == original:
            return plan, slot, occ
    return None


def _row_view(
    row,
    plan: _SeriesPlan | None,
    slot: _SlotPlan | None,
    *,
    uid: str,
    recurrence: datetime | None = None,
) -> OccurrenceView:
    """The view of a Meeting row (an ORM object or a row of _MEETING_COLUMNS)."""
    return OccurrenceView(
        uid=uid,
        recurrence_id=recurrence,
        series_id=plan.id if plan else None,
        slot_key=slot.key if slot is not None else None,
        meeting_id=row.id,
        group_id=row.group_id,
        title=row.title or (plan.title if plan else "Meeting"),
        start=row.start_dt,
        end=row.end_dt,
        timezone=row.timezone,
        status=row.status,
        location=row.location if row.location is not None else (plan.location if plan else ""),
        original_start_local=row.original_start_local,
        is_moved=row.is_moved,
        change_reason=row.change_reason or "",
    )


def one_off_meetings(
    group_ids: Sequence[int], start: datetime, end: datetime, work_stream: WorkStream | None = None
) -> list[Meeting]:
    """One-off meetings (no series) of the groups that overlap [start, end)."""
    query = select(Meeting).where(
        Meeting.group_id.in_(group_ids),
        Meeting.series_id.is_(None),
        Meeting.start_dt < end,
        Meeting.end_dt > start,
    )
    if work_stream is not None:
        query = query.where(Meeting.work_stream_id == work_stream.id)
    return list(db.session.scalars(query))


def group_occurrences(
    group: Group,
    start: datetime,
    end: datetime,
    domain: str,
    *,
    work_stream: WorkStream | None = None,
) -> list[OccurrenceView]:
    """Every occurrence of a group's series and one-off meetings in [start, end)."""
    check_window(start, end)
    scope = _series_scope([group.id], work_stream)
    return _expand(
        _load_plans(scope),
        scope,
        start,
        end,
        domain,
        one_off_meetings([group.id], start, end, work_stream),
    )


def occurrences_of_groups(
    group_ids: Sequence[int] | None, start: datetime, end: datetime, domain: str
) -> list[OccurrenceView]:
    """Every occurrence of the groups' series and one-off meetings in [start, end);
    every group's with ``group_ids`` None (the conflict check looks across groups)."""
    check_window(start, end)
    scope = _series_scope(group_ids, None)
    one_offs = select(*_MEETING_COLUMNS).where(
        Meeting.series_id.is_(None), Meeting.start_dt < end, Meeting.end_dt > start
    )
    if group_ids is not None:
        one_offs = one_offs.where(Meeting.group_id.in_(list(group_ids)))
    return _expand(_load_plans(scope), scope, start, end, domain, db.session.execute(one_offs))


def series_occurrences(
    series: MeetingSeries, start: datetime, end: datetime, domain: str
) -> list[OccurrenceView]:
    """Every occurrence of one series in [start, end)."""
    check_window(start, end)
    return occurrences_for_series([series], start, end, domain)


def upcoming(
    group: Group, now: datetime, domain: str, *, limit: int = 10, days: int = 120
) -> list[OccurrenceView]:
    """The next ``limit`` occurrences of a group from ``now`` (cancelled ones included,
    so pages can show them struck through)."""
    now = now.astimezone(UTC)
    return group_occurrences(group, now, now + timedelta(days=days), domain)[:limit]


def _window_key(
    group: Group, now: datetime, days: int, domain: str, work_stream: WorkStream | None
) -> tuple[tuple, datetime, datetime]:
    """(cache key, window start, window end) of the window from the start of ``now``'s
    day (UTC) to a day after ``now + days``: keyed by the day and the fingerprint of
    the group's schedule. A day, not an hour: a big group's window is expanded once a
    day per process instead of every hour, for a day's more occurrences."""

    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    wide_end = day + timedelta(days=days + 1)
    key = (
        "group_occurrences",
        group.id,
        work_stream.id if work_stream is not None else None,
        day,
        wide_end,
        domain,
        freshness.schedule_fingerprint([group.id], day, wide_end),
    )
    return key, day, wide_end


def cached_group_occurrences(
    group: Group,
    now: datetime,
    days: int,
    domain: str,
    *,
    work_stream: WorkStream | None = None,
) -> list[OccurrenceView]:
    """group_occurrences(group, now, now + days), through a per-process cache keyed by
    the day and a fingerprint of the group's schedule read from the database
    (meetbot.freshness): the occurrences of a window from the start of
    the day (see _window_key), filtered to those that overlap [now, now + days)."""

    now = now.astimezone(UTC)
    key, begin, wide_end = _window_key(group, now, days, domain, work_stream)
    found = freshness.cached(
        key, lambda: group_occurrences(group, begin, wide_end, domain, work_stream=work_stream)
    )
    end = now + timedelta(days=days)
    return [o for o in found if o.start < end and o.end > now]


def cached_group_rendered(
    group: Group,
    now: datetime,
    days: int,
    domain: str,
    render: Callable[[OccurrenceView], T],
    *,
    work_stream: WorkStream | None = None,
) -> list[T]:
    """[render(o) for o in cached_group_occurrences(...)], with each occurrence rendered
    once per cache entry rather than on every request (the API keeps each one's JSON:
    serializing thousands of occurrences cost more than everything else). ``render``
    must be a module-level function: its name is part of the key."""

    now = now.astimezone(UTC)
    key, _, _ = _window_key(group, now, days, domain, work_stream)

    def compute() -> list[tuple[datetime, datetime, T]]:
        found = freshness.cached(
            key, lambda: group_occurrences(group, key[3], key[4], domain, work_stream=work_stream)
        )
        return [(o.start, o.end, render(o)) for o in found]

    rendered = freshness.cached(("rendered", render.__module__, render.__qualname__, *key), compute)
    end = now + timedelta(days=days)
    return [value for start, stop, value in rendered if start < end and stop > now]


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
        hour,
        days,
        limit,
        domain,
        freshness.schedule_fingerprint([group.id], hour, horizon),
    )
    found = freshness.cached(key, compute)
    end = now + timedelta(days=days)
    return [o for o in found if o.start < end and o.end > now][:limit]
