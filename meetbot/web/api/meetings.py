"""API: single meetings: read (with attendance, minutes and action items), list, one-off
meetings, and cancel, uncancel, move or change a meeting record (services.scheduling).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from meetbot.domain.meeting_status import live_status
from meetbot.models import (
    ActionItem,
    Attendance,
    AttendanceKind,
    Meeting,
    MinuteItem,
    utcnow,
)
from meetbot.services import agenda as agenda_service
from meetbot.services import groups as group_service
from meetbot.services import meetings as meeting_service
from meetbot.services import occurrence_changes as occurrence_changes_service
from meetbot.services import occurrences as occurrence_service
from meetbot.services import one_off_meetings as one_off_meetings_service
from meetbot.services import series_reads
from meetbot.services.errors import field_error
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    api_fields,
    guard,
    location,
    make_blueprint,
    read_docs,
    require_permission,
    require_person,
    stream_ids,
    write_docs,
)
from meetbot.web.api.fields import LocalDateTime
from meetbot.web.api.pages import PageArgs, page_schema, paginate
from meetbot.web.api.schemas import (
    ID,
    SLUG,
    MeetingSchema,
    Strict,
    text,
)

blp = make_blueprint("api_meetings", "Single meetings and one-off meetings.")


def meeting_data(meeting: Meeting) -> dict[str, Any]:
    """Everything ``GET /meetings/<id>`` shows, as MeetingSchema dumps it."""
    return meetings_data([meeting])[0]


def meetings_data(meetings: list[Meeting]) -> list[dict[str, Any]]:
    """meeting_data() of several meetings in a fixed number of queries (not per meeting)."""
    domain = current_app.config["MEETBOT_UID_DOMAIN"]
    records = series_reads.meeting_records([m.id for m in meetings])
    return [
        _meeting_dict(
            m, domain, records.attendance[m.id], records.minutes[m.id], records.actions[m.id]
        )
        | _attendance_counts(records.attendance_counts[m.id])
        | {
            "minute_count": records.minute_counts[m.id],
            "action_item_count": records.action_counts[m.id],
        }
        for m in meetings
    ]


def _attendance_counts(counts: dict[str, int]) -> dict[str, int]:
    return {
        "attendee_count": counts.get(AttendanceKind.PRESENT, 0),
        "regret_count": counts.get(AttendanceKind.REGRETS, 0),
    }


def _meeting_dict(
    meeting: Meeting,
    domain: str,
    attendance: list[Attendance],
    minutes: list[MinuteItem],
    actions: list[ActionItem],
) -> dict[str, Any]:
    if meeting.slot is not None and meeting_service.is_generated(
        meeting.slot, meeting.original_start_local
    ):
        uid = occurrence_service.slot_uid(meeting.series, meeting.slot, domain)
    else:
        uid = occurrence_service.meeting_uid(meeting, domain)
    attendance.sort(key=lambda a: (a.person.display_name.lower(), a.person_id))
    return {
        "id": meeting.id,
        "group": meeting.group.slug,
        "series_id": meeting.series_id,
        "uid": uid,
        "title": meeting.effective_title,
        "start": meeting.start_dt,
        "end": meeting.end_dt,
        "timezone": meeting.timezone,
        "status": live_status(meeting.status, meeting.start_dt, meeting.end_dt, utcnow()),
        "location": meeting.effective_location,
        "is_moved": meeting.is_moved,
        "change_reason": meeting.change_reason or "",
        "agenda": meeting.agenda or "",
        "lock_version": meeting.lock_version,
        "attendees": [a for a in attendance if a.kind == AttendanceKind.PRESENT],
        "regrets": [a for a in attendance if a.kind == AttendanceKind.REGRETS],
        "minutes": minutes,
        "action_items": actions,
    }


@blp.route(f"/meetings/<{ID}:meeting_id>")
@blp.response(200, MeetingSchema)
@read_docs(blp)
def get_meeting(meeting_id: int) -> dict[str, Any]:
    """A meeting with its attendees, regrets, minutes and action items."""
    return meeting_data(meeting_service.get_meeting(meeting_id))


@blp.route(f"/groups/<{SLUG}:group>/meetings")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(MeetingSchema, "MeetingPage"))
@read_docs(blp)
def list_meetings(args: dict[str, int], group: str) -> dict[str, Any]:
    """A group's meeting records (occurrences that have something attached, and one-off
    meetings), newest first. For the schedule itself use ``/occurrences``."""
    row = group_service.get_group(group)
    page = paginate(series_reads.meetings_query(row), args)
    page["items"] = meetings_data(list(page["items"]))
    return page


# --- one-off meetings and meeting records ------------------------------------------


class OneOffSchema(Strict):
    title = text(200, required=True, blank=False)
    timezone = text(64, required=True)
    start_local = LocalDateTime(required=True, metadata={"description": "Wall time in timezone."})
    duration_minutes = ma.fields.Integer(
        strict=True, required=True, validate=ma.validate.Range(1, 1440)
    )
    location = text(500, load_default="")
    work_stream = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Length(1, 64),
        metadata={"description": "A work stream slug of the group."},
    )
    agenda = text(50000, load_default="")


@blp.route(f"/groups/<{SLUG}:group>/meetings", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(OneOffSchema)
@blp.response(201, MeetingSchema)
@write_docs(blp)
def create_one_off(data: dict[str, Any], group: str):
    """Create a one-off meeting (organizers)."""
    row = group_service.get_group(group)
    ids = stream_ids(row, [data["work_stream"]]) if data["work_stream"] else [None]
    with api_fields(start="start_local", duration="duration_minutes", work_stream_id="work_stream"):
        meeting = one_off_meetings_service.create_one_off(
            require_person(),
            row,
            title=data["title"],
            timezone=data["timezone"],
            start_local=data["start_local"],
            duration_minutes=data["duration_minutes"],
            location=data["location"],
            work_stream_id=ids[0],
            agenda=data["agenda"],
        )
    return meeting_data(meeting), 201, location("api_meetings.get_meeting", meeting_id=meeting.id)


class MeetingCancelSchema(Strict):
    reason = text(2000, load_default="")


class MeetingMoveSchema(Strict):
    new_start_local = LocalDateTime(
        required=True, metadata={"description": "In the meeting's zone."}
    )
    duration_minutes = ma.fields.Integer(
        strict=True, allow_none=True, validate=ma.validate.Range(1, 1440)
    )
    reason = text(2000, load_default="")


class MeetingPatchSchema(Strict):
    title = text(
        200, allow_none=True, metadata={"description": "Null or empty: the series' title."}
    )
    location = text(500, allow_none=True)
    reason = text(2000, load_default="", metadata={"description": "Shown to participants."})
    agenda = text(50000, metadata={"description": "Markdown; needs lock_version."})
    lock_version = ma.fields.Integer(
        strict=True,
        validate=ma.validate.Range(1, 2**31 - 1),
        metadata={"description": "The meeting's lock_version the agenda edit starts from."},
    )


@blp.route(f"/meetings/<{ID}:meeting_id>/cancel", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(MeetingCancelSchema)
@blp.response(200, MeetingSchema)
@write_docs(blp)
def cancel_meeting(data: dict[str, Any], meeting_id: int):
    """Cancel a meeting (one-off, or an occurrence that has its record)."""
    meeting = meeting_service.get_meeting(meeting_id)
    with api_fields():
        occurrence_changes_service.cancel_meeting(require_person(), meeting, data["reason"])
    return meeting_data(meeting)


@blp.route(f"/meetings/<{ID}:meeting_id>/uncancel", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.response(200, MeetingSchema)
@write_docs(blp)
def uncancel_meeting(meeting_id: int):
    """Undo a meeting's cancellation."""
    meeting = meeting_service.get_meeting(meeting_id)
    with api_fields():
        occurrence_changes_service.uncancel_meeting(require_person(), meeting)
    return meeting_data(meeting)


