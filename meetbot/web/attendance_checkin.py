"""The chair's check-in link: opening and closing it, and its public check-in page."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, render_template, url_for
from flask_login import current_user

from meetbot.extensions import limiter
from meetbot.forms.attendance import CheckinLinkForm, LinkCheckinForm
from meetbot.services import attendance_links
from meetbot.services.errors import ValidationError
from meetbot.web.attendance_common import back, bp, chair_meeting


@bp.post("/meetings/<int:meeting_id>/checkin-link")
def open_link(meeting_id: int):
    meeting = chair_meeting(meeting_id)
    form = CheckinLinkForm(prefix="link")
    if not form.validate():
        flash("Open the link for 5 to 2880 minutes.", "error")
        return back(meeting)
    token = attendance_links.open_checkin_link(
        current_user, meeting, valid_for=timedelta(minutes=form.minutes.data)
    )
    link = current_app.config["MEETBOT_BASE_URL"] + url_for(
        "attendance.link_checkin", meeting_id=meeting.id, token=token
    )
    # Shown once: only the token's hash is stored, so it cannot be shown again.
    return render_template("attendance/link_opened.html", meeting=meeting, link=link)


@bp.post("/meetings/<int:meeting_id>/checkin-link/close")
def close_link(meeting_id: int):
    meeting = chair_meeting(meeting_id)
    attendance_links.close_checkin_link(current_user, meeting)
    flash("The check-in link is closed.", "success")
    return back(meeting)


@bp.route("/checkin/<int:meeting_id>/<token>", methods=["GET", "POST"])
@limiter.limit(
    "20 per minute; 200 per hour",
    methods=["POST"],
    error_message="Too many check-ins from here. Please wait a minute and try again.",
)
def link_checkin(meeting_id: int, token: str):
    """The public check-in page of a chair's link."""
    meeting = attendance_links.checkin_meeting(meeting_id, token)
    form = LinkCheckinForm()
    done = None
    if form.validate_on_submit():
        try:
            person, _ = attendance_links.check_in_with_link(
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
                else:  # e.g. the attendance cap (list_caps)
                    form.form_errors.append(message)
            if not exc.fields:
                form.form_errors.append(exc.message)
        else:
            done = person.display_name
    status = 422 if form.errors or form.form_errors else 200
    return render_template("attendance/checkin.html", meeting=meeting, form=form, done=done), status
