"""API: action items of a group: list, create, read, change, close, reopen, carry over
(services.actions).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from meetbot.models import (
    ActionItem,
    Person,
)
from meetbot.services import action_lists as action_lists_service
from meetbot.services import actions as action_service
from meetbot.services import groups as group_service
from meetbot.services import meetings as meeting_service
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    api_fields,
    guard,
    location,
    make_blueprint,
    read_docs,
    require_person,
    stream_id,
    write_docs,
)
from meetbot.web.api.fields import DATES
from meetbot.web.api.pages import PageArgs, page_schema, paginate
from meetbot.web.api.schemas import (
    ID,
    SLUG,
    ActionItemSchema,
    Strict,
    ident,
)
from meetbot.web.api.schemas import text as text_field

blp = make_blueprint("api_actions", "Action items.")


class ActionQuery(PageArgs):
    status = ma.fields.String(
        load_default="open", validate=ma.validate.OneOf(["open", "done", "dropped", "all"])
    )


class ActionCreate(Strict):
    text = text_field(5000, required=True, blank=False)
    owners = ma.fields.List(ident(), load_default=list, metadata={"description": "Person ids."})
    due_date = ma.fields.Date(allow_none=True, load_default=None, validate=DATES)
    work_stream = ma.fields.String(allow_none=True, load_default=None)
    meeting_id = ident(allow_none=True, load_default=None, metadata={"description": "Opened in."})


class ActionUpdate(Strict):
    text = text_field(5000)
    owners = ma.fields.List(ident(), metadata={"description": "Person ids (assign)."})
    due_date = ma.fields.Date(allow_none=True, validate=DATES)
    work_stream = ma.fields.String(allow_none=True)
    note = text_field(2000, load_default="")


class ActionClose(Strict):
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(["done", "dropped"]))
    meeting_id = ident(allow_none=True, load_default=None, metadata={"description": "Closed in."})
    note = text_field(2000, load_default="")


class ActionCarry(Strict):
    meeting_id = ident(required=True, metadata={"description": "The meeting that reviewed it."})
    note = text_field(2000, load_default="")


class ActionReopen(Strict):
    meeting_id = ident(allow_none=True, load_default=None)
    note = text_field(2000, load_default="")


def _meeting_or_none(meeting_id: int | None):
    return meeting_service.get_meeting(meeting_id) if meeting_id else None


def _action(action_id: int) -> ActionItem:
    return action_service.get_action(action_id)


def _guard_action(action_id: int) -> tuple[ActionItem, Person]:
    # @guard already checked the role; this returns the item and the actor.
    return _action(action_id), require_person()


_ACTION_FIELDS = {"owner_ids": "owners", "work_stream_id": "work_stream", "meeting": "meeting_id"}


@blp.route(f"/groups/<{SLUG}:group>/actions")
@blp.arguments(ActionQuery, location="query")
@blp.response(200, page_schema(ActionItemSchema, "ActionItemPage"))
@read_docs(blp)
def list_actions(args: dict[str, Any], group: str) -> dict[str, Any]:
    """A group's action items (``status``: open by default, or all)."""
    row = group_service.get_group(group)
    status = None if args["status"] == "all" else args["status"]
    return paginate(action_lists_service.group_actions(row, status=status), args)


@blp.route(f"/groups/<{SLUG}:group>/actions", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(ActionCreate)
@blp.response(201, ActionItemSchema)
@write_docs(blp)
def create_action(data: dict[str, Any], group: str):
    """Open an action item with owners, due date and work stream (chairs)."""
    row = group_service.get_group(group)
    with api_fields(**_ACTION_FIELDS):
        item = action_service.create_action(
            require_person(),
            row,
            text=data["text"],
            owner_ids=data["owners"],
            due_date=data["due_date"],
            work_stream_id=stream_id(row, data["work_stream"]),
            meeting=_meeting_or_none(data["meeting_id"]),
        )
    return item, 201, location("api_actions.get_action", action_id=item.id)


@blp.route(f"/actions/<{ID}:action_id>")
@blp.response(200, ActionItemSchema)
@read_docs(blp)
def get_action(action_id: int) -> ActionItem:
    """One action item."""
    return _action(action_id)


@blp.route(f"/actions/<{ID}:action_id>", methods=["PATCH"])
@guard(Permission.CHAIR)
@blp.arguments(ActionUpdate)
@blp.response(200, ActionItemSchema)
@write_docs(blp)
def update_action(data: dict[str, Any], action_id: int) -> ActionItem:
    """Edit or assign an action item (owners are people ids, never guessed)."""
    item, actor = _guard_action(action_id)
    with api_fields(**_ACTION_FIELDS):
        return action_service.update_action(
            actor,
            item,
            text=data.get("text", item.text),
            owner_ids=data.get("owners", [p.id for p in item.owners]),
            due_date=data.get("due_date", item.due_date),
            work_stream_id=stream_id(item.group, data["work_stream"])
            if "work_stream" in data
            else item.work_stream_id,
            note=data["note"],
        )


@blp.route(f"/actions/<{ID}:action_id>/close", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(ActionClose)
@blp.response(200, ActionItemSchema)
@write_docs(blp)
def close_action(data: dict[str, Any], action_id: int) -> ActionItem:
    """Close as done or dropped (optionally in a meeting). Repeating it changes nothing."""
    item, actor = _guard_action(action_id)
    with api_fields(**_ACTION_FIELDS):
        return action_service.close_action(
            actor,
            item,
            data["status"],
            meeting=_meeting_or_none(data["meeting_id"]),
            note=data["note"],
        )


@blp.route(f"/actions/<{ID}:action_id>/reopen", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(ActionReopen)
@blp.response(200, ActionItemSchema)
@write_docs(blp)
def reopen_action(data: dict[str, Any], action_id: int) -> ActionItem:
    """Reopen a closed item."""
    item, actor = _guard_action(action_id)
    with api_fields(**_ACTION_FIELDS):
        return action_service.reopen_action(
            actor, item, meeting=_meeting_or_none(data["meeting_id"]), note=data["note"]
        )


@blp.route(f"/actions/<{ID}:action_id>/carry-over", methods=["POST"])
@guard(Permission.CHAIR)
@blp.arguments(ActionCarry)
@blp.response(200, ActionItemSchema)
@write_docs(blp)
def carry_over(data: dict[str, Any], action_id: int) -> ActionItem:
    """Keep an open item open, reviewed in ``meeting_id`` (once per meeting)."""
    item, actor = _guard_action(action_id)
    with api_fields(**_ACTION_FIELDS):
        return action_service.carry_over(
            actor, item, meeting_service.get_meeting(data["meeting_id"]), note=data["note"]
        )
