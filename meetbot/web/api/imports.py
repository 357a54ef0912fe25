"""API of a chair's bulk work: a MeetBot chat log into a meeting, a video-call
participant CSV into its attendance, the order of the minutes, the check-in link.

Thin: services.log_import, services.attendance and services.minutes do the work with
the same rules as the pages. Each bulk import has ``dry_run``: the same request
answers what would be recorded and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import marshmallow as ma
from flask import current_app, request, url_for

from meetbot.models import AttendanceSource
from meetbot.services import attendance as attendance_service
from meetbot.services import log_import
from meetbot.services import meetings as meeting_service
from meetbot.services import minutes as minutes_service
from meetbot.services.errors import field_error
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    api_fields,
    guard,
    make_blueprint,
    require_person,
    write_docs,
)
from meetbot.web.api.fields import UTCDateTime
from meetbot.web.api.meetings import meeting_data
from meetbot.web.api.schemas import ID, MeetingSchema, MinuteItemSchema, Strict, ident

blp = make_blueprint(
    "api_imports", "Chat-log and call-CSV imports, minutes order and the check-in link."
)

MAX_LOG_BYTES = 5_000_000
_VERSION = ma.validate.Range(1, 2**31 - 1)


def _bots() -> frozenset[str] | None:
    bots = current_app.config.get("MEETBOT_LOG_BOTS")
    if not bots:
        return None
    if isinstance(bots, str):
        bots = bots.replace(",", " ").split()
    return frozenset(bots)


def _flag(description: str) -> ma.fields.Boolean:
    return ma.fields.Boolean(load_default=False, metadata={"description": description})


# --- MeetBot chat log --------------------------------------------------------------


class LogImportArgs(ma.Schema):
    dry_run = _flag("Only answer what the log holds and would be imported; save nothing.")
    lock_version = ma.fields.Integer(
        validate=_VERSION,
        metadata={"description": "The meeting's lock_version you started from (409 if stale)."},
    )
    existing = ma.fields.String(
        load_default=log_import.REFUSE,
        validate=ma.validate.OneOf(log_import.EXISTING_CHOICES),
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


def _plan_data(plan: log_import.ImportPlan, day) -> dict[str, Any]:
    return {
        "sha256": plan.sha256,
        "start": plan.start,
        "end": plan.end,
        "items": [
            {
                "kind": i.kind,
                "text": i.text,
                "nick": i.nick,
                "said_at": log_import.said_at(i.time, day),
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
        plan = log_import.plan_import(text, default_date=day, bots=_bots())
        log_import.check_existing(meeting, plan.sha256, args["existing"])
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


# --- call participant CSV ----------------------------------------------------------


class CsvImportArgs(ma.Schema):
    dry_run = _flag("Only match the rows against known people and answer; save nothing.")
    create_new = ma.fields.Boolean(
        load_default=True, metadata={"description": "Create people for rows that match nobody."}
    )


class CsvLineSchema(ma.Schema):
    line = ma.fields.Integer(required=True, metadata={"description": "Row in the file."})
    label = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, metadata={"enum": ["matched", "new", "ambiguous", "suggested", "not_person"]}
    )
    person_id = ma.fields.Integer(allow_none=True, required=True)
    via = ma.fields.String(allow_none=True, required=True)
    candidates = ma.fields.List(
        ma.fields.Integer(), required=True, metadata={"description": "Ids, when ambiguous."}
    )
    duration_minutes = ma.fields.Integer(allow_none=True, required=True)
    current = ma.fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "The matched person's entry now: present, regrets or null."},
    )


class CsvImportSchema(ma.Schema):
    dry_run = ma.fields.Boolean(required=True)
    lines = ma.fields.List(ma.fields.Nested(CsvLineSchema), required=True)
    added = ma.fields.List(ma.fields.Integer(), required=True)
    upgraded = ma.fields.List(ma.fields.Integer(), required=True)
    updated = ma.fields.List(
        ma.fields.Integer(), required=True, metadata={"description": "Durations filled in."}
    )
    created_people = ma.fields.List(ma.fields.Integer(), required=True)
    skipped = ma.fields.List(ma.fields.String(), required=True)
    meeting = ma.fields.Nested(MeetingSchema, required=True)


_CSV_BODY = {
    "required": True,
    "description": "A Zoom, Google Meet or Teams participant export: a multipart upload "
    "(field ``file``) or the CSV itself as the body. At most 5 MB.",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        "text/csv": {"schema": {"type": "string"}},
    },
}


def _csv_bytes() -> bytes:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise field_error("file", "Upload the CSV in the multipart field 'file'.")
        return upload.read(attendance_service.MAX_CSV_BYTES + 1)
    return request.get_data(cache=False)


@blp.route(f"/meetings/<{ID}:meeting_id>/attendance/csv", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(CsvImportArgs, location="query")
@blp.doc(requestBody=_CSV_BODY)
@blp.response(200, CsvImportSchema)
@write_docs(blp)
def import_csv(args: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Record a call's participants, matched as the upload form matches them (e-mail,
    then name): matched rows are recorded, rows that match nobody create people
    (unless ``create_new=false``), ambiguous rows, rows with only a "did you mean"
    suggestion and participants that are not people (phones, rooms, bots) are skipped
    and reported. People who joined twice count once (overlapping joins once).
    ``dry_run=true`` is the form's preview: nothing is saved. Idempotent."""
    meeting = meeting_service.get_meeting(meeting_id)
    with api_fields():
        participants = attendance_service.parse_csv(_csv_bytes())
        lines = attendance_service.preview(meeting, participants)
        changes = attendance_service.Changes()
        if not args["dry_run"]:
            changes = attendance_service.confirm_import(
                require_person(),
                meeting,
                participants,
                {},
                source=AttendanceSource.CSV.value,
                create_unmatched=args["create_new"],
            )
    return {
        "dry_run": args["dry_run"],
        "lines": [
            {
                "line": ln.parsed.line,
                "label": ln.label,
                "status": ln.status,
                "person_id": ln.person_id,
                "via": ln.via,
                "candidates": (
                    [c.id for c in ln.candidates] if ln.status in ("ambiguous", "suggested") else []
                ),
                "duration_minutes": ln.duration,
                "current": ln.current_kind,
            }
            for ln in lines
        ],
        "added": changes.added,
        "upgraded": changes.upgraded,
        "updated": changes.updated,
        "created_people": changes.created_people,
        "skipped": changes.skipped,
        "meeting": meeting_data(meeting),
    }


