"""Minutes pages: the chair's editor (quick entry, edit, reorder, delete), the chat log
import with its preview, and the exports (text, Markdown, HTML, e-mail).

The meeting page itself belongs to web/meetings.py; the minutes appear there through
the ``meeting_main`` / ``meeting_side`` panels registered below, and on this module's
own ``/meetings/<id>/minutes/`` page.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from meetbot.forms.fields import apply_service_errors
from meetbot.forms.minutes import LogImportForm, MinuteItemForm, VersionForm
from meetbot.models import Meeting
from meetbot.services import log_import, minutes_export
from meetbot.services import minutes as minutes_service
from meetbot.services.errors import Conflict, ValidationError
from meetbot.services.meetings import get_meeting
from meetbot.services.permissions import Permission, may
from meetbot.web.guards import require
from meetbot.web.panels import panel

bp = Blueprint("minutes", __name__)

MAX_LOG_BYTES = 5_000_000


# ---------------------------------------------------------------- helpers


def meeting_url(meeting: Meeting, anchor: str = "minutes") -> str:
    """The meeting page (web/meetings.py) when it exists, else the minutes page."""
    if "meetings.view" in current_app.view_functions:
        try:
            return url_for("meetings.view", meeting_id=meeting.id, _anchor=anchor)
        except Exception:  # noqa: BLE001 - another signature: fall back to our own page
            pass
    return url_for("minutes.page", meeting_id=meeting.id, _anchor=anchor)


def _back(meeting: Meeting, anchor: str = "minutes") -> Response:
    target = request.form.get("next") or ""
    # Only same-site paths: never an open redirect.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(target)
    return redirect(meeting_url(meeting, anchor))


def _stream_choices(meeting: Meeting) -> list[tuple[str, str]]:
    return [("", "— none —")] + [(str(s.id), s.name) for s in meeting.group.work_streams]


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def can_chair(meeting: Meeting) -> bool:
    """May the current user edit this meeting's minutes?"""
    return may(current_user, Permission.CHAIR, meeting.group, meeting=meeting)


def _quick_form(meeting: Meeting, **kwargs) -> MinuteItemForm:
    form = MinuteItemForm(prefix="quick", **kwargs)
    form.work_stream_id.choices = _stream_choices(meeting)
    if form.version.data is None:
        form.version.data = meeting.lock_version
    return form


def _bots() -> frozenset[str] | None:
    bots = current_app.config.get("MEETBOT_LOG_BOTS")
    if not bots:
        return None
    if isinstance(bots, str):
        bots = [b for b in bots.replace(",", " ").split() if b]
    return frozenset(bots)


# ---------------------------------------------------------------- panels


def render_minutes(meeting: Meeting, quick_form: MinuteItemForm | None = None, **_: object) -> str:
    """The minutes section (the chair's editor when allowed)."""
    chair = can_chair(meeting)
    return render_template(
        "minutes/_panel.html",
        meeting=meeting,
        items=minutes_service.list_items(meeting),
        chair=chair,
        quick_form=quick_form or (_quick_form(meeting, formdata=None) if chair else None),
        version_form=VersionForm(formdata=None),
        labels=minutes_service.KIND_LABELS,
    )


@panel("meeting_main", order=30)
def minutes_panel(meeting: Meeting | None = None, **kwargs: object) -> str:
    """Minutes on the meeting page."""
    if meeting is None:
        return ""
    # A form that failed (errors, conflict) is shown again with what was typed.
    return render_minutes(meeting, g.get("minutes_quick_form"))


@panel("meeting_side", order=40)
def exports_panel(meeting: Meeting | None = None, **kwargs: object) -> str:
    """Export links (and the log import for chairs) beside the meeting."""
    if meeting is None:
        return ""
    return render_template("minutes/_side.html", meeting=meeting, chair=can_chair(meeting))


# ---------------------------------------------------------------- pages


@bp.get("/meetings/<int:meeting_id>/minutes/")
def page(meeting_id: int):
    """The minutes of one meeting (with every meeting panel), standalone."""
    meeting = get_meeting(meeting_id)
    return render_template("minutes/page.html", meeting=meeting)


