"""The members page (/groups/<slug>/members) and Join / Leave on the group page:
who sees what, who may change what, the last organizer, CSRF, and audit entries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import AuditEntry, Membership, Person, Role
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def people(create_user, create_person):
    return {
        "organizer": create_user("Olga Organizer", email="olga@example.org"),
        "chair": create_user("Chen Chair", email="chen@example.org", organization="ACME"),
        "member": create_user("Mia Member", email="mia@example.org"),
        "outsider": create_user("Otto Outsider", email="otto@example.org"),
        "known": create_person("Kim Known", email="kim@example.org", organization="Globex"),
    }


@pytest.fixture
def group(create_group, people):
    return create_group(
        "edge",
        name="Edge",
        members={
            people["organizer"]: Role.ORGANIZER,
            people["chair"]: Role.CHAIR,
            people["member"]: Role.MEMBER,
        },
    )


def _role(group, person) -> str | None:
    db.session.expire_all()
    role = db.session.scalar(
        select(Membership.role).where(
            Membership.group_id == group.id, Membership.person_id == person.id
        )
    )
    db.session.rollback()  # end the read: SQLite would keep its write lock otherwise
    return role


def _state() -> tuple:
    db.session.expire_all()
    state = (
        sorted(db.session.execute(select(Membership.person_id, Membership.role)).all()),
        db.session.scalar(select(func.count()).select_from(Person)),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
    )
    db.session.rollback()  # end the read: SQLite would keep its write lock otherwise
    return state


@pytest.mark.parametrize("who", [None, "outsider", "member", "organizer"])
def test_everyone_sees_names_roles_and_organizations(client, auth, people, group, who) -> None:
    if who:
        auth.login(people[who].email)
    response = client.get("/groups/edge/members")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr data-member="(\d+)">(.*?)</tr>', html, re.DOTALL)
    assert [int(pid) for pid, _ in rows] == [
        people["chair"].id,
        people["member"].id,
        people["organizer"].id,
    ]  # by name: Chen, Mia, Olga
    assert "ACME" in rows[0][1]
    assert "chen@example.org" not in html  # e-mails are never shown here
    editing = who == "organizer"
    assert ('action="/groups/edge/members/add"' in html) is editing
    assert ("/remove" in html) is editing
    if not editing:
        assert '<span class="badge role-chair">chair</span>' in rows[0][1]


def test_group_page_links_members_and_offers_join_or_leave(client, auth, people, group) -> None:
    html = client.get("/groups/edge/").get_data(as_text=True)
    assert 'href="/groups/edge/members"' in html and "3 members" in html
    assert "/groups/edge/join" not in html  # anonymous: log in first
    auth.login("otto@example.org")
    html = client.get("/groups/edge/").get_data(as_text=True)
    assert 'action="/groups/edge/join"' in html and "/groups/edge/leave" not in html
    auth.logout()
    auth.login("mia@example.org")
    html = client.get("/groups/edge/").get_data(as_text=True)
    assert 'action="/groups/edge/leave"' in html and "You are a member" in html


def test_join_then_leave(client, auth, people, group) -> None:
    auth.login("otto@example.org")
    response = client.post("/groups/edge/join", follow_redirects=True)
    assert response.status_code == 200
    assert "you are a member now" in response.get_data(as_text=True)
    assert _role(group, people["outsider"]) == "member"
    client.post("/groups/edge/join")  # again: nothing changes
    assert _role(group, people["outsider"]) == "member"
    response = client.post("/groups/edge/leave", follow_redirects=True)
    assert "You left Edge" in response.get_data(as_text=True)
    assert _role(group, people["outsider"]) is None
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "membership").order_by(AuditEntry.id)
    ).all()
    assert actions == ["joined", "left"]


def test_anonymous_join_goes_to_login_and_changes_nothing(client, people, group) -> None:
    before = _state()
    response = client.post("/groups/edge/join")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _state() == before


def test_last_organizer_cannot_leave(client, auth, people, group) -> None:
    auth.login("olga@example.org")
    before = _state()
    response = client.post("/groups/edge/leave", follow_redirects=True)
    assert "last organizer" in response.get_data(as_text=True)
    assert _state() == before


@pytest.mark.parametrize("who", ["chair", "member", "outsider"])
def test_only_organizers_change_members(client, auth, people, group, who) -> None:
    auth.login(people[who].email)
    before = _state()
    mia = people["member"].id
    for path, data in [
        ("/groups/edge/members/add", {"add-email": "x@example.org", "add-name": "X"}),
        ("/groups/edge/members/pick", {"person_id": people["known"].id, "role": "member"}),
        (f"/groups/edge/members/{mia}/role", {"role": "organizer"}),
        (f"/groups/edge/members/{mia}/remove", {}),
    ]:
        assert client.post(path, data=data).status_code == 403, path
    assert _state() == before


def test_anonymous_posts_are_refused(client, people, group) -> None:
    before = _state()
    mia = people["member"].id
    assert client.post(f"/groups/edge/members/{mia}/remove").status_code == 401
    assert client.post("/groups/edge/members/add", data={"add-email": "a@b.org"}).status_code == 401
    assert _state() == before


def test_organizer_adds_by_email_new_and_existing(client, auth, people, group) -> None:
    auth.login("olga@example.org")
    response = client.post(
        "/groups/edge/members/add",
        data={
            "add-email": "Nia@Example.org",
            "add-name": "Nia New",
            "add-organization": "Hooli",
            "add-role": "chair",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Nia New added as chair" in response.get_data(as_text=True)
    nia = db.session.scalar(select(Person).where(Person.email == "nia@example.org"))
    assert (nia.display_name, nia.organization, _role(group, nia)) == ("Nia New", "Hooli", "chair")

    # An existing person by e-mail: the name typed is shown, not the account's.
    persons = db.session.scalar(select(func.count()).select_from(Person))
    response = client.post(
        "/groups/edge/members/add",
        data={"add-email": "KIM@example.org", "add-name": "Whoever"},
        follow_redirects=True,
    )
    assert "Whoever added as member" in response.get_data(as_text=True)
    assert _role(group, people["known"]) == "member"
    assert db.session.scalar(select(func.count()).select_from(Person)) == persons
    added = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "member_added").order_by(AuditEntry.id)
    ).all()
    assert [(e.actor_id, e.entity_id) for e in added] == [
        (people["organizer"].id, nia.id),
        (people["organizer"].id, people["known"].id),
    ]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"add-email": "new@example.org"}, 422, "give their name"),
        ({"add-email": "kim@example.org"}, 422, "give their name"),  # known: the same
        ({"add-email": "mia@example.org"}, 422, "give their name"),
        ({"add-email": "not an email", "add-name": "X"}, 422, "not a valid e-mail"),
        ({"add-email": "mia@example.org", "add-name": "M"}, 409, "already a member (member)"),
        ({"add-email": "z@example.org", "add-name": "Z", "add-role": "king"}, 422, "Not a valid"),
    ],
)
def test_add_errors_show_beside_the_form(client, auth, people, group, data, status, message):
    auth.login("olga@example.org")
    before = _state()
    response = client.post("/groups/edge/members/add", data=data)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message.lower() in html.lower()
    assert 'class="error"' in html
    assert _state() == before


def test_organizer_finds_and_picks_a_known_person(client, auth, people, group) -> None:
    auth.login("olga@example.org")
    html = client.get("/groups/edge/members?q=glob").get_data(as_text=True)
    found = re.search(r'<ul class="list found-people">(.*?)</ul>', html, re.DOTALL).group(1)
    assert "Kim Known" in found and "Mia" not in found  # members are not offered
    assert f'name="person_id" value="{people["known"].id}"' in found
    client.post(
        "/groups/edge/members/pick", data={"person_id": people["known"].id, "role": "chair"}
    )
    assert _role(group, people["known"]) == "chair"
    # Picking them again is a clear conflict, nothing changes.
    before = _state()
    response = client.post("/groups/edge/members/pick", data={"person_id": people["known"].id})
    assert response.status_code == 409 and "already a member" in response.get_data(as_text=True)
    assert client.post("/groups/edge/members/pick", data={"person_id": "x"}).status_code == 422
    assert _state() == before


def test_organizer_changes_roles_and_removes(client, auth, people, group) -> None:
    auth.login("olga@example.org")
    mia, chen = people["member"], people["chair"]
    response = client.post(f"/groups/edge/members/{mia.id}/role", data={"role": "chair"})
    assert response.status_code == 302
    assert _role(group, mia) == "chair"
    assert client.post(f"/groups/edge/members/{mia.id}/role", data={"role": "x"}).status_code == 422
    response = client.post(f"/groups/edge/members/{chen.id}/remove", follow_redirects=True)
    assert "Chen Chair is no longer a member" in response.get_data(as_text=True)
    assert _role(group, chen) is None
    # Not a member (any more): 404, nothing changes.
    assert client.post(f"/groups/edge/members/{chen.id}/remove").status_code == 404
    assert (
        client.post(f"/groups/edge/members/{chen.id}/role", data={"role": "chair"}).status_code
        == 404
    )
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "membership").order_by(AuditEntry.id)
    ).all()
    assert actions == ["role_set", "member_removed"]


def test_last_organizer_cannot_be_demoted_or_removed(client, auth, people, group) -> None:
    auth.login("olga@example.org")
    olga = people["organizer"].id
    before = _state()
    for path, data in [
        (f"/groups/edge/members/{olga}/role", {"role": "member"}),
        (f"/groups/edge/members/{olga}/remove", {}),
    ]:
        response = client.post(path, data=data)
        assert response.status_code == 409
        html = response.get_data(as_text=True)
        assert 'role="alert"' in html and "last organizer" in html
    assert _state() == before
    # Name a second organizer, then step down.
    client.post(f"/groups/edge/members/{people['chair'].id}/role", data={"role": "organizer"})
    assert (
        client.post(f"/groups/edge/members/{olga}/role", data={"role": "member"}).status_code == 302
    )
    assert _role(group, people["organizer"]) == "member"
    assert client.get("/groups/edge/members").status_code == 200


def test_unknown_group_is_404(client, auth, people) -> None:
    assert client.get("/groups/nope/members").status_code == 404
    auth.login("olga@example.org")
    assert client.post("/groups/nope/join").status_code == 404


def test_member_forms_need_csrf(app_config, app, people, group) -> None:
    strict = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = strict.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"email": "olga@example.org", "password": TEST_PASSWORD, "csrf_token": csrf}
    )
    mia = people["member"].id  # read before _state() ends the transaction (no refresh later)
    before = _state()
    for path in [
        "/groups/edge/members/add",
        "/groups/edge/members/pick",
        f"/groups/edge/members/{mia}/role",
        f"/groups/edge/members/{mia}/remove",
        "/groups/edge/join",
        "/groups/edge/leave",
    ]:
        assert client.post(path, data={"role": "chair"}).status_code == 400, path
    assert _state() == before
    # With the page's token the same change goes through.
    html = client.get("/groups/edge/members").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(
        f"/groups/edge/members/{mia}/role", data={"role": "chair", "csrf_token": token}
    )
    assert response.status_code == 302


def test_members_come_a_page_at_a_time_by_name(client, group, create_person, monkeypatch):
    from meetbot.web import members as members_views

    monkeypatch.setattr(members_views, "MEMBERS_PAGE_SIZE", 2)
    for name in ("Zed Last", "Abe First"):
        db.session.add(Membership(group=group, person=create_person(name), role="member"))
    db.session.commit()
    expected = sorted(["Olga Organizer", "Chen Chair", "Mia Member", "Zed Last", "Abe First"])
    shown = []
    for page in (1, 2, 3):
        html = client.get(f"/groups/edge/members?page={page}").get_data(as_text=True)
        assert "5 people." in html and f"page {page} of 3" in html
        assert ('rel="next"' in html) is (page < 3) and ('rel="prev"' in html) is (page > 1)
        shown += re.findall(r'<tr data-member="\d+">\s*<td>([^<]+)</td>', html)
    assert shown == expected
    last = client.get("/groups/edge/members?page=9").get_data(as_text=True)
    assert re.findall(r'<tr data-member="\d+">\s*<td>([^<]+)</td>', last) == expected[4:]


def _errors_and_flashes(client, response) -> str:
    errors = re.findall(r'class="error"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S)
    with client.session_transaction() as session:
        flashes = [message for _, message in session.get("_flashes", [])]
    return " | ".join(errors + flashes)


def test_adding_by_email_never_shows_the_accounts_name(client, auth, people, group):
    """Issue 12, finding 7: an organizer typing an address learns nobody's name."""
    auth.login("olga@example.org")
    nameless = client.post("/groups/edge/members/add", data={"add-email": "kim@example.org"})
    assert nameless.status_code == 422  # as for an unknown address: no oracle
    assert "Kim Known" not in nameless.get_data(as_text=True)
    assert _role(group, people["known"]) is None
    conflict = client.post(
        "/groups/edge/members/add", data={"add-email": "mia@example.org", "add-name": "M"}
    )
    assert conflict.status_code == 409
    told = _errors_and_flashes(client, conflict)
    assert "already a member" in told and "Mia" not in told
    added = client.post(
        "/groups/edge/members/add", data={"add-email": "kim@example.org", "add-name": "K"}
    )
    assert added.status_code == 302
    told = _errors_and_flashes(client, added)
    assert told == "K added as member." and _role(group, people["known"]) == "member"
