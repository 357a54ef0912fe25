"""API: meeting series (slots and rules): list, read, create, change, end; and the
meeting record of one of their occurrences.

Every write calls services.scheduling; nothing here decides what a valid schedule is.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from meetbot.domain.recurrence import Frequency
from meetbot.models import (
    LocationKind,
    MeetingSeries,
)
from meetbot.services import groups as group_service
from meetbot.services import series as series_service
from meetbot.services import series_input as series_input_service
from meetbot.services import series_reads
from meetbot.services.occurrence_records import materialize_recorded
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
from meetbot.web.api.fields import DATES, LocalDateTime
from meetbot.web.api.meetings import meeting_data
from meetbot.web.api.pages import PageArgs, page_schema, paginate
from meetbot.web.api.schemas import (
    ID,
    SLUG,
    MeetingSchema,
    SeriesSchema,
    Strict,
    ident,
    text,
)

blp = make_blueprint("api_series", "Meeting series: their slots, rules and occurrences.")


def get_series_row(series_id: int) -> MeetingSeries:
    """The series (404 if none)."""
    return series_reads.find_series(series_id)


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
        load_default=Frequency.WEEKLY,
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
    until = ma.fields.Date(allow_none=True, validate=DATES)
    count = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(1, 10000))


class SeriesInputSchema(Strict):
    title = text(200, required=True)
    timezone = text(64, required=True)
    slots = ma.fields.List(
        ma.fields.Nested(SlotInputSchema), required=True, validate=ma.validate.Length(1, 20)
    )
    description = text(20000, load_default="")
    location_kind = ma.fields.String(
        load_default=LocationKind.VIDEO,
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
    last_date = ma.fields.Date(required=True, validate=DATES)


def _slot_inputs(items: list[dict[str, Any]]) -> list[series_input_service.SlotInput]:
    return [
        series_input_service.SlotInput(
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


def _current_slots(series: MeetingSeries) -> list[series_input_service.SlotInput]:
    return [
        series_input_service.SlotInput(
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
            series_input_service.SeriesInput(
                title=data["title"],
                timezone=data["timezone"],
                slots=_slot_inputs(data["slots"]),
                description=data["description"],
                location_kind=data["location_kind"],
                location=data["location"],
                agenda_url=data["agenda_url"],
                chair_ids=data["chairs"],
                work_stream_ids=stream_ids(row, data["work_streams"]),
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
            series_input_service.SeriesInput(
                title=data.get("title", series.title),
                timezone=data.get("timezone", series.timezone),
                slots=_slot_inputs(data["slots"]) if "slots" in data else _current_slots(series),
                description=data.get("description", series.description),
                location_kind=data.get("location_kind", series.location_kind),
                location=data.get("location", series.location),
                agenda_url=data.get("agenda_url", series.agenda_url),
                chair_ids=data.get("chairs", [p.id for p in series.chairs]),
                work_stream_ids=stream_ids(series.group, data["work_streams"])
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
    where = location("api_meetings.get_meeting", meeting_id=meeting.id)
    return meeting_data(meeting), status, where
