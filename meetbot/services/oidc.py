"""Single sign-on with OpenID Connect: which person a provider's login is.

The protocol (discovery, authorization code with PKCE, state and nonce, ID token
signature and claims) is Authlib's, in web/oidc.py; this module decides what a
validated login means:

1. an identity already linked (issuer + subject) logs in as its person;
2. otherwise, when the provider vouches for the address (``email_verified`` is true)
   and a person has it, the identity is linked to that person (an account, or someone
   known from attendance imports, who gets a login this way);
3. a verified address nobody has makes a new account (under the site's sign-up mode);
4. anything else is *pending*: the person is asked to log in to link it, or to make a
   new account without the unverified address.

``MEETBOT_OIDC_PROVIDERS`` is a JSON list of ``{"name", "title", "issuer",
"client_id", "client_secret"}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import ExternalIdentity, Person, utcnow
from meetbot.services import audit
from meetbot.services.accounts import find_person_by_email, normalize_email
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Conflict, Forbidden, ValidationError

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Provider:
    name: str
    title: str
    issuer: str
    client_id: str
    client_secret: str

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def parse_providers(value: Any) -> dict[str, Provider]:
    """The providers of ``MEETBOT_OIDC_PROVIDERS`` (JSON text or a list of dicts)."""
    if not value:
        return {}
    items = json.loads(value) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError("MEETBOT_OIDC_PROVIDERS must be a JSON list of providers")
    found: dict[str, Provider] = {}
    for number, item in enumerate(items, 1):
        missing = {"name", "issuer", "client_id", "client_secret"} - set(item or {})
        if missing:
            raise ValueError(f"MEETBOT_OIDC_PROVIDERS item {number}: missing {sorted(missing)}")
        name = str(item["name"])
        if not _NAME.match(name) or name in found:
            raise ValueError(f"MEETBOT_OIDC_PROVIDERS item {number}: bad or repeated name")
        found[name] = Provider(
            name=name,
            title=str(item.get("title") or name),
            issuer=str(item["issuer"]),
            client_id=str(item["client_id"]),
            client_secret=str(item["client_secret"]),
        )
    return found


class SsoFailed(Exception):
    """A provider's answer that is not a valid sign-in (expired, forged, no ID token)."""


@dataclass
class Claims:
    """What a validated login says (ID token, with the userinfo of the same subject)."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str

    @classmethod
    def from_token(cls, claims: dict[str, Any]) -> Claims:
        email = claims.get("email")
        try:
            email = normalize_email(email) if email else None
        except ValidationError:
            email = None
        name = " ".join(str(claims.get("name") or "").split())[:200]
        return cls(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"])[:255],
            email=email,
            email_verified=claims.get("email_verified") is True,
            name=name or (email.split("@")[0] if email else "New member"),
        )


def _identity(claims: Claims) -> ExternalIdentity | None:
    return db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == claims.issuer, ExternalIdentity.subject == claims.subject
        )
    )


def _link(provider: str, claims: Claims, person: Person) -> ExternalIdentity:
    row = ExternalIdentity(
        person=person,
        provider=provider,
        issuer=claims.issuer,
        subject=claims.subject,
        email=claims.email,
        last_login_dt=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(person, None, "person", person.id, "sso_linked", provider=provider)
    return row


def resolve(provider: str, claims: Claims, *, signup_mode: str) -> Person | None:
    """The person this login is (linking or making an account as above), or None
    when it is pending (the caller asks). Raises Forbidden for a disabled account."""
    with unit_of_work():
        row = _identity(claims)
        if row is not None:
            row.last_login_dt = utcnow()
            person = row.person
        elif claims.email and claims.email_verified:
            person = find_person_by_email(claims.email)
            if person is None:
                person = _new_account(claims, claims.email, signup_mode)
            _link(provider, claims, person)
        else:
            return None
        if not person.is_active_account:
            raise Forbidden("This account is disabled or waits for an admin's approval.")
        audit.record(person, None, "person", person.id, "sso_login", provider=provider)
    return person


def _new_account(claims: Claims, email: str | None, signup_mode: str) -> Person:
    if signup_mode == "invite":
        raise Forbidden("Accounts on this site are by invitation only.")
    person = Person(email=email, display_name=claims.name)
    person.is_active_account = signup_mode != "approval"
    db.session.add(person)
    db.session.flush()
    audit.record(person, None, "person", person.id, "account_created", via="sso")
    return person


def link_to(person: Person, provider: str, claims: Claims) -> None:
    """Link a pending identity to the logged-in ``person`` (they proved both)."""
    with unit_of_work():
        row = _identity(claims)
        if row is not None and row.person_id != person.id:
            raise Conflict("This sign-in is linked to another account already.")
        if row is None:
            _link(provider, claims, person)


def new_account(provider: str, claims: Claims, *, signup_mode: str) -> Person:
    """A new account for a pending identity; an unverified address is not kept."""
    with unit_of_work():
        if _identity(claims) is not None:
            raise Conflict("This sign-in is linked to an account already: log in with it.")
        person = _new_account(claims, None, signup_mode)
        _link(provider, claims, person)
    return person


def identities(person: Person) -> list[ExternalIdentity]:
    return list(
        db.session.scalars(
            select(ExternalIdentity)
            .where(ExternalIdentity.person_id == person.id)
            .order_by(ExternalIdentity.id)
        )
    )
