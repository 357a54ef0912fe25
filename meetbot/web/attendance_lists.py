"""Attendance from a pasted list or a call's CSV export: the preview, the chair's
choices and the confirmation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from meetbot.domain.participants import MAX_CSV_BYTES, ParsedIdentity, ParsedParticipant
from meetbot.forms.attendance import CsvForm, PasteForm
from meetbot.models import AttendanceSource, Meeting
from meetbot.services import attendance_import, attendance_reads
from meetbot.services.errors import ValidationError
from meetbot.services.permissions import Permission, may
from meetbot.web.attendance_common import bp, chair_meeting, take_page


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="meetbot.attendance.csv")


def _encode_participants(meeting: Meeting, items: list[ParsedParticipant]) -> str:
    rows = [
        [p.name, p.email, p.handle, p.org, p.raw, p.line, p.duration_minutes, _spans_out(p)]
        for p in items
    ]
    return _serializer().dumps({"m": meeting.id, "p": rows})


def _spans_out(p: ParsedParticipant) -> list[list[str]]:
    return [[a.isoformat(), b.isoformat()] for a, b in p.spans]


def _spans_in(row: list[Any]) -> tuple[tuple[datetime, datetime], ...]:
    spans = row[7] if len(row) > 7 and isinstance(row[7], list) else []
    return tuple((datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in spans)


def _decode_participants(meeting: Meeting, payload: str) -> list[ParsedParticipant]:
    try:
        data = _serializer().loads(payload or "")
    except BadSignature:
        raise ValidationError("The preview could not be read; upload the file again.") from None
    if not isinstance(data, dict) or data.get("m") != meeting.id:
        raise ValidationError("That preview belongs to another meeting; upload the file again.")
    return [
        ParsedParticipant(
            name=r[0],
            email=r[1],
            handle=r[2],
            org=r[3],
            raw=r[4],
            line=r[5],
            duration_minutes=r[6],
            spans=_spans_in(r),
        )
        for r in data["p"]
    ]


def _resolutions() -> dict[int, str]:
    result = {}
    for key, value in request.form.items():
        if key.startswith("choice-") and key[7:].isdigit():
            result[int(key[7:])] = value
    return result


def _preview_page(
    meeting: Meeting,
    identities: list[ParsedIdentity],
    *,
    source: str,
    error: ValidationError | None = None,
    **hidden,
):
    lines = attendance_import.preview(meeting, identities)
    statuses = ("matched", "suggested", "ambiguous", "new", "not_person")
    counts = {s: sum(1 for line in lines if line.status == s) for s in statuses}
    return render_template(
        "attendance/preview.html",
        meeting=meeting,
        group=meeting.group,
        lines=lines,
        counts=counts,
        source=source,
        confirm_url=url_for(f"attendance.{source}_confirm", meeting_id=meeting.id),
        hidden=hidden,
        chosen=_resolutions() if error else {},
        create_unmatched=bool(request.form.get("create_unmatched")) if error else False,
        error=error,
    ), (422 if error else 200)


@bp.post("/meetings/<int:meeting_id>/attendance/paste")
def paste_preview(meeting_id: int):
    meeting = chair_meeting(meeting_id)
    form = PasteForm(prefix="paste")
    if not form.validate():
        return take_page(meeting, paste=form, status=422)
    try:
        identities = attendance_import.parse_paste(form.text.data or "")
    except ValidationError as exc:
        form.text.errors = [*form.text.errors, exc.fields.get("text", exc.message)]
        return take_page(meeting, paste=form, status=422)
    return _preview_page(meeting, identities, source="paste", text=form.text.data)


@bp.post("/meetings/<int:meeting_id>/attendance/paste/confirm")
def paste_confirm(meeting_id: int):
    meeting = chair_meeting(meeting_id)
    # The same text is parsed again: nothing about the preview is kept on the server.
    text = request.form.get("text", "")
    identities = attendance_import.parse_paste(text)
    return _confirm(meeting, identities, AttendanceSource.PASTE, text=text)


@bp.post("/meetings/<int:meeting_id>/attendance/csv")
def csv_preview(meeting_id: int):
    meeting = chair_meeting(meeting_id)
    form = CsvForm(prefix="csv")
    upload = form.file.data
    try:
        data = upload.read(MAX_CSV_BYTES + 1) if upload else b""
        participants = attendance_import.parse_csv(data)
    except ValidationError as exc:
        form.file.errors = [exc.fields.get("file", exc.message)]
        return take_page(meeting, csv_form=form, status=422)
    return _preview_page(
        meeting,
        list(participants),
        source="csv",
        payload=_encode_participants(meeting, participants),
        filename=getattr(upload, "filename", "") or "",
    )


@bp.post("/meetings/<int:meeting_id>/attendance/csv/confirm")
def csv_confirm(meeting_id: int):
    meeting = chair_meeting(meeting_id)
    payload = request.form.get("payload", "")
    identities = _decode_participants(meeting, payload)
    return _confirm(
        meeting,
        list(identities),
        AttendanceSource.CSV,
        payload=payload,
        filename=request.form.get("filename", ""),
    )


def _confirm(meeting: Meeting, identities: list[ParsedIdentity], source: str, **hidden):
    """Save the chair's choices; a line nobody chose for shows the preview again with
    the message beside it (nothing saved)."""
    try:
        changes = attendance_import.confirm_import(
            current_user,
            meeting,
            identities,
            _resolutions(),
            source=source,
            create_unmatched=bool(request.form.get("create_unmatched")),
            ask=True,
        )
    except ValidationError as exc:
        if not any(key.startswith("choice-") for key in exc.fields):
            raise
        return _preview_page(meeting, identities, source=source, error=exc, **hidden)
    flash(f"Attendance saved: {changes.summary()}.", "success")
    for note in changes.skipped[:20]:
        flash(note, "info")
    return redirect(url_for("meetings.view", meeting_id=meeting.id))


@bp.errorhandler(413)
def too_large(exc):
    """An upload over the request limit: the chair's page with the message beside the
    field it came from (other pages get the site's 413 page)."""
    meeting_id = (request.view_args or {}).get("meeting_id")
    endpoint = request.endpoint or ""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    message = (
        f"What you sent is too large (the limit is {limit // (1024 * 1024)} MB). Nothing was saved."
    )
    if meeting_id is None or endpoint not in {"attendance.csv_preview", "attendance.paste_preview"}:
        return render_template("errors/error.html", status=413, message=message), 413
    meeting = attendance_reads.find_meeting(meeting_id)
    if meeting is None or not may(current_user, Permission.CHAIR, meeting.group, meeting=meeting):
        return render_template("errors/error.html", status=413, message=message), 413
    if endpoint == "attendance.csv_preview":
        form = CsvForm(prefix="csv", formdata=None)
        form.file.errors = [message]
        return take_page(meeting, csv_form=form, status=413)
    paste = PasteForm(prefix="paste", formdata=None)
    paste.text.errors = [message]
    return take_page(meeting, paste=paste, status=413)