@bp.post("/meetings/<int:meeting_id>/minutes/items")
def add(meeting_id: int):
    """Quick entry: kind + text (a leading ``#agreed`` etc. picks the kind)."""
    meeting = get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    form = _quick_form(meeting)
    if form.validate_on_submit():
        kind, text = minutes_service.parse_quick_entry(form.kind.data, form.text.data or "")
        try:
            minutes_service.add_item(
                current_user,
                meeting,
                kind=kind,
                text=text,
                version=form.version.data,
                work_stream_id=_int_or_none(form.work_stream_id.data),
            )
        except Conflict as exc:
            return _conflict_page(meeting, exc, form)
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            return _back(meeting, "quick-entry")
    g.minutes_quick_form = form
    return render_template("minutes/page.html", meeting=meeting), 422


def _conflict_page(meeting: Meeting, exc: Conflict, form: MinuteItemForm):
    # Keep what the chair typed; give them the current version so a resubmit is a
    # conscious choice made after seeing the other change.
    form.form_errors.append(exc.message)
    form.version.data = meeting.lock_version
    g.minutes_quick_form = form
    return render_template("minutes/page.html", meeting=meeting), 409


@bp.route("/meetings/<int:meeting_id>/minutes/items/<int:item_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int, item_id: int):
    """Edit one item's kind, text and work stream."""
    meeting = get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    item = minutes_service.get_item(meeting, item_id)
    form = MinuteItemForm(obj=None if request.method == "POST" else item)
    form.work_stream_id.choices = _stream_choices(meeting)
    if request.method == "GET":
        form.work_stream_id.data = str(item.work_stream_id or "")
        form.version.data = meeting.lock_version
    status = 200
    current = None
    if form.validate_on_submit():
        try:
            minutes_service.update_item(
                current_user,
                item,
                kind=form.kind.data,
                text=form.text.data,
                version=form.version.data,
                work_stream_id=_int_or_none(form.work_stream_id.data),
            )
        except Conflict as exc:
            form.form_errors.append(exc.message)
            current = item
            form.version.data = meeting.lock_version
            status = 409
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
            status = 422
        else:
            flash("Minutes item saved.", "success")
            return redirect(meeting_url(meeting, f"item-{item.id}"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "minutes/edit.html", meeting=meeting, item=item, form=form, current=current
    ), status


def _version_action(meeting: Meeting, func, *args, success: str | None = None):
    form = VersionForm()
    if not form.validate_on_submit():
        flash("The form was incomplete; reload the page and try again.", "error")
        return _back(meeting), 422
    try:
        func(*args, version=form.version.data)
    except (Conflict, ValidationError) as exc:
        flash(exc.message, "error")
        status = 409 if isinstance(exc, Conflict) else 422
        return render_template("minutes/page.html", meeting=meeting), status
    if success:
        flash(success, "success")
    return _back(meeting)


@bp.post("/meetings/<int:meeting_id>/minutes/items/<int:item_id>/delete")
def delete(meeting_id: int, item_id: int):
    """Delete one item."""
    meeting = get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    item = minutes_service.get_item(meeting, item_id)
    return _version_action(
        meeting, minutes_service.delete_item, current_user, item, success="Item deleted."
    )


@bp.post("/meetings/<int:meeting_id>/minutes/items/<int:item_id>/move/<direction>")
def move(meeting_id: int, item_id: int, direction: str):
    """Move one item up or down (the keyboard-accessible way to reorder)."""
    meeting = get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    item = minutes_service.get_item(meeting, item_id)

    def _move(actor, it, *, version):
        minutes_service.move_item(actor, it, direction, version=version)

    return _version_action(meeting, _move, current_user, item)


@bp.post("/meetings/<int:meeting_id>/minutes/reorder")
def reorder(meeting_id: int):
    """A whole new order (from drag and drop): ``order`` = comma-separated item ids."""
    meeting = get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    raw = request.form.get("order", "")
    try:
        ids = [int(p) for p in raw.replace(" ", "").split(",") if p]
    except ValueError:
        flash("The new order could not be read.", "error")
        return _back(meeting), 422

    def _reorder(actor, mtg, *, version):
        minutes_service.reorder_items(actor, mtg, ids, version=version)

    return _version_action(meeting, _reorder, current_user, meeting, success="Order saved.")


# ---------------------------------------------------------------- log import


def _read_log(form: LogImportForm) -> str | None:
    upload = form.upload.data
    if upload is not None and getattr(upload, "filename", ""):
        data = upload.read(MAX_LOG_BYTES + 1)
        if len(data) > MAX_LOG_BYTES:
            form.upload.errors = [f"The log is larger than {MAX_LOG_BYTES // 1_000_000} MB."]
            return None
        return data.decode("utf-8", errors="replace")
    text = form.log.data or ""
    if not text.strip():
        form.log.errors = ["Paste a log or choose a file."]
        return None
    return text


def _log_errors(fields: dict[str, str]) -> dict[str, str]:
    """The service's errors for the form: the log's line number goes into its message."""
    errors = {k: v for k, v in fields.items() if k != "line"}
    if "line" in fields and "log" in errors:
        errors["log"] = f"line {fields['line']}: {errors['log']}"
    return errors


def _overrides(plan: log_import.ImportPlan) -> dict[int, list[str]]:
    """The owners the chair confirmed: field ``owners-<index>`` (multi), present
    only when the preview was shown."""
    return {a.index: request.form.getlist(f"owners-{a.index}") for a in plan.actions}


def _owner_choices(meeting: Meeting, plan: log_import.ImportPlan) -> list[tuple[str, str]]:
    from meetbot.services.members import members

    choices: dict[str, str] = {}
    for a in plan.attendees:
        label = a.person_name or f"{a.nick} (new person)"
        choices.setdefault(a.token, label if a.person_name is None else f"{label} ({a.nick})")
    for person, _ in members(meeting.group):
        choices.setdefault(f"p:{person.id}", person.display_name)
    return sorted(choices.items(), key=lambda kv: kv[1].casefold())


@bp.route("/meetings/<int:meeting_id>/minutes/import", methods=["GET", "POST"])
def import_log(meeting_id: int):
    """Paste or upload a MeetBot log, see the preview, confirm the owners, save."""
    meeting = get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    form = LogImportForm()
    if request.method == "GET":
        form.version.data = meeting.lock_version
        return render_template("minutes/import.html", meeting=meeting, form=form, plan=None)
    plan = None
    status = 422
    if form.validate_on_submit():
        text = _read_log(form)
        if text is not None:
            day = meeting.start_dt.date()
            try:
                plan = log_import.plan_import(text, default_date=day, bots=_bots())
                log_import.check_existing(meeting, plan.sha256, form.existing.data)
                if form.step.data == "confirm":
                    result = log_import.import_log(
                        current_user,
                        meeting,
                        text,
                        bots=_bots(),
                        owner_overrides=_overrides(plan),
                        version=form.version.data,
                        existing=form.existing.data,
                    )
                    flash(_result_message(result), "success")
                    return redirect(meeting_url(meeting))
                form.log.data = text
                status = 200
            except Conflict as exc:
                form.form_errors.append(exc.message)
                form.version.data = meeting.lock_version
                status = 409
            except ValidationError as exc:
                apply_service_errors(form, _log_errors(exc.fields))
                plan = None
    return render_template(
        "minutes/import.html",
        meeting=meeting,
        form=form,
        plan=plan,
        owner_choices=_owner_choices(meeting, plan) if plan else [],
    ), status


def _result_message(result: log_import.ImportResult) -> str:
    if result.already_imported:
        return "This log was already imported; nothing changed."
    parts = [
        f"Imported {result.items_added} minutes items, {result.actions_added} action items "
        f"and {result.attendance_added} attendees."
    ]
    if result.flagged_actions:
        parts.append(f"{result.flagged_actions} action items have no owner: assign them.")
    if result.people_created:
        parts.append("New people created for: " + ", ".join(result.people_created) + ".")
    return " ".join(parts)


# ---------------------------------------------------------------- exports


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
    doc = minutes_export.build_minutes_doc(meeting, url=_full_url(meeting))
    return _text_response(doc.to_text(), "text/plain", f"meeting-{meeting.id}-minutes.txt")


@bp.get("/meetings/<int:meeting_id>/minutes.md")
def export_markdown(meeting_id: int):
    """The minutes as Markdown (user text escaped)."""
    meeting = get_meeting(meeting_id)
    doc = minutes_export.build_minutes_doc(meeting, url=_full_url(meeting))
    return _text_response(doc.to_markdown(), "text/markdown", f"meeting-{meeting.id}-minutes.md")


@bp.get("/meetings/<int:meeting_id>/minutes.html")
def export_html(meeting_id: int):
    """A printable HTML page of the minutes (every piece of text escaped)."""
    meeting = get_meeting(meeting_id)
    doc = minutes_export.build_minutes_doc(meeting)
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
        from meetbot.models import utcnow

        kind = "summary" if meeting.end_dt <= utcnow() else "agenda"
    email = minutes_export.build_email(meeting, kind, url=_full_url(meeting))
    body = f"Subject: {email.subject}\n\n{email.body}"
    return _text_response(body, "text/plain", f"meeting-{meeting.id}-{kind}.txt")
