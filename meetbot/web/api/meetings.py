"""API: meeting series and single meetings (with attendance, minutes and action items)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from meetbot.models import (
    ActionItem,
    Attendance,
    AttendanceKind,
    Meeting,
    MeetingSeries,
    MinuteItem,
)
from meetbot.services import groups as group_service
from meetbot.services import meetings as meeting_service
from meetbot.services import occurrences as occurrence_service
from meetbot.services import series_reads
from meetbot.services.occurrence_records import materialize_recorded
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    PageArgs,
    guard,
    location,
    make_blueprint,
    page_schema,
    paginate,
    read_docs,
    require_permission,
    write_docs,
)
from meetbot.web.api.fields import LocalDateTime
from meetbot.web.api.schemas import ID, SLUG, MeetingSchema, SeriesSchema, Strict, text

blp = make_blueprint("api_series", "Meeting series and single meetings.")


def get_series_row(series_id: int) -> MeetingSeries:
    """The series (404 if none)."""
    return series_reads.find_series(series_id)


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
        for m in meetings
    ]


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
        "status": meeting.status,
        "location": meeting.effective_location,
        "is_moved": meeting.is_moved,
        "change_reason": meeting.change_reason or "",
        "agenda": meeting.agenda or "",
        "lock_version": meeting.lock_version,
        "attendees": [a for a in attendance if a.kind == AttendanceKind.PRESENT.value],
        "regrets": [a for a in attendance if a.kind == AttendanceKind.REGRETS.value],
        "minutes": minutes,
        "action_items": actions,
    }


@blp.route(f"/groups/<{SLUG}:group>/series")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(SeriesSchema, "SeriesPage"))
@read_docs(blp)
def list_series(args: dict[str, int], group: str) -> dict[str, Any]:
    """A group's meeting series with their slots and rules."""
    row = group_service.get_group(group)
    return paginate(series_reads.series_query(row), args)


@blp.route(f"/series/<{ID}:series_id>")
@blp.response(200, SeriesSchema)
@read_docs(blp)
def get_series(series_id: int) -> MeetingSeries:
    """One meeting series with its slots (each with its RRULE)."""
    return get_series_row(series_id)


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


class OccurrenceKey(Strict):
    slot_key = text(100, required=True)
    original_start_local = LocalDateTime(
        required=True,
        metadata={"description": "The occurrence's original wall-clock start in the slot's zone."},
    )


@blp.route(f"/series/<{ID}:series_id>/meetings", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(OccurrenceKey)
@blp.response(201, MeetingSchema)
@blp.alt_response(200, schema=MeetingSchema, description="The meeting already existed.")
@write_docs(blp)
def materialize(data: dict[str, Any], series_id: int):
    """The meeting record of one occurrence, created if needed (chairs), so attendance,
    an agenda or minutes can be attached to it. 201 when created, 200 when it existed."""
    series = get_series_row(series_id)
    person = require_permission(Permission.CHAIR, series.group, series=series)
    meeting, existed = materialize_recorded(
        person, series, data["slot_key"], data["original_start_local"]
    )
    status = 200 if existed else 201
    return meeting_data(meeting), status, location("api_series.get_meeting", meeting_id=meeting.id)
