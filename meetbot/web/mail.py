"""The outbox page of a group (organizers): queued, sent and failed mail, and retry."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from meetbot.mail import group_mail, outbox, transport
from meetbot.services import groups as group_service
from meetbot.services import meetings as meeting_service
from meetbot.services.errors import ValidationError
from meetbot.services.permissions import Permission, may
from meetbot.web.guards import require
from meetbot.web.paging import page_from_args
from meetbot.web.panels import panel

bp = Blueprint("mail", __name__)

PAGE_SIZE = 50


@bp.get("/groups/<slug>/outbox")
def group_outbox(slug: str):
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    counts = outbox.counts(group)
    page, pages = page_from_args(sum(counts.values()), PAGE_SIZE)
    rows = outbox.group_outbox_page(group, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    try:
        where = transport.describe(outbox.settings(), public=True)
    except transport.ConfigError:
        where = "nowhere yet: MEETBOT_MAIL_URL cannot be used"
    return render_template(
        "mail/outbox.html",
        group=group,
        rows=rows,
        counts=counts,
        page=page,
        pages=pages,
        where=where,
    )


@bp.post("/groups/<slug>/outbox/<int:mail_id>/retry")
def retry(slug: str, mail_id: int):
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    row = outbox.get_mail(group, mail_id)
    try:
        outbox.retry(current_user, row)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Mail to {row.recipient} queued again.", "success")
    return redirect(url_for("mail.group_outbox", slug=group.slug))


@bp.post("/meetings/<int:meeting_id>/minutes/mail")
def send_minutes(meeting_id: int):
    """A chair sends the minutes to the group's mailing list."""
    meeting = meeting_service.get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    try:
        added = group_mail.queue_minutes(current_user, meeting)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        if added:
            flash(f"The minutes are queued for {meeting.group.mailing_list}.", "success")
        else:
            flash("The minutes of this meeting were mailed already.", "info")
    return redirect(url_for("meetings.view", meeting_id=meeting.id))


@panel("group_side", order=85)
def outbox_link(group, **_: object) -> str:
    """A link to the outbox, for the group's organizers."""
    if not may(current_user, Permission.EDIT_GROUP, group):
        return ""
    return render_template("mail/_outbox_link.html", group=group)
