"""Changes to one meeting: cancel, uncancel, move and retitle an occurrence of a
series (by its slot and original start) or a meeting that has its row.

Each runs in one transaction, validates before writing, gives the changed meeting a new
``meeting.sequence`` (its iCal SEQUENCE), writes an audit entry and queues a webhook. The
series' and group's revisions move by themselves (meetbot.freshness).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from meetbot.domain.recurrence import to_utc
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.mail import group_mail
from meetbot.models import Meeting, MeetingSeries, MeetingStatus, Person
from meetbot.services import audit, webhooks
from meetbot.services.checks import MAX_LOCATION, MAX_TITLE, check_duration, local_to_utc
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, field_error
from meetbot.services.meetings import materialize_occurrence

#: How far (either way) an occurrence may be moved from its original start. The
#: occurrence expansion matches moved rows within a 35-day margin, so this keeps every
#: moved occurrence visible in every window that contains it.
MAX_MOVE = timedelta(days=28)


def _touch(actor: Person | None, meeting: Meeting, action: str, **details: object) -> None:
    """A new SEQUENCE for the changed meeting (its series' and group's revisions move by
    themselves, meetbot.freshness), and audit it."""
    meeting.sequence = (meeting.sequence or 0) + 1
    group = meeting.group if meeting.series is None else meeting.series.group
    db.session.flush()
    audit.record(actor, group, "meeting", meeting.id, action, **details)
    webhooks.emit_meeting(meeting, action)  # queued in this transaction (docs/api.md)
    group_mail.queue_change(meeting, action)  # the list mail too (docs/mail.md)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) > 2000:
        raise field_error("reason", "Use at most 2000 characters.")
    return text


def occurrence_meeting(
    series: MeetingSeries, slot_key: str, original_start_local: datetime
) -> Meeting | None:
    """The Meeting row of an occurrence if there is one (nothing is created)."""
    slot = next((s for s in series.slots if s.key == slot_key), None)
    if slot is None:
        raise NotFound(f"Series {series.id} has no slot {slot_key!r}.")
    return db.session.scalar(
        select(Meeting).where(
            Meeting.slot_id == slot.id, Meeting.original_start_local == original_start_local
        )
    )


def _target(series: MeetingSeries, slot_key: str, original_start_local: datetime) -> Meeting:
    return materialize_occurrence(series, slot_key, original_start_local)


def cancel_occurrence(
    actor: Person | None,
    series: MeetingSeries,
    slot_key: str,
    original_start_local: datetime,
    reason: str = "",
) -> Meeting:
    """Cancel one occurrence of a series; ``reason`` is shown to participants."""
    reason = _reason(reason)
    with unit_of_work():
        meeting = _target(series, slot_key, original_start_local)
        _cancel(actor, meeting, reason)
    return meeting


def cancel_meeting(actor: Person | None, meeting: Meeting, reason: str = "") -> Meeting:
    """Cancel a meeting (a one-off, or an occurrence that already has its row)."""
    reason = _reason(reason)
    with unit_of_work():
        _cancel(actor, meeting, reason)
    return meeting


def _cancel(actor: Person | None, meeting: Meeting, reason: str) -> None:
    if meeting.status == MeetingStatus.HELD:
        raise field_error("status", "This meeting has been held; it cannot be cancelled.")
    if meeting.status == MeetingStatus.CANCELLED and meeting.change_reason == reason:
        return
    meeting.status = MeetingStatus.CANCELLED
    meeting.change_reason = reason
    _touch(actor, meeting, "cancelled", reason=reason)


def uncancel_occurrence(
    actor: Person | None,
    series: MeetingSeries,
    slot_key: str,
    original_start_local: datetime,
) -> Meeting:
    """Undo the cancellation of one occurrence."""
    meeting = occurrence_meeting(series, slot_key, original_start_local)
    if meeting is None:
        raise field_error("status", "This meeting is not cancelled.")
    return uncancel_meeting(actor, meeting)


def uncancel_meeting(actor: Person | None, meeting: Meeting) -> Meeting:
    """Undo the cancellation of a meeting; its move or new title (if any) stay."""
    with unit_of_work():
        if meeting.status != MeetingStatus.CANCELLED:
            raise field_error("status", "This meeting is not cancelled.")
        meeting.status = MeetingStatus.SCHEDULED
        meeting.change_reason = ""
        _touch(actor, meeting, "uncancelled")
    return meeting


def move_occurrence(
    actor: Person | None,
    series: MeetingSeries,
    slot_key: str,
    original_start_local: datetime,
    new_start_local: datetime,
    *,
    duration_minutes: int | None = None,
    reason: str = "",
) -> Meeting:
    """Move one occurrence to ``new_start_local`` (naive, in the slot's zone).

    Refused if the new start is more than 28 days from the original one (cancel it and
    add a one-off meeting instead). Moving it back to its original time and length
    clears the "moved" mark.
    """
    reason = _reason(reason)
    with unit_of_work():
        meeting = _target(series, slot_key, original_start_local)
        original = to_utc(original_start_local, meeting.timezone)
        new_start = local_to_utc(new_start_local, meeting.timezone, "start")
        if abs(new_start - original) > MAX_MOVE:
            raise field_error(
                "start",
                "An occurrence can be moved by at most 28 days. To meet further away, "
                "cancel this one and add a one-off meeting.",
            )
        default = next(s for s in series.slots if s.key == slot_key).duration_minutes
        _move(actor, meeting, new_start, duration_minutes, reason, original, default)
    return meeting


def move_meeting(
    actor: Person | None,
    meeting: Meeting,
    new_start_local: datetime,
    *,
    duration_minutes: int | None = None,
    reason: str = "",
) -> Meeting:
    """Move a one-off meeting (no distance limit) to ``new_start_local`` in its zone.

    For occurrences of a series use move_occurrence().
    """
    if meeting.series_id is not None:
        assert meeting.slot is not None and meeting.original_start_local is not None
        return move_occurrence(
            actor,
            meeting.series,
            meeting.slot.key,
            meeting.original_start_local,
            new_start_local,
            duration_minutes=duration_minutes,
            reason=reason,
        )
    reason = _reason(reason)
    with unit_of_work():
        new_start = local_to_utc(new_start_local, meeting.timezone, "start")
        _move(actor, meeting, new_start, duration_minutes, reason, None, None)
    return meeting


def _move(
    actor: Person | None,
    meeting: Meeting,
    new_start: datetime,
    duration_minutes: int | None,
    reason: str,
    original: datetime | None,
    default_minutes: int | None,
) -> None:
    if meeting.status == MeetingStatus.HELD:
        raise field_error("start", "This meeting has been held; it cannot be moved.")
    current = int((meeting.end_dt - meeting.start_dt).total_seconds() // 60)
    length = check_duration(duration_minutes if duration_minutes is not None else current)
    old = (meeting.start_dt, meeting.end_dt)
    meeting.start_dt = new_start
    meeting.end_dt = new_start + length
    if original is not None:
        meeting.is_moved = not (
            new_start == original and length == timedelta(minutes=default_minutes or 0)
        )
    meeting.change_reason = reason
    _touch(
        actor,
        meeting,
        "moved",
        old_start=old[0].isoformat(),
        new_start=new_start.isoformat(),
        minutes=int(length.total_seconds() // 60),
        reason=reason,
    )


def retitle_occurrence(
    actor: Person | None,
    series: MeetingSeries,
    slot_key: str,
    original_start_local: datetime,
    *,
    title: str | None,
    location: str | None = None,
    reason: str = "",
) -> Meeting:
    """Give one occurrence its own title and/or location (empty: as the series says)."""
    reason = _reason(reason)
    with unit_of_work():
        meeting = _target(series, slot_key, original_start_local)
        _retitle(actor, meeting, title, location, reason)
    return meeting


def retitle_meeting(
    actor: Person | None,
    meeting: Meeting,
    *,
    title: str | None,
    location: str | None = None,
    reason: str = "",
) -> Meeting:
    """Change a meeting's own title and/or location."""
    reason = _reason(reason)
    with unit_of_work():
        _retitle(actor, meeting, title, location, reason)
    return meeting


def _retitle(
    actor: Person | None, meeting: Meeting, title: str | None, location: str | None, reason: str
) -> None:
    title = single_line(title) or None
    if meeting.series_id is None and title is None:
        raise field_error("title", "A one-off meeting needs a title.")
    if title and len(title) > MAX_TITLE:
        raise field_error("title", f"Use at most {MAX_TITLE} characters.")
    location = (location or "").strip() or None
    if location and len(location) > MAX_LOCATION:
        raise field_error("location", f"Use at most {MAX_LOCATION} characters.")
    if meeting.series is not None and location == meeting.series.location:
        location = None
    if (meeting.title, meeting.location) == (title, location):
        return
    meeting.title = title
    meeting.location = location
    if reason:
        meeting.change_reason = reason
    _touch(actor, meeting, "retitled", title=title, location=location, reason=reason)
