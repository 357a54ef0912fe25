"""Settings (/settings) and the admin people page (/admin/people)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import ApiToken, AuditEntry, PersonHandle
from meetbot.services import accounts
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "a much longer secret"


@pytest.fixture
def ada(create_user):
    return create_user("Ada Lovelace", email="ada@example.org")


@pytest.fixture
def logged_in(client, auth, ada):
    assert auth.login("ada@example.org").status_code == 302
    return client


def _field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{field_id}-err">(.*?)</p>', html, re.DOTALL)
    return match.group(1) if match else ""


def test_settings_needs_login(client) -> None:
    response = client.get("/settings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    revoke = client.post("/settings/feed/revoke")
    assert revoke.status_code == 302 and "/login" in revoke.headers["Location"]


def test_profile_saves_name_organization_and_zone(logged_in, ada) -> None:
    response = logged_in.post(
        "/settings/profile",
        data={
            "display_name": " Ada King ",
            "organization": "Analytical",
            "timezone": "Asia/Kolkata",
        },
    )
    assert response.status_code == 302
    db.session.refresh(ada)
    assert (ada.display_name, ada.organization, ada.timezone) == (
        "Ada King",
        "Analytical",
        "Asia/Kolkata",
    )
    # Pages hand the saved zone to meetbot.js, which shows times in it.
    assert 'data-saved-zone="Asia/Kolkata"' in logged_in.get("/groups/").get_data(as_text=True)
    logged_in.post("/settings/profile", data={"display_name": "Ada King", "timezone": ""})
    db.session.refresh(ada)
    assert ada.timezone is None and ada.organization is None


def test_profile_errors_beside_the_field_and_nothing_saved(logged_in, ada) -> None:
    response = logged_in.post(
        "/settings/profile", data={"display_name": "Ada", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 422
    assert "IANA" in _field_error(response.get_data(as_text=True), "timezone")
    response = logged_in.post("/settings/profile", data={"display_name": "   "})
    assert response.status_code == 422
    db.session.refresh(ada)
    assert ada.display_name == "Ada Lovelace" and ada.timezone is None


def test_handles_add_remove_and_uniqueness(logged_in, ada, create_person) -> None:
    create_person("Grace", handles=["grace"])
    response = logged_in.post("/settings/handles", data={"handle": "@AdaL", "kind": "irc"})
    assert response.status_code == 302
    assert [h.handle for h in db.session.scalars(select(PersonHandle).filter_by(person=ada))] == [
        "adal"
    ]
    taken = logged_in.post("/settings/handles", data={"handle": "Grace", "kind": "irc"})
    assert taken.status_code == 422
    assert "belongs to someone else" in _field_error(taken.get_data(as_text=True), "handle")
    again = logged_in.post("/settings/handles", data={"handle": "adal", "kind": "matrix"})
    assert "already have" in _field_error(again.get_data(as_text=True), "handle")
    bad_kind = logged_in.post("/settings/handles", data={"handle": "x", "kind": "telepathy"})
    assert bad_kind.status_code == 422

    grace_handle = db.session.scalar(select(PersonHandle).filter_by(handle="grace"))
    assert logged_in.post(f"/settings/handles/{grace_handle.id}/delete").status_code == 404
    own = db.session.scalar(select(PersonHandle).filter_by(handle="adal"))
    assert logged_in.post(f"/settings/handles/{own.id}/delete").status_code == 302
    assert db.session.scalar(select(PersonHandle).filter_by(handle="adal")) is None
    assert db.session.scalar(select(PersonHandle).filter_by(handle="grace")) is not None


def test_change_password_needs_current_and_ends_other_sessions(app, logged_in, client, ada) -> None:
    other = app.test_client()  # the same account logged in elsewhere
    other.post("/login", data={"email": "ada@example.org", "password": TEST_PASSWORD})
    assert other.get("/settings").status_code == 200

    wrong = logged_in.post(
        "/settings/password",
        data={
            "current_password": "nope-nope",
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 422
    assert "not your current password" in _field_error(
        wrong.get_data(as_text=True), "current_password"
    )
    mismatch = logged_in.post(
        "/settings/password",
        data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm": "x"},
    )
    assert "do not match" in _field_error(mismatch.get_data(as_text=True), "confirm")
    assert accounts.authenticate("ada@example.org", TEST_PASSWORD) is not None

    ok = logged_in.post(
        "/settings/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert ok.status_code == 302
    assert logged_in.get("/settings").status_code == 200  # this session carries on
    assert other.get("/settings").status_code == 302  # the other one is logged out
    assert accounts.authenticate("ada@example.org", TEST_PASSWORD) is None
    assert accounts.authenticate("ada@example.org", NEW_PASSWORD) is not None


def test_feed_url_shown_and_revoking_stops_the_old_one(app, logged_in, ada) -> None:
    page = logged_in.get("/settings").get_data(as_text=True)
    urls = re.findall(r'value="(https://meetbot\.test/feeds/([^/"]+)/calendar\.ics)"', page)
    assert len(urls) == 1
    url, token = urls[0]
    assert f'href="webcal://meetbot.test/feeds/{token}/calendar.ics"' in page
    assert token == accounts.feed_token(ada, app.config["SECRET_KEY"])
    old_path = f"/feeds/{token}/calendar.ics"
    assert logged_in.get(old_path).status_code == 200

    assert logged_in.post("/settings/feed/revoke").status_code == 302
    assert logged_in.get(old_path).status_code == 404
    page = logged_in.get("/settings").get_data(as_text=True)
    new_token = re.search(r"/feeds/([^/\"]+)/calendar\.ics", page).group(1)
    assert new_token != token
    assert logged_in.get(f"/feeds/{new_token}/calendar.ics").status_code == 200


def test_api_token_shown_once_stored_hashed_and_revocable(logged_in, ada, create_user) -> None:
    response = logged_in.post("/settings/tokens", data={"name": "my script"})
    assert response.status_code == 201
    token = re.search(r"<code data-new-token>([^<]+)</code>", response.get_data(as_text=True))
    token = token.group(1)
    assert accounts.person_for_api_token(token).id == ada.id
    # Only the hash is stored, and the token is not shown again.
    row = db.session.scalar(select(ApiToken).filter_by(person_id=ada.id))
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert token not in logged_in.get("/settings").get_data(as_text=True)
    assert "my script" in logged_in.get("/settings").get_data(as_text=True)

    grace = create_user("Grace", email="grace@example.org")
    accounts.create_api_token(grace, "hers")
    hers = db.session.scalar(select(ApiToken).filter_by(person_id=grace.id))
    assert logged_in.post(f"/settings/tokens/{hers.id}/revoke").status_code == 404
    assert hers.revoked_dt is None

    assert logged_in.post(f"/settings/tokens/{row.id}/revoke").status_code == 302
    assert accounts.person_for_api_token(token) is None
    assert logged_in.post("/settings/tokens", data={"name": ""}).status_code == 422


def test_feed_and_api_tokens_reject_tampering(app, ada) -> None:
    key = app.config["SECRET_KEY"]
    token = accounts.feed_token(ada, key)
    person_id, mac = token.split("-", 1)
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    assert accounts.person_for_feed_token(token, key).id == ada.id
    assert accounts.person_for_feed_token(f"{person_id}-{flipped}", key) is None
    assert accounts.person_for_feed_token(f"{int(person_id) + 1}-{mac}", key) is None
    assert accounts.person_for_feed_token(token, "another-key") is None
    assert accounts.person_for_feed_token("", key) is None
    api = accounts.create_api_token(ada)
    assert accounts.person_for_api_token(api[:-1]) is None
    assert accounts.person_for_api_token(api.upper()) is None


def test_settings_forms_need_csrf(app_config, app, ada) -> None:
    strict = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = strict.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post(
            "/login",
            data={"email": "ada@example.org", "password": TEST_PASSWORD, "csrf_token": csrf},
        ).status_code
        == 302
    )
    for path in [
        "/settings/profile",
        "/settings/password",
        "/settings/handles",
        "/settings/feed/revoke",
        "/settings/tokens",
    ]:
        response = client.post(path, data={"display_name": "Mallory", "name": "x"})
        assert response.status_code == 400, path
    db.session.refresh(ada)
    assert ada.display_name == "Ada Lovelace"
    assert db.session.scalar(select(ApiToken).filter_by(person_id=ada.id)) is None


# --- admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client(app, create_user):
    create_user("Root", email="root@example.org", admin=True)
    client = app.test_client()
    client.post("/login", data={"email": "root@example.org", "password": TEST_PASSWORD})
    return client


def test_admin_people_is_for_admins_only(client, logged_in, create_user) -> None:
    assert logged_in.get("/admin/people").status_code == 403
    victim = create_user(email="victim@example.org")
    for path in ["reset-password", "admin", "active"]:
        response = logged_in.post(f"/admin/people/{victim.id}/{path}", data={"value": "1"})
        assert response.status_code == 403
    db.session.refresh(victim)
    assert not victim.is_admin and victim.is_active_account
    assert accounts.authenticate("victim@example.org", TEST_PASSWORD) is not None


def test_admin_search_lists_people(admin_client, create_person) -> None:
    create_person("Zed Example", organization="Intel")
    create_person("Yan", email="yan@huawei.example")
    page = admin_client.get("/admin/people?q=intel").get_data(as_text=True)
    assert "Zed Example" in page and "Yan" not in page
    page = admin_client.get("/admin/people?q=HUAWEI").get_data(as_text=True)
    assert "Yan" in page and "Zed Example" not in page
    assert "Nobody matches" in admin_client.get("/admin/people?q=%25_").get_data(as_text=True)


def test_admin_reset_gives_a_one_time_password_and_ends_sessions(
    app, admin_client, create_user
) -> None:
    victim = create_user("Vic", email="vic@example.org")
    vic_client = app.test_client()
    vic_client.post("/login", data={"email": "vic@example.org", "password": TEST_PASSWORD})
    assert vic_client.get("/settings").status_code == 200

    response = admin_client.post(f"/admin/people/{victim.id}/reset-password")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    temporary = re.search(r"<code data-temporary-password>([^<]+)</code>", html).group(1)
    assert len(temporary) >= 16
    assert accounts.authenticate("vic@example.org", TEST_PASSWORD) is None
    assert accounts.authenticate("vic@example.org", temporary) is not None
    assert vic_client.get("/settings").status_code == 302  # logged out
    assert temporary not in admin_client.get("/admin/people").get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).filter_by(action="password_reset_by_admin"))
    assert entry.entity_id == victim.id and temporary not in str(entry.details)


def test_admin_make_admin_and_disable(app, admin_client, create_user) -> None:
    bob = create_user("Bob", email="bob@example.org")
    token = accounts.create_api_token(bob)
    bob_client = app.test_client()
    bob_client.post("/login", data={"email": "bob@example.org", "password": TEST_PASSWORD})

    assert (
        admin_client.post(f"/admin/people/{bob.id}/admin", data={"value": "1"}).status_code == 302
    )
    db.session.refresh(bob)
    assert bob.is_admin
    assert bob_client.get("/admin/people").status_code == 200

    admin_client.post(f"/admin/people/{bob.id}/active", data={"value": "0"})
    db.session.refresh(bob)
    assert not bob.is_active_account
    assert bob_client.get("/settings").status_code == 302  # the open session ends
    assert accounts.authenticate("bob@example.org", TEST_PASSWORD) is None
    assert accounts.person_for_api_token(token) is None
    feed = accounts.feed_token(bob, app.config["SECRET_KEY"])
    assert admin_client.get(f"/feeds/{feed}/calendar.ics").status_code == 404

    admin_client.post(f"/admin/people/{bob.id}/active", data={"value": "1"})
    assert accounts.authenticate("bob@example.org", TEST_PASSWORD) is not None


def test_admin_cannot_lock_themselves_out(admin_client) -> None:
    root = accounts.find_person_by_email("root@example.org")
    response = admin_client.post(f"/admin/people/{root.id}/active", data={"value": "0"})
    assert response.status_code == 302
    assert (
        admin_client.post(f"/admin/people/{root.id}/admin", data={"value": "0"}).status_code == 302
    )
    db.session.refresh(root)
    assert root.is_admin and root.is_active_account
    assert "cannot" in admin_client.get("/admin/people").get_data(as_text=True)


def test_meeting_window_and_days_default_then_save(logged_in, ada) -> None:
    page = logged_in.get("/settings").get_data(as_text=True)
    assert (
        '<input id="window_start" name="window_start" required type="text" value="08:00">' in page
    )
    assert 'name="window_end" required type="text" value="20:00"' in page
    checked = re.findall(r'<input checked id="available_days-(\d)"', page)
    assert checked == ["0", "1", "2", "3", "4"]
    response = logged_in.post(
        "/settings/availability",
        data={"window_start": "07:30", "window_end": "24:00", "available_days": ["0", "5"]},
    )
    assert response.status_code == 302
    db.session.refresh(ada)
    assert (ada.window_start_minutes, ada.window_end_minutes) == (450, 1440)
    assert ada.available_weekdays == frozenset({0, 5})


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        (
            {"window_start": "20:00", "window_end": "08:00", "available_days": ["0"]},
            "window_end",
            "after",
        ),
        (
            {"window_start": "8am", "window_end": "20:00", "available_days": ["0"]},
            "window_start",
            "08:00",
        ),
        ({"window_start": "08:00", "window_end": "20:00"}, "available_days", "at least one"),
    ],
)
def test_meeting_window_errors_beside_the_field_and_nothing_saved(
    logged_in, ada, data, field_id, message
) -> None:
    response = logged_in.post("/settings/availability", data=data)
    assert response.status_code == 422
    assert message in _field_error(response.get_data(as_text=True), field_id)
    db.session.refresh(ada)
    assert (ada.window_start_minutes, ada.window_end_minutes, ada.available_days) == (480, 1200, 31)
