"""Attendance pages: the chair's roster, paste and CSV imports with a preview, self
check-in, the check-in link, regrets and removal; the analytics pages and panels."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup

from meetbot.domain.charts import ChartPoint, attendance_chart
from meetbot.domain.participants import ParsedIdentity, ParsedParticipant
from meetbot.extensions import db, limiter
from meetbot.forms.attendance import (
    CheckinLinkForm,
    CsvForm,
    LinkCheckinForm,
    PasteForm,
    RegretsForm,
)
from meetbot.models import AttendanceSource, Group, Meeting, MeetingSeries, WorkStream, utcnow
from meetbot.services import analytics, scheduling
from meetbot.services import attendance as svc
from meetbot.services import groups as group_service
from meetbot.services import meetings as meeting_service
from meetbot.services.errors import NotFound, ServiceError, ValidationError
from meetbot.services.permissions import Permission, may
from meetbot.web.guards import require
from meetbot.web.paging import page_from_args
from meetbot.web.panels import panel
from meetbot.web.series import stream_upcoming

bp = Blueprint("attendance", __name__)


@bp.app_template_filter("mask_email")
def mask_email(email: str | None) -> str:
    """``alice@example.org`` → ``a…@example.org``: enough to tell people apart in a
    preview without showing chairs other people's full addresses."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}…@{domain}"


def _chair_meeting(meeting_id: int) -> Meeting:
    meeting = meeting_service.get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    return meeting


def _back(meeting: Meeting):
    return redirect(url_for("attendance.take", meeting_id=meeting.id))


def _take_page(
    meeting: Meeting,
    *,
    paste: PasteForm | None = None,
    csv_form: CsvForm | None = None,
    status: int = 200,
):
    rows = svc.roster(meeting)
    # Forms not given are blank (never read from the request: it may be a refused upload).
    regrets_form = RegretsForm(prefix="regrets", formdata=None)
    regrets_form.person_id.choices = [(r.person.id, r.person.display_name) for r in rows]
    return render_template(
        "attendance/take.html",
        meeting=meeting,
        group=meeting.group,
        rows=rows,
        present_count=sum(1 for r in rows if r.present),
        any_last_time=any(r.came_last_time for r in rows),
        paste=paste or PasteForm(prefix="paste", formdata=None),
        csv_form=csv_form or CsvForm(prefix="csv", formdata=None),
        link_form=CheckinLinkForm(prefix="link", formdata=None),
        regrets_form=regrets_form,
        link_open=svc.checkin_link_open(meeting),
    ), status


@bp.get("/meetings/<int:meeting_id>/attendance")
def take(meeting_id: int):
    """The chair's page: roster, paste, CSV upload, check-in link, regrets."""
    return _take_page(_chair_meeting(meeting_id))


@bp.post("/meetings/<int:meeting_id>/attendance/roster")
def save_roster(meeting_id: int):
    meeting = _chair_meeting(meeting_id)
    try:
        present = [int(v) for v in request.form.getlist("present")]
        shown = [int(v) for v in request.form.getlist("shown")]
    except ValueError:
        abort(400)
    try:
        changes = svc.save_roster(current_user, meeting, present, shown_ids=shown)
    except ServiceError as exc:
        flash(exc.message, "error")
        return _back(meeting)
    flash(f"Roster saved: {changes.summary()}.", "success")
    return redirect(url_for("meetings.view", meeting_id=meeting.id))


# ----------------------------------------------------------------- paste and CSV


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
    lines = svc.preview(meeting, identities)
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
    meeting = _chair_meeting(meeting_id)
    form = PasteForm(prefix="paste")
    if not form.validate():
        return _take_page(meeting, paste=form, status=422)
    try:
        identities = svc.parse_paste(form.text.data or "")
    except ValidationError as exc:
        form.text.errors = [*form.text.errors, exc.fields.get("text", exc.message)]
        return _take_page(meeting, paste=form, status=422)
    return _preview_page(meeting, identities, source="paste", text=form.text.data)


@bp.post("/meetings/<int:meeting_id>/attendance/paste/confirm")
def paste_confirm(meeting_id: int):
    meeting = _chair_meeting(meeting_id)
    # The same text is parsed again: nothing about the preview is kept on the server.
    text = request.form.get("text", "")
    identities = svc.parse_paste(text)
    return _confirm(meeting, identities, AttendanceSource.PASTE.value, text=text)


@bp.post("/meetings/<int:meeting_id>/attendance/csv")
def csv_preview(meeting_id: int):
    meeting = _chair_meeting(meeting_id)
    form = CsvForm(prefix="csv")
    upload = form.file.data
    try:
        data = upload.read(svc.MAX_CSV_BYTES + 1) if upload else b""
        participants = svc.parse_csv(data)
    except ValidationError as exc:
        form.file.errors = [exc.fields.get("file", exc.message)]
        return _take_page(meeting, csv_form=form, status=422)
    return _preview_page(
        meeting,
        list(participants),
        source="csv",
        payload=_encode_participants(meeting, participants),
        filename=getattr(upload, "filename", "") or "",
    )


