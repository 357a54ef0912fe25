"""Every auth case of the API: no token, bad token, revoked token, token without the role,
and the session cookie (which must never authenticate API writes)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ApiToken, AuditEntry, Group, Role
from meetbot.services import accounts
from tests.api.conftest import assert_error


def _state(group_id: int) -> tuple:
    db.session.expire_all()
    group = db.session.get(Group, group_id)
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    return group.name, group.revision, len(group.work_streams), audits


@pytest.fixture
def setup(create_user, create_group, token_for):
    organizer = create_user("Olga Organizer")
    member = create_user("Max Member")
    group = create_group(
        "wg", name="Working Group", members={organizer: Role.ORGANIZER, member: Role.MEMBER}
    )
    return {
        "group": group,
        "organizer_token": token_for(organizer),
        "member_token": token_for(member),
        "member": member,
    }


WRITES = [
    ("PATCH", "/groups/wg", {"name": "Renamed"}),
    ("POST", "/groups/wg/streams", {"slug": "new", "name": "New stream"}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_no_token_is_401_and_changes_nothing(api, setup, method, path, body):
    before = _state(setup["group"].id)
    error = assert_error(api.request(method, path, json=body), 401, "unauthorized")
    assert "Bearer" in error["message"]
    assert _state(setup["group"].id) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_bad_token_is_401_and_changes_nothing(api, setup, method, path, body):
    before = _state(setup["group"].id)
    response = api.request(method, path, json=body, token="mbt_not-a-real-token")
    assert_error(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _state(setup["group"].id) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_revoked_token_is_401_and_changes_nothing(api, setup, method, path, body):
    token = setup["organizer_token"]
    row = db.session.scalar(select(ApiToken).order_by(ApiToken.id))
    accounts.revoke_api_token(row, row.person)
    before = _state(setup["group"].id)
    assert_error(api.request(method, path, json=body, token=token), 401, "invalid_token")
    assert _state(setup["group"].id) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_member_without_role_is_403_and_changes_nothing(api, setup, method, path, body):
    before = _state(setup["group"].id)
    response = api.request(method, path, json=body, token=setup["member_token"])
    assert_error(response, 403, "forbidden")
    assert _state(setup["group"].id) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_organizer_token_may(api, setup, method, path, body):
    response = api.request(method, path, json=body, token=setup["organizer_token"])
    # A PATCH answers the changed object (200); a POST that creates, 201.
    assert response.status_code == (201 if method == "POST" else 200), response.get_json()


def test_member_without_role_gets_403_even_with_an_invalid_body(api, setup):
    """The role is checked before the body: a 403 does not depend on what was sent."""
    response = api.patch("/groups/wg", json={"name": 5}, token=setup["member_token"])
    assert_error(response, 403)


def test_malformed_authorization_header_is_401(api, setup):
    response = api.patch(
        "/groups/wg", json={"name": "x"}, headers={"Authorization": "Basic dXNlcjpwdw=="}
    )
    assert_error(response, 401, "unauthorized")
    assert _state(setup["group"].id)[0] == "Working Group"


def test_session_cookie_does_not_authenticate_api_writes(api, auth, setup, create_user):
    """A logged-in browser session is ignored by the API, so no CSRF exposure exists."""
    admin = create_user("Ada Admin", email="ada@example.org", admin=True)
    assert auth.login(admin.email).status_code == 302
    before = _state(setup["group"].id)
    assert_error(api.patch("/groups/wg", json={"name": "Hijacked"}), 401)
    assert _state(setup["group"].id) == before


def test_bad_token_on_a_public_read_is_401(api, setup):
    assert api.get("/groups/wg").status_code == 200
    assert_error(api.get("/groups/wg", token="mbt_wrong"), 401, "invalid_token")


def test_disabled_account_token_is_401(api, setup):
    member = setup["member"]
    member.is_active_account = False
    db.session.commit()
    assert_error(api.get("/people/me", token=setup["member_token"]), 401)
