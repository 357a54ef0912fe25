"""People (public fields; e-mail only to admins and the person) and token management."""

from __future__ import annotations

from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ApiToken
from tests.api.conftest import assert_error


def test_email_and_zone_only_for_self_and_admins(api, create_person, create_user, token_for):
    kim = create_user("Kim", email="kim@example.org", timezone="Asia/Tokyo", handles=["kimk"])
    other = create_user("Other")
    admin = create_user("Admin", admin=True)

    anonymous = api.get(f"/people/{kim.id}").get_json()
    assert anonymous == {
        "id": kim.id,
        "display_name": "Kim",
        "organization": None,
        "handles": ["kimk"],
        "email": None,
        "timezone": None,
    }
    assert api.get(f"/people/{kim.id}", token=token_for(other)).get_json()["email"] is None
    for viewer in (kim, admin):
        body = api.get(f"/people/{kim.id}", token=token_for(viewer)).get_json()
        assert (body["email"], body["timezone"]) == ("kim@example.org", "Asia/Tokyo")
    listed = api.get("/people?q=kim").get_json()["items"]
    assert [p["email"] for p in listed] == [None]


def test_people_search_by_name_or_handle(api, create_person):
    create_person("Alice Anders", handles=["aanders"])
    create_person("Bob Brown", handles=["bobby"])
    create_person("100% Carl")
    assert [p["display_name"] for p in api.get("/people?q=bob").get_json()["items"]] == [
        "Bob Brown"
    ]
    assert [p["display_name"] for p in api.get("/people?q=AANDERS").get_json()["items"]] == [
        "Alice Anders"
    ]
    # LIKE wildcards in q are literal.
    assert [p["display_name"] for p in api.get("/people?q=%25").get_json()["items"]] == [
        "100% Carl"
    ]


def test_unknown_person_404(api):
    assert_error(api.get("/people/424242"), 404)
    assert_error(api.get("/people/0"), 404)


def test_me_needs_a_token(api, create_user, token_for):
    assert_error(api.get("/people/me"), 401)
    kim = create_user("Kim")
    assert api.get("/people/me", token=token_for(kim)).get_json()["id"] == kim.id


def test_token_lifecycle(api, create_user, token_for):
    kim = create_user("Kim")
    token = token_for(kim, "first")
    second = token_for(kim, "bot")  # made in Settings or with the CLI, never via the API
    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "bot"))
    # Only the hash is stored.
    assert db.session.scalar(select(ApiToken).where(ApiToken.token_hash == second)) is None

    listed = api.get("/tokens", token=second).get_json()["items"]
    assert [t["name"] for t in listed] == ["first", "bot"]
    assert all("token" not in t for t in listed)
    assert listed[1]["created_at"].endswith("Z") and listed[1]["revoked_at"] is None

    assert api.delete(f"/tokens/{row.id}", token=token).status_code == 204
    assert api.delete(f"/tokens/{row.id}", token=token).status_code == 204  # idempotent
    assert_error(api.get("/people/me", token=second), 401, "invalid_token")
    revoked = api.get(f"/tokens/{row.id}", token=token).get_json()
    assert revoked["revoked_at"] is not None


def test_a_token_cannot_make_tokens(api, create_user, token_for):
    """A leaked token must not mint children that outlive its revocation (issue 12,
    finding 9): tokens are made only in Settings (a logged-in session) or the CLI."""
    kim = create_user("Kim")
    token = token_for(kim)
    response = api.post("/tokens", json={"name": "child"}, token=token)
    assert_error(response, 405, "method_not_allowed")
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
    spec = api.get("/openapi.json").get_json()
    assert "post" not in spec["paths"]["/api/v1/tokens"]


def test_someone_elses_token_is_404(api, create_user, token_for):
    kim, lee = create_user("Kim"), create_user("Lee")
    token_for(kim)
    lee_token = token_for(lee)
    kim_row = db.session.scalar(select(ApiToken).where(ApiToken.person_id == kim.id))
    assert_error(api.delete(f"/tokens/{kim_row.id}", token=lee_token), 404)
    db.session.expire_all()
    assert db.session.get(ApiToken, kim_row.id).revoked_dt is None
