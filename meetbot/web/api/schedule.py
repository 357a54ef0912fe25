"""API writes of the schedule: series (slots and rules), one occurrence (cancel,
uncancel, move, retitle), one-off meetings, and a meeting's agenda.

Every operation calls services.scheduling / services.agenda; nothing here decides
what a valid schedule is.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from meetbot.domain.bounds import MAX_DATE, MIN_DATE
from meetbot.domain.recurrence import Frequency
from meetbot.models import LocationKind, Meeting, MeetingSeries
from meetbot.services import agenda as agenda_service
from meetbot.services import groups as group_service
from meetbot.services import meetings as meeting_service
from meetbot.services import occurrence_changes, one_off_meetings, series_input
from meetbot.services import series as series_service
from meetbot.services.errors import field_error
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    api_fields,
    guard,
    location,
    require_permission,
    require_person,
    write_docs,
)
from meetbot.web.api.fields import LocalDateTime
from meetbot.web.api.meetings import blp, get_series_row, meeting_data
from meetbot.web.api.schemas import ID, SLUG, MeetingSchema, SeriesSchema, Strict, ident, text

_DATES = ma.validate.Range(min=MIN_DATE, max=MAX_DATE)


class SlotInputSchema(Strict):
    key = text(
        100, metadata={"description": "An existing slot's key (keeps its UID); omit for new."}
    )
    label = text(100, load_default="")
    timezone = text(64, allow_none=True, metadata={"description": "Default: the series' zone."})
    start_local = LocalDateTime(required=True, metadata={"description": "First start, wall time."})
    duration_minutes = ma.fields.Integer(
        strict=True, required=True, validate=ma.validate.Range(1, 1440)
    )
    frequency = ma.fields.String(
        load_default=Frequency.WEEKLY.value,
        validate=ma.validate.OneOf([f.value for f in Frequency]),
    )
    interval = ma.fields.Integer(strict=True, load_default=1, validate=ma.validate.Range(1, 52))
    weekday = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=ma.validate.Range(0, 6),
        metadata={"description": "0 = Monday (monthly rules)"},
    )
    setpos = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=ma.validate.OneOf([-1, 1, 2, 3, 4]),
        metadata={"description": "1st-4th, or -1 for the last weekday of the month"},
    )
    until = ma.fields.Date(allow_none=True, validate=_DATES)
    count = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(1, 10000))


class SeriesInputSchema(Strict):
    title = text(200, required=True)
    timezone = text(64, required=True)
    slots = ma.fields.List(
        ma.fields.Nested(SlotInputSchema), required=True, validate=ma.validate.Length(1, 20)
    )
    description = text(20000, load_default="")
    location_kind = ma.fields.String(
        load_default=LocationKind.VIDEO.value,
        validate=ma.validate.OneOf([k.value for k in LocationKind]),
    )
    location = text(500, load_default="")
    agenda_url = text(500, allow_none=True, load_default=None)
    chairs = ma.fields.List(ident(), load_default=list, metadata={"description": "Person ids."})
    work_streams = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 64)),
        load_default=list,
        metadata={"description": "Work stream slugs of the group."},
    )


class SeriesPatchSchema(SeriesInputSchema):
    """Every field optional; ``slots``, when given, is the full new list."""

    class Meta:
        unknown = ma.RAISE

    title = text(200)
    timezone = text(64)
    slots = ma.fields.List(ma.fields.Nested(SlotInputSchema), validate=ma.validate.Length(1, 20))
    description = text(20000)
    location_kind = ma.fields.String(validate=ma.validate.OneOf([k.value for k in LocationKind]))
    location = text(500)
    agenda_url = text(500, allow_none=True)
    chairs = ma.fields.List(ident())
    work_streams = ma.fields.List(ma.fields.String(validate=ma.validate.Length(1, 64)))


class EndSeriesSchema(Strict):
    last_date = ma.fields.Date(required=True, validate=_DATES)


def _stream_ids(group, slugs: list[str]) -> list[int]:
    ids = []
    for slug in slugs:
        stream = next((s for s in group.work_streams if s.slug == slug), None)
        if stream is None:
            raise field_error("work_streams", f"{group.name} has no work stream {slug!r}.")
        ids.append(stream.id)
    return ids


def _slot_inputs(items: list[dict[str, Any]]) -> list[series_input.SlotInput]:
    return [
        series_input.SlotInput(
            start=item["start_local"],
            duration_minutes=item["duration_minutes"],
            frequency=item["frequency"],
            interval=item["interval"],
            weekday=item.get("weekday"),
            setpos=item.get("setpos"),
            until=item.get("until"),
            count=item.get("count"),
            timezone=item.get("timezone"),
            label=item["label"],
            key=item.get("key"),
        )
        for item in items
    ]


def _current_slots(series: MeetingSeries) -> list[series_input.SlotInput]:
    return [
        series_input.SlotInput(
            start=s.start_local,
            duration_minutes=s.duration_minutes,
            frequency=s.frequency,
            interval=s.interval,
            weekday=s.weekday,
            setpos=s.setpos,
            until=s.until,
            count=s.count,
            timezone=s.timezone,
            label=s.label,
            key=s.key,
        )
        for s in series.slots
    ]


@blp.route(f"/groups/<{SLUG}:group>/series", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(SeriesInputSchema)
@blp.response(201, SeriesSchema)
@write_docs(blp)
def create_series(data: dict[str, Any], group: str):
    """Create a series with its slots (organizers)."""
    row = group_service.get_group(group)
    with api_fields(chair_ids="chairs", work_stream_ids="work_streams"):
        series = series_service.create_series(
            require_person(),
            row,
            series_input.SeriesInput(
                title=data["title"],
                timezone=data["timezone"],
                slots=_slot_inputs(data["slots"]),
                description=data["description"],
                location_kind=data["location_kind"],
                location=data["location"],
                agenda_url=data["agenda_url"],
                chair_ids=data["chairs"],
                work_stream_ids=_stream_ids(row, data["work_streams"]),
            ),
        )
    return series, 201, location("api_series.get_series", series_id=series.id)


@blp.route(f"/series/<{ID}:series_id>", methods=["PATCH"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(SeriesPatchSchema)
@blp.response(200, SeriesSchema)
@write_docs(blp)
def update_series(data: dict[str, Any], series_id: int) -> MeetingSeries:
    """Change a series (organizers). ``slots``, when given, replaces the list: slots
    with a ``key`` keep it (and their calendar UIDs), slots without one are new."""
    series = get_series_row(series_id)
    if not data:
        return series
    with api_fields(chair_ids="chairs", work_stream_ids="work_streams"):
        series_service.update_series(
            require_person(),
            series,
            series_input.SeriesInput(
                title=data.get("title", series.title),
                timezone=data.get("timezone", series.timezone),
                slots=_slot_inputs(data["slots"]) if "slots" in data else _current_slots(series),
                description=data.get("description", series.description),
                location_kind=data.get("location_kind", series.location_kind),
                location=data.get("location", series.location),
                agenda_url=data.get("agenda_url", series.agenda_url),
                chair_ids=data.get("chairs", [p.id for p in series.chairs]),
                work_stream_ids=_stream_ids(series.group, data["work_streams"])
                if "work_streams" in data
                else [w.id for w in series.work_streams],
            ),
        )
    return series


@blp.route(f"/series/<{ID}:series_id>/end", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(EndSeriesSchema)
@blp.response(200, SeriesSchema)
@write_docs(blp)
def end_series(data: dict[str, Any], series_id: int) -> MeetingSeries:
    """End a series after ``last_date`` (inclusive, local date); past meetings stay."""
    series = get_series_row(series_id)
    with api_fields():
        return series_service.end_series(require_person(), series, data["last_date"])


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
    return meeting_data(meeting), 200, location("api_series.get_meeting", meeting_id=meeting.id)


@blp.route(f"/series/<{ID}:series_id>/occurrences/cancel", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(CancelSchema)
@blp.response(200, MeetingSchema)
@write_docs(blp)
def cancel_occurrence(data: dict[str, Any], series_id: int):
    """Cancel one occurrence (its meeting record is created if needed)."""
    series = get_series_row(series_id)
    with api_fields():
        meeting = occurrence_changes.cancel_occurrence(
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
        meeting = occurrence_changes.uncancel_occurrence(
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
        meeting = occurrence_changes.move_occurrence(
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
        meeting = occurrence_changes.retitle_occurrence(
            require_person(),
            series,
            data["slot_key"],
            data["original_start_local"],
            title=data["title"],
            location=data["location"],
            reason=data["reason"],
        )
    return _occurrence_response(meeting)


# --- one-off meetings and meeting records ------------------------------------------


class OneOffSchema(Strict):
    title = text(200, required=True)
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
    stream_ids = _stream_ids(row, [data["work_stream"]]) if data["work_stream"] else [None]
    with api_fields(start="start_local", duration="duration_minutes", work_stream_id="work_stream"):
        meeting = one_off_meetings.create_one_off(
            require_person(),
            row,
            title=data["title"],
            timezone=data["timezone"],
            start_local=data["start_local"],
            duration_minutes=data["duration_minutes"],
            location=data["location"],
            work_stream_id=stream_ids[0],
            agenda=data["agenda"],
        )
    return meeting_data(meeting), 201, location("api_series.get_meeting", meeting_id=meeting.id)


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
        occurrence_changes.cancel_meeting(require_person(), meeting, data["reason"])
    return meeting_data(meeting)


@blp.route(f"/meetings/<{ID}:meeting_id>/uncancel", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.response(200, MeetingSchema)
@write_docs(blp)
def uncancel_meeting(meeting_id: int):
    """Undo a meeting's cancellation."""
    meeting = meeting_service.get_meeting(meeting_id)
    with api_fields():
        occurrence_changes.uncancel_meeting(require_person(), meeting)
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
            occurrence_changes.move_occurrence(
                require_person(),
                meeting.series,
                meeting.slot.key,
                meeting.original_start_local,
                data["new_start_local"],
                duration_minutes=data.get("duration_minutes"),
                reason=data["reason"],
            )
        else:
            occurrence_changes.move_meeting(
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
            occurrence_changes.retitle_meeting(
                person,
                meeting,
                title=data.get("title", meeting.title),
                location=data.get("location", meeting.location),
                reason=data["reason"],
            )
    return meeting_data(meeting)
