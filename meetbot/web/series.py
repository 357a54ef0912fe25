"""Meeting series pages: create/edit with a live preview, the series page, changes to
one occurrence, one-off meetings, ending a series, a group's upcoming meetings, and the
scheduling panels of the group and work stream pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from meetbot.domain.recurrence import describe, to_utc
from meetbot.forms.fields import apply_service_errors
from meetbot.forms.series import (
    MIN_SLOT_ROWS,
    EndSeriesForm,
    MoveForm,
    OccurrenceReasonForm,
    OneOffForm,
    RetitleForm,
    SeriesForm,
)
from meetbot.models import Group, Meeting, MeetingSeries, MeetingStatus, WorkStream, utcnow
from meetbot.services import conflicts as conflict_service
from meetbot.services import groups as group_service
from meetbot.services import members as member_service
from meetbot.services import occurrence_changes, one_off_meetings, series_input
from meetbot.services import series as series_service
from meetbot.services.errors import ValidationError
from meetbot.services.meetings import get_meeting, is_generated
from meetbot.services.occurrence_cache import cached_group_occurrences, cached_upcoming
from meetbot.services.occurrences import OccurrenceView, series_occurrences
from meetbot.services.permissions import Permission, may
from meetbot.services.subscribe import (
    group_feed_path,
    series_feed_path,
    stream_feed_path,
    subscribe_links,
)
from meetbot.web.guards import require
from meetbot.web.paging import page_from_args
from meetbot.web.panels import panel

bp = Blueprint("series", __name__)

# Service slot field -> form sub-field that shows its error.
_SLOT_FIELD = {
    "start": "start_date",
    "duration": "duration_minutes",
    "rule": "frequency",
    "key": "label",
}
GROUP_PAGE_CONFLICT_DAYS = 90
GROUP_PAGE_SERIES = 20  # series listed on the group page (the rest: group_series)
SERIES_PAGE_SIZE = 50  # series per page of a group's series list
UPCOMING_PAGE_SIZE = 100  # occurrences per page of a group's upcoming meetings


def _domain() -> str:
    return current_app.config.get("MEETBOT_UID_DOMAIN", "meetbot.invalid")


def _base_url() -> str:
    return current_app.config.get("MEETBOT_BASE_URL", request.host_url.rstrip("/"))


def occurrence_url(o: OccurrenceView) -> str:
    """The page where one occurrence (or stand-alone meeting) is changed."""
    if o.series_id is not None and o.slot_key and o.original_start_local is not None:
        return url_for(
            "series.occurrence",
            series_id=o.series_id,
            slot=o.slot_key,
            at=o.original_start_local.isoformat(timespec="minutes"),
        )
    return url_for("series.meeting_schedule", meeting_id=o.meeting_id)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"occurrence_url": occurrence_url, "describe_slot": lambda s: describe(s.to_domain())}


# --------------------------------------------------------------------------
# Form plumbing
# --------------------------------------------------------------------------


def _series_form(group: Group, series: MeetingSeries | None = None) -> SeriesForm:
    prefill = series is None and request.method == "GET" and bool(request.args)
    if series is not None:
        form = SeriesForm(obj=series)
    else:
        # A new series may be prefilled from the query (the slot finder's "create a
        # series with this slot / pair" links use the form's own field names).
        form = SeriesForm(formdata=request.args) if prefill else SeriesForm()
    form.chairs.choices = [(p.id, p.display_name) for p, _ in member_service.members(group)]
    form.work_streams.choices = [(w.id, w.name) for w in group.work_streams]
    if series is None and not form.is_submitted() and not request.args.get("timezone"):
        form.timezone.data = group.timezone
    if series is not None and not form.is_submitted():
        form.chairs.data = [p.id for p in series.chairs]
        form.work_streams.data = [w.id for w in series.work_streams]
        while len(form.slots.entries):
            form.slots.pop_entry()
        for slot in series.slots:
            form.slots.append_entry(
                {
                    "key": slot.key,
                    "label": slot.label,
                    "timezone": slot.timezone,
                    "start_date": slot.start_local.date(),
                    "start_time": slot.start_local.time(),
                    "duration_minutes": slot.duration_minutes,
                    "frequency": slot.frequency,
                    "interval": slot.interval,
                    "weekday": slot.weekday,
                    "setpos": slot.setpos,
                    "until": slot.until,
                    "count": slot.count,
                }
            )
    # Spare empty rows for people without JavaScript (one at least when editing).
    spare = max(MIN_SLOT_ROWS - len(form.slots.entries), 1)
    if not form.is_submitted() and series is not None:
        for _ in range(spare):
            form.slots.append_entry()
    return form


def _series_input(form: SeriesForm) -> tuple[series_input.SeriesInput, list[str]]:
    """The service input from a form, and the form-name prefix of each slot given."""
    slots, prefixes = [], []
    for entry in form.slots.entries:
        if entry.form.is_blank():
            continue
        slots.append(entry.form.to_input())
        prefixes.append(entry.name)
    data = series_input.SeriesInput(
        title=form.title.data or "",
        timezone=(form.timezone.data or "").strip(),
        slots=slots,
        description=form.description.data or "",
        location_kind=form.location_kind.data,
        location=form.location.data or "",
        agenda_url=form.agenda_url.data or None,
        chair_ids=form.chairs.data or [],
        work_stream_ids=form.work_streams.data or [],
    )
    return data, prefixes


def _form_field_name(service_field: str, prefixes: list[str]) -> str:
    """Map "slots-<i>-<field>" (service) to the id of the form input showing it."""
    if service_field.startswith("slots-"):
        _, index, name = service_field.split("-", 2)
        prefix = prefixes[int(index)] if int(index) < len(prefixes) else f"slots-{index}"
        return f"{prefix}-{_SLOT_FIELD.get(name, name)}"
    return service_field


def _apply_errors(form: SeriesForm, fields: dict[str, str], prefixes: list[str]) -> None:
    """Put service errors beside the form inputs (slot errors inside their row)."""
    rows = {entry.name: entry.form for entry in form.slots.entries}
    top: dict[str, str] = {}
    for name, message in fields.items():
        target = _form_field_name(name, prefixes)
        prefix, _, sub = target.rpartition("-")
        if prefix in rows and hasattr(rows[prefix], sub):
            field = getattr(rows[prefix], sub)
            field.errors = [*list(field.errors or ()), message]
        elif name == "slots":
            form.form_errors.append(message)
        else:
            top[name] = message
    apply_service_errors(form, top)


def _form_errors_json(form: SeriesForm) -> dict[str, str]:
    """WTForms' own (type) errors keyed by input id."""
    out: dict[str, str] = {}
    for name, errors in form.errors.items():
        if name == "slots":
            for entry in form.slots.entries:
                for sub, sub_errors in entry.form.errors.items():
                    out[f"{entry.name}-{sub}"] = " ".join(sub_errors)
        elif name is not None:
            out[name] = " ".join(errors) if isinstance(errors, list) else str(errors)
    return out


