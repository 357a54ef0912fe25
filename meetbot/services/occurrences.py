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

from meetbot.domain.recurrence import expand, to_utc
from meetbot.extensions import db
from meetbot.models import (
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    SeriesSlot,
    WorkStream,
)
from meetbot.services.errors import ValidationError
from meetbot.services.occurrence_plans import (
    LOCAL_SLACK,
    LONGEST,
    MEETING_COLUMNS,
    SeriesPlan,
    SlotPlan,
    load_plans,
    plans_of,
    series_scope,
)

MAX_WINDOW = timedelta(days=5 * 366)
# Enum member values read once: ``.value`` is a slow descriptor, and these are read for
# every occurrence of every expansion.
_SCHEDULED = MeetingStatus.SCHEDULED
_CANCELLED = MeetingStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class OccurrenceView:
    """One occurrence as every reader sees it (the API's fields, docs/api.md, plus extras)."""

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
    plans = plans_of(series_list)
    scope = select(MeetingSeries.id).where(MeetingSeries.id.in_(list(plans))) if plans else None
    return _expand(plans, scope, start, end, domain, one_offs)


def _expand(
    plans: dict[int, SeriesPlan],
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
    generated = _generated(plans, start, end)
    rows = _window_rows(scope, start, end) if plans else []
    result = _row_views(rows, plans, generated, start, end, domain)
    result.extend(_rule_view(plan, slot, occ, domain) for plan, slot, occ in generated.values())
    for row in one_offs:
        if row.start_dt < end and row.end_dt > start:
            result.append(_row_view(row, None, None, uid=meeting_uid(row, domain)))
    result.sort(key=lambda o: (o.start, o.uid))
    return result


_Generated = dict[tuple[int, datetime], tuple[SeriesPlan, SlotPlan, object]]


def _generated(plans: dict[int, SeriesPlan], start: datetime, end: datetime) -> _Generated:
    """(slot id, original start) -> (plan, slot, occurrence) of every rule occurrence
    overlapping the window (ended series generate none)."""
    generated: _Generated = {}
    for plan in plans.values():
        if plan.ended:
            continue
        for slot in plan.slots.values():
            for occ in expand(slot.rule, start - LONGEST, end):
                if occ.end_utc > start:
                    generated[(slot.id, occ.original_start)] = (plan, slot, occ)
    return generated


def _window_rows(scope, start: datetime, end: datetime) -> list:
    """The Meeting rows of the series that overlap the window or whose original start
    could be in it."""
    naive_start = start.astimezone(UTC).replace(tzinfo=None)
    naive_end = end.astimezone(UTC).replace(tzinfo=None)
    local_lo = naive_start - LONGEST - LOCAL_SLACK
    local_hi = naive_end + LOCAL_SLACK
    return list(
        db.session.execute(
            select(*MEETING_COLUMNS).where(
                Meeting.series_id.in_(scope),
                or_(
                    and_(Meeting.start_dt < end, Meeting.end_dt > start),
                    Meeting.original_start_local.between(local_lo, local_hi),
                ),
            )
        )
    )


def _row_views(
    rows: list,
    plans: dict[int, SeriesPlan],
    generated: _Generated,
    start: datetime,
    end: datetime,
    domain: str,
) -> list[OccurrenceView]:
    """Views of the rows in the window; each row's rule occurrence leaves ``generated``
    (a row moved out of the window drops its occurrence too)."""
    result: list[OccurrenceView] = []
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
    return result


def _rule_view(plan: SeriesPlan, slot: SlotPlan, occ, domain: str) -> OccurrenceView:
    """An occurrence the rule generates and no Meeting row changes."""
    return OccurrenceView(
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


def _uid(plan: SeriesPlan, slot: SlotPlan, domain: str) -> str:
    if not slot.uid:
        slot.uid = f"series-{plan.uid_token}-{slot.key}@{domain}"
    return slot.uid


def _rule_occurrence(plan: SeriesPlan, slot: SlotPlan, original: datetime | None):
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
    plan: SeriesPlan | None,
    slot: SlotPlan | None,
    *,
    uid: str,
    recurrence: datetime | None = None,
) -> OccurrenceView:
    """The view of a Meeting row (an ORM object or a row of MEETING_COLUMNS)."""
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
    scope = series_scope([group.id], work_stream)
    return _expand(
        load_plans(scope),
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
    scope = series_scope(group_ids, None)
    one_offs = select(*MEETING_COLUMNS).where(
        Meeting.series_id.is_(None), Meeting.start_dt < end, Meeting.end_dt > start
    )
    if group_ids is not None:
        one_offs = one_offs.where(Meeting.group_id.in_(list(group_ids)))
    return _expand(load_plans(scope), scope, start, end, domain, db.session.execute(one_offs))


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
