"""Leaving cleanly: download one's data, delete one's account (issue 15, point 6)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ApiToken, Attendance, Membership, Person, PersonHandle, Role
from meetbot.services import accounts
from tests.conftest import TEST_PASSWORD


def test_export_is_a_json_download_of_ones_data(client, auth, create_user, create_group):
    ann = create_user("Ann", email="ann@example.org", handles=["annl"])
    create_group("edge", members={ann: Role.CHAIR})
    auth.login("ann@example.org")
    response = client.get("/settings/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    assert data["profile"]["email"] == "ann@example.org"
    assert data["handles"] == [{"handle": "annl", "kind": "irc"}]
    assert data["groups"] == [{"group": "edge", "role": "chair"}]


def test_delete_keeps_attendance_counts_and_shows_former_member(
    client, auth, create_user, create_group, create_meeting
):
    ann = create_user("Ann", email="ann@example.org", handles=["annl"])
    olga = create_user("Olga", email="olga@example.org")
    group = create_group("edge", members={ann: Role.MEMBER, olga: Role.ORGANIZER})
    meeting = create_meeting(group)
    db.session.add(Attendance(meeting=meeting, person=ann, source="roster"))
    db.session.commit()
    accounts.create_api_token(ann, "laptop")
    auth.login("ann@example.org")
    wrong = client.post("/settings/delete", data={"password": "not it at all"})
    assert wrong.status_code == 422
    assert b"That is not your password." in wrong.data
    response = client.post("/settings/delete", data={"password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get("/settings").status_code == 302  # logged out
    db.session.expire_all()
    person = db.session.get(Person, ann.id)
    assert person.display_name == "Former member"
    assert person.email is None and person.password_hash is None
    assert not person.is_active_account
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
    for model in (PersonHandle, ApiToken):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert (
        db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.person_id == ann.id)
        )
        == 0
    )
    assert accounts.authenticate("ann@example.org", TEST_PASSWORD) is None


def test_the_last_organizer_cannot_delete_their_account(client, auth, create_user, create_group):
    olga = create_user("Olga", email="olga@example.org")
    create_group("edge", name="Edge", members={olga: Role.ORGANIZER})
    auth.login("olga@example.org")
    response = client.post("/settings/delete", data={"password": TEST_PASSWORD})
    assert response.status_code == 422
    assert b"last organizer of Edge" in response.data
    db.session.expire_all()
    assert db.session.get(Person, olga.id).email == "olga@example.org"