def _preview(form: SeriesForm) -> tuple[list[series_input.PreviewItem], dict[str, str]]:
    """Preview items, or the errors that prevent one (keyed by input id)."""
    data, prefixes = _series_input(form)
    try:
        return series_input.preview(data.slots, data.timezone), {}
    except ValidationError as exc:
        return [], {_form_field_name(k, prefixes): v for k, v in exc.fields.items()}


def _preview_only() -> bool:
    """The no-JavaScript "Preview" button: show the meetings, save nothing."""
    return request.method == "POST" and request.form.get("_preview") == "1"


def _warn_conflicts(series: MeetingSeries) -> None:
    found = conflict_service.conflicts_for_series(series, domain=_domain())
    if not found:
        return
    lines = [conflict_service.describe_conflict(c) for c in found[:3]]
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    flash(
        f"Warning: {len(found)} conflict(s) in the next year{more}: " + "; ".join(lines),
        "warning",
    )


# --------------------------------------------------------------------------
# Series: create, edit, preview, view, end
# --------------------------------------------------------------------------


@bp.route("/groups/<slug>/series/new", methods=["GET", "POST"])
def create(slug: str):
    group = group_service.get_group(slug)
    require(Permission.MANAGE_SERIES, group)
    form = _series_form(group)
    preview: list[series_input.PreviewItem] = []
    if form.validate_on_submit() and not _preview_only():
        data, prefixes = _series_input(form)
        try:
            series = series_service.create_series(current_user, group, data)
        except ValidationError as exc:
            _apply_errors(form, exc.fields, prefixes)
        else:
            flash(f"Series {series.title} created.", "success")
            _warn_conflicts(series)
            return redirect(url_for("series.view", series_id=series.id))
    if form.is_submitted():
        preview, _ = _preview(form)
    status = 422 if form.is_submitted() and not _preview_only() else 200
    return render_template(
        "series/edit.html", form=form, group=group, series=None, preview=preview
    ), status


