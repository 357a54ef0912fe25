"""API: a meeting's attendance: list, record, remove, paste and call-CSV imports, the
check-in link. A group's attendance statistics are in attendance_stats.py.

Thin: the services.attendance_* modules and services.analytics do the work with the same rules as
the pages. The CSV import has ``dry_run``: it answers what would be recorded and
changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import marshmallow as ma
from flask import current_app, request, url_for

from meetbot.domain.participants import MAX_CSV_BYTES
from meetbot.models import (
    Attendance,
    AttendanceSource,
)
from meetbot.services import (
    attendance_entries,
    attendance_import,
    attendance_links,
    attendance_reads,
    attendance_regrets,
    attendance_roster,
    people_reads,
)
from meetbot.services import meetings as meeting_service
from meetbot.services.errors import field_error
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    api_fields,
    guard,
    make_blueprint,
    read_docs,
    require_person,
    write_docs,
)
from meetbot.web.api.fields import UTCDateTime, flag
from meetbot.web.api.meetings import meeting_data
from meetbot.web.api.schemas import (
    ID,
    AttendanceSchema,
    MeetingSchema,
    Strict,
)
from meetbot.web.api.schemas import text as text_field

blp = make_blueprint("api_attendance", "Attendance, its imports, the check-in link and statistics.")


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


@blp.route(f"/meetings/<{ID}:meeting_id>/attendance")
@blp.response(200, AttendanceSchema(many=True))
@read_docs(blp)
def list_attendance(meeting_id: int) -> list[Attendance]:
    """Everyone recorded at a meeting: present and regrets (``kind``), with source."""
    return attendance_reads.entries(meeting_service.get_meeting(meeting_id))


@blp.route(f"/meetings/<{ID}:meeting_id>/attendance/<{ID}:person_id>", methods=["PUT"])
@guard(Permission.CHAIR)
@blp.arguments(AttendancePut)
@blp.response(200, AttendanceSchema)
@write_docs(blp)
def put_attendance(data: dict[str, Any], meeting_id: int, person_id: int) -> Attendance:
    """Record one member present (or sending regrets). Idempotent: repeating it
    changes nothing. Presence is recorded as the roster records it."""
    meeting = meeting_service.get_meeting(meeting_id)
    person = people_reads.get_person(person_id)
    actor = require_person()
    with api_fields(present="person_id", person_ids="person_id", people="person_id"):
        if data["kind"] == "present":
            attendance_roster.save_roster(actor, meeting, [person.id], shown_ids=[])
        else:
            attendance_regrets.record_regrets(actor, meeting, [person.id])
    entry = people_reads.attendance_entry(meeting.id, person.id)
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
    entry = people_reads.attendance_entry(meeting.id, person_id)
    if entry is not None:
        attendance_roster.remove_entry(require_person(), meeting, entry.id)


@blp.route(f"/meetings/<{ID}:meeting_id>/attendance/import", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(AttendanceImport)
@blp.response(200, ImportResultSchema)
@write_docs(blp)
def import_attendance(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Record many people at once from names, e-mails and handles, matched exactly as
    the paste form matches them. Ambiguous lines, lines with only a "did you mean"
    suggestion (``suggested``: "Adrien" for Adrien Lebre) and participants that are
    not people (``not_person``: phones, rooms, bots) are skipped and reported; lines
    that come close to nobody create people (unless ``create_new`` is false).
    Idempotent."""
    meeting = meeting_service.get_meeting(meeting_id)
    with api_fields():
        identities = attendance_import.parse_paste(data["text"])
        lines = attendance_import.preview(meeting, identities)
        changes = attendance_import.confirm_import(
            require_person(),
            meeting,
            identities,
            {},
            source="paste",
            create_unmatched=data["create_new"],
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


# --- call participant CSV ----------------------------------------------------------


class CsvImportArgs(ma.Schema):
    dry_run = flag("Only match the rows against known people and answer; save nothing.")
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
        return upload.read(MAX_CSV_BYTES + 1)
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
        participants = attendance_import.parse_csv(_csv_bytes())
        lines = attendance_import.preview(meeting, participants)
        changes = attendance_entries.Changes()
        if not args["dry_run"]:
            changes = attendance_import.confirm_import(
                require_person(),
                meeting,
                participants,
                {},
                source=AttendanceSource.CSV,
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


# --- check-in link -----------------------------------------------------------------


class CheckinLinkArgs(Strict):
    valid_minutes = ma.fields.Integer(
        strict=True,
        load_default=int(attendance_links.CHECKIN_LINK_DEFAULT_VALID.total_seconds() // 60),
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
        token = attendance_links.open_checkin_link(
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
    attendance_links.close_checkin_link(require_person(), meeting_service.get_meeting(meeting_id))
