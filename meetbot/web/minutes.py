"""Minutes pages: the chair's editor (quick entry, edit, reorder, delete), the chat log
import with its preview, and the exports (text, Markdown, HTML, e-mail).

The meeting page itself belongs to web/meetings.py; the minutes appear there through
the ``meeting_main`` / ``meeting_side`` panels registered below, and on this module's
own ``/meetings/<id>/minutes/`` page.

The pages are split by what they hold: the editor here, the chat log import in
minutes_import.py, the exports in minutes_exports.py, all on the blueprint of
minutes_common.py (importing this module registers them all)."""

from flask import (
    flash,
    g,
    redirect,
    render_template,
    request,
)
from flask_login import current_user

from meetbot.forms.fields import apply_service_errors
from meetbot.forms.minutes import MinuteItemForm, VersionForm
from meetbot.models import Meeting
from meetbot.services import minutes as minutes_service
from meetbot.services import minutes_quick
from meetbot.services.errors import Conflict, ValidationError
from meetbot.services.meetings import get_meeting
from meetbot.services.permissions import Permission
from meetbot.web import minutes_archive, minutes_exports, minutes_import  # noqa: F401 (routes)
from meetbot.web.guards import require
from meetbot.web.minutes_common import (
    back_to_meeting,
    bp,
    can_chair,
    int_or_none,
    meeting_url,
    new_quick_form,
    stream_choices,
)
from meetbot.web.minutes_live import (
    error_json,
    form_error_json,
    minutes_json,
    wants_json,
)
from meetbot.web.panels import cached_panel, panel


def render_minutes(meeting: Meeting, quick_form: MinuteItemForm | None = None, **_: object) -> str:
    """The minutes section (the chair's editor when allowed)."""
    chair = can_chair(meeting)
    return render_template(
        "minutes/_panel.html",
        meeting=meeting,
        items=minutes_service.list_items(meeting),
        chair=chair,
        quick_form=quick_form or (new_quick_form(meeting, formdata=None) if chair else None),
        version_form=VersionForm(formdata=None),
        labels=minutes_service.KIND_LABELS,
    )


@panel("meeting_main", order=30)
def minutes_panel(meeting: Meeting | None = None, **kwargs: object) -> str:
    """Minutes on the meeting page."""
    if meeting is None:
        return ""
    # A form that failed (errors, conflict) is shown again with what was typed.
    if can_chair(meeting):
        return render_minutes(meeting, g.get("minutes_quick_form"))
    # Without the chair's editor the HTML is the same for every viewer.
    return cached_panel(("minutes", meeting.id), lambda: render_minutes(meeting))


@bp.get("/meetings/<int:meeting_id>/minutes/")
def page(meeting_id: int):
    """The minutes of one meeting (with every meeting panel), standalone."""
    meeting = get_meeting(meeting_id)
    return render_template("minutes/page.html", meeting=meeting)


@bp.post("/meetings/<int:meeting_id>/minutes/items")
def add(meeting_id: int):
    """Quick entry: kind + text (a leading ``#agreed`` etc. picks the kind; an
    ``#action`` line reads its owners and ``due:``, services.minutes_quick)."""
    meeting = get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    form = new_quick_form(meeting)
    if form.validate_on_submit():
        try:
            added = minutes_quick.add_quick_entry(
                current_user,
                meeting,
                kind=form.kind.data,
                text=form.text.data or "",
                version=form.version.data,
                work_stream_id=int_or_none(form.work_stream_id.data),
            )
        except Conflict as exc:
            if wants_json():
                return error_json(meeting, exc)
            return _conflict_page(meeting, exc, form)
        except ValidationError as exc:
            if wants_json():
                return error_json(meeting, exc)
            apply_service_errors(form, exc.fields)
        else:
            if wants_json():
                return minutes_json(meeting, item_id=added.item.id, notes=added.notes)
            for note in added.notes:
                flash(note, "warning")
            return back_to_meeting(meeting, "quick-entry")
    elif wants_json():
        return form_error_json(meeting, form.errors)
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
    form.work_stream_id.choices = stream_choices(meeting)
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
                work_stream_id=int_or_none(form.work_stream_id.data),
            )
        except Conflict as exc:
            if wants_json():
                return error_json(meeting, exc, {"kind": item.kind, "text": item.text})
            form.form_errors.append(exc.message)
            current = item
            form.version.data = meeting.lock_version
            status = 409
        except ValidationError as exc:
            if wants_json():
                return error_json(meeting, exc)
            apply_service_errors(form, exc.fields)
            status = 422
        else:
            if wants_json():
                return minutes_json(meeting, item_id=item.id)
            flash("Minutes item saved.", "success")
            return redirect(meeting_url(meeting, f"item-{item.id}"))
    elif request.method == "POST":
        if wants_json():
            return form_error_json(meeting, form.errors)
        status = 422
    return render_template(
        "minutes/edit.html", meeting=meeting, item=item, form=form, current=current
    ), status


def _version_action(meeting: Meeting, func, *args, success: str | None = None):
    form = VersionForm()
    if not form.validate_on_submit():
        if wants_json():
            return form_error_json(meeting, form.errors)
        flash("The form was incomplete; reload the page and try again.", "error")
        return back_to_meeting(meeting), 422
    try:
        func(*args, version=form.version.data)
    except (Conflict, ValidationError) as exc:
        if wants_json():
            return error_json(meeting, exc)
        flash(exc.message, "error")
        status = 409 if isinstance(exc, Conflict) else 422
        return render_template("minutes/page.html", meeting=meeting), status
    if wants_json():
        return minutes_json(meeting, notes=[success] if success else [])
    if success:
        flash(success, "success")
    return back_to_meeting(meeting)


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
        message = "The new order could not be read."
        if wants_json():
            return error_json(meeting, ValidationError(message, {"order": message}))
        flash(message, "error")
        return back_to_meeting(meeting), 422

    def _reorder(actor, mtg, *, version):
        minutes_service.reorder_items(actor, mtg, ids, version=version)

    return _version_action(meeting, _reorder, current_user, meeting, success="Order saved.")
