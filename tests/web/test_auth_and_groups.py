"""Log-in, roles and the groups and work streams pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import AuditEntry, Group, Membership, Role, WorkStream
from meetbot.services import accounts
from meetbot.services.permissions import Permission, may
from tests.conftest import TEST_PASSWORD


def test_login_logout(client, auth, create_user) -> None:
    create_user("Ada", email="ada@example.org")
    response = auth.login("ADA@example.org")
    assert response.status_code == 302
    assert "Ada" in client.get("/groups/").get_data(as_text=True)
    auth.logout()
    assert "Log in" in client.get("/groups/").get_data(as_text=True)


def test_wrong_password_and_unknown_user_same_message(client, auth, create_user) -> None:
    create_user("Ada", email="ada@example.org")
    wrong = auth.login("ada@example.org", "nope-nope")
    unknown = auth.login("who@example.org", "nope-nope")
    assert wrong.status_code == unknown.status_code == 422
    assert "Wrong e-mail or password." in wrong.get_data(as_text=True)
    assert "Wrong e-mail or password." in unknown.get_data(as_text=True)


def test_login_next_is_not_an_open_redirect(client, auth, create_user) -> None:
    create_user(email="ada@example.org")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "ada@example.org", "password": TEST_PASSWORD},
    )
    assert response.headers["Location"] == "/me/"  # home, never the other site


def test_password_is_hashed(create_user) -> None:
    person = create_user(email="ada@example.org")
    assert TEST_PASSWORD not in (person.password_hash or "")


def test_create_group_makes_creator_organizer(client, auth, create_user) -> None:
    ada = create_user(email="ada@example.org")
    auth.login("ada@example.org")
    response = client.post(
        "/groups/new",
        data={
            "slug": "edge",
            "name": "Edge",
            "timezone": "Europe/Berlin",
            "attendance_threshold": 25,
            "attendance_window": 10,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    group = db.session.scalar(select(Group).where(Group.slug == "edge"))
    assert group.timezone == "Europe/Berlin"
    role = db.session.scalar(select(Membership.role).where(Membership.person_id == ada.id))
    assert role == "organizer"
    assert db.session.scalar(select(func.count(AuditEntry.id))) >= 1


def test_duplicate_slug_is_a_form_error(client, auth, create_user, create_group) -> None:
    create_group(slug="edge")
    create_user(email="ada@example.org")
    auth.login("ada@example.org")
    response = client.post("/groups/new", data={"slug": "edge", "name": "Again", "timezone": "UTC"})
    assert response.status_code == 422
    assert "already taken" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Group.id))) == 1


def test_bad_timezone_is_a_form_error(client, auth, create_user) -> None:
    create_user(email="ada@example.org")
    auth.login("ada@example.org")
    response = client.post("/groups/new", data={"slug": "x", "name": "X", "timezone": "Mars/Base"})
    assert response.status_code == 422
    assert "IANA" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Group.id))) == 0


def test_unknown_group_and_stream_are_404(client, create_group) -> None:
    create_group(slug="edge")
    assert client.get("/groups/nope/").status_code == 404
    assert client.get("/groups/edge/streams/nope/").status_code == 404


def test_member_cannot_edit_group(client, auth, create_user, create_group) -> None:
    member = create_user(email="m@example.org")
    group = create_group(slug="edge", name="Edge", members={member: Role.MEMBER})
    auth.login("m@example.org")
    assert client.get("/groups/edge/edit").status_code == 403
    response = client.post("/groups/edge/edit", data={"name": "Hijacked", "timezone": "UTC"})
    assert response.status_code == 403
    db.session.refresh(group)
    assert group.name == "Edge"


def test_anonymous_edit_redirects_to_login(client, create_group) -> None:
    create_group(slug="edge")
    response = client.get("/groups/edge/edit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/groups/edge/edit", data={"name": "X"}).status_code == 401


def test_organizer_edits_group_and_streams(client, auth, create_user, create_group) -> None:
    org = create_user(email="o@example.org")
    lead = create_user("Lead Person", email="lead@example.org")
    group = create_group(slug="edge", members={org: Role.ORGANIZER, lead: Role.MEMBER})
    revision = group.revision
    auth.login("o@example.org")
    response = client.post(
        "/groups/edge/edit",
        data={
            "slug": "ignored",
            "name": "Edge Computing",
            "timezone": "UTC",
            "mailing_list": "edge@lists.example.org",
            "attendance_threshold": 30,
            "attendance_window": 5,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(group)
    assert (group.slug, group.name, group.attendance_threshold) == ("edge", "Edge Computing", 30)
    assert group.revision > revision

    response = client.post(
        "/groups/edge/streams/new",
        data={
            "slug": "gap-analysis",
            "name": "Gap analysis",
            "status": "active",
            "leads": [lead.id],
        },
    )
    assert response.status_code == 302
    stream = db.session.scalar(select(WorkStream))
    assert [p.display_name for p in stream.leads] == ["Lead Person"]
    page = client.get("/groups/edge/streams/gap-analysis/").get_data(as_text=True)
    assert "Gap analysis" in page and "Lead Person" in page

    dup = client.post(
        "/groups/edge/streams/new",
        data={"slug": "gap-analysis", "name": "Again", "status": "active"},
    )
    assert dup.status_code == 422 and "already has" in dup.get_data(as_text=True)
    response = client.post(
        "/groups/edge/streams/gap-analysis/edit",
        data={
            "name": "Gap analysis v2",
            "status": "completed",
        },
    )
    assert response.status_code == 302
    db.session.refresh(stream)
    assert (stream.name, stream.status, stream.leads) == ("Gap analysis v2", "completed", [])


def test_group_page_shows_description_sanitized(client, create_group) -> None:
    create_group(slug="edge", description="**bold** <script>alert(1)</script>")
    page = client.get("/groups/edge/").get_data(as_text=True)
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize(
    "role,expected",
    [
        (
            None,
            {Permission.EDIT_GROUP: False, Permission.CHAIR: False, Permission.PARTICIPATE: False},
        ),
        (
            Role.MEMBER,
            {Permission.EDIT_GROUP: False, Permission.CHAIR: False, Permission.PARTICIPATE: True},
        ),
        (
            Role.CHAIR,
            {Permission.EDIT_GROUP: False, Permission.CHAIR: True, Permission.PARTICIPATE: True},
        ),
        (
            Role.ORGANIZER,
            {Permission.EDIT_GROUP: True, Permission.CHAIR: True, Permission.PARTICIPATE: True},
        ),
    ],
)
def test_permission_matrix(create_user, create_group, role, expected) -> None:
    person = create_user()
    group = create_group(members={person: role} if role else {})
    other = create_group(members={person: Role.ORGANIZER})
    for permission, allowed in expected.items():
        assert may(person, permission, group) is allowed, permission
    assert may(person, Permission.EDIT_GROUP, other)


def test_series_chair_may_chair_only_that_series(create_user, create_group, create_series) -> None:
    person = create_user()
    group = create_group(members={person: Role.MEMBER})
    chaired = create_series(group, chairs=[person])
    other = create_series(group)
    assert may(person, Permission.CHAIR, group, series=chaired)
    assert not may(person, Permission.CHAIR, group, series=other)
    assert not may(person, Permission.MANAGE_SERIES, group, series=chaired)


def test_admin_may_everything(create_user, create_group) -> None:
    admin = create_user(admin=True)
    group = create_group()
    assert all(may(admin, p, group) for p in Permission)


def test_csrf_required_on_posts(database_url, db_backend, create_user) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "k",
            "RATELIMIT_ENABLED": False,
        }
    )
    create_user(email="ada@example.org")
    client = app.test_client()
    response = client.post("/login", data={"email": "ada@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_feed_token_revocable(app, create_person) -> None:
    person = create_person()
    token = accounts.feed_token(person, "k")
    assert accounts.person_for_feed_token(token, "k") == person
    assert (
        accounts.person_for_feed_token(token[:-1] + ("A" if token[-1] != "A" else "B"), "k") is None
    )
    assert accounts.person_for_feed_token(token, "other-key") is None
    accounts.revoke_feed_token(person)
    assert accounts.person_for_feed_token(token, "k") is None
    assert accounts.person_for_feed_token(accounts.feed_token(person, "k"), "k") == person


def test_group_website_must_be_http(app, create_user) -> None:
    from meetbot.services import groups as group_service
    from meetbot.services.errors import ValidationError

    organizer = create_user()
    with pytest.raises(ValidationError) as err:
        group_service.create_group(organizer, slug="x", name="X", website="javascript:alert(1)")
    assert "website" in err.value.fields
    group = group_service.create_group(organizer, slug="y", name="Y", website="https://y.org")
    with pytest.raises(ValidationError):
        group_service.update_group(organizer, group, website="data:text/html,hi")
    assert group.website == "https://y.org"
