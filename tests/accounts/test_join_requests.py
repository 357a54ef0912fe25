"""Groups whose organizers approve new members (issue 15, point 3)."""

from __future__ import annotations

from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import JoinRequest, Membership, Role
from tests.accounts.mailbox import mails_to
from tests.conftest import TEST_PASSWORD


def _members(group) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.group_id == group.id)
    )


def test_join_asks_and_an_organizer_approves(client, auth, create_user, create_group):
    olga = create_user("Olga", email="olga@example.org")
    create_user("Ann", email="ann@example.org")
    group = create_group("edge", name="Edge", members={olga: Role.ORGANIZER})
    auth.login("olga@example.org")
    client.post("/groups/edge/join-approval", data={"value": "1"})
    auth.logout()
    auth.login("ann@example.org")
    assert b"Ask to join this group" in client.get("/groups/edge/").data
    client.post("/groups/edge/join")
    assert _members(group) == 1  # not yet
    [(kind, _)] = mails_to("olga@example.org")
    assert kind == "join_request"
    client.post("/groups/edge/join")  # asking twice is one request
    assert db.session.scalar(select(func.count()).select_from(JoinRequest)) == 1
    auth.logout()
    auth.login("olga@example.org")
    row = db.session.scalar(select(JoinRequest))
    assert b'data-request="Ann"' in client.get("/groups/edge/invitations").data
    client.post(f"/groups/edge/join-requests/{row.id}/approve")
    assert _members(group) == 2
    assert db.session.scalar(select(func.count()).select_from(JoinRequest)) == 0


def test_the_api_cannot_skip_the_approval(client, create_user, create_group):
    from meetbot.services import accounts

    olga = create_user("Olga", email="olga@example.org")
    ann = create_user("Ann", email="ann@example.org")
    group = create_group("edge", members={olga: Role.ORGANIZER}, join_needs_approval=True)
    token = accounts.create_api_token(ann)
    response = client.post("/api/v1/groups/edge/join", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert _members(group) == 1


def test_logging_in_to_join_an_approval_group_asks(client, create_user, create_group):
    olga = create_user("Olga", email="olga@example.org")
    create_user("Ann", email="ann@example.org")
    group = create_group("edge", members={olga: Role.ORGANIZER}, join_needs_approval=True)
    client.post("/login?join=edge", data={"email": "ann@example.org", "password": TEST_PASSWORD})
    assert _members(group) == 1
    assert db.session.scalar(select(func.count()).select_from(JoinRequest)) == 1
