"""API: meeting series and single meetings (with attendance, minutes and action items)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    Attendance,
    AttendanceKind,
    Meeting,
    MeetingSeries,
    MinuteItem,
    WorkStream,
)
from meetbot.services import audit
from meetbot.services import groups as group_service
from meetbot.services import meetings as meeting_service
from meetbot.services import occurrences as occurrence_service
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound
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
    series = db.session.get(MeetingSeries, series_id)
    if series is None:
        raise NotFound(f"No series {series_id}.")
    return series


def meeting_data(meeting: Meeting) -> dict[str, Any]:
    """Everything ``GET /meetings/<id>`` shows, as MeetingSchema dumps it."""
    return meetings_data([meeting])[0]


def meetings_data(meetings: list[Meeting]) -> list[dict[str, Any]]:
    """meeting_data() of several meetings in a fixed number of queries (not per meeting)."""
    domain = current_app.config["MEETBOT_UID_DOMAIN"]
    ids = [m.id for m in meetings]
    attendance: dict[int, list[Attendance]] = {i: [] for i in ids}
    minutes: dict[int, list[MinuteItem]] = {i: [] for i in ids}
    actions: dict[int, list[ActionItem]] = {i: [] for i in ids}
    if ids:
        for row in db.session.scalars(
            select(Attendance)
            .where(Attendance.meeting_id.in_(ids))
            .options(selectinload(Attendance.person), selectinload(Attendance.recorded_by))
            .order_by(Attendance.id)
        ):
            attendance[row.meeting_id].append(row)
        for item in db.session.scalars(
            select(MinuteItem)
            .where(MinuteItem.meeting_id.in_(ids))
            .options(selectinload(MinuteItem.author), selectinload(MinuteItem.work_stream))
            .order_by(MinuteItem.position, MinuteItem.id)
        ):
            minutes[item.meeting_id].append(item)
        for action in db.session.scalars(
            select(ActionItem)
            .where(or_(ActionItem.opened_in_id.in_(ids), ActionItem.closed_in_id.in_(ids)))
            .options(selectinload(ActionItem.owners), selectinload(ActionItem.work_stream))
            .order_by(ActionItem.id)
        ):
            # An item opened in one meeting of the page and closed in another is in both.
            for meeting_id in {action.opened_in_id, action.closed_in_id}:
                if meeting_id in actions:
                    actions[meeting_id].append(action)
    return [
        _meeting_dict(m, domain, attendance[m.id], minutes[m.id], actions[m.id]) for m in meetings
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
    query = (
        select(MeetingSeries)
        .where(MeetingSeries.group_id == row.id)
        .options(
            selectinload(MeetingSeries.slots),
            selectinload(MeetingSeries.chairs),
            selectinload(MeetingSeries.work_streams).selectinload(WorkStream.leads),
        )
        .order_by(MeetingSeries.title, MeetingSeries.id)
    )
    return paginate(query, args)


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
    query = (
        select(Meeting)
        .where(Meeting.group_id == row.id)
        .options(
            selectinload(Meeting.series), selectinload(Meeting.slot), selectinload(Meeting.group)
        )
        .order_by(Meeting.start_dt.desc(), Meeting.id.desc())
    )
    page = paginate(query, args)
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
    slot = next((s for s in series.slots if s.key == data["slot_key"]), None)
    existed = slot is not None and (
        meeting_service.find_occurrence(slot, data["original_start_local"]) is not None
    )
    with unit_of_work():
        meeting = meeting_service.materialize_occurrence(
            series, data["slot_key"], data["original_start_local"]
        )
        if not existed:
            db.session.flush()
            audit.record(person, series.group, "meeting", meeting.id, "created", via="api")
    status = 200 if existed else 201
    return meeting_data(meeting), status, location("api_series.get_meeting", meeting_id=meeting.id)