@bp.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
def edit(series_id: int):
    series = series_service.get_series(series_id)
    group = series.group
    require(Permission.MANAGE_SERIES, group)
    form = _series_form(group, series)
    if form.validate_on_submit() and not _preview_only():
        data, prefixes = _series_input(form)
        try:
            series_service.update_series(current_user, series, data)
        except ValidationError as exc:
            _apply_errors(form, exc.fields, prefixes)
        else:
            flash("Series saved.", "success")
            _warn_conflicts(series)
            return redirect(url_for("series.view", series_id=series.id))
    preview, _ = _preview(form)
    status = 422 if form.is_submitted() and not _preview_only() else 200
    return render_template(
        "series/edit.html", form=form, group=group, series=series, preview=preview
    ), status


@bp.post("/series/preview")
@login_required
def preview():
    """JSON preview of the next 10 occurrences of the submitted form (nothing saved).

    Always 200 for a well-formed request: ``{"occurrences": [...], "errors": {}}``, or no
    occurrences and ``errors`` keyed by the id of each input that needs fixing.
    """
    form = SeriesForm()
    # Choices do not matter for a preview; accept whatever ids were sent.
    form.chairs.choices = [(int(v), v) for v in request.form.getlist("chairs") if v.isdigit()]
    form.work_streams.choices = [
        (int(v), v) for v in request.form.getlist("work_streams") if v.isdigit()
    ]
    if not form.validate():
        errors = _form_errors_json(form)
        if "csrf_token" in errors:
            abort(400)
        if errors:
            return jsonify({"occurrences": [], "errors": errors})
    items, errors = _preview(form)
    if errors:
        # 200: the preview worked, and its answer is "these fields need fixing".
        return jsonify({"occurrences": [], "errors": errors})
    series_zone = form.timezone.data.strip()
    return jsonify(
        {
            "errors": {},
            "timezone": series_zone,
            "occurrences": [
                {
                    "slot": item.label or f"Slot {item.slot_index + 1}",
                    "start": item.start_utc.isoformat().replace("+00:00", "Z"),
                    "end": item.end_utc.isoformat().replace("+00:00", "Z"),
                    "local": f"{item.local_start:%a %d %b %Y %H:%M} {item.slot_timezone}",
                    "series_zone": f"{item.series_start:%a %d %b %Y %H:%M} {series_zone}",
                    "utc": f"{item.start_utc:%a %d %b %Y %H:%M} UTC",
                }
                for item in items
            ],
        }
    )


@bp.get("/series/<int:series_id>/")
def view(series_id: int):
    series = series_service.get_series(series_id)
    now = utcnow()
    occurrences = series_occurrences(series, now, now + timedelta(days=366), _domain())[:12]
    recent = [
        o
        for o in series_occurrences(series, now - timedelta(days=60), now, _domain())
        if o.end <= now
    ][-3:]
    can_manage = _can_manage(series.group)
    return render_template(
        "series/view.html",
        series=series,
        group=series.group,
        occurrences=occurrences,
        recent=recent,
        links=subscribe_links(_base_url(), series_feed_path(series.id), series.title),
        end_form=EndSeriesForm() if can_manage else None,
        can_manage=can_manage,
    )