# --- order of the minutes ----------------------------------------------------------


class MinutesOrderSchema(Strict):
    order = ma.fields.List(
        ident(),
        required=True,
        validate=ma.validate.Length(max=10_000),
        metadata={"description": "Every item id of the minutes, once each, in the new order."},
    )
    lock_version = ma.fields.Integer(strict=True, required=True, validate=_VERSION)


class MinuteMoveSchema(Strict):
    direction = ma.fields.String(required=True, validate=ma.validate.OneOf(["up", "down"]))
    lock_version = ma.fields.Integer(strict=True, required=True, validate=_VERSION)


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


# --- check-in link -----------------------------------------------------------------


class CheckinLinkArgs(Strict):
    valid_minutes = ma.fields.Integer(
        strict=True,
        load_default=int(attendance_service.CHECKIN_LINK_DEFAULT_VALID.total_seconds() // 60),
        validate=ma.validate.Range(5, 2880),
        metadata={"description": "How long the link stays open (5 minutes to 2 days)."},
    )


class CheckinLinkSchema(ma.Schema):
    url = ma.fields.String(required=True, metadata={"description": "Shown once."})
    token = ma.fields.String(required=True, metadata={"description": "Only its hash is kept."})
    open_until = UTCDateTime(required=True)


@blp.route(f"/meetings/<{ID}:meeting_id>/checkin-link", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(CheckinLinkArgs)
@blp.response(200, CheckinLinkSchema)
@write_docs(blp)
def open_checkin_link(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Open a check-in link for people without accounts (replaces an open one). The
    URL is in this response only: the server keeps just the token's hash."""
    meeting = meeting_service.get_meeting(meeting_id)
    with api_fields(valid_for="valid_minutes"):
        token = attendance_service.open_checkin_link(
            require_person(), meeting, valid_for=timedelta(minutes=data["valid_minutes"])
        )
    path = url_for("attendance.link_checkin", meeting_id=meeting.id, token=token)
    return {
        "url": current_app.config["MEETBOT_BASE_URL"].rstrip("/") + path,
        "token": token,
        "open_until": meeting.checkin_open_until_dt,
    }


@blp.route(f"/meetings/<{ID}:meeting_id>/checkin-link", methods=["DELETE"])
@guard(Permission.CHAIR)
@blp.response(204)
@write_docs(blp)
def close_checkin_link(meeting_id: int) -> None:
    """Close the check-in link at once (idempotent)."""
    attendance_service.close_checkin_link(require_person(), meeting_service.get_meeting(meeting_id))
