"""One-off meetings, and the schedule of one meeting record (cancel, move, retitle)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from meetbot.forms.fields import apply_service_errors
from meetbot.forms.series import (
    OneOffForm,
)
from meetbot.models import Meeting
from meetbot.services import groups as group_service
from meetbot.services import occurrence_changes as occurrence_changes_service
from meetbot.services import one_off_meetings as one_off_meetings_service
from meetbot.services.errors import ValidationError
from meetbot.services.meetings import get_meeting
from meetbot.services.permissions import Permission, may
from meetbot.web.guards import require
from meetbot.web.occurrence_changes import action_forms, apply_schedule_action
from meetbot.web.series_links import bp

# --------------------------------------------------------------------------
# One-off meetings
# --------------------------------------------------------------------------


@bp.route("/groups/<slug>/meetings/new", methods=["GET", "POST"])
def create_one_off(slug: str):
    group = group_service.get_group(slug)
    require(Permission.MANAGE_SERIES, group)
    form = OneOffForm()
    form.work_stream.choices = [("", "—")] + [(w.id, w.name) for w in group.work_streams]
    if not form.is_submitted():
        form.timezone.data = group.timezone
        wanted = request.args.get("stream")
        form.work_stream.data = next((w.id for w in group.work_streams if w.slug == wanted), None)
    if form.validate_on_submit():
        try:
            meeting = one_off_meetings_service.create_one_off(
                current_user,
                group,
                title=form.title.data,
                timezone=(form.timezone.data or "").strip(),
                start_local=datetime.combine(form.start_date.data, form.start_time.data),
                duration_minutes=form.duration_minutes.data,
                location=form.location.data or "",
                work_stream_id=form.work_stream.data,
                agenda=form.agenda.data or "",
            )
        except ValidationError as exc:
            fields = {
                {"start": "start_date", "duration": "duration_minutes"}.get(k, k): v
                for k, v in exc.fields.items()
            }
            apply_service_errors(form, fields)
        else:
            flash(f"Meeting {meeting.title} added.", "success")
            return redirect(url_for("series.meeting_schedule", meeting_id=meeting.id))
    status = 422 if form.is_submitted() else 200
    return render_template("series/one_off.html", form=form, group=group), status


@bp.get("/meetings/<int:meeting_id>/schedule")
def meeting_schedule(meeting_id: int):
    """A stand-alone meeting (one-off) with its change forms; occurrences of a series
    are sent to their series' occurrence page."""
    meeting = get_meeting(meeting_id)
    if meeting.series_id is not None:
        return redirect(
            url_for(
                "series.occurrence",
                series_id=meeting.series_id,
                slot=meeting.slot.key,
                at=meeting.original_start_local.isoformat(timespec="minutes"),
            )
        )
    state = _meeting_state(meeting)
    return render_template(
        "series/occurrence.html",
        series=None,
        group=meeting.group,
        state=state,
        can_manage=may(current_user, Permission.MANAGE_SERIES, meeting.group),
        action_base=url_for("series.meeting_action", meeting_id=meeting.id, action="x")[:-1],
        **action_forms(state),
    )


def _meeting_state(meeting: Meeting) -> dict[str, Any]:
    return {
        "slot": None,
        "meeting": meeting,
        "original_start": None,
        "start": meeting.start_dt,
        "end": meeting.end_dt,
        "status": meeting.status,
        "title": meeting.effective_title,
        "location": meeting.effective_location,
        "timezone": meeting.timezone,
        "reason": meeting.change_reason,
        "is_moved": meeting.is_moved,
    }


@bp.post("/meetings/<int:meeting_id>/schedule/<action>")
def meeting_action(meeting_id: int, action: str):
    meeting = get_meeting(meeting_id)
    require(Permission.MANAGE_SERIES, meeting.group)
    if meeting.series_id is not None:
        abort(404)  # occurrences are changed through their series
    try:
        apply_schedule_action(
            action,
            cancel=partial(occurrence_changes_service.cancel_meeting, current_user, meeting),
            uncancel=partial(occurrence_changes_service.uncancel_meeting, current_user, meeting),
            move=partial(occurrence_changes_service.move_meeting, current_user, meeting),
            retitle=partial(occurrence_changes_service.retitle_meeting, current_user, meeting),
            cancelled="The meeting is cancelled.",
        )
    except ValidationError as exc:
        flash(exc.message + " " + " ".join(exc.fields.values()), "error")
        return redirect(url_for("series.meeting_schedule", meeting_id=meeting.id))
    return redirect(url_for("series.meeting_schedule", meeting_id=meeting.id))
