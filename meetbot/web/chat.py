"""The live chat meeting on the meeting page: a "live" badge and new items as they
arrive (static/js/chat-live.js polls ``live.json``), the full chat log, and (for its
chairs) the chat handles nobody had, waiting for the chair's choice."""

from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from meetbot.chat import handles, pages
from meetbot.models import Meeting
from meetbot.services.errors import ValidationError
from meetbot.services.meetings import get_meeting
from meetbot.services.permissions import Permission, may
from meetbot.web.guards import require
from meetbot.web.panels import panel

bp = Blueprint("chat", __name__)


@panel("meeting_main", order=25)
def live_panel(meeting: Meeting | None = None, **kwargs: object) -> str:
    """The live badge and the log links, for a meeting held with the chat bot."""
    if meeting is None or not pages.has_log(meeting):
        return ""
    last = max((i.id for i in pages.items_after(meeting, 0)), default=0)
    return render_template(
        "chat/_live.html", meeting=meeting, live=pages.is_live(meeting), last=last
    )


@panel("meeting_main", order=26)
def pending_handles_panel(meeting: Meeting | None = None, **kwargs: object) -> str:
    """Chat handles nobody had, with the people matching's suggestions (chairs only)."""
    if meeting is None or not current_user.is_authenticated:
        return ""
    if not may(current_user, Permission.CHAIR, meeting.group, meeting=meeting):
        return ""
    waiting = handles.pending(meeting)
    if not waiting:
        return ""
    return render_template("chat/_pending.html", meeting=meeting, waiting=waiting)


@bp.post("/meetings/<int:meeting_id>/chat-handles")
def resolve_handles(meeting_id: int):
    """The chair's choice for each pending handle (``choice-<id>``)."""
    meeting = get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    choices = {
        int(key[7:]): value
        for key, value in request.form.items()
        if key.startswith("choice-") and key[7:].isdigit() and len(key) < 30
    }
    try:
        done = handles.resolve(current_user, meeting, choices)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        parts = [f"linked {', '.join(done.linked)}" if done.linked else ""]
        parts.append(f"skipped {', '.join(done.skipped)}" if done.skipped else "")
        parts.append(f"still waiting: {', '.join(done.waiting)}" if done.waiting else "")
        flash("Chat handles: " + "; ".join(p for p in parts if p) + ".", "success")
    return redirect(url_for("meetings.view", meeting_id=meeting.id) + "#chat-handles")


@bp.get("/meetings/<int:meeting_id>/live.json")
def live(meeting_id: int):
    """``{"live": bool, "items": [{id, kind, text, nick}]}``: items after ``after``."""
    meeting = get_meeting(meeting_id)
    after = request.args.get("after", "0")
    if not after.isdigit() or len(after) > 18:
        return jsonify(
            error={
                "code": "bad_request",
                "message": "after must be an item id",
                "fields": {"after": "a whole number"},
            }
        ), 400
    items = pages.items_after(meeting, int(after))
    return jsonify(
        live=pages.is_live(meeting),
        items=[{"id": i.id, "kind": i.kind, "text": i.text, "nick": i.nick} for i in items],
    )


@bp.get("/meetings/<int:meeting_id>/chat-log")
def log_page(meeting_id: int):
    """Every line said in the meeting, as it was said."""
    meeting = get_meeting(meeting_id)
    return render_template("chat/log.html", meeting=meeting, lines=pages.log_lines(meeting))


@bp.get("/meetings/<int:meeting_id>/chat-log.txt")
def log_text(meeting_id: int):
    """The full log as text, in MeetBot's log format (``import-log`` reads it back)."""
    meeting = get_meeting(meeting_id)
    response = Response(pages.log_text(meeting), mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="meeting-{meeting.id}-chat.log"'
    return response
