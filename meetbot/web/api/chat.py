"""API: the chat channels mapped to a group (organizers only), as on the group's chat
page. Networks, which hold a password, are set on the page only."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from meetbot.services import chat_settings
from meetbot.services import groups as group_service
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    guard,
    location,
    make_blueprint,
    read_docs,
    require_person,
    write_docs,
)
from meetbot.web.api.fields import UTCDateTime
from meetbot.web.api.pages import PageArgs, page_schema, paginate
from meetbot.web.api.schemas import ID, SLUG, Strict, ident, text

blp = make_blueprint("api_chat", "Chat channels mapped to a group (the meeting bot).")


class ChatChannelSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    network = ma.fields.String(required=True, metadata={"example": "ircs://irc.oftc.net:6697"})
    channel = ma.fields.String(required=True, metadata={"example": "#edge-computing"})
    series_id = ma.fields.Integer(allow_none=True)
    live_meeting_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The meeting running in the channel now."}
    )
    created_at = UTCDateTime(attribute="created_dt", required=True)


class ChatChannelCreateSchema(Strict):
    network = text(
        200,
        required=True,
        metadata={"description": "The server URL of one of the group's networks."},
    )
    channel = text(50, required=True)
    series_id = ident(load_default=None, allow_none=True)


@blp.route(f"/groups/<{SLUG}:group>/chat-channels")
@guard(Permission.EDIT_GROUP)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(ChatChannelSchema, "ChatChannelPage"))
@read_docs(blp, token_required=True)
def list_chat_channels(args: dict[str, int], group: str) -> dict[str, Any]:
    """The channels mapped to the group (organizers)."""
    return paginate(chat_settings.mappings(group_service.get_group(group)), args)


@blp.route(f"/groups/<{SLUG}:group>/chat-channels", methods=["POST"])
@guard(Permission.EDIT_GROUP)
@blp.arguments(ChatChannelCreateSchema)
@blp.response(201, ChatChannelSchema)
@write_docs(blp)
def create_chat_channel(data: dict[str, Any], group: str):
    """Map a channel of one of the group's networks to the group (or one of its
    series). The bot joins it within 10 seconds."""
    row = group_service.get_group(group)
    mapping = chat_settings.map_channel_on(
        require_person(), row, server=data["network"], channel=data["channel"],
        series_id=data["series_id"],
    )  # fmt: skip
    return mapping, 201, location("api_chat.list_chat_channels", group=row.slug)


@blp.route(f"/groups/<{SLUG}:group>/chat-channels/<{ID}:mapping_id>", methods=["DELETE"])
@guard(Permission.EDIT_GROUP)
@blp.response(204)
@write_docs(blp)
def delete_chat_channel(group: str, mapping_id: int) -> None:
    """Remove a mapping (refused while a meeting runs there). Idempotent: a mapping
    that is gone is a 204."""
    row = group_service.get_group(group)
    if any(m.id == mapping_id for m in chat_settings.mappings(row)):
        chat_settings.unmap_channel(require_person(), row, mapping_id)
