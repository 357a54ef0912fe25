"""API of a chair's work: attendance, minute items, action items, attendance statistics.

Thin: every operation calls services.attendance / minutes / actions / analytics.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import select

from meetbot.domain.bounds import MAX_DATE, MIN_DATE
from meetbot.extensions import db
from meetbot.models import ActionItem, Attendance, Person
from meetbot.services import action_lists, analytics
from meetbot.services import actions as action_service
from meetbot.services import attendance as attendance_service
from meetbot.services import groups as group_service
from meetbot.services import meetings as meeting_service
from meetbot.services import minutes as minutes_service
from meetbot.services.errors import NotFound, field_error
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    PageArgs,
    api_fields,
    guard,
    location,
    make_blueprint,
    page_schema,
    paginate,
    read_docs,
    require_person,
    write_docs,
)
from meetbot.web.api.fields import UTCDateTime
from meetbot.web.api.meetings import meeting_data
from meetbot.web.api.schemas import (
    ID,
    SLUG,
    ActionItemSchema,
    AttendanceSchema,
    MeetingSchema,
    MinuteItemSchema,
    Strict,
    ident,
)
from meetbot.web.api.schemas import (
    text as text_field,
)

blp = make_blueprint("api_chair", "Attendance, minutes, action items and statistics.")

_DATES = ma.validate.Range(min=MIN_DATE, max=MAX_DATE)


# --- attendance --------------------------------------------------------------------


class AttendancePut(Strict):
    kind = ma.fields.String(
        load_default="present", validate=ma.validate.OneOf(["present", "regrets"])
    )


class AttendanceImport(Strict):
    text = text_field(
        200_000,
        required=True,
        metadata={
            "description": "One per line or comma-separated: names, e-mails, chat handles, "
            "'Name (nick)', 'Name <email>' (the paste form's format and limits)."
        },
    )
    create_new = ma.fields.Boolean(
        load_default=True, metadata={"description": "Create people for lines that match nobody."}
    )


class ImportLineSchema(ma.Schema):
    line = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["matched", "new", "ambiguous"]})
    person_id = ma.fields.Integer(allow_none=True, required=True)
    via = ma.fields.String(allow_none=True, required=True)


class ImportResultSchema(ma.Schema):
    lines = ma.fields.List(ma.fields.Nested(ImportLineSchema), required=True)
    added = ma.fields.List(ma.fields.Integer(), required=True)
    upgraded = ma.fields.List(ma.fields.Integer(), required=True)
    created_people = ma.fields.List(ma.fields.Integer(), required=True)
    skipped = ma.fields.List(ma.fields.String(), required=True)
    meeting = ma.fields.Nested(MeetingSchema, required=True)


def _entry_for(meeting_id: int, person_id: int) -> Attendance | None:
    return db.session.scalar(
        select(Attendance).where(
            Attendance.meeting_id == meeting_id, Attendance.person_id == person_id
        )
    )


def _person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person {person_id}.")
    return person


@blp.route(f"/meetings/<{ID}:meeting_id>/attendance")
@blp.response(200, AttendanceSchema(many=True))
@read_docs(blp)
def list_attendance(meeting_id: int) -> list[Attendance]:
    """Everyone recorded at a meeting: present and regrets (``kind``), with source."""
    return attendance_service.entries(meeting_service.get_meeting(meeting_id))


@blp.route(f"/meetings/<{ID}:meeting_id>/attendance/<{ID}:person_id>", methods=["PUT"])
@guard(Permission.CHAIR)
@blp.arguments(AttendancePut)
@blp.response(200, AttendanceSchema)
@write_docs(blp)
def put_attendance(data: dict[str, Any], meeting_id: int, person_id: int) -> Attendance:
    """Record one member present (or sending regrets). Idempotent: repeating it
    changes nothing. Presence is recorded as the roster records it."""
    meeting = meeting_service.get_meeting(meeting_id)
    person = _person(person_id)
    actor = require_person()
    with api_fields(present="person_id", person_ids="person_id", people="person_id"):
        if data["kind"] == "present":
            attendance_service.save_roster(actor, meeting, [person.id], shown_ids=[])
        else:
            attendance_service.record_regrets(actor, meeting, [person.id])
    entry = _entry_for(meeting.id, person.id)
    if entry is None or entry.kind != data["kind"]:
        raise field_error("kind", "This could not be recorded (see the meeting's state).")
    return entry


@blp.route(f"/meetings/<{ID}:meeting_id>/attendance/<{ID}:person_id>", methods=["DELETE"])
@guard(Permission.CHAIR)
@blp.response(204)
@write_docs(blp)
def delete_attendance(meeting_id: int, person_id: int) -> None:
    """Remove a person's entry (a wrong presence or regrets). Idempotent."""
    meeting = meeting_service.get_meeting(meeting_id)
    entry = _entry_for(meeting.id, person_id)
    if entry is not None:
        attendance_service.remove_entry(require_person(), meeting, entry.id)


