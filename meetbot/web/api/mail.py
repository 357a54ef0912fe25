"""Mail through the API: a chair sends a meeting's minutes to the group's list."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from meetbot.mail import group_mail
from meetbot.services import meetings as meeting_service
from meetbot.services.permissions import Permission
from meetbot.web.api.common import guard, make_blueprint, require_person, write_docs
from meetbot.web.api.schemas import ID

blp = make_blueprint("api_mail", "Mail to a group's mailing list.")


class MinutesMailSchema(ma.Schema):
    queued = ma.fields.Boolean(
        required=True,
        metadata={"description": "False when the minutes were mailed already (nothing new)."},
    )
    to = ma.fields.String(required=True, metadata={"description": "The list address."})


@blp.route(f"/meetings/<{ID}:meeting_id>/minutes/mail", methods=["POST"])
@guard(Permission.CHAIR)
@blp.response(202, MinutesMailSchema)
@write_docs(blp)
def mail_minutes(meeting_id: int) -> dict[str, Any]:
    """Queue the minutes (MeetBot's text layout, threaded under the agenda mail) to the
    group's mailing list. Once per meeting; 422 when the group has no list or has
    minutes mail switched off."""
    meeting = meeting_service.get_meeting(meeting_id)
    queued = group_mail.queue_minutes(require_person(), meeting)
    return {"queued": queued, "to": meeting.group.mailing_list}
