"""API: people (public fields; e-mail and zone only to admins and the person) and tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.models import ApiToken, Person, PersonHandle
from meetbot.services import accounts
from meetbot.services.errors import NotFound
from meetbot.web.api.common import (
    BEARER,
    PageArgs,
    make_blueprint,
    page_schema,
    paginate,
    read_docs,
    require_person,
    write_docs,
)
from meetbot.web.api.schemas import (
    ID,
    PeopleQuery,
    PersonSchema,
    TokenSchema,
)

blp = make_blueprint("api_people", "People (public fields only) and your API tokens.")


class PeopleListArgs(PageArgs, PeopleQuery):
    pass


@blp.route("/people")
@blp.arguments(PeopleListArgs, location="query")
@blp.response(200, page_schema(PersonSchema, "PersonPage"))
@read_docs(blp, not_found=False)
def list_people(args: dict[str, Any]) -> dict[str, Any]:
    """People by name; ``q`` filters by part of the name or a handle."""
    query = (
        select(Person)
        .options(selectinload(Person.handles))
        .order_by(Person.display_name, Person.id)
    )
    q = args["q"].strip().lower()
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        handle_match = select(PersonHandle.person_id).where(
            PersonHandle.handle.like(like, escape="\\")
        )
        query = query.where(
            or_(Person.display_name.ilike(like, escape="\\"), Person.id.in_(handle_match))
        )
    return paginate(query, args)


@blp.route("/people/me")
@blp.response(200, PersonSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.doc(security=BEARER)
def get_me() -> Person:
    """The owner of the token (with e-mail and zone)."""
    return require_person()


@blp.route(f"/people/<{ID}:person_id>")
@blp.response(200, PersonSchema)
@read_docs(blp)
def get_person(person_id: int) -> Person:
    """One person."""
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person {person_id}.")
    return person


@blp.route("/tokens")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(TokenSchema, "TokenPage"))
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.doc(security=BEARER)
def list_tokens(args: dict[str, int]) -> dict[str, Any]:
    """Your API tokens (never the secrets: only their hashes are stored)."""
    person = require_person()
    query = select(ApiToken).where(ApiToken.person_id == person.id).order_by(ApiToken.id)
    return paginate(query, args)


def _own_token(token_id: int) -> ApiToken:
    person = require_person()
    row = db.session.get(ApiToken, token_id)
    # Someone else's token is reported as absent, not forbidden: ids reveal nothing.
    if row is None or row.person_id != person.id:
        raise NotFound(f"No token {token_id}.")
    return row


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
