"""People (public fields; e-mail only to admins and the person) and token management."""

from __future__ import annotations

from sqlalchemy import select

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
    created = api.post("/tokens", json={"name": "bot"}, token=token)
    assert created.status_code == 201
    body = created.get_json()
    new_token = body["token"]
    assert new_token.startswith("mbt_") and body["name"] == "bot"
    assert body["created_at"].endswith("Z") and body["revoked_at"] is None
    assert created.headers["Location"].endswith(f"/api/v1/tokens/{body['id']}")
    # Only the hash is stored.
    assert db.session.scalar(select(ApiToken).where(ApiToken.token_hash == new_token)) is None

    listed = api.get("/tokens", token=new_token).get_json()["items"]
    assert [t["name"] for t in listed] == ["first", "bot"]
    assert all("token" not in t for t in listed)

    assert api.delete(f"/tokens/{body['id']}", token=token).status_code == 204
    assert api.delete(f"/tokens/{body['id']}", token=token).status_code == 204  # idempotent
    assert_error(api.get("/people/me", token=new_token), 401, "invalid_token")
    revoked = api.get(f"/tokens/{body['id']}", token=token).get_json()
    assert revoked["revoked_at"] is not None


def test_someone_elses_token_is_404(api, create_user, token_for):
    kim, lee = create_user("Kim"), create_user("Lee")
    token_for(kim)
    lee_token = token_for(lee)
    kim_row = db.session.scalar(select(ApiToken).where(ApiToken.person_id == kim.id))
    assert_error(api.delete(f"/tokens/{kim_row.id}", token=lee_token), 404)
    db.session.expire_all()
    assert db.session.get(ApiToken, kim_row.id).revoked_dt is None
