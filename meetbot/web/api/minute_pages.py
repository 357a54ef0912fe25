"""API: a meeting's whole minutes and action items, paged by a cursor (``GET
/meetings/<id>/minutes`` and ``/actions``; ``GET /meetings/<id>`` embeds only the first
of each). Routes of the ``api_minutes`` blueprint; reads in
``services.meeting_item_reads``.
"""

from __future__ import annotations

from typing import Any

from meetbot.models import ActionItem, MinuteItem
from meetbot.services import meeting_item_reads
from meetbot.services import meetings as meeting_service
from meetbot.web.api.common import read_docs
from meetbot.web.api.minutes import blp
from meetbot.web.api.pages import LINK_HEADER, CursorArgs, cursor_after, cursor_page, limit_field
from meetbot.web.api.schemas import ID, ActionItemSchema, MinuteItemSchema


class MinutesQuery(CursorArgs):
    limit = limit_field("Minute items")


class MeetingActionsQuery(CursorArgs):
    limit = limit_field("Action items")


@blp.route(f"/meetings/<{ID}:meeting_id>/minutes")
@blp.arguments(MinutesQuery, location="query")
@blp.response(200, MinuteItemSchema(many=True), headers=LINK_HEADER)
@read_docs(blp)
def list_minutes(args: dict[str, Any], meeting_id: int) -> list[MinuteItem]:
    """A meeting's minute items in order (``position``), in pages of ``limit``; when
    more follow, the ``Link`` header's ``rel="next"`` URL gives the next page."""
    meeting = meeting_service.get_meeting(meeting_id)
    after = cursor_after(args, 2, meeting_item_reads.check_minute_key)
    entries = meeting_item_reads.minutes_after(meeting, after, args["limit"])
    return cursor_page(entries, args, size=2)


@blp.route(f"/meetings/<{ID}:meeting_id>/actions")
@blp.arguments(MeetingActionsQuery, location="query")
@blp.response(200, ActionItemSchema(many=True), headers=LINK_HEADER)
@read_docs(blp)
def list_meeting_actions(args: dict[str, Any], meeting_id: int) -> list[ActionItem]:
    """The action items opened or closed in a meeting, by id, in pages of ``limit``;
    when more follow, the ``Link`` header's ``rel="next"`` URL gives the next page."""
    meeting = meeting_service.get_meeting(meeting_id)
    after = cursor_after(args, 1, meeting_item_reads.check_action_key)
    entries = meeting_item_reads.actions_after(meeting, after, args["limit"])
    return cursor_page(entries, args, size=1)
