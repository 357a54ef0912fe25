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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from meetbot.domain.recurrence import expand
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

MAX_WINDOW = timedelta(days=5 * 366)


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
        return self.status == MeetingStatus.CANCELLED.value


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


def _series_query(group_ids: Sequence[int], work_stream: WorkStream | None):
    query = (
        select(MeetingSeries)
        .where(MeetingSeries.group_id.in_(group_ids))
        .options(selectinload(MeetingSeries.slots))
        .order_by(MeetingSeries.id)
    )
    if work_stream is not None:
        query = query.join(
            series_work_streams, series_work_streams.c.series_id == MeetingSeries.id
        ).where(series_work_streams.c.work_stream_id == work_stream.id)
    return query


def occurrences_for_series(
    series_list: Sequence[MeetingSeries],
    start: datetime,
    end: datetime,
    domain: str,
    *,
    one_offs: Iterable[Meeting] = (),
) -> list[OccurrenceView]:
    """Expand ``series_list`` in [start, end) and merge their Meeting rows and
    ``one_offs``; sorted by start. Cancelled occurrences are included (status)."""
    result: list[OccurrenceView] = []
    series_by_id = {s.id: s for s in series_list}
    generated: dict[tuple[int, datetime], tuple[MeetingSeries, SeriesSlot, object]] = {}
    # Rows may have been moved into the window from outside it, or out of it; look a
    # little wider than the window for rule occurrences so both are matched.
    margin = timedelta(days=35)
    for series in series_list:
        if series.status == SeriesStatus.ENDED.value:
            continue
        for slot in series.slots:
            for occ in expand(slot.to_domain(), start - margin, end + margin):
                generated[(slot.id, occ.original_start)] = (series, slot, occ)

    rows: list[Meeting] = []
    if series_by_id:
        local_lo = (start - margin).replace(tzinfo=None) - timedelta(days=1)
        local_hi = (end + margin).replace(tzinfo=None) + timedelta(days=1)
        rows = list(
            db.session.scalars(
                select(Meeting).where(
                    Meeting.series_id.in_(series_by_id),
                    or_(
                        and_(Meeting.start_dt < end, Meeting.end_dt > start),
                        Meeting.original_start_local.between(local_lo, local_hi),
                    ),
                )
            )
        )
    rows_by_key = {(m.slot_id, m.original_start_local): m for m in rows}

    for key, (series, slot, occ) in generated.items():
        row = rows_by_key.pop(key, None)
        if row is None:
            if occ.start_utc < end and occ.end_utc > start:
                result.append(
                    OccurrenceView(
                        uid=slot_uid(series, slot, domain),
                        recurrence_id=occ.start_utc,
                        series_id=series.id,
                        slot_key=slot.key,
                        meeting_id=None,
                        group_id=series.group_id,
                        title=series.title,
                        start=occ.start_utc,
                        end=occ.end_utc,
                        timezone=slot.timezone,
                        status=MeetingStatus.SCHEDULED.value,
                        location=series.location,
                        original_start_local=occ.original_start,
                    )
                )
            continue
        if row.start_dt < end and row.end_dt > start:
            result.append(
                _row_view(row, series, uid=slot_uid(series, slot, domain), recurrence=occ.start_utc)
            )

    # Rows left over are detached (rule no longer generates them) or belong to
    # ended series: stand-alone meetings.
    for row in rows_by_key.values():
        if row.start_dt < end and row.end_dt > start:
            result.append(_row_view(row, series_by_id[row.series_id], uid=meeting_uid(row, domain)))
    for row in one_offs:
        if row.start_dt < end and row.end_dt > start:
            result.append(_row_view(row, None, uid=meeting_uid(row, domain)))

    result.sort(key=lambda o: (o.start, o.uid))
    return result


def _row_view(
    row: Meeting, series: MeetingSeries | None, *, uid: str, recurrence: datetime | None = None
) -> OccurrenceView:
    return OccurrenceView(
        uid=uid,
        recurrence_id=recurrence,
        series_id=series.id if series else None,
        slot_key=row.slot.key if row.slot_id is not None and row.slot else None,
        meeting_id=row.id,
        group_id=row.group_id,
        title=row.title or (series.title if series else "Meeting"),
        start=row.start_dt,
        end=row.end_dt,
        timezone=row.timezone,
        status=row.status,
        location=row.location if row.location is not None else (series.location if series else ""),
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
    series_list = list(db.session.scalars(_series_query([group.id], work_stream)))
    return occurrences_for_series(
        series_list,
        start,
        end,
        domain,
        one_offs=one_off_meetings([group.id], start, end, work_stream),
    )


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


def cached_group_occurrences(
    group: Group,
    now: datetime,
    days: int,
    domain: str,
    *,
    work_stream: WorkStream | None = None,
) -> list[OccurrenceView]:
    """group_occurrences(group, now, now + days), through a per-process cache keyed by
    the hour and a fingerprint of the group's schedule read from the database
    (meetbot.services.derived_cache): the occurrences of a window from the start of
    the hour, filtered to those that overlap [now, now + days)."""
    from meetbot.services import derived_cache

    now = now.astimezone(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    wide_end = hour + timedelta(days=days, hours=1)
    key = (
        "group_occurrences",
        group.id,
        work_stream.id if work_stream is not None else None,
        hour,
        wide_end,
        domain,
        derived_cache.schedule_fingerprint([group.id], hour, wide_end),
    )
    found = derived_cache.cached(
        key, lambda: group_occurrences(group, hour, wide_end, domain, work_stream=work_stream)
    )
    end = now + timedelta(days=days)
    return [o for o in found if o.start < end and o.end > now]