@blp.route(f"/meetings/<{ID}:meeting_id>/move", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(MeetingMoveSchema)
@blp.response(200, MeetingSchema)
@write_docs(blp)
def move_meeting(data: dict[str, Any], meeting_id: int):
    """Move a meeting to a new local start in its zone."""
    meeting = meeting_service.get_meeting(meeting_id)
    with api_fields(new_start="new_start_local", duration="duration_minutes"):
        if meeting.series is not None:
            occurrence_changes_service.move_occurrence(
                require_person(),
                meeting.series,
                meeting.slot.key,
                meeting.original_start_local,
                data["new_start_local"],
                duration_minutes=data.get("duration_minutes"),
                reason=data["reason"],
            )
        else:
            occurrence_changes_service.move_meeting(
                require_person(),
                meeting,
                data["new_start_local"],
                duration_minutes=data.get("duration_minutes"),
                reason=data["reason"],
            )
    return meeting_data(meeting)


@blp.route(f"/meetings/<{ID}:meeting_id>", methods=["PATCH"])
@guard(Permission.CHAIR)
@blp.arguments(MeetingPatchSchema)
@blp.response(200, MeetingSchema)
@blp.alt_response(409, response="CONFLICT")
@write_docs(blp)
def update_meeting(data: dict[str, Any], meeting_id: int):
    """Change a meeting's agenda (chairs; send ``lock_version``: a stale one is 409) and,
    for organizers, its own title and location."""
    meeting = meeting_service.get_meeting(meeting_id)
    person = require_person()
    retitle = "title" in data or "location" in data
    if retitle:  # checked before anything is written: no half-done request
        require_permission(Permission.MANAGE_SERIES, meeting.group, meeting=meeting)
    if "agenda" in data:
        if "lock_version" not in data:
            raise field_error("lock_version", "Send the lock_version your agenda edit starts from.")
        with api_fields(version="lock_version"):
            agenda_service.update_agenda(
                person, meeting, data["agenda"], expected_version=data["lock_version"]
            )
    if retitle:
        with api_fields():
            occurrence_changes_service.retitle_meeting(
                person,
                meeting,
                title=data.get("title", meeting.title),
                location=data.get("location", meeting.location),
                reason=data["reason"],
            )
    return meeting_data(meeting)
