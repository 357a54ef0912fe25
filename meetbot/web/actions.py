"""Action item pages: create and edit, one-click done / drop / carry over / reopen,
"My action items", a group's items, and the meeting and work stream panels."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetbot.forms.fields import apply_service_errors
from meetbot.forms.minutes import ActionItemForm, ActionStatusForm
from meetbot.models import ActionItem, ActionStatus, Group, Meeting, Person, utcnow
from meetbot.services import action_lists, action_progress
from meetbot.services import actions as action_service
from meetbot.services import groups as group_service
from meetbot.services import members as member_service
from meetbot.services.errors import ValidationError
from meetbot.services.meetings import get_meeting
from meetbot.services.permissions import Permission, may
from meetbot.web.action_filters import owner_options
from meetbot.web.guards import require
from meetbot.web.minutes_common import meeting_url
from meetbot.web.paging import page_from_args
from meetbot.web.panels import cached_panel, panel

bp = Blueprint("actions", __name__)


def _today() -> date:
    # The group's own date would be nicer; UTC keeps "overdue" the same for everyone.
    return utcnow().date()


def _safe_next(default: str) -> str:
    target = request.form.get("next") or request.args.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _meeting_url(meeting: Meeting, anchor: str) -> str:
    return meeting_url(meeting, anchor)


def _owner_choices(group: Group, item: ActionItem | None, meeting: Meeting | None):
    """Group members and the item's current owners (owners must be members: the
    service refuses anyone else, so the form offers no one else)."""
    people: dict[int, Person] = {p.id: p for p, _ in member_service.members(group)}
    if item is not None:
        people.update({p.id: p for p in item.owners})
    return [
        (str(p.id), p.display_name)
        for p in sorted(people.values(), key=lambda p: p.display_name.casefold())
    ]


def _form(group: Group, item: ActionItem | None = None, meeting: Meeting | None = None, **kw):
    form = ActionItemForm(**kw)
    form.owners.choices = _owner_choices(group, item, meeting)
    form.work_stream_id.choices = [("", "— none —")] + [
        (str(s.id), s.name) for s in group.work_streams
    ]
    return form


def _stream_id(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def is_owner(item: ActionItem) -> bool:
    """Is the current user one of the item's owners?"""
    return current_user.is_authenticated and any(o.id == current_user.id for o in item.owners)


def can_close(item: ActionItem, meeting: Meeting | None = None) -> bool:
    """Chairs close items; owners may close (or reopen) their own."""
    return is_owner(item) or may(current_user, Permission.CHAIR, item.group, meeting=meeting)


# ---------------------------------------------------------------- panels


REVIEW_LIMIT = 50  # open items shown in a meeting's review panel before "show all"


@panel("meeting_main", order=35)
def review_panel(meeting: Meeting | None = None, **kwargs: object) -> str:
    """Open action items of the group to review in this meeting."""
    if meeting is None:
        return ""
    scope = request.args.get("review", "group")
    # A group with years of history has thousands of open items: the panel shows the
    # oldest REVIEW_LIMIT of them (and says how many there are) unless asked for all.
    show_all = request.args.get("review_all") == "1"
    chair = may(current_user, Permission.CHAIR, meeting.group, meeting=meeting)
    today = _today()

    def render() -> str:
        found = action_lists.review(meeting, scope=scope, limit=None if show_all else REVIEW_LIMIT)
        open_shown = sum(
            1 for item in found.items if item.status == "open" and item.closed_in_id != meeting.id
        )
        return render_template(
            "actions/_review.html",
            meeting=meeting,
            items=found.items,
            scope=scope,
            hidden=(found.open_total - open_shown) if found.open_total is not None else 0,
            carried=found.carried,
            chair=chair,
            today=today,
        )

    if chair:  # buttons with the viewer's CSRF token
        return render()
    return cached_panel(("review", meeting.id, scope, show_all, today), render)


