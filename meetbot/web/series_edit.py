"""Series pages: create and edit with a live preview, the series page, ending a series."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from meetbot.domain.recurrence import Frequency
from meetbot.forms.fields import apply_service_errors
from meetbot.forms.series import (
    MIN_SLOT_ROWS,
    EndSeriesForm,
    SeriesForm,
)
from meetbot.models import Group, MeetingSeries, SeriesSlot, utcnow
from meetbot.services import conflicts as conflict_service
from meetbot.services import groups as group_service
from meetbot.services import members as members_service
from meetbot.services import polls
from meetbot.services import series as series_service
from meetbot.services import series_input as series_input_service
from meetbot.services.errors import ValidationError
from meetbot.services.occurrences import series_occurrences
from meetbot.services.permissions import Permission
from meetbot.services.series_checks import series_errors
from meetbot.services.subscribe import (
    series_feed_path,
    subscribe_links,
)
from meetbot.web.guards import require
from meetbot.web.series_links import bp, can_manage, feed_base_url, uid_domain
from meetbot.web.series_zones import slot_days

# Service slot field -> form sub-field that shows its error.
_SLOT_FIELD = {
    "start": "start_date",
    "duration": "duration_minutes",
    "rule": "frequency",
    "key": "label",
}


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
    form.chairs.choices = [(p.id, p.display_name) for p, _ in members_service.members(group)]
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
                    "weekday": _weekday_shown(slot),
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


def _weekday_shown(slot: SeriesSlot) -> int | None:
    """The day button a slot shows: a monthly rule's weekday, a weekly one's start day."""
    if slot.frequency == Frequency.WEEKLY:
        return slot.start_local.weekday()
    return slot.weekday


def _series_input(form: SeriesForm) -> tuple[series_input_service.SeriesInput, list[str]]:
    """The service input from a form, and the form-name prefix of each slot given."""
    slots, prefixes = [], []
    for entry in form.slots.entries:
        if entry.form.is_blank():
            continue
        slots.append(entry.form.to_input())
        prefixes.append(entry.name)
    data = series_input_service.SeriesInput(
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
    """Put service errors beside the form inputs (slot errors inside their row); a field
    that already shows an error of the form's own (a date that is no date) keeps it."""
    rows = {entry.name: entry.form for entry in form.slots.entries}
    top: dict[str, str] = {}
    for name, message in fields.items():
        target = _form_field_name(name, prefixes)
        prefix, _, sub = target.rpartition("-")
        if prefix in rows and hasattr(rows[prefix], sub):
            field = getattr(rows[prefix], sub)
            field.errors = list(field.errors or ()) or [message]
        elif name == "slots":
            form.form_errors.append(message)
        elif not getattr(getattr(form, name, None), "errors", None):
            top[name] = message
    apply_service_errors(form, top)


def _submit(form: SeriesForm, group: Group, series: MeetingSeries | None) -> MeetingSeries | None:
    """Save a submitted form, or mark every field that needs fixing beside it (the
    form's own checks and the service's, all in one round; Preview saves nothing)."""
    form_ok = form.validate()
    data, prefixes = _series_input(form)
    if form_ok and not _preview_only():
        try:
            if series is None:
                return series_service.create_series(current_user, group, data)
            return series_service.update_series(current_user, series, data)
        except ValidationError as exc:
            _apply_errors(form, exc.fields, prefixes)
            return None
    _apply_errors(form, series_errors(group, data), prefixes)
    return None


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


def _preview(form: SeriesForm) -> tuple[list[series_input_service.PreviewItem], dict[str, str]]:
    """Preview items, or the errors that prevent one (keyed by input id)."""
    data, prefixes = _series_input(form)
    try:
        return series_input_service.preview(data.slots, data.timezone), {}
    except ValidationError as exc:
        return [], {_form_field_name(k, prefixes): v for k, v in exc.fields.items()}


def _preview_only() -> bool:
    """The no-JavaScript "Preview" button: show the meetings, save nothing."""
    return request.method == "POST" and request.form.get("_preview") == "1"


def _warn_conflicts(series: MeetingSeries) -> None:
    found = conflict_service.conflicts_for_series(series, domain=uid_domain())
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
    preview: list[series_input_service.PreviewItem] = []
    series = _submit(form, group, None) if form.is_submitted() else None
    if series is not None:
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
    if form.is_submitted() and _submit(form, group, series) is not None:
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
        # Only what the meetings depend on stops a preview (not an empty title).
        errors = {k: v for k, v in errors.items() if k.startswith(("slots-", "timezone"))}
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
    occurrences = series_occurrences(series, now, now + timedelta(days=366), uid_domain())[:12]
    recent = [
        o
        for o in series_occurrences(series, now - timedelta(days=60), now, uid_domain())
        if o.end <= now
    ][-3:]
    manager = can_manage(series.group)
    return render_template(
        "series/view.html",
        slot_days=slot_days(occurrences),
        series=series,
        group=series.group,
        occurrences=occurrences,
        recent=recent,
        links=subscribe_links(feed_base_url(), series_feed_path(series.id), series.title),
        end_form=EndSeriesForm() if manager else None,
        can_manage=manager,
        time_changes=polls.change_notes(series),
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
