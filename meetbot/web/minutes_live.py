"""The minutes editor without page loads (static/js/minutes.js).

The script sends the same forms to the same endpoints with ``Accept:
application/json``; they answer here with the minutes list rendered by the same
template as the page (``minutes/_items.html``), the new version of the minutes and
what to tell the chair, or an error of the API's shape ``{"error": {"code",
"message", "fields"}}`` (409 for the minutes' optimistic lock, 422 for a field).

Two chairs see each other's changes the way the page sees the chat bot's items: the
script polls ``live.json`` (web/chat.py), which carries the minutes' version, and
asks ``items.json`` for the list when it moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Response, jsonify, render_template, request

from meetbot.models import Meeting
from meetbot.services import minutes as minutes_service
from meetbot.services.errors import ServiceError
from meetbot.services.meetings import get_meeting
from meetbot.web.minutes_common import bp, can_chair

__all__ = ["error_json", "form_error_json", "items_html", "minutes_json", "wants_json"]


def wants_json() -> bool:
    """The page's script asked (``Accept: application/json``), not a plain form."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def items_html(meeting: Meeting) -> str:
    """The minutes list as the page shows it (with the chair's tools when allowed)."""
    return render_template(
        "minutes/_items.html",
        meeting=meeting,
        items=minutes_service.list_items(meeting),
        chair=can_chair(meeting),
        labels=minutes_service.KIND_LABELS,
    )


def minutes_json(
    meeting: Meeting, *, item_id: int | None = None, notes: Iterable[str] = ()
) -> tuple[Response, int]:
    """A change was saved: the list, its version, the item to show, notes."""
    return jsonify(
        version=meeting.lock_version,
        html=items_html(meeting),
        item_id=item_id,
        notes=list(notes),
    ), 200


def error_json(
    meeting: Meeting, exc: ServiceError, current: Mapping[str, str] | None = None
) -> tuple[Response, int]:
    """Nothing was saved: why, with the list as it is now (a conflict shows theirs)."""
    return _error(meeting, exc.status, exc.code, exc.message, dict(exc.fields), current)


def form_error_json(meeting: Meeting, errors: Mapping[str, list[str]]) -> tuple[Response, int]:
    """The form did not validate (an empty text, a missing version)."""
    fields = {name: " ".join(map(str, messages)) for name, messages in errors.items()}
    message = next(iter(fields.values()), "Some fields are not valid.")
    return _error(meeting, 422, "validation_error", message, fields, None)


def _error(
    meeting: Meeting,
    status: int,
    code: str,
    message: str,
    fields: dict[str, str],
    current: Mapping[str, str] | None,
) -> tuple[Response, int]:
    body = {
        "error": {"code": code, "message": message, "fields": fields},
        "version": meeting.lock_version,
        "html": items_html(meeting),
    }
    if current is not None:
        body["current"] = dict(current)
    return jsonify(body), status


@bp.get("/meetings/<int:meeting_id>/minutes/items.json")
def items_json(meeting_id: int):
    """``{"version": n, "html": "<div id=minutes-items>…"}``: the list as it is now."""
    meeting = get_meeting(meeting_id)
    return jsonify(version=meeting.lock_version, html=items_html(meeting))
