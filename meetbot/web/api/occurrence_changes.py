"""API: one occurrence of a series: cancel, uncancel, move, retitle (services.scheduling);
a member's regrets for it, opened by a chair or not."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from meetbot.models import (
    Meeting,
)
from meetbot.services import occurrence_changes as occurrence_changes_service
from meetbot.services.occurrence_records import send_regrets_to_occurrence
from meetbot.services.permissions import Permission
from meetbot.web.api.common import api_fields, guard, location, require_person, write_docs
from meetbot.web.api.fields import LocalDateTime
from meetbot.web.api.meetings import meeting_data
from meetbot.web.api.schemas import (
    ID,
    MeetingSchema,
    Strict,
    text,
)
from meetbot.web.api.series import blp, get_series_row

# --- one occurrence ----------------------------------------------------------------


class OccurrenceRef(Strict):
    slot_key = text(100, required=True)
    original_start_local = LocalDateTime(
        required=True, metadata={"description": "The occurrence's original wall-clock start."}
    )


class CancelSchema(OccurrenceRef):
    reason = text(2000, load_default="")


class MoveSchema(OccurrenceRef):
    new_start_local = LocalDateTime(required=True, metadata={"description": "In the slot's zone."})
    duration_minutes = ma.fields.Integer(
        strict=True, allow_none=True, validate=ma.validate.Range(1, 1440)
    )
    reason = text(2000, load_default="")


class RetitleSchema(OccurrenceRef):
    title = text(
        200,
        allow_none=True,
        load_default=None,
        metadata={"description": "Empty: the series' title."},
    )
    location = text(500, allow_none=True, load_default=None)
    reason = text(2000, load_default="")


def _occurrence_response(meeting: Meeting):
    return meeting_data(meeting), 200, location("api_meetings.get_meeting", meeting_id=meeting.id)


@blp.route(f"/series/<{ID}:series_id>/occurrences/cancel", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(CancelSchema)
@blp.response(200, MeetingSchema)
@write_docs(blp)
def cancel_occurrence(data: dict[str, Any], series_id: int):
    """Cancel one occurrence (its meeting record is created if needed)."""
    series = get_series_row(series_id)
    with api_fields():
        meeting = occurrence_changes_service.cancel_occurrence(
            require_person(), series, data["slot_key"], data["original_start_local"], data["reason"]
        )
    return _occurrence_response(meeting)


@blp.route(f"/series/<{ID}:series_id>/occurrences/uncancel", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(OccurrenceRef)
@blp.response(200, MeetingSchema)
@write_docs(blp)
def uncancel_occurrence(data: dict[str, Any], series_id: int):
    """Undo the cancellation of one occurrence."""
    series = get_series_row(series_id)
    with api_fields():
        meeting = occurrence_changes_service.uncancel_occurrence(
            require_person(), series, data["slot_key"], data["original_start_local"]
        )
    return _occurrence_response(meeting)


@blp.route(f"/series/<{ID}:series_id>/occurrences/move", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(MoveSchema)
@blp.response(200, MeetingSchema)
@write_docs(blp)
def move_occurrence(data: dict[str, Any], series_id: int):
    """Move one occurrence to a new local start (within four weeks of the original)."""
    series = get_series_row(series_id)
    with api_fields(new_start="new_start_local", duration="duration_minutes"):
        meeting = occurrence_changes_service.move_occurrence(
            require_person(),
            series,
            data["slot_key"],
            data["original_start_local"],
            data["new_start_local"],
            duration_minutes=data.get("duration_minutes"),
            reason=data["reason"],
        )
    return _occurrence_response(meeting)


@blp.route(f"/series/<{ID}:series_id>/occurrences/retitle", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(RetitleSchema)
@blp.response(200, MeetingSchema)
@write_docs(blp)
def retitle_occurrence(data: dict[str, Any], series_id: int):
    """Give one occurrence its own title and/or location (null: as the series says)."""
    series = get_series_row(series_id)
    with api_fields():
        meeting = occurrence_changes_service.retitle_occurrence(
            require_person(),
            series,
            data["slot_key"],
            data["original_start_local"],
            title=data["title"],
            location=data["location"],
            reason=data["reason"],
        )
    return _occurrence_response(meeting)


@blp.route(f"/series/<{ID}:series_id>/occurrences/regrets", methods=["POST"])
@guard(Permission.PARTICIPATE)
@blp.arguments(OccurrenceRef)
@blp.response(200, MeetingSchema)
@write_docs(blp)
def send_occurrence_regrets(data: dict[str, Any], series_id: int):
    """The token owner's regrets for one future occurrence (members), whether or not a
    chair has opened it: its meeting record is created with them. Refused (422, nothing
    written) once the occurrence has started."""
    series = get_series_row(series_id)
    with api_fields():
        meeting = send_regrets_to_occurrence(
            require_person(), series, data["slot_key"], data["original_start_local"]
        )
    return _occurrence_response(meeting)
