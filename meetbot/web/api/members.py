"""API: a group's members and their roles; joining and leaving a group.

Thin: the rules (already a member, the last organizer, e-mail matching) are in
services.groups, exactly as the members page uses them.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response

from meetbot.models import Membership, Role
from meetbot.services import groups as group_service
from meetbot.services import members as member_service
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    api_fields,
    guard,
    location,
    make_blueprint,
    read_docs,
    require_person,
    write_docs,
)
from meetbot.web.api.fields import UTCDateTime
from meetbot.web.api.pages import PageArgs, page_schema, paginate
from meetbot.web.api.schemas import ID, SLUG, PersonRefSchema, Strict, ident, text

blp = make_blueprint("api_members", "A group's members and roles; join and leave a group.")

ROLES = [r.value for r in Role]


class MemberPersonSchema(PersonRefSchema):
    organization = ma.fields.String(allow_none=True, required=True)


class MemberSchema(ma.Schema):
    person = ma.fields.Nested(MemberPersonSchema, required=True)
    role = ma.fields.String(required=True, metadata={"enum": ROLES})
    since = UTCDateTime(attribute="created_dt", required=True)


class MemberCreateSchema(Strict):
    person_id = ident(metadata={"description": "An existing person (or give ``email``)."})
    email = text(
        320,
        metadata={
            "description": "The person with this address; if nobody has it, a new person "
            "is made with ``name`` and ``organization``. ``name`` is required with "
            "``email`` either way, so the answer never tells whose address it is."
        },
    )
    name = text(200, load_default="")
    organization = text(200, allow_none=True, load_default=None)
    role = ma.fields.String(load_default=Role.MEMBER, validate=ma.validate.OneOf(ROLES))

    @ma.validates_schema
    def _one_way(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("person_id" in data) == ("email" in data):
            raise ma.ValidationError("Give either person_id or email.", "person_id")


class MemberUpdateSchema(Strict):
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))


def _member_location(group: str, person_id: int) -> dict[str, str]:
    return location("api_members.get_member", group=group, person_id=person_id)


@blp.route(f"/groups/<{SLUG}:group>/members")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(MemberSchema, "MemberPage"))
@read_docs(blp)
def list_members(args: dict[str, int], group: str) -> dict[str, Any]:
    """Everyone in the group with role and organization, by name (public)."""
    return paginate(member_service.members_query(group_service.get_group(group)), args)


@blp.route(f"/groups/<{SLUG}:group>/members", methods=["POST"])
@guard(Permission.EDIT_GROUP)
@blp.arguments(MemberCreateSchema)
@blp.response(201, MemberSchema)
@write_docs(blp, conflict=True)
def add_member(data: dict[str, Any], group: str):
    """Add a person by id, or by e-mail with ``name`` (creating them when the address
    is new), with a role (organizers). Someone already in the group: 409."""
    row = group_service.get_group(group)
    with api_fields():
        person, _ = member_service.add_member(require_person(), row, **data)
    membership = member_service.get_membership(row, person.id)
    return membership, 201, _member_location(row.slug, person.id)


@blp.route(f"/groups/<{SLUG}:group>/members/<{ID}:person_id>")
@blp.response(200, MemberSchema)
@read_docs(blp)
def get_member(group: str, person_id: int) -> Membership:
    """One member's role (404 for someone not in the group)."""
    return member_service.get_membership(group_service.get_group(group), person_id)


@blp.route(f"/groups/<{SLUG}:group>/members/<{ID}:person_id>", methods=["PATCH"])
@guard(Permission.EDIT_GROUP)
@blp.arguments(MemberUpdateSchema)
@blp.response(200, MemberSchema)
@write_docs(blp, conflict=True)
def change_role(data: dict[str, Any], group: str, person_id: int) -> Membership:
    """Change a member's role (organizers). Demoting the last organizer: 409."""
    row = group_service.get_group(group)
    member_service.get_membership(row, person_id)  # 404 before anything else
    member_service.change_role(require_person(), row, person_id, data["role"])
    return member_service.get_membership(row, person_id)


@blp.route(f"/groups/<{SLUG}:group>/members/<{ID}:person_id>", methods=["DELETE"])
@guard(Permission.EDIT_GROUP)
@blp.response(204)
@write_docs(blp, conflict=True)
def remove_member(group: str, person_id: int) -> None:
    """Remove a member (organizers). Idempotent: someone not in the group is a 204.
    Removing the last organizer: 409."""
    member_service.remove_member(require_person(), group_service.get_group(group), person_id)


@blp.route(f"/groups/<{SLUG}:group>/join", methods=["POST"])
@blp.response(201, MemberSchema, description="Joined: the new membership.")
@blp.alt_response(
    200, schema=MemberSchema, description="Already in the group: unchanged.", success=True
)
@write_docs(blp, conflict=True)
def join(group: str):
    """The token's owner joins the group as a member. Someone already in it keeps
    their role (200)."""
    row = group_service.get_group(group)
    person = require_person()
    _, joined = member_service.join_group(person, row)
    membership = member_service.get_membership(row, person.id)
    if joined:
        return membership, 201, _member_location(row.slug, person.id)
    return membership, 200


@blp.route(f"/groups/<{SLUG}:group>/leave", methods=["POST"])
@blp.response(204)
@write_docs(blp, conflict=True)
def leave(group: str) -> Response | None:
    """The token's owner leaves the group (204 also when they were not in it). The
    last organizer cannot leave: 409."""
    member_service.leave_group(require_person(), group_service.get_group(group))
    return None