@bp.post("/series/<int:series_id>/end")
def end(series_id: int):
    series = series_service.get_series(series_id)
    require(Permission.MANAGE_SERIES, series.group)
    form = EndSeriesForm()
    if not form.validate():
        flash("Give the date of the last meeting.", "error")
    else:
        try:
            series_service.end_series(current_user, series, form.last_date.data)
        except ValidationError as exc:
            flash(exc.message, "error")
        else:
            flash(f"The series ends after {form.last_date.data.isoformat()}.", "success")
    return redirect(url_for("series.view", series_id=series.id))


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
    meeting = occurrence_changes.occurrence_meeting(series, slot_key, at)
    if meeting is None and not is_generated(slot, at):
        abort(404)
    start = to_utc(at, slot.timezone)
    return {
        "slot": slot,
        "meeting": meeting,
        "original_start": start,
        "start": meeting.start_dt if meeting else start,
        "end": meeting.end_dt if meeting else start + timedelta(minutes=slot.duration_minutes),
        "status": meeting.status if meeting else MeetingStatus.SCHEDULED.value,
        "title": meeting.effective_title if meeting else series.title,
        "location": meeting.effective_location if meeting else series.location,
        "timezone": slot.timezone,
        "reason": meeting.change_reason if meeting else "",
        "is_moved": meeting.is_moved if meeting else False,
    }


def _action_forms(state: dict[str, Any]) -> dict[str, Any]:
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
        **_action_forms(state),
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
        _apply_schedule_action(
            action,
            cancel=partial(
                occurrence_changes.cancel_occurrence, current_user, series, slot_key, at
            ),
            uncancel=partial(
                occurrence_changes.uncancel_occurrence, current_user, series, slot_key, at
            ),
            move=partial(occurrence_changes.move_occurrence, current_user, series, slot_key, at),
            retitle=partial(
                occurrence_changes.retitle_occurrence, current_user, series, slot_key, at
            ),
            cancelled="The meeting is cancelled; subscribers will see it struck off.",
        )
    except ValidationError as exc:
        return _occurrence_error(series, state, slot_key, at, action, exc)
    return redirect(back)


