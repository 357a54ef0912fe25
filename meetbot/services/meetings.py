"""Single meetings: finding them and creating the row for an occurrence on demand."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from meetbot.domain.recurrence import expand, to_utc
from meetbot.extensions import db
from meetbot.models import Meeting, MeetingSeries, SeriesSlot
from meetbot.services.errors import NotFound


def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"No meeting {meeting_id}.")
    return meeting


def get_meeting_for_page(meeting_id: int) -> Meeting:
    """get_meeting() with what the meeting page reads loaded in one statement (group,
    series, work stream) and the series' work streams in one more, not lazily."""
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            joinedload(Meeting.group),
            joinedload(Meeting.work_stream),
            joinedload(Meeting.series).selectinload(MeetingSeries.work_streams),
        )
    )
    if meeting is None:
        raise NotFound(f"No meeting {meeting_id}.")
    return meeting


def find_occurrence(slot: SeriesSlot, original_start_local: datetime) -> Meeting | None:
    return db.session.scalar(
        select(Meeting).where(
            Meeting.slot_id == slot.id, Meeting.original_start_local == original_start_local
        )
    )


def is_generated(slot: SeriesSlot, original_start_local: datetime) -> bool:
    """True if the slot's rule produces an occurrence at this local start."""
    start = to_utc(original_start_local, slot.timezone)
    return any(
        occ.original_start == original_start_local
        for occ in expand(slot.to_domain(), start, start.replace(microsecond=1))
    )


def materialize_occurrence(
    series: MeetingSeries, slot_key: str, original_start_local: datetime
) -> Meeting:
    """The Meeting row for an occurrence, created (and flushed, not committed) if needed.

    Callers run inside their own unit_of_work. Raises NotFound if the slot's rule does
    not generate that occurrence. Safe against two requests creating it at once: the
    unique (slot, original start) constraint decides, and the loser reads the winner's.
    """
    slot = next((s for s in series.slots if s.key == slot_key), None)
    if slot is None:
        raise NotFound(f"Series {series.id} has no slot {slot_key!r}.")
    existing = find_occurrence(slot, original_start_local)
    if existing is not None:
        return existing
    if not is_generated(slot, original_start_local):
        raise NotFound("The series has no occurrence at that time.")
    start = to_utc(original_start_local, slot.timezone)
    # Ids, not relationship objects: assigning ``series=`` would cascade the new row
    # into the session before the savepoint below can guard the insert.
    meeting = Meeting(
        group_id=series.group_id,
        series_id=series.id,
        slot_id=slot.id,
        original_start_local=original_start_local,
        timezone=slot.timezone,
        start_dt=start,
        end_dt=start + slot.to_domain().duration,
    )
    try:
        with db.session.begin_nested():
            db.session.add(meeting)
    except IntegrityError:
        existing = find_occurrence(slot, original_start_local)
        if existing is None:
            raise
        return existing
    return meeting
