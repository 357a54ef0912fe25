"""The minutes blueprint (every minutes page is on it) and what its pages share: the
meeting's URL, the way back to it, who may chair it, the quick-entry form."""

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    request,
    url_for,
)
from flask_login import current_user

from meetbot.forms.minutes import MinuteItemForm
from meetbot.models import Meeting
from meetbot.services.permissions import Permission, may

bp = Blueprint("minutes", __name__)

MAX_LOG_BYTES = 5_000_000


def meeting_url(meeting: Meeting, anchor: str = "minutes") -> str:
    """The meeting page (web/meetings.py) when it exists, else the minutes page."""
    if "meetings.view" in current_app.view_functions:
        try:
            return url_for("meetings.view", meeting_id=meeting.id, _anchor=anchor)
        except Exception:  # noqa: BLE001 - another signature: fall back to our own page
            pass
    return url_for("minutes.page", meeting_id=meeting.id, _anchor=anchor)


def back_to_meeting(meeting: Meeting, anchor: str = "minutes") -> Response:
    target = request.form.get("next") or ""
    # Only same-site paths: never an open redirect.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(target)
    return redirect(meeting_url(meeting, anchor))


def stream_choices(meeting: Meeting) -> list[tuple[str, str]]:
    return [("", "— none —")] + [(str(s.id), s.name) for s in meeting.group.work_streams]


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def can_chair(meeting: Meeting) -> bool:
    """May the current user edit this meeting's minutes?"""
    return may(current_user, Permission.CHAIR, meeting.group, meeting=meeting)


def new_quick_form(meeting: Meeting, **kwargs) -> MinuteItemForm:
    form = MinuteItemForm(prefix="quick", **kwargs)
    form.work_stream_id.choices = stream_choices(meeting)
    if form.version.data is None:
        form.version.data = meeting.lock_version
    return form


def log_bots() -> frozenset[str] | None:
    bots = current_app.config.get("MEETBOT_LOG_BOTS")
    if not bots:
        return None
    if isinstance(bots, str):
        bots = [b for b in bots.replace(",", " ").split() if b]
    return frozenset(bots)
