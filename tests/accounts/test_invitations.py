"""Invitations (issue 15, point 2)."""

from __future__ import annotations

import time_machine
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import AccountToken, Membership, Person, Role
from tests.accounts.mailbox import link_in, mails_to
from tests.conftest import TEST_PASSWORD

GOOD = "lantern otter quietly 42"


def _world(create_user, create_group):
    olga = create_user("Olga", email="olga@example.org")
    group = create_group("edge", name="Edge", members={olga: Role.ORGANIZER})
    return olga, group


def _invite(client, text, role="member"):
    return client.post("/groups/edge/invitations", data={"addresses": text, "role": role})


def _role(group, email):
    person = db.session.scalar(select(Person).where(Person.email == email))
    return db.session.scalar(
        select(Membership.role).where(
            Membership.group_id == group.id, Membership.person_id == person.id
        )
    )


def test_a_new_person_accepts_makes_an_account_and_joins(client, auth, create_user, create_group):
    _, group = _world(create_user, create_group)
    auth.login("olga@example.org")
    response = _invite(client, "Ann Lee <Ann@Example.org>\nbob@example.org\n", role="chair")
    assert response.status_code == 302
    [(kind, text)] = mails_to("ann@example.org")
    assert kind == "invitation" and "Edge" in text
    assert len(mails_to("bob@example.org")) == 1
    auth.logout()
    path = link_in(text)
    page = client.get(path)
    assert b"Ann Lee" in page.data  # the pasted name is proposed
    response = client.post(path, data={"display_name": "Ann Lee", "password": GOOD})
    assert response.headers["Location"] == "/groups/edge/"
    assert _role(group, "ann@example.org") == "chair"
    assert client.get("/settings").status_code == 200
    assert client.post(path, data={"display_name": "Ann", "password": GOOD}).status_code == 400


def test_a_person_known_from_imports_is_linked_not_duplicated(
    client, auth, create_user, create_group, create_person
):
    _, group = _world(create_user, create_group)
    known = create_person("Carla Csv", email="carla@example.org")
    auth.login("olga@example.org")
    _invite(client, "carla@example.org")
    auth.logout()
    client.post(
        link_in(mails_to("carla@example.org")[0][1]),
        data={"display_name": "Carla Csv", "password": GOOD},
    )
    assert db.session.scalar(select(func.count()).select_from(Person)) == 2
    db.session.refresh(known)
    assert known.can_login
    assert _role(group, "carla@example.org") == "member"


def test_an_existing_account_must_log_in_to_accept(client, auth, create_user, create_group):
    _, group = _world(create_user, create_group)
    create_user("Dan", email="dan@example.org")
    auth.login("olga@example.org")
    _invite(client, "dan@example.org")
    path = link_in(mails_to("dan@example.org")[0][1])
    refused = client.post(path, data={})  # Olga, not Dan
    assert refused.status_code == 422
    assert b"Log in as dan@example.org" in refused.data
    auth.logout()
    auth.login("dan@example.org")
    assert client.post(path, data={}).status_code == 302
    assert _role(group, "dan@example.org") == "member"


def test_bad_lines_are_named_and_nothing_is_sent(client, auth, create_user, create_group):
    _world(create_user, create_group)
    auth.login("olga@example.org")
    response = _invite(client, "ann@example.org\nnot an address\n")
    assert response.status_code == 422
    assert b"line 2: &#39;not an address&#39; is not an e-mail address" in response.data
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0


def test_resend_replaces_the_link_and_revoke_ends_it(client, auth, create_user, create_group):
    _world(create_user, create_group)
    auth.login("olga@example.org")
    _invite(client, "ann@example.org")
    row = db.session.scalar(select(AccountToken))
    client.post(f"/groups/edge/invitations/{row.id}/resend")
    first, second = (link_in(text) for _, text in mails_to("ann@example.org"))
    listing = client.get("/groups/edge/invitations").data
    assert listing.count(b'data-status="revoked"') == 1
    assert listing.count(b'data-status="pending"') == 1
    auth.logout()
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200
    auth.login("olga@example.org")
    newest = db.session.scalar(select(AccountToken).order_by(AccountToken.id.desc()))
    client.post(f"/groups/edge/invitations/{newest.id}/revoke")
    auth.logout()
    assert client.get(second).status_code == 400


def test_invitations_expire_after_two_weeks(client, auth, create_user, create_group):
    _world(create_user, create_group)
    with time_machine.travel("2026-12-06 12:00Z", tick=False) as clock:
        auth.login("olga@example.org")
        _invite(client, "ann@example.org")
        auth.logout()
        path = link_in(mails_to("ann@example.org")[0][1])
        clock.move_to("2026-12-20 12:00:01Z")
        assert client.get(path).status_code == 400
        auth.login("olga@example.org")
        assert b'data-status="expired"' in client.get("/groups/edge/invitations").data


def test_members_cannot_invite(client, auth, create_user, create_group):
    _, group = _world(create_user, create_group)
    mia = create_user("Mia", email="mia@example.org")
    db.session.add(Membership(group=group, person=mia, role="member"))
    db.session.commit()
    auth.login("mia@example.org", TEST_PASSWORD)
    assert _invite(client, "ann@example.org").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0


def test_logged_in_as_someone_else_a_new_address_is_refused(
    client, auth, create_user, create_group
):
    _world(create_user, create_group)
    auth.login("olga@example.org")
    _invite(client, "ann@example.org")
    path = link_in(mails_to("ann@example.org")[0][1])
    response = client.post(path, data={"display_name": "Ann", "password": GOOD})
    assert response.status_code == 422
    assert b"log out to accept it" in response.data
    assert db.session.scalar(select(Person).where(Person.email == "ann@example.org")) is None
