"""Changes to one occurrence of a series: cancel, uncancel, move, retitle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from meetbot.domain.recurrence import to_utc
from meetbot.forms.fields import apply_service_errors
from meetbot.forms.series import (
    MoveForm,
    OccurrenceReasonForm,
    RetitleForm,
)
from meetbot.models import MeetingSeries, MeetingStatus
from meetbot.services import occurrence_changes as occurrence_changes_service
from meetbot.services import series as series_service
from meetbot.services.errors import ValidationError
from meetbot.services.meetings import is_generated
from meetbot.services.permissions import Permission, may
from meetbot.web.guards import require
from meetbot.web.series_links import bp

# --------------------------------------------------------------------------
# One occurrence
# --------------------------------------------------------------------------


def _parse_at(value: str | None) -> datetime:
    try:
        return datetime.fromisoformat(value or "").replace(tzinfo=None, second=0, microsecond=0)
    except ValueError:
        abort(404)


def _occurrence_state(series: MeetingSeries, slot_key: str, at: datetime) -> dict[str, Any]:
    slot = next((s for s in series.slots if s.key == slot_key), None)
    if slot is None:
        abort(404)
    meeting = occurrence_changes_service.occurrence_meeting(series, slot_key, at)
    if meeting is None and not is_generated(slot, at):
        abort(404)
    start = to_utc(at, slot.timezone)
    return {
        "slot": slot,
        "meeting": meeting,
        "original_start": start,
        "start": meeting.start_dt if meeting else start,
        "end": meeting.end_dt if meeting else start + timedelta(minutes=slot.duration_minutes),
        "status": meeting.status if meeting else MeetingStatus.SCHEDULED,
        "title": meeting.effective_title if meeting else series.title,
        "location": meeting.effective_location if meeting else series.location,
        "timezone": slot.timezone,
        "reason": meeting.change_reason if meeting else "",
        "is_moved": meeting.is_moved if meeting else False,
    }


def action_forms(state: dict[str, Any]) -> dict[str, Any]:
    local = state["start"].astimezone(ZoneInfo(state["timezone"]))
    move = MoveForm(
        formdata=None,
        start_date=local.date(),
        start_time=local.time(),
        duration_minutes=int((state["end"] - state["start"]).total_seconds() // 60),
        reason=state["reason"],
    )
    meeting = state["meeting"]
    retitle = RetitleForm(
        formdata=None,
        title=(meeting.title or "") if meeting else "",
        location=(meeting.location or "") if meeting else "",
        reason=state["reason"],
    )
    return {
        "cancel_form": OccurrenceReasonForm(formdata=None),
        "move_form": move,
        "retitle_form": retitle,
    }


@bp.get("/series/<int:series_id>/occurrence")
def occurrence(series_id: int):
    series = series_service.get_series(series_id)
    at = _parse_at(request.args.get("at"))
    state = _occurrence_state(series, request.args.get("slot", ""), at)
    can_manage = may(current_user, Permission.MANAGE_SERIES, series.group)
    return render_template(
        "series/occurrence.html",
        series=series,
        group=series.group,
        state=state,
        at=at.isoformat(timespec="minutes"),
        slot_key=state["slot"].key,
        can_manage=can_manage,
        action_base=url_for("series.occurrence_action", series_id=series.id, action="x")[:-1],
        **action_forms(state),
    )


@bp.post("/series/<int:series_id>/occurrence/<action>")
def occurrence_action(series_id: int, action: str):
    series = series_service.get_series(series_id)
    require(Permission.MANAGE_SERIES, series.group)
    slot_key = request.form.get("slot", "")
    at = _parse_at(request.form.get("at"))
    state = _occurrence_state(series, slot_key, at)
    back = url_for("series.occurrence", series_id=series.id, slot=slot_key, at=request.form["at"])
    try:
        apply_schedule_action(
            action,
            cancel=partial(
                occurrence_changes_service.cancel_occurrence, current_user, series, slot_key, at
            ),
            uncancel=partial(
                occurrence_changes_service.uncancel_occurrence, current_user, series, slot_key, at
            ),
            move=partial(
                occurrence_changes_service.move_occurrence, current_user, series, slot_key, at
            ),
            retitle=partial(
                occurrence_changes_service.retitle_occurrence, current_user, series, slot_key, at
            ),
            cancelled="The meeting is cancelled; subscribers will see it struck off.",
        )
    except ValidationError as exc:
        return _occurrence_error(series, state, slot_key, at, action, exc)
    return redirect(back)


def apply_schedule_action(
    action: str,
    *,
    cancel: Callable[[str], object],
    uncancel: Callable[[], object],
    move: Callable[..., object],
    retitle: Callable[..., object],
    cancelled: str,
) -> None:
    """Validate the form of one schedule change (cancel, uncancel, move, retitle) and
    call the matching service; the same for series occurrences and one-off meetings."""
    if action == "cancel":
        form = OccurrenceReasonForm()
        _check(form)
        cancel(form.reason.data)
        flash(cancelled, "success")
    elif action == "uncancel":
        _check(OccurrenceReasonForm())
        uncancel()
        flash("The meeting is back on.", "success")
    elif action == "move":
        form = MoveForm()
        _check(form)
        move(
            datetime.combine(form.start_date.data, form.start_time.data),
            duration_minutes=form.duration_minutes.data,
            reason=form.reason.data,
        )
        flash("The meeting is moved.", "success")
    elif action == "retitle":
        form = RetitleForm()
        _check(form)
        retitle(title=form.title.data, location=form.location.data, reason=form.reason.data)
        flash("The meeting is changed.", "success")
    else:
        abort(404)


def _check(form) -> None:
    if not form.validate():
        fields = {k: " ".join(v) for k, v in form.errors.items() if k}
        raise ValidationError("Please correct the form.", fields)


def _occurrence_error(series, state, slot_key, at, action, exc: ValidationError):
    forms = action_forms(state)
    target = {
        "cancel": "cancel_form",
        "uncancel": "cancel_form",
        "move": "move_form",
        "retitle": "retitle_form",
    }[action]
    submitted = type(forms[target])()  # keep what was typed
    fields = {
        ("start_date" if k == "start" and action == "move" else k): v for k, v in exc.fields.items()
    }
    if action == "move":
        fields = {("duration_minutes" if k == "duration" else k): v for k, v in fields.items()}
    apply_service_errors(submitted, fields)
    if not exc.fields or any(not hasattr(submitted, k) for k in fields):
        submitted.form_errors.append(exc.message)
    forms[target] = submitted
    return render_template(
        "series/occurrence.html",
        series=series,
        group=series.group,
        state=state,
        at=at.isoformat(timespec="minutes"),
        slot_key=slot_key,
        can_manage=True,
        action_base=url_for("series.occurrence_action", series_id=series.id, action="x")[:-1],
        **forms,
    ), 422
