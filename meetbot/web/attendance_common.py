"""What the attendance pages share: their blueprint, the chair's page and the
``mask_email`` filter."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from meetbot.forms.attendance import CheckinLinkForm, CsvForm, PasteForm, RegretsForm
from meetbot.models import Meeting
from meetbot.services import attendance_links, attendance_reads
from meetbot.services import meetings as meeting_service
from meetbot.services.permissions import Permission
from meetbot.web.guards import require

bp = Blueprint("attendance", __name__)


@bp.app_template_filter("mask_email")
def mask_email(email: str | None) -> str:
    """``alice@example.org`` → ``a…@example.org``: enough to tell people apart in a
    preview without showing chairs other people's full addresses."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}…@{domain}"


def chair_meeting(meeting_id: int) -> Meeting:
    """The meeting (NotFound if none), for someone who chairs it (else login or 403)."""
    meeting = meeting_service.get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    return meeting


def back(meeting: Meeting) -> Response:
    """Back to the chair's attendance page."""
    return redirect(url_for("attendance.take", meeting_id=meeting.id))


def take_page(
    meeting: Meeting,
    *,
    paste: PasteForm | None = None,
    csv_form: CsvForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The chair's page: roster, paste, CSV upload, check-in link, regrets."""
    rows = attendance_reads.roster(meeting)
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
        link_open=attendance_links.checkin_link_open(meeting),
    ), status
