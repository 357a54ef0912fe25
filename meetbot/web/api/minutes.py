"""API: a meeting's minute items: add, read, change, delete, reorder and move; and a
MeetBot chat log imported into them (services.minutes, services.log_import).

The log import has ``dry_run``: the same request answers what would be recorded and
changes nothing.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import marshmallow as ma
from flask import current_app, request

from meetbot.services import log_import, log_plan, log_write
from meetbot.services import meetings as meeting_service
from meetbot.services import minutes as minutes_service
from meetbot.services.errors import field_error
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    api_fields,
    guard,
    location,
    make_blueprint,
    read_docs,
    require_person,
    stream_id,
    write_docs,
)
from meetbot.web.api.fields import LOCK_VERSION, UTCDateTime, flag
from meetbot.web.api.meetings import meeting_data
from meetbot.web.api.schemas import (
    ID,
    MeetingSchema,
    MinuteItemSchema,
    Strict,
    ident,
)
from meetbot.web.api.schemas import text as text_field

blp = make_blueprint("api_minutes", "Minute items, their order and chat-log imports.")


class MinuteCreate(Strict):
    kind = ma.fields.String(required=True, metadata={"description": "topic, info, agreed, ..."})
    text = text_field(20000, required=True, blank=False)
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
            work_stream_id=stream_id(meeting.group, data["work_stream"]),
        )
    return item, 201, location("api_minutes.get_minute", meeting_id=meeting.id, item_id=item.id)


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
            work_stream_id=stream_id(meeting.group, data["work_stream"])
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


# --- order of the minutes ----------------------------------------------------------


class MinutesOrderSchema(Strict):
    order = ma.fields.List(
        ident(),
        required=True,
        validate=ma.validate.Length(max=10_000),
        metadata={"description": "Every item id of the minutes, once each, in the new order."},
    )
    lock_version = ma.fields.Integer(strict=True, required=True, validate=LOCK_VERSION)


class MinuteMoveSchema(Strict):
    direction = ma.fields.String(required=True, validate=ma.validate.OneOf(["up", "down"]))
    lock_version = ma.fields.Integer(strict=True, required=True, validate=LOCK_VERSION)


class MinutesListSchema(ma.Schema):
    lock_version = ma.fields.Integer(
        required=True, metadata={"description": "Send it with the next change."}
    )
    items = ma.fields.List(ma.fields.Nested(MinuteItemSchema), required=True)


def _minutes(meeting) -> dict[str, Any]:
    return {"lock_version": meeting.lock_version, "items": minutes_service.list_items(meeting)}


@blp.route(f"/meetings/<{ID}:meeting_id>/minutes/order", methods=["PUT"])
@guard(Permission.CHAIR)
@blp.arguments(MinutesOrderSchema)
@blp.response(200, MinutesListSchema)
@write_docs(blp, conflict=True)
def reorder_minutes(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Put the minutes in a new order (all item ids, each once). Idempotent."""
    meeting = meeting_service.get_meeting(meeting_id)
    with api_fields(version="lock_version"):
        minutes_service.reorder_items(
            require_person(), meeting, data["order"], version=data["lock_version"]
        )
    return _minutes(meeting)


@blp.route(f"/meetings/<{ID}:meeting_id>/minutes/<{ID}:item_id>/move", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(MinuteMoveSchema)
@blp.response(200, MinutesListSchema)
@write_docs(blp, conflict=True)
def move_minute(data: dict[str, Any], meeting_id: int, item_id: int) -> dict[str, Any]:
    """Move one item a place ``up`` or ``down`` (nothing happens at either end)."""
    meeting = meeting_service.get_meeting(meeting_id)
    item = minutes_service.get_item(meeting, item_id)
    with api_fields(version="lock_version"):
        minutes_service.move_item(
            require_person(), item, data["direction"], version=data["lock_version"]
        )
    return _minutes(meeting)


MAX_LOG_BYTES = 5_000_000


def _bots() -> frozenset[str] | None:
    bots = current_app.config.get("MEETBOT_LOG_BOTS")
    if not bots:
        return None
    if isinstance(bots, str):
        bots = bots.replace(",", " ").split()
    return frozenset(bots)


# --- MeetBot chat log --------------------------------------------------------------


class LogImportArgs(ma.Schema):
    dry_run = flag("Only answer what the log holds and would be imported; save nothing.")
    lock_version = ma.fields.Integer(
        validate=LOCK_VERSION,
        metadata={"description": "The meeting's lock_version you started from (409 if stale)."},
    )
    existing = ma.fields.String(
        load_default=log_write.REFUSE,
        validate=ma.validate.OneOf(log_write.EXISTING_CHOICES),
        metadata={
            "description": "When the meeting already has minutes imported from a different "
            "log: refuse (422 on this field, the default), replace (its minutes items from "
            "that log are deleted first) or append. The same log again changes nothing."
        },
    )


class LogItemSchema(ma.Schema):
    kind = ma.fields.String(required=True)
    text = ma.fields.String(required=True)
    nick = ma.fields.String(required=True)
    said_at = UTCDateTime(allow_none=True, required=True)
    line = ma.fields.Integer(required=True)


class LogActionSchema(ma.Schema):
    text = ma.fields.String(required=True)
    nick = ma.fields.String(required=True)
    line = ma.fields.Integer(required=True)
    owners = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "Names of the people present named in the text (MeetBot)."},
    )
    flagged = ma.fields.Boolean(
        required=True, metadata={"description": "No owner found: imported for review."}
    )


