"""Server-side logins (issue 12, findings 6 and 9): a session or remember-me cookie
captured before logout, a password change, an admin reset or disabling the account is
anonymous when replayed afterwards; the remember cookie has the session cookie's flags
and a 30-day lifetime; a password reset revokes the account's API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import ApiToken, Login
from meetbot.services import accounts, logins
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "a much longer secret"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def ada(create_user):
    return create_user("Ada Lovelace", email="ada@example.org")


def _login(app, *, remember: bool = False, email: str = "ada@example.org"):
    client = app.test_client()
    data = {"email": email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    assert client.get("/settings").status_code == 200
    return client


def _cookies(client) -> dict[str, str]:
    return {c.key: c.value for c in client._cookies.values()}


def _replay(app, cookies: dict[str, str]) -> int:
    """GET /settings with nothing but these cookies: 200 logged in, 302 anonymous."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client.get("/settings").status_code


def test_logout_ends_the_captured_session_cookie(app, ada):
    client = _login(app)
    captured = _cookies(client)
    assert set(captured) == {"session"}
    assert _replay(app, captured) == 200
    client.post("/logout")
    assert _replay(app, captured) == 302


def test_logout_ends_the_captured_remember_cookie(app, ada):
    client = _login(app, remember=True)
    remember = {"remember_token": _cookies(client)["remember_token"]}
    assert _replay(app, remember) == 200  # the cookie alone logs in
    client.post("/logout")
    assert _replay(app, remember) == 302
    assert _replay(app, _cookies(client) | remember) == 302


def test_logout_ends_only_that_login(app, ada):
    laptop, phone = _login(app, remember=True), _login(app, remember=True)
    laptop.post("/logout")
    assert laptop.get("/settings").status_code == 302
    assert phone.get("/settings").status_code == 200
    assert _replay(app, {"remember_token": _cookies(phone)["remember_token"]}) == 200


def test_password_change_ends_every_other_login(app, ada):
    this, other = _login(app), _login(app, remember=True)
    captured = _cookies(other)
    token = accounts.create_api_token(ada, "bot")
    response = this.post(
        "/settings/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert this.get("/settings").status_code == 200  # the login that changed it goes on
    assert _replay(app, captured) == 302
    assert _replay(app, {"remember_token": captured["remember_token"]}) == 302
    assert accounts.person_for_api_token(token) is not None  # kept: the person chose so


def test_password_change_can_revoke_every_token(app, ada):
    this = _login(app)
    tokens = [accounts.create_api_token(ada, n) for n in ("a", "b")]
    response = this.post(
        "/settings/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "revoke_tokens": "y",
        },
        follow_redirects=True,
    )
    assert "2 API tokens revoked" in response.get_data(as_text=True)
    assert [accounts.person_for_api_token(t) for t in tokens] == [None, None]


def test_admin_reset_ends_logins_and_revokes_tokens(app, ada, create_user):
    root = create_user("Root", email="root@example.org", admin=True)
    captured = _cookies(_login(app, remember=True))
    token = accounts.create_api_token(ada, "bot")
    accounts.reset_password(root, ada)
    assert _replay(app, captured) == 302
    assert accounts.person_for_api_token(token) is None


def test_cli_set_password_ends_logins_and_revokes_tokens(app, runner, ada):
    captured = _cookies(_login(app, remember=True))
    token = accounts.create_api_token(ada, "bot")
    result = runner.invoke(args=["set-password", "ada@example.org", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "every login ended, 1 API token revoked" in result.output
    assert _replay(app, captured) == 302
    assert accounts.person_for_api_token(token) is None


def test_disabling_ends_logins_and_enabling_does_not_revive_them(app, ada, create_user):
    root = create_user("Root", email="root@example.org", admin=True)
    captured = _cookies(_login(app, remember=True))
    accounts.set_account_active(root, ada, False)
    accounts.set_account_active(root, ada, True)
    assert _replay(app, captured) == 302
    assert _login(app).get("/settings").status_code == 200  # a new login works


def test_a_login_lasts_thirty_days(app, ada, time_machine):
    time_machine.move_to(T0, tick=False)
    captured = _cookies(_login(app, remember=True))
    time_machine.move_to(T0 + timedelta(days=29, hours=23), tick=False)
    assert _replay(app, captured) == 200
    time_machine.move_to(T0 + timedelta(days=30), tick=False)
    assert _replay(app, captured) == 302


def test_only_the_key_hash_is_stored_and_old_logins_are_capped(app, ada):
    session_ids = [logins.start(ada) for _ in range(logins.MAX_PER_PERSON + 1)]
    keys = {sid.split(":")[1] for sid in session_ids}
    stored = set(db.session.scalars(select(Login.key_hash)))
    assert not keys & stored
    assert logins.live_count(ada) == logins.MAX_PER_PERSON
    assert logins.person_for(session_ids[0]) is None  # the oldest ended
    assert logins.person_for(session_ids[-1]) == ada


@pytest.mark.parametrize("https", [False, True])
def test_remember_cookie_has_the_session_cookie_flags(
    app, app_config, ada, monkeypatch, time_machine, https
):
    time_machine.move_to(T0, tick=False)
    monkeypatch.delenv("MEETBOT_SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setenv(
        "MEETBOT_BASE_URL", "https://meetbot.example" if https else "http://127.0.0.1:5000"
    )
    site = create_app(app_config)
    try:
        response = site.test_client().post(
            "/login", data={"email": "ada@example.org", "password": TEST_PASSWORD, "remember": "y"}
        )
        cookies = {
            header.split("=", 1)[0]: [p.strip().lower() for p in header.split(";")[1:]]
            for header in response.headers.getlist("Set-Cookie")
        }
    finally:
        with site.app_context():
            db.engine.dispose()
    session, remember = cookies["session"], cookies["remember_token"]
    for flags in (session, remember):
        assert "httponly" in flags and "samesite=lax" in flags
        assert ("secure" in flags) is https
    expires = next(p for p in remember if p.startswith("expires="))
    assert parsedate_to_datetime(expires.split("=", 1)[1]) == T0 + timedelta(days=30)


def test_old_fingerprint_sessions_are_anonymous(app, ada):
    """A session id of the old form (<id>:<password fingerprint>) logs nobody in."""
    assert logins.person_for(f"{ada.id}:0123456789abcdef") is None
    assert db.session.scalar(select(ApiToken)) is None
