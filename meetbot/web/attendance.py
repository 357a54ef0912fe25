"""Attendance pages: the chair's roster, self check-in, regrets and removal.

The other attendance pages register on the same blueprint (web.attendance_common):
paste and CSV imports with a preview (web.attendance_lists), the check-in link
(web.attendance_checkin) and the analytics pages and panels (web.attendance_report)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from meetbot.forms.attendance import RegretsForm
from meetbot.services import attendance_reads, attendance_regrets, attendance_roster
from meetbot.services import meetings as meeting_service
from meetbot.services.errors import ServiceError, ValidationError
from meetbot.services.permissions import Permission
from meetbot.web import attendance_checkin, attendance_lists, attendance_report  # noqa: F401 (routes)
from meetbot.web.attendance_common import back, bp, chair_meeting, take_page
from meetbot.web.guards import back_to, require


@bp.get("/meetings/<int:meeting_id>/attendance")
def take(meeting_id: int):
    """The chair's page: roster, paste, CSV upload, check-in link, regrets."""
    return take_page(chair_meeting(meeting_id))


@bp.post("/meetings/<int:meeting_id>/attendance/roster")
def save_roster(meeting_id: int):
    meeting = chair_meeting(meeting_id)
    try:
        present = [int(v) for v in request.form.getlist("present")]
        shown = [int(v) for v in request.form.getlist("shown")]
    except ValueError:
        abort(400)
    try:
        changes = attendance_roster.save_roster(current_user, meeting, present, shown_ids=shown)
    except ServiceError as exc:
        flash(exc.message, "error")
        return back(meeting)
    flash(f"Roster saved: {changes.summary()}.", "success")
    return redirect(url_for("meetings.view", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/checkin")
def check_in(meeting_id: int):
    """ "I'm here" for the logged-in member."""
    meeting = meeting_service.get_meeting(meeting_id)
    require(Permission.PARTICIPATE, meeting.group)
    try:
        changes = attendance_roster.check_in_self(current_user, meeting)
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
        attendance_regrets.send_regrets(current_user, meeting)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash("Your regrets are recorded.", "success")
    return redirect(back_to(url_for("meetings.view", meeting_id=meeting.id)))


@bp.post("/meetings/<int:meeting_id>/attendance/regrets")
def record_regrets(meeting_id: int):
    meeting = chair_meeting(meeting_id)
    form = RegretsForm(prefix="regrets")
    form.person_id.choices = [
        (r.person.id, r.person.display_name) for r in attendance_reads.roster(meeting)
    ]
    if not form.validate():
        flash("Choose a member of the group.", "error")
        return back(meeting)
    try:
        attendance_regrets.record_regrets(current_user, meeting, [form.person_id.data])
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash("Regrets recorded.", "success")
    return back(meeting)


@bp.post("/meetings/<int:meeting_id>/attendance/<int:entry_id>/remove")
def remove(meeting_id: int, entry_id: int):
    """Remove a wrong entry (chairs); members may withdraw their own regrets."""
    meeting = meeting_service.get_meeting(meeting_id)
    entry = attendance_reads.get_entry(meeting, entry_id)
    own_regrets = (
        current_user.is_authenticated
        and entry.person_id == current_user.id
        and entry.kind == "regrets"
    )
    if not own_regrets:
        require(Permission.CHAIR, meeting.group, meeting=meeting)
    attendance_roster.remove_entry(current_user, meeting, entry_id)
    flash("Entry removed.", "success")
    return redirect(url_for("meetings.view", meeting_id=meeting.id))