class LogAttendeeSchema(ma.Schema):
    nick = ma.fields.String(required=True)
    lines_said = ma.fields.Integer(required=True)
    person_id = ma.fields.Integer(
        allow_none=True, required=True, metadata={"description": "null: a new person."}
    )
    person_name = ma.fields.String(allow_none=True, required=True)


class LogPlanSchema(ma.Schema):
    sha256 = ma.fields.String(required=True)
    start = UTCDateTime(allow_none=True, required=True)
    end = UTCDateTime(allow_none=True, required=True)
    items = ma.fields.List(ma.fields.Nested(LogItemSchema), required=True)
    actions = ma.fields.List(ma.fields.Nested(LogActionSchema), required=True)
    attendees = ma.fields.List(ma.fields.Nested(LogAttendeeSchema), required=True)
    new_people = ma.fields.List(ma.fields.String(), required=True)
    warnings = ma.fields.List(ma.fields.String(), required=True)


class LogCreatedSchema(ma.Schema):
    items_added = ma.fields.Integer(required=True)
    actions_added = ma.fields.Integer(required=True)
    flagged_actions = ma.fields.Integer(required=True)
    attendance_added = ma.fields.Integer(required=True)
    people_created = ma.fields.List(ma.fields.String(), required=True)


class LogImportSchema(ma.Schema):
    dry_run = ma.fields.Boolean(required=True)
    already_imported = ma.fields.Boolean(
        required=True, metadata={"description": "This very log was imported before."}
    )
    plan = ma.fields.Nested(LogPlanSchema, required=True)
    imported = ma.fields.Nested(
        LogCreatedSchema,
        allow_none=True,
        required=True,
        metadata={"description": "What the import added (null on a dry run)."},
    )
    meeting = ma.fields.Nested(MeetingSchema, required=True)


_TEXT_BODY = {
    "required": True,
    "description": "The chat log as UTF-8 text (a MeetBot/IRC log with #startmeeting).",
    "content": {"text/plain": {"schema": {"type": "string", "maxLength": MAX_LOG_BYTES}}},
}


def _log_text() -> str:
    data = request.get_data(cache=False)
    if len(data) > MAX_LOG_BYTES:
        raise field_error("log", f"The log is larger than {MAX_LOG_BYTES // 1_000_000} MB.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise field_error("log", "The log is not UTF-8 text.") from None
    if "\x00" in text:
        raise field_error("log", "The log contains NUL characters.")
    if not text.strip():
        raise field_error("log", "Send the log as the request body (Content-Type: text/plain).")
    return text


def _plan_data(plan: log_plan.ImportPlan, day) -> dict[str, Any]:
    return {
        "sha256": plan.sha256,
        "start": plan.start,
        "end": plan.end,
        "items": [
            {
                "kind": i.kind,
                "text": i.text,
                "nick": i.nick,
                "said_at": log_plan.said_at(i.time, day),
                "line": i.line,
            }
            for i in plan.items
        ],
        "actions": [
            {
                "text": a.text,
                "nick": a.nick,
                "line": a.line,
                "owners": a.owner_names,
                "flagged": a.flagged,
            }
            for a in plan.actions
        ],
        "attendees": [
            {
                "nick": a.nick,
                "lines_said": a.lines,
                "person_id": a.person_id,
                "person_name": a.person_name,
            }
            for a in plan.attendees
        ],
        "new_people": plan.new_nicks,
        "warnings": plan.warnings,
    }


@blp.route(f"/meetings/<{ID}:meeting_id>/minutes/import", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(LogImportArgs, location="query")
@blp.doc(requestBody=_TEXT_BODY)
@blp.response(200, LogImportSchema)
@write_docs(blp, conflict=True)
def import_log(args: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Import a MeetBot chat log into a meeting: minutes items, action items (owners by
    MeetBot's rule; none found: flagged for review) and attendance (source ``log``,
    lines said). Importing the same log again changes nothing. ``dry_run=true``
    answers what the log holds and saves nothing."""
    meeting = meeting_service.get_meeting(meeting_id)
    text = _log_text()
    day = meeting.start_dt.astimezone(UTC).date()
    with api_fields(version="lock_version"):
        if "lock_version" in args:
            minutes_service.check_version(meeting, args["lock_version"])
        plan = log_plan.plan_import(text, default_date=day, bots=_bots())
        log_write.check_existing(meeting, plan.sha256, args["existing"])
        imported = None
        already = meeting.imported_log_sha256 == plan.sha256
        if not args["dry_run"]:
            result = log_import.import_log(
                require_person(),
                meeting,
                text,
                bots=_bots(),
                version=args.get("lock_version"),
                existing=args["existing"],
            )
            already = result.already_imported
            imported = {
                "items_added": result.items_added,
                "actions_added": result.actions_added,
                "flagged_actions": result.flagged_actions,
                "attendance_added": result.attendance_added,
                "people_created": result.people_created,
            }
    return {
        "dry_run": args["dry_run"],
        "already_imported": already,
        "plan": _plan_data(plan, day),
        "imported": imported,
        "meeting": meeting_data(meeting),
    }
