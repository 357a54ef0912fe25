"""API: people (public fields; e-mail and zone only to admins and the person) and tokens."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from meetbot.models import ApiToken
from meetbot.services import accounts, people_reads
from meetbot.web.api.common import (
    BEARER,
    api_person,
    make_blueprint,
    read_docs,
    require_person,
    write_docs,
)
from meetbot.web.api.fields import UTCDateTime
from meetbot.web.api.pages import PageArgs, page_schema, paginate
from meetbot.web.api.schemas import (
    ID,
    PeopleQuery,
    PersonAsSeen,
    PersonSchema,
)

# --- tokens ------------------------------------------------------------------------


class TokenSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    created_at = UTCDateTime(attribute="created_dt", required=True)
    last_used_at = UTCDateTime(attribute="last_used_dt", allow_none=True)
    revoked_at = UTCDateTime(attribute="revoked_dt", allow_none=True)


blp = make_blueprint("api_people", "People (public fields only) and your API tokens.")


class PeopleListArgs(PageArgs, PeopleQuery):
    pass


@blp.route("/people")
@blp.arguments(PeopleListArgs, location="query")
@blp.response(200, page_schema(PersonSchema, "PersonPage"))
@read_docs(blp, not_found=False)
def list_people(args: dict[str, Any]) -> dict[str, Any]:
    """People by name; ``q`` filters by part of the name or a handle."""
    page = paginate(people_reads.people_query(args["q"]), args)
    viewer = api_person()
    page["items"] = [PersonAsSeen(p, viewer) for p in page["items"]]
    return page


@blp.route("/people/me")
@blp.response(200, PersonSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.doc(security=BEARER)
def get_me() -> PersonAsSeen:
    """The owner of the token (with e-mail and zone)."""
    person = require_person()
    return PersonAsSeen(person, person)


@blp.route(f"/people/<{ID}:person_id>")
@blp.response(200, PersonSchema)
@read_docs(blp)
def get_person(person_id: int) -> PersonAsSeen:
    """One person."""
    return PersonAsSeen(people_reads.get_person(person_id), api_person())


@blp.route("/tokens")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(TokenSchema, "TokenPage"))
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.doc(security=BEARER)
def list_tokens(args: dict[str, int]) -> dict[str, Any]:
    """Your API tokens (never the secrets: only their hashes are stored)."""
    person = require_person()
    return paginate(people_reads.tokens_query(person), args)


def _own_token(token_id: int) -> ApiToken:
    return people_reads.own_token(require_person(), token_id)


@blp.route(f"/tokens/<{ID}:token_id>")
@blp.response(200, TokenSchema)
@read_docs(blp)
def get_token(token_id: int) -> ApiToken:
    """One of your tokens."""
    return _own_token(token_id)


@blp.route(f"/tokens/<{ID}:token_id>", methods=["DELETE"])
@blp.response(204)
@write_docs(blp)
def revoke_token(token_id: int) -> None:
    """Revoke one of your tokens (idempotent: revoking again changes nothing)."""
    row = _own_token(token_id)
    if not row.is_revoked:
        accounts.revoke_api_token(row, require_person())
