"""Single sign-on decisions (services.oidc) and the pending-link page; the protocol
itself runs against a real provider in tests/browser/test_sso_browser.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import AccountToken, ExternalIdentity, Person
from meetbot.services import oidc
from meetbot.services.errors import Forbidden
from tests.conftest import TEST_PASSWORD

ISSUER = "http://127.0.0.1:9999"


def _claims(email="ann@example.org", verified=True, sub="s-1") -> oidc.Claims:
    return oidc.Claims.from_token(
        {"iss": ISSUER, "sub": sub, "email": email, "email_verified": verified, "name": "Ann X"}
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_verified_address_links_to_its_account(app, create_user) -> None:
    ann = create_user("Ann", email="ann@example.org")
    assert oidc.resolve("p", _claims(), signup_mode="open") == ann
    assert oidc.resolve("p", _claims(), signup_mode="open") == ann  # by the identity now
    assert _count(ExternalIdentity) == 1 and _count(Person) == 1


def test_an_unverified_address_never_links(app, create_user) -> None:
    create_user("Ann", email="ann@example.org")
    assert oidc.resolve("p", _claims(verified=False), signup_mode="open") is None
    assert oidc.resolve("p", _claims(verified="true"), signup_mode="open") is None  # not True
    assert _count(ExternalIdentity) == 0


def test_a_new_verified_address_makes_an_account_unless_invitation_only(app) -> None:
    with pytest.raises(Forbidden):
        oidc.resolve("p", _claims(), signup_mode="invite")
    assert _count(Person) == 0
    person = oidc.resolve("p", _claims(), signup_mode="open")
    assert person.email == "ann@example.org" and person.password_hash is None


def test_approval_sites_make_a_disabled_account(app) -> None:
    with pytest.raises(Forbidden):
        oidc.resolve("p", _claims(), signup_mode="approval")


def test_parse_providers_names_the_bad_item() -> None:
    good = [{"name": "openinfra", "issuer": "https://id.example", "client_id": "c"}]
    good[0]["client_secret"] = "s"
    assert oidc.parse_providers(good)["openinfra"].metadata_url == (
        "https://id.example/.well-known/openid-configuration"
    )
    with pytest.raises(ValueError, match="item 1: missing"):
        oidc.parse_providers('[{"name": "x"}]')


@pytest.fixture
def app_config(app_config, request):
    return {
        **app_config,
        **getattr(request, "param", {}),
        "MEETBOT_OIDC_PROVIDERS": '[{"name": "p", "title": "P ID", "issuer": "'
        + ISSUER
        + '", "client_id": "c", "client_secret": "s"}]',
    }


def _pending(client, claims: oidc.Claims) -> None:
    with client.session_transaction() as session:
        session["oidc_pending"] = {"provider": "p", **claims.__dict__}


def test_pending_sign_in_is_linked_after_a_password_login(client, auth, create_user) -> None:
    ann = create_user("Ann", email="ann@example.org")
    _pending(client, _claims(verified=False))
    page = client.get("/sso/pending")
    assert b"did not confirm" in page.data
    assert client.post("/sso/pending/link").headers["Location"].startswith("/login")
    auth.login("ann@example.org", TEST_PASSWORD)
    assert client.post("/sso/pending/link").status_code == 302
    identity = db.session.scalar(select(ExternalIdentity))
    assert identity.person_id == ann.id


def test_pending_sign_in_can_make_an_account_without_the_unverified_address(client) -> None:
    _pending(client, _claims(email="someone@example.org", verified=False))
    assert client.post("/sso/pending/new").status_code == 302
    person = db.session.scalar(select(Person))
    assert person.email is None and person.display_name == "Ann X"
    assert client.get("/settings").status_code == 200


def test_the_login_page_offers_the_providers(client) -> None:
    page = client.get("/login?join=edge")
    assert b"Log in with P ID" in page.data
    assert b"/sso/p/login?next=&amp;join=edge" in page.data


@pytest.mark.parametrize("app_config", [{"MEETBOT_PASSWORD_LOGIN": False}], indirect=True)
def test_password_login_can_be_switched_off(client, create_user, app_config) -> None:
    create_user("Ann", email="ann@example.org")
    response = client.post("/login", data={"email": "ann@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert b"use single sign-on" in response.data
    assert client.get("/settings").status_code == 302
    assert client.get("/signup").status_code == 403
    refused = client.post("/password-reset", data={"email": "ann@example.org"})
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0