@blp.route(f"/meetings/<{ID}:meeting_id>/attendance/import", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(AttendanceImport)
@blp.response(200, ImportResultSchema)
@write_docs(blp)
def import_attendance(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Record many people at once from names, e-mails and handles, matched exactly as
    the paste form matches them. Ambiguous lines are skipped and reported; lines that
    match nobody create people (unless ``create_new`` is false). Idempotent."""
    meeting = meeting_service.get_meeting(meeting_id)
    with api_fields():
        identities = attendance_service.parse_paste(data["text"])
        lines = attendance_service.preview(meeting, identities)
        resolutions = (
            {}
            if data["create_new"]
            else {line.index: "skip" for line in lines if line.status == "new"}
        )
        changes = attendance_service.confirm_import(
            require_person(), meeting, identities, resolutions, source="paste"
        )
    return {
        "lines": [
            {"line": ln.label, "status": ln.status, "person_id": ln.person_id, "via": ln.via}
            for ln in lines
        ],
        "added": changes.added,
        "upgraded": changes.upgraded,
        "created_people": changes.created_people,
        "skipped": changes.skipped,
        "meeting": meeting_data(meeting),
    }


# --- minutes -----------------------------------------------------------------------


class MinuteCreate(Strict):
    kind = ma.fields.String(required=True, metadata={"description": "topic, info, agreed, ..."})
    text = text_field(20000, required=True)
    lock_version = ma.fields.Integer(
        strict=True, required=True, validate=ma.validate.Range(1, 2**31 - 1)
    )
    work_stream = ma.fields.String(allow_none=True, load_default=None)


class MinuteUpdate(MinuteCreate):
    kind = ma.fields.String()
    text = text_field(20000)


class MinuteDelete(Strict):
    lock_version = ma.fields.Integer(
        strict=True, required=True, validate=ma.validate.Range(1, 2**31 - 1)
    )


def _stream_id(group, slug: str | None) -> int | None:
    if not slug:
        return None
    stream = next((s for s in group.work_streams if s.slug == slug), None)
    if stream is None:
        raise field_error("work_stream", f"{group.name} has no work stream {slug!r}.")
    return stream.id


_MINUTE_FIELDS = {"version": "lock_version", "work_stream_id": "work_stream"}


@blp.route(f"/meetings/<{ID}:meeting_id>/minutes", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(MinuteCreate)
@blp.response(201, MinuteItemSchema)
@blp.alt_response(409, response="CONFLICT")
@write_docs(blp)
def add_minute(data: dict[str, Any], meeting_id: int):
    """Append an item to the minutes (send the meeting's ``lock_version``)."""
    meeting = meeting_service.get_meeting(meeting_id)
    with api_fields(**_MINUTE_FIELDS):
        item = minutes_service.add_item(
            require_person(),
            meeting,
            kind=data["kind"],
            text=data["text"],
            version=data["lock_version"],
            work_stream_id=_stream_id(meeting.group, data["work_stream"]),
        )
    return item, 201, location("api_chair.get_minute", meeting_id=meeting.id, item_id=item.id)


@blp.route(f"/meetings/<{ID}:meeting_id>/minutes/<{ID}:item_id>")
@blp.response(200, MinuteItemSchema)
@read_docs(blp)
def get_minute(meeting_id: int, item_id: int):
    """One minute item."""
    return minutes_service.get_item(meeting_service.get_meeting(meeting_id), item_id)


@blp.route(f"/meetings/<{ID}:meeting_id>/minutes/<{ID}:item_id>", methods=["PATCH"])
@guard(Permission.CHAIR)
@blp.arguments(MinuteUpdate)
@blp.response(200, MinuteItemSchema)
@blp.alt_response(409, response="CONFLICT")
@write_docs(blp)
def update_minute(data: dict[str, Any], meeting_id: int, item_id: int):
    """Change an item's kind, text or work stream."""
    meeting = meeting_service.get_meeting(meeting_id)
    item = minutes_service.get_item(meeting, item_id)
    with api_fields(**_MINUTE_FIELDS):
        return minutes_service.update_item(
            require_person(),
            item,
            kind=data.get("kind", item.kind),
            text=data.get("text", item.text),
            version=data["lock_version"],
            work_stream_id=_stream_id(meeting.group, data["work_stream"])
            if "work_stream" in data
            else item.work_stream_id,
        )


@blp.route(f"/meetings/<{ID}:meeting_id>/minutes/<{ID}:item_id>", methods=["DELETE"])
@guard(Permission.CHAIR)
@blp.arguments(MinuteDelete)
@blp.response(204)
@blp.alt_response(409, response="CONFLICT")
@write_docs(blp)
def delete_minute(data: dict[str, Any], meeting_id: int, item_id: int) -> None:
    """Delete an item (a body with ``lock_version`` is needed)."""
    meeting = meeting_service.get_meeting(meeting_id)
    item = minutes_service.get_item(meeting, item_id)
    with api_fields(**_MINUTE_FIELDS):
        minutes_service.delete_item(require_person(), item, version=data["lock_version"])


# --- action items ------------------------------------------------------------------


class ActionQuery(PageArgs):
    status = ma.fields.String(
        load_default="open", validate=ma.validate.OneOf(["open", "done", "dropped", "all"])
    )


class ActionCreate(Strict):
    text = text_field(5000, required=True)
    owners = ma.fields.List(ident(), load_default=list, metadata={"description": "Person ids."})
    due_date = ma.fields.Date(allow_none=True, load_default=None, validate=_DATES)
    work_stream = ma.fields.String(allow_none=True, load_default=None)
    meeting_id = ident(allow_none=True, load_default=None, metadata={"description": "Opened in."})


class ActionUpdate(Strict):
    text = text_field(5000)
    owners = ma.fields.List(ident(), metadata={"description": "Person ids (assign)."})
    due_date = ma.fields.Date(allow_none=True, validate=_DATES)
    work_stream = ma.fields.String(allow_none=True)
    note = text_field(2000, load_default="")


class ActionClose(Strict):
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(["done", "dropped"]))
    meeting_id = ident(allow_none=True, load_default=None, metadata={"description": "Closed in."})
    note = text_field(2000, load_default="")


class ActionCarry(Strict):
    meeting_id = ident(required=True, metadata={"description": "The meeting that reviewed it."})
    note = text_field(2000, load_default="")


class ActionReopen(Strict):
    meeting_id = ident(allow_none=True, load_default=None)
    note = text_field(2000, load_default="")


def _meeting_or_none(meeting_id: int | None):
    return meeting_service.get_meeting(meeting_id) if meeting_id else None


def _action(action_id: int) -> ActionItem:
    return action_service.get_action(action_id)


def _guard_action(action_id: int) -> tuple[ActionItem, Person]:
    # @guard already checked the role; this returns the item and the actor.
    return _action(action_id), require_person()


_ACTION_FIELDS = {"owner_ids": "owners", "work_stream_id": "work_stream", "meeting": "meeting_id"}


@blp.route(f"/groups/<{SLUG}:group>/actions")
@blp.arguments(ActionQuery, location="query")
@blp.response(200, page_schema(ActionItemSchema, "ActionItemPage"))
@read_docs(blp)
def list_actions(args: dict[str, Any], group: str) -> dict[str, Any]:
    """A group's action items (``status``: open by default, or all)."""
    row = group_service.get_group(group)
    status = None if args["status"] == "all" else args["status"]
    return paginate(action_lists.group_actions(row, status=status), args)


@blp.route(f"/groups/<{SLUG}:group>/actions", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(ActionCreate)
@blp.response(201, ActionItemSchema)
@write_docs(blp)
def create_action(data: dict[str, Any], group: str):
    """Open an action item with owners, due date and work stream (chairs)."""
    row = group_service.get_group(group)
    with api_fields(**_ACTION_FIELDS):
        item = action_service.create_action(
            require_person(),
            row,
            text=data["text"],
            owner_ids=data["owners"],
            due_date=data["due_date"],
            work_stream_id=_stream_id(row, data["work_stream"]),
            meeting=_meeting_or_none(data["meeting_id"]),
        )
    return item, 201, location("api_chair.get_action", action_id=item.id)


@blp.route(f"/actions/<{ID}:action_id>")
@blp.response(200, ActionItemSchema)
@read_docs(blp)
def get_action(action_id: int) -> ActionItem:
    """One action item."""
    return _action(action_id)


@blp.route(f"/actions/<{ID}:action_id>", methods=["PATCH"])
@guard(Permission.CHAIR)
@blp.arguments(ActionUpdate)
@blp.response(200, ActionItemSchema)
@write_docs(blp)
def update_action(data: dict[str, Any], action_id: int) -> ActionItem:
    """Edit or assign an action item (owners are people ids, never guessed)."""
    item, actor = _guard_action(action_id)
    with api_fields(**_ACTION_FIELDS):
        return action_service.update_action(
            actor,
            item,
            text=data.get("text", item.text),
            owner_ids=data.get("owners", [p.id for p in item.owners]),
            due_date=data.get("due_date", item.due_date),
            work_stream_id=_stream_id(item.group, data["work_stream"])
            if "work_stream" in data
            else item.work_stream_id,
            note=data["note"],
        )


@blp.route(f"/actions/<{ID}:action_id>/close", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(ActionClose)
@blp.response(200, ActionItemSchema)
@write_docs(blp)
def close_action(data: dict[str, Any], action_id: int) -> ActionItem:
    """Close as done or dropped (optionally in a meeting). Repeating it changes nothing."""
    item, actor = _guard_action(action_id)
    with api_fields(**_ACTION_FIELDS):
        return action_service.close_action(
            actor,
            item,
            data["status"],
            meeting=_meeting_or_none(data["meeting_id"]),
            note=data["note"],
        )


@blp.route(f"/actions/<{ID}:action_id>/reopen", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(ActionReopen)
@blp.response(200, ActionItemSchema)
@write_docs(blp)
def reopen_action(data: dict[str, Any], action_id: int) -> ActionItem:
    """Reopen a closed item."""
    item, actor = _guard_action(action_id)
    with api_fields(**_ACTION_FIELDS):
        return action_service.reopen_action(
            actor, item, meeting=_meeting_or_none(data["meeting_id"]), note=data["note"]
        )


@blp.route(f"/actions/<{ID}:action_id>/carry-over", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(ActionCarry)
@blp.response(200, ActionItemSchema)
@write_docs(blp)
def carry_over(data: dict[str, Any], action_id: int) -> ActionItem:
    """Keep an open item open, reviewed in ``meeting_id`` (once per meeting)."""
    item, actor = _guard_action(action_id)
    with api_fields(**_ACTION_FIELDS):
        return action_service.carry_over(
            actor, item, meeting_service.get_meeting(data["meeting_id"]), note=data["note"]
        )


# --- statistics --------------------------------------------------------------------


class MeetingStatSchema(ma.Schema):
    meeting_id = ma.fields.Integer(required=True)
    start = UTCDateTime(required=True)
    title = ma.fields.String(required=True)
    series_id = ma.fields.Integer(allow_none=True, required=True)
    status = ma.fields.String(required=True)
    present = ma.fields.Integer(required=True)
    regrets = ma.fields.Integer(required=True)
    first_time = ma.fields.Integer(required=True)
    returning = ma.fields.Integer(required=True)
    organizations = ma.fields.Integer(required=True)
    quorum_met = ma.fields.Boolean(allow_none=True, required=True)


class MemberRateSchema(ma.Schema):
    person = ma.fields.Function(
        lambda m: {"id": m.person_id, "display_name": m.name}, required=True
    )
    role = ma.fields.String(required=True)
    attended = ma.fields.Integer(required=True)
    regrets = ma.fields.Integer(required=True)
    window = ma.fields.Integer(required=True)
    rate = ma.fields.Float(required=True, metadata={"description": "Percent attended."})
    flagged = ma.fields.Boolean(required=True)


class OrganizationStatSchema(ma.Schema):
    name = ma.fields.String(required=True)
    people = ma.fields.Integer(required=True)
    meetings = ma.fields.Integer(required=True)


class StatsSchema(ma.Schema):
    meetings = ma.fields.List(ma.fields.Nested(MeetingStatSchema), required=True)
    members = ma.fields.List(ma.fields.Nested(MemberRateSchema), required=True)
    organizations = ma.fields.List(ma.fields.Nested(OrganizationStatSchema), required=True)
    average_present = ma.fields.Float(required=True)
    threshold = ma.fields.Integer(required=True)
    window = ma.fields.Integer(required=True)


class StatsQuery(ma.Schema):
    series_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**31 - 1))
    stream = ma.fields.String(validate=ma.validate.Length(1, 64))


@blp.route(f"/groups/<{SLUG}:group>/attendance-stats")
@blp.arguments(StatsQuery, location="query")
@blp.response(200, StatsSchema)
@read_docs(blp)
def attendance_stats(args: dict[str, Any], group: str) -> dict[str, Any]:
    """Attendance per meeting (first-time vs returning, organizations, quorum) and each
    member's rate over the group's window; optionally for one series or work stream."""
    row = group_service.get_group(group)
    series = None
    if "series_id" in args:
        from meetbot.web.api.meetings import get_series_row

        series = get_series_row(args["series_id"])
        if series.group_id != row.id:
            raise NotFound(f"No series {args['series_id']} in {row.name}.")
    stream = group_service.get_work_stream(row, args["stream"]) if "stream" in args else None
    result = analytics.report(row, series=series, stream=stream)
    return {
        "meetings": result.meetings,
        "members": result.members,
        "organizations": result.organizations,
        "average_present": result.average_present,
        "threshold": row.attendance_threshold,
        "window": row.attendance_window,
    }