def _apply_schedule_action(
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
    forms = _action_forms(state)
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
            meeting = one_off_meetings.create_one_off(
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
        **_action_forms(state),
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
        _apply_schedule_action(
            action,
            cancel=partial(occurrence_changes.cancel_meeting, current_user, meeting),
            uncancel=partial(occurrence_changes.uncancel_meeting, current_user, meeting),
            move=partial(occurrence_changes.move_meeting, current_user, meeting),
            retitle=partial(occurrence_changes.retitle_meeting, current_user, meeting),
            cancelled="The meeting is cancelled.",
        )
    except ValidationError as exc:
        flash(exc.message + " " + " ".join(exc.fields.values()), "error")
        return redirect(url_for("series.meeting_schedule", meeting_id=meeting.id))
    return redirect(url_for("series.meeting_schedule", meeting_id=meeting.id))


# --------------------------------------------------------------------------
# Upcoming page and panels
# --------------------------------------------------------------------------


@bp.get("/groups/<slug>/upcoming")
def group_upcoming(slug: str):
    group = group_service.get_group(slug)
    try:
        weeks = min(max(int(request.args.get("weeks", 4)), 1), 52)
    except ValueError:
        weeks = 4
    occurrences = _upcoming_of(group, 7 * weeks)
    # A page of them: a big group has thousands of meetings in a few weeks.
    total = len(occurrences)
    page, pages = page_from_args(total, UPCOMING_PAGE_SIZE)
    first = (page - 1) * UPCOMING_PAGE_SIZE
    return render_template(
        "series/upcoming.html",
        group=group,
        occurrences=occurrences[first : first + UPCOMING_PAGE_SIZE],
        total=total,
        page=page,
        pages=pages,
        can_manage=_can_manage(group),
        weeks=weeks,
        links=subscribe_links(_base_url(), group_feed_path(group.slug), group.name),
    )


def _group_series(group: Group) -> list[MeetingSeries]:
    """The group's series with slots, chairs and work streams, loaded once per request."""
    cache = g.setdefault("_meetbot_group_series", {})
    if group.id not in cache:
        cache[group.id] = series_service.list_series(group)
    return cache[group.id]


def _can_manage(group: Group) -> bool:
    """MANAGE_SERIES for the current user, looked up once per request and group."""
    cache = g.setdefault("_meetbot_can_manage", {})
    if group.id not in cache:
        cache[group.id] = may(current_user, Permission.MANAGE_SERIES, group)
    return cache[group.id]


def _upcoming_of(
    group: Group, days: int, *, stream: WorkStream | None = None
) -> list[OccurrenceView]:
    # Cached per process by a fingerprint of the schedule read from the database:
    # expanding a large group's series on every view costs most of a second.
    return cached_group_occurrences(group, utcnow(), days, _domain(), work_stream=stream)


@panel("group_main", order=10)
def group_upcoming_panel(group: Group, **_: Any) -> str:
    return render_template(
        "series/_group_main.html",
        group=group,
        occurrences=cached_upcoming(group, utcnow(), _domain(), limit=10, days=120),
        can_manage=_can_manage(group),
    )


@panel("group_main", order=15)
def group_conflicts_panel(group: Group, **_: Any) -> str:
    found = conflict_service.find_conflicts(
        group=group, days=GROUP_PAGE_CONFLICT_DAYS, domain=_domain()
    )
    if not found:
        return ""
    return render_template(
        "series/_conflicts.html",
        group=group,
        conflicts=found[:20],
        total=len(found),
        days=GROUP_PAGE_CONFLICT_DAYS,
    )


@panel("group_side", order=10)
def group_series_panel(group: Group, **_: Any) -> str:
    # The first series by title; the total and a link to the paged list give the rest.
    return render_template(
        "series/_group_side.html",
        group=group,
        series_list=series_service.list_series(group, limit=GROUP_PAGE_SERIES),
        total=series_service.count_series(group),
        can_manage=_can_manage(group),
        links=subscribe_links(_base_url(), group_feed_path(group.slug), group.name),
    )


@bp.get("/groups/<slug>/series/")
def group_series(slug: str):
    """All of a group's series by title, SERIES_PAGE_SIZE a page."""
    group = group_service.get_group(slug)
    total = series_service.count_series(group)
    page, pages = page_from_args(total, SERIES_PAGE_SIZE)
    return render_template(
        "series/group_list.html",
        group=group,
        series_list=series_service.list_series(
            group, limit=SERIES_PAGE_SIZE, offset=(page - 1) * SERIES_PAGE_SIZE
        ),
        total=total,
        page=page,
        pages=pages,
        can_manage=_can_manage(group),
    )


STREAM_UPCOMING_DAYS = 120


def stream_upcoming(group: Group, stream: WorkStream) -> list[OccurrenceView]:
    """The work stream's occurrences of the next STREAM_UPCOMING_DAYS, looked up once per
    request: two panels of the stream page show them, and each lookup of the per-process
    cache reads the schedule fingerprint from the database (~10 ms on a large group)."""
    memo = g.setdefault("_meetbot_stream_upcoming", {})
    key = (group.id, stream.id)
    if key not in memo:
        memo[key] = _upcoming_of(group, STREAM_UPCOMING_DAYS, stream=stream)
    return memo[key]


@panel("stream_main", order=10)
def stream_series_panel(group: Group, stream: WorkStream, **_: Any) -> str:
    # Only the tagged series (titles): loading every series of the group with its slots
    # and streams to filter them here cost ~150 ms on a group with 1,000 series.
    tagged = series_service.list_stream_series(group, stream)
    return render_template(
        "series/_stream_main.html",
        group=group,
        stream=stream,
        series_list=tagged,
        occurrences=stream_upcoming(group, stream)[:10],
        can_manage=_can_manage(group),
        links=subscribe_links(
            _base_url(), stream_feed_path(group.slug, stream.slug), f"{group.name}: {stream.name}"
        ),
    )
