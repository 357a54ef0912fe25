"""Sign-up with a mailed verification link (issue 15, point 1)."""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import AccountToken, Membership, Person
from meetbot.services import account_tokens
from tests.accounts.mailbox import link_in, mails_to
from tests.conftest import TEST_PASSWORD

GOOD = "lantern otter quietly 42"


def _signup(client, email="new@example.org", name="New Person", password=GOOD, join=""):
    return client.post(
        "/signup",
        data={"email": email, "display_name": name, "password": password, "join": join},
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_signup_mails_a_link_that_makes_the_account_once(client) -> None:
    response = _signup(client)
    assert response.status_code == 200
    assert b"Check your mail" in response.data
    assert db.session.scalar(select(Person).where(Person.email == "new@example.org")) is None
    [(kind, text)] = mails_to("new@example.org")
    assert kind == "signup"
    path = link_in(text)
    assert client.get(path).status_code == 200  # a GET (a mail scanner) spends nothing
    response = client.post(path)
    assert response.status_code == 302
    person = db.session.scalar(select(Person).where(Person.email == "new@example.org"))
    assert person.display_name == "New Person" and person.can_login
    assert client.get("/settings").status_code == 200  # logged in
    client.post("/logout")
    again = client.post(path)
    assert again.status_code == 400
    assert b"used already or has expired" in again.data


def test_only_a_keyed_hash_of_the_token_is_stored(client) -> None:
    _signup(client)
    token = link_in(mails_to("new@example.org")[0][1]).rsplit("/", 1)[1]
    row = db.session.scalar(select(AccountToken))
    assert token not in row.token_hash
    assert row.token_hash == account_tokens.token_hash("signup", token)
    assert row.password_hash and GOOD not in row.password_hash


def test_the_same_answer_for_an_address_with_an_account(client, create_user) -> None:
    create_user("Olga", email="olga@example.org")
    taken = _signup(client, email="olga@example.org")
    fresh = _signup(client, email="fresh@example.org")
    assert taken.status_code == fresh.status_code == 200
    assert taken.data.replace(b"olga@example.org", b"X") == fresh.data.replace(
        b"fresh@example.org", b"X"
    )
    [(kind, text)] = mails_to("olga@example.org")
    assert kind == "signup_exists"
    assert "already have an account" in text
    assert _count(AccountToken) == 1  # only the fresh address got a token


def test_the_link_expires_after_a_day(client) -> None:
    with time_machine.travel("2026-12-06 12:00Z", tick=False) as clock:
        _signup(client)
        path = link_in(mails_to("new@example.org")[0][1])
        clock.move_to("2026-12-07 12:00:01Z")
        response = client.post(path)
    assert response.status_code == 400
    assert db.session.scalar(select(Person).where(Person.email == "new@example.org")) is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", b"at least 10 characters"),
        ("password1234", b"too easy to guess"),
        ("newperson2026", b"too easy to guess"),  # the person's own name
    ],
)
def test_weak_passwords_are_refused_beside_the_field(client, password, message) -> None:
    response = _signup(client, password=password)
    assert response.status_code == 422
    assert message in response.data
    assert b'id="password-err"' in response.data
    assert _count(AccountToken) == 0


def test_a_person_known_from_imports_gets_the_login_not_a_twin(client, create_person) -> None:
    known = create_person("Ann Lee", email="ann@example.org")
    _signup(client, email="ann@example.org", name="Ann Lee")
    client.post(link_in(mails_to("ann@example.org")[0][1]))
    assert _count(Person) == 1
    db.session.refresh(known)
    assert known.can_login


def test_signup_from_a_group_page_joins_the_group(client, create_group) -> None:
    group = create_group("edge", name="Edge")
    page = client.get("/groups/edge/")
    assert b"/signup?join=edge" in page.data
    assert b"/login?join=edge" in page.data
    _signup(client, join="edge")
    response = client.post(link_in(mails_to("new@example.org")[0][1]))
    assert response.headers["Location"] == "/groups/edge/"
    person = db.session.scalar(select(Person).where(Person.email == "new@example.org"))
    assert db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.person_id == person.id)
    )


def test_mails_to_one_address_are_limited_per_hour(client) -> None:
    for _ in range(account_tokens.MAILS_PER_HOUR + 2):
        assert _signup(client).status_code == 200
    assert len(mails_to("new@example.org")) == account_tokens.MAILS_PER_HOUR


def test_log_in_to_join_comes_back_joined(client, create_user, create_group) -> None:
    create_user("Olga", email="olga@example.org")
    group = create_group("edge")
    response = client.post(
        "/login?join=edge", data={"email": "olga@example.org", "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/groups/edge/"
    assert len(group.memberships) == 1


@pytest.fixture
def app_config(app_config, request):
    mode = getattr(request, "param", None)
    return {**app_config, "MEETBOT_SIGNUP": mode} if mode else app_config


@pytest.mark.parametrize("app_config", ["invite"], indirect=True)
def test_invitation_only_sites_refuse_signup(client) -> None:
    assert client.get("/signup").status_code == 403
    assert _signup(client).status_code == 403
    assert _count(AccountToken) == 0


@pytest.mark.parametrize("app_config", ["approval"], indirect=True)
def test_approval_sites_make_a_disabled_account(client) -> None:
    _signup(client)
    response = client.post(link_in(mails_to("new@example.org")[0][1]))
    assert response.status_code == 200
    assert b"approval" in response.data
    person = db.session.scalar(select(Person).where(Person.email == "new@example.org"))
    assert person.is_active_account is False
    assert client.get("/settings").status_code == 302  # not logged in