@panel("meeting_main", order=40)
def meeting_actions_panel(meeting: Meeting | None = None, **kwargs: object) -> str:
    """Action items opened in this meeting, and a form to add one (chairs)."""
    if meeting is None:
        return ""
    chair = may(current_user, Permission.CHAIR, meeting.group, meeting=meeting)
    today = _today()

    def render() -> str:
        items = action_lists.group_actions(meeting.group, status="all", opened_in=meeting)
        form = _form(meeting.group, meeting=meeting, formdata=None) if chair else None
        return render_template(
            "actions/_meeting.html",
            meeting=meeting,
            items=items,
            chair=chair,
            form=form,
            today=today,
        )

    if chair:  # the form carries the viewer's CSRF token
        return render()
    return cached_panel(("meeting_actions", meeting.id, today), render)


@panel("stream_main", order=30)
def stream_panel(stream=None, group: Group | None = None, **kwargs: object) -> str:
    """A work stream's open and closed action items, decisions and progress (the same
    HTML for every viewer: kept while the database is unchanged)."""
    if stream is None:
        return ""
    today = _today()

    def render() -> str:
        summary = action_progress.cached_stream_summary(stream)
        return render_template(
            "actions/_stream.html", stream=stream, group=stream.group, ss=summary, today=today
        )

    return cached_panel(("stream_actions", stream.id, today), render)


# ---------------------------------------------------------------- create / edit


