"""The minutes exported: plain text, Markdown, HTML and a mailing-list e-mail; and the
exports panel of the meeting page."""

from flask import (
    Response,
    current_app,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from meetbot.models import Meeting, utcnow
from meetbot.services import minutes_export as minutes_export_service
from meetbot.services.meetings import get_meeting
from meetbot.web.minutes_common import (
    bp,
    can_chair,
)
from meetbot.web.panels import panel


@panel("meeting_side", order=40)
def exports_panel(meeting: Meeting | None = None, **kwargs: object) -> str:
    """Export links (and the log import for chairs) beside the meeting."""
    if meeting is None:
        return ""
    return render_template("minutes/_side.html", meeting=meeting, chair=can_chair(meeting))


def _full_url(meeting: Meeting) -> str:
    base = current_app.config.get("MEETBOT_BASE_URL", "").rstrip("/")
    return base + url_for("minutes.export_html", meeting_id=meeting.id)


def _text_response(body: str, mimetype: str, filename: str | None = None) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.get("/meetings/<int:meeting_id>/minutes.txt")
def export_text(meeting_id: int):
    """MeetBot's plain-text minutes layout."""
    meeting = get_meeting(meeting_id)
    doc = minutes_export_service.build_minutes_doc(meeting, url=_full_url(meeting))
    return _text_response(doc.to_text(), "text/plain", f"meeting-{meeting.id}-minutes.txt")


@bp.get("/meetings/<int:meeting_id>/minutes.md")
def export_markdown(meeting_id: int):
    """The minutes as Markdown (user text escaped)."""
    meeting = get_meeting(meeting_id)
    doc = minutes_export_service.build_minutes_doc(meeting, url=_full_url(meeting))
    return _text_response(doc.to_markdown(), "text/markdown", f"meeting-{meeting.id}-minutes.md")


@bp.get("/meetings/<int:meeting_id>/minutes.html")
def export_html(meeting_id: int):
    """A printable HTML page of the minutes (every piece of text escaped)."""
    meeting = get_meeting(meeting_id)
    doc = minutes_export_service.build_minutes_doc(meeting)
    return render_template(
        "minutes/printable.html",
        meeting=meeting,
        doc=doc,
        body=Markup(doc.to_html()),  # noqa: S704 - MinutesDoc.to_html escapes all text
    )


@bp.get("/meetings/<int:meeting_id>/email.txt")
def export_email(meeting_id: int):
    """A mailing-list ready e-mail: ``?kind=agenda`` (before) or ``summary`` (after);
    without ``kind``, the agenda until the meeting ends and the summary after."""
    meeting = get_meeting(meeting_id)
    kind = request.args.get("kind")
    if not kind:
        kind = "summary" if meeting.end_dt <= utcnow() else "agenda"
    email = minutes_export_service.build_email(meeting, kind, url=_full_url(meeting))
    body = f"Subject: {email.subject}\n\n{email.body}"
    return _text_response(body, "text/plain", f"meeting-{meeting.id}-{kind}.txt")