@bp.post("/meetings/<int:meeting_id>/attendance/csv/confirm")
def csv_confirm(meeting_id: int):
    meeting = _chair_meeting(meeting_id)
    payload = request.form.get("payload", "")
    identities = _decode_participants(meeting, payload)
    return _confirm(
        meeting,
        list(identities),
        AttendanceSource.CSV.value,
        payload=payload,
        filename=request.form.get("filename", ""),
    )


def _confirm(meeting: Meeting, identities: list[ParsedIdentity], source: str, **hidden):
    """Save the chair's choices; a line nobody chose for shows the preview again with
    the message beside it (nothing saved)."""
    try:
        changes = svc.confirm_import(
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
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not may(current_user, Permission.CHAIR, meeting.group, meeting=meeting):
        return render_template("errors/error.html", status=413, message=message), 413
    if endpoint == "attendance.csv_preview":
        form = CsvForm(prefix="csv", formdata=None)
        form.file.errors = [message]
        return _take_page(meeting, csv_form=form, status=413)
    paste = PasteForm(prefix="paste", formdata=None)
    paste.text.errors = [message]
    return _take_page(meeting, paste=paste, status=413)


# ----------------------------------------------------------------- check-in, regrets


@bp.post("/meetings/<int:meeting_id>/checkin")
def check_in(meeting_id: int):
    """ "I'm here" for the logged-in member."""
    meeting = meeting_service.get_meeting(meeting_id)
    require(Permission.PARTICIPATE, meeting.group)
    try:
        changes = svc.check_in_self(current_user, meeting)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash(
            "You are checked in." if changes.changed else "You were already checked in.", "success"
        )
    return redirect(url_for("meetings.view", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/regrets")
def send_regrets(meeting_id: int):
    """A member's own apologies before the meeting."""
    meeting = meeting_service.get_meeting(meeting_id)
    require(Permission.PARTICIPATE, meeting.group)
    try:
        svc.send_regrets(current_user, meeting)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash("Your regrets are recorded.", "success")
    return redirect(url_for("meetings.view", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/attendance/regrets")
def record_regrets(meeting_id: int):
    meeting = _chair_meeting(meeting_id)
    form = RegretsForm(prefix="regrets")
    form.person_id.choices = [(r.person.id, r.person.display_name) for r in svc.roster(meeting)]
    if not form.validate():
        flash("Choose a member of the group.", "error")
        return _back(meeting)
    try:
        svc.record_regrets(current_user, meeting, [form.person_id.data])
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash("Regrets recorded.", "success")
    return _back(meeting)


@bp.post("/meetings/<int:meeting_id>/attendance/<int:entry_id>/remove")
def remove(meeting_id: int, entry_id: int):
    """Remove a wrong entry (chairs); members may withdraw their own regrets."""
    meeting = meeting_service.get_meeting(meeting_id)
    entry = svc.get_entry(meeting, entry_id)
    own_regrets = (
        current_user.is_authenticated
        and entry.person_id == current_user.id
        and entry.kind == "regrets"
    )
    if not own_regrets:
        require(Permission.CHAIR, meeting.group, meeting=meeting)
    svc.remove_entry(current_user, meeting, entry_id)
    flash("Entry removed.", "success")
    return redirect(url_for("meetings.view", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/checkin-link")
def open_link(meeting_id: int):
    meeting = _chair_meeting(meeting_id)
    form = CheckinLinkForm(prefix="link")
    if not form.validate():
        flash("Open the link for 5 to 2880 minutes.", "error")
        return _back(meeting)
    token = svc.open_checkin_link(
        current_user, meeting, valid_for=timedelta(minutes=form.minutes.data)
    )
    link = current_app.config["MEETBOT_BASE_URL"] + url_for(
        "attendance.link_checkin", meeting_id=meeting.id, token=token
    )
    # Shown once: only the token's hash is stored, so it cannot be shown again.
    return render_template("attendance/link_opened.html", meeting=meeting, link=link)


@bp.post("/meetings/<int:meeting_id>/checkin-link/close")
def close_link(meeting_id: int):
    meeting = _chair_meeting(meeting_id)
    svc.close_checkin_link(current_user, meeting)
    flash("The check-in link is closed.", "success")
    return _back(meeting)


@bp.route("/checkin/<int:meeting_id>/<token>", methods=["GET", "POST"])
@limiter.limit(
    "20 per minute; 200 per hour",
    methods=["POST"],
    error_message="Too many check-ins from here. Please wait a minute and try again.",
)
def link_checkin(meeting_id: int, token: str):
    """The public check-in page of a chair's link."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("There is no open check-in at this address.")
    svc.verify_checkin_token(meeting, token)
    form = LinkCheckinForm()
    done = None
    if form.validate_on_submit():
        try:
            person, _ = svc.check_in_with_link(
                meeting,
                token,
                name=form.name.data,
                email=form.email.data or "",
                handle=form.handle.data or "",
            )
        except ValidationError as exc:
            for name, message in exc.fields.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, message]
            if not exc.fields:
                form.form_errors.append(exc.message)
        else:
            done = person.display_name
    status = 422 if form.errors or form.form_errors else 200
    return render_template("attendance/checkin.html", meeting=meeting, form=form, done=done), status


# ----------------------------------------------------------------- analytics


def _chart(report: analytics.AttendanceReport, title: str, chart_id: str) -> Markup:
    points = [
        ChartPoint(when=m.start, present=m.present, first_time=m.first_time, label=m.title)
        for m in report.chart_meetings
    ]
    svg = attendance_chart(points, title=title, quorum=report.group.quorum, chart_id=chart_id)
    return Markup(svg)  # built from escaped text only (domain.charts)


REPORT_PAGE_SIZE = 50
MEMBERS_PAGE_SIZE = 100


@bp.get("/groups/<slug>/attendance")
def group_report(slug: str):
    """The attendance report: chart, members and organizations over the group's window,
    and every counted meeting, REPORT_PAGE_SIZE a page, newest first."""
    group = group_service.get_group(slug)
    series = None
    if request.args.get("series", "").isdigit():
        series = db.session.get(MeetingSeries, int(request.args["series"]))
        if series is None or series.group_id != group.id:
            raise NotFound("No such series in this group.")
    # The summary loads the latest meetings (chart, window); loading a page's worth
    # makes it the first page of the table too, which is the page nearly everyone sees.
    latest = max(REPORT_PAGE_SIZE, group.attendance_window, analytics.CHART_MAX_MEETINGS)
    report = analytics.summary(group, series=series, latest=latest)
    page, pages = page_from_args(report.held, REPORT_PAGE_SIZE)
    # Members by name, a page at a time (a foundation-wide group has thousands).
    member_page, member_pages = page_from_args(
        len(report.members), MEMBERS_PAGE_SIZE, name="members"
    )
    first_member = (member_page - 1) * MEMBERS_PAGE_SIZE
    if page == 1:
        meetings = list(reversed(report.meetings))[:REPORT_PAGE_SIZE]
    else:
        meetings = analytics.meetings_page(
            group, series=series, page=page, per_page=REPORT_PAGE_SIZE
        )
    title = f"People present per meeting: {series.title if series else group.name}"
    return render_template(
        "attendance/report.html",
        group=group,
        series=series,
        series_choices=scheduling.series_titles(group),
        report=report,
        meetings=meetings,
        page=page,
        pages=pages,
        members=report.members[first_member : first_member + MEMBERS_PAGE_SIZE],
        member_page=member_page,
        member_pages=member_pages,
        flagged_count=len(report.flagged),
        chart=_chart(report, title, "attendance-chart"),
        can_export=may(current_user, Permission.CHAIR, group),
    )


@bp.get("/groups/<slug>/attendance.csv")
def group_csv(slug: str):
    """Every entry of the group's meetings as CSV (chairs and organizers)."""
    group = group_service.get_group(slug)
    require(Permission.CHAIR, group)
    body = analytics.export_csv(group)
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{group.slug}-attendance.csv"',
            "Cache-Control": "private, no-store",
        },
    )


def _group_report(group: Group) -> analytics.AttendanceReport:
    # The group page shows two panels from the same report: compute it once a request.
    # Panels show the latest meetings only (bounded cost whatever the history); the
    # attendance page has the full report.
    cache = g.setdefault("attendance_reports", {})
    if group.id not in cache:
        cache[group.id] = analytics.summary(group)
    return cache[group.id]


@panel("group_main", order=40)
def group_attendance_panel(group: Group, **_: Any) -> str:
    report = _group_report(group)
    return render_template(
        "attendance/_group_panel.html",
        group=group,
        report=report,
        chart=_chart(report, f"People present per meeting: {group.name}", "group-attendance"),
    )


@panel("group_side", order=40)
def group_attendance_side(group: Group, **_: Any) -> str:
    report = _group_report(group)
    return render_template("attendance/_group_side.html", group=group, report=report)


@panel("series_main", order=40)
def series_attendance_panel(series: MeetingSeries, group: Group | None = None, **_: Any) -> str:
    group = group or series.group
    report = analytics.summary(group, series=series, with_members=False)
    return render_template(
        "attendance/_series_panel.html",
        group=group,
        series=series,
        report=report,
        chart=_chart(report, f"People present per meeting: {series.title}", "series-attendance"),
    )


@panel("stream_main", order=40)
def stream_meetings_panel(group: Group, stream: WorkStream, **_: Any) -> str:
    report = analytics.summary(group, stream=stream, with_members=False)
    # The same cached lookup as the series panel of this page (once per request),
    # cut to the next 60 days.
    horizon = utcnow() + timedelta(days=60)
    upcoming = [o for o in stream_upcoming(group, stream) if o.start < horizon][:5]
    return render_template(
        "attendance/_stream_panel.html",
        group=group,
        stream=stream,
        report=report,
        recent=list(reversed(report.meetings[-10:])),
        upcoming=upcoming,
        chart=_chart(report, f"People present per meeting: {stream.name}", "stream-attendance"),
    )