def _save_new(group: Group, meeting: Meeting | None, template_context: dict):
    form = _form(group, meeting=meeting)
    if form.validate_on_submit():
        try:
            item = action_service.create_action(
                current_user,
                group,
                text=form.text.data,
                owner_ids=form.owners.data or [],
                due_date=form.due_date.data,
                work_stream_id=_stream_id(form.work_stream_id.data),
                meeting=meeting,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash("Action item added.", "success")
            if meeting is not None:
                return redirect(_safe_next(_meeting_url(meeting, f"action-{item.id}")))
            return redirect(url_for("actions.view", action_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template("actions/edit.html", form=form, item=None, **template_context), status


@bp.route("/meetings/<int:meeting_id>/actions/new", methods=["GET", "POST"])
def new_in_meeting(meeting_id: int):
    """Add an action item in a meeting (also written into its minutes)."""
    meeting = get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    return _save_new(meeting.group, meeting, {"group": meeting.group, "meeting": meeting})


@bp.route("/groups/<slug>/actions/new", methods=["GET", "POST"])
def new_in_group(slug: str):
    """Add an action item outside any meeting."""
    group = group_service.get_group(slug)
    require(Permission.CHAIR, group)
    return _save_new(group, None, {"group": group, "meeting": None})


@bp.get("/actions/<int:action_id>/")
def view(action_id: int):
    """One action item with its history."""
    item = action_service.get_action(action_id)
    return render_template(
        "actions/view.html",
        item=item,
        group=item.group,
        chair=may(current_user, Permission.CHAIR, item.group),
        closable=can_close(item),
        today=_today(),
    )


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
def edit(action_id: int):
    """Change text, owners, due date, work stream."""
    item = action_service.get_action(action_id)
    require(Permission.CHAIR, item.group, meeting=item.opened_in)
    form = _form(item.group, item, item.opened_in, obj=None if request.method == "POST" else item)
    if request.method == "GET":
        form.owners.data = [str(p.id) for p in item.owners]
        form.work_stream_id.data = str(item.work_stream_id or "")
    if form.validate_on_submit():
        try:
            action_service.update_action(
                current_user,
                item,
                text=form.text.data,
                owner_ids=form.owners.data or [],
                due_date=form.due_date.data,
                work_stream_id=_stream_id(form.work_stream_id.data),
                note=form.note.data or "",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash("Action item saved.", "success")
            return redirect(url_for("actions.view", action_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "actions/edit.html", form=form, item=item, group=item.group, meeting=item.opened_in
    ), status


# ---------------------------------------------------------------- one-click status


def _status_change(action_id: int, op: str):
    item = action_service.get_action(action_id)
    form = ActionStatusForm()
    if not form.validate_on_submit():
        abort(400)
    meeting = None
    if form.meeting_id.data:
        try:
            meeting = get_meeting(int(form.meeting_id.data))
        except ValueError:
            abort(400)
        if meeting.group_id != item.group_id:
            abort(400, "That meeting belongs to another group.")
    if op == "carry":
        require(Permission.CHAIR, item.group, meeting=meeting)
        if meeting is None:
            abort(400, "Carrying an item over needs the meeting that reviewed it.")
    elif not can_close(item, meeting):
        require(Permission.CHAIR, item.group, meeting=meeting)  # 401 / 403
    try:
        if op == "done":
            action_service.close_action(
                current_user, item, ActionStatus.DONE, meeting=meeting, note=form.note.data
            )
            message = "Marked done."
        elif op == "drop":
            action_service.close_action(
                current_user, item, ActionStatus.DROPPED, meeting=meeting, note=form.note.data
            )
            message = "Dropped."
        elif op == "reopen":
            action_service.reopen_action(current_user, item, meeting=meeting, note=form.note.data)
            message = "Reopened."
        else:
            action_service.carry_over(current_user, item, meeting, note=form.note.data)
            message = "Carried over to the next meeting."
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash(f"{message} ({item.text[:60]})", "success")
    default = (
        _meeting_url(meeting, f"review-{item.id}")
        if meeting is not None
        else url_for("actions.view", action_id=item.id)
    )
    return redirect(_safe_next(default))


@bp.post("/actions/<int:action_id>/done")
def done(action_id: int):
    """Mark done (in the meeting given by ``meeting_id``, if any)."""
    return _status_change(action_id, "done")


@bp.post("/actions/<int:action_id>/drop")
def drop(action_id: int):
    """Drop (no longer needed)."""
    return _status_change(action_id, "drop")


@bp.post("/actions/<int:action_id>/reopen")
def reopen(action_id: int):
    """Open a closed item again."""
    return _status_change(action_id, "reopen")


@bp.post("/actions/<int:action_id>/carry-over")
def carry(action_id: int):
    """Reviewed in ``meeting_id`` and kept open."""
    return _status_change(action_id, "carry")


# ---------------------------------------------------------------- lists


@bp.get("/me/actions")
@login_required
def mine():
    """The logged-in person's action items across groups; overdue ones stand out."""
    status = request.args.get("status", "open")
    if status not in ("open", "all"):
        status = "open"
    items = action_lists.person_actions(current_user, status=status)
    today = _today()
    overdue = [i for i in items if action_service.is_overdue(i, today)]
    return render_template(
        "actions/mine.html", items=items, status=status, today=today, overdue=overdue
    )


GROUP_PAGE_SIZE = 50  # items per page of a group's action item list


@bp.get("/groups/<slug>/actions")
def group_list(slug: str):
    """A group's action items, filtered by status, work stream and owner."""
    group = group_service.get_group(slug)
    status = request.args.get("status", "open")
    if status not in ("open", "done", "dropped", "all"):
        status = "open"
    stream = None
    if request.args.get("stream"):
        stream = group_service.get_work_stream(group, request.args["stream"])
    owner = request.args.get("owner", "")
    owner_id = int(owner) if owner.isdigit() else None
    filters = action_lists.GroupActionFilter(status, stream, owner_id, owner == "none")
    # Count, page and owners are kept while the database is unchanged (rows, not ORM).
    total = action_lists.group_action_count(group, filters)
    page, pages = page_from_args(total, GROUP_PAGE_SIZE)
    items = action_lists.group_action_rows(
        group, filters, limit=GROUP_PAGE_SIZE, offset=(page - 1) * GROUP_PAGE_SIZE
    )
    today = _today()
    items_html = cached_panel(
        ("group_action_items", group.id, *filters.key(), page, today),
        lambda: render_template("actions/_group_items.html", items=items, today=today),
    )
    return render_template(
        "actions/group.html",
        group=group,
        items=items,
        items_html=items_html,
        total=total,
        page=page,
        pages=pages,
        status=status,
        stream=stream,
        owner=owner,
        owner_options=owner_options(group, owner_id),
        chair=may(current_user, Permission.CHAIR, group),
    )
