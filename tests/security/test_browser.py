"""Browser security: headers on every response, cookie flags, request size and rate limits."""

from __future__ import annotations

import io

import pytest

from meetbot import create_app
from meetbot.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import TEST_PASSWORD


def _csp_directives(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path", ["/groups/", "/login", "/no-such-page", "/healthz"])
def test_security_headers_on_every_response(client, path) -> None:
    response = client.get(path)
    csp = _csp_directives(response.headers["Content-Security-Policy"])
    # No 'unsafe-inline' / 'unsafe-eval' anywhere: inline scripts and handlers never run.
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert set(csp["img-src"]) == {"'self'", "data:"}
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]


def test_hsts_only_for_https_deployments(app_config) -> None:
    https_app = create_app({**app_config, "MEETBOT_BASE_URL": "https://meet.example.org"})
    http_app = create_app({**app_config, "MEETBOT_BASE_URL": "http://127.0.0.1:5000"})
    hsts = https_app.test_client().get("/healthz").headers.get("Strict-Transport-Security")
    assert hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 180 * 86400
    assert "Strict-Transport-Security" not in http_app.test_client().get("/healthz").headers


def test_headers_on_post_and_error_responses(client) -> None:
    response = client.post("/logout")  # anonymous: redirected or refused, never bare
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def _flags(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_session_cookie_flags_over_https(app, client, create_user) -> None:
    # The test config serves at https://meetbot.test, so SESSION_COOKIE_SECURE is on
    # unless the test config says otherwise: build the app the way production does.
    create_user(email="ada@example.org")
    response = client.post(
        "/login",
        data={"email": "ada@example.org", "password": TEST_PASSWORD},
        base_url="https://meetbot.test",
    )
    assert response.status_code == 302
    flags = _flags(_session_cookie(response))
    assert "httponly" in flags
    assert "samesite=lax" in flags


@pytest.mark.parametrize(
    ("base_url", "secure"),
    [("https://meet.example.org", True), ("http://127.0.0.1:5000", False)],
)
def test_session_cookie_secure_follows_base_url(
    monkeypatch, tmp_path, database_url, db_backend, base_url, secure
) -> None:
    from werkzeug.security import generate_password_hash

    from meetbot.extensions import db
    from meetbot.models import Person

    monkeypatch.setenv("MEETBOT_BASE_URL", base_url)
    monkeypatch.delenv("MEETBOT_SESSION_COOKIE_SECURE", raising=False)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "k",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "TESTING": True,
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    with app.app_context():
        if db_backend == "sqlite":
            db.create_all()
        else:
            from tests.conftest import _truncate_all

            _truncate_all()
        db.session.add(
            Person(
                display_name="Ada",
                email="ada@example.org",
                password_hash=generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1000"),
            )
        )
        db.session.commit()
        response = app.test_client().post(
            "/login",
            data={"email": "ada@example.org", "password": TEST_PASSWORD},
            base_url=base_url,
        )
        db.session.remove()
        db.engine.dispose()
    flags = _flags(_session_cookie(response))
    assert ("secure" in flags) is secure
    assert "httponly" in flags and "samesite=lax" in flags


@pytest.fixture
def small_limit_app(app_config, db_backend):
    from meetbot.extensions import db

    app = create_app({**app_config, "MAX_CONTENT_LENGTH": 1024 * 1024})
    with app.app_context():
        if db_backend == "sqlite":
            db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_oversized_form_post_gets_clear_413_page(small_limit_app) -> None:
    body = b"x" * (2 * 1024 * 1024)
    response = small_limit_app.test_client().post(
        "/login",
        data=b"email=a%40b.org&password=" + body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "too large" in text and "1 MB" in text
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"]


def test_oversized_api_post_gets_json_413(small_limit_app) -> None:
    response = small_limit_app.test_client().post(
        "/api/v1/anything",
        data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        content_type="application/json",
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "request_entity_too_large"
    assert "too large" in error["message"]


@pytest.fixture
def limited_app(app_config, db_backend):
    from meetbot.extensions import db, limiter

    app = create_app({**app_config, "RATELIMIT_ENABLED": True})
    with app.app_context():
        if db_backend == "sqlite":
            db.create_all()
        limiter.reset()
        yield app
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def test_login_rate_limit_gives_clear_429(limited_app) -> None:
    client = limited_app.test_client()
    statuses = [
        client.post("/login", data={"email": "x@example.org", "password": "wrong-pass"}).status_code
        for _ in range(10)
    ]
    assert statuses == [422] * 10
    response = client.post("/login", data={"email": "x@example.org", "password": "wrong-pass"})
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    assert "Too many log-in attempts" in text
    assert "Retry-After" in response.headers
    # Reading the page is not limited: only POSTs count.
    assert client.get("/login").status_code == 200


def test_nul_characters_refused_with_a_clear_400(client, auth, create_user, create_group) -> None:
    from meetbot.extensions import db

    ada = create_user("Ada", email="ada@example.org")
    group = create_group("edge", name="Edge", members={ada: "organizer"})
    auth.login("ada@example.org")
    form = client.post(
        "/groups/edge/edit",
        data={
            "slug": "edge",
            "name": "Ed\x00ge",
            "timezone": "UTC",
            "attendance_threshold": 25,
            "attendance_window": 10,
        },
    )
    assert form.status_code == 400
    assert "NUL" in form.get_data(as_text=True)
    db.session.refresh(group)
    assert group.name == "Edge"
    assert client.get("/groups/?q=a%00b").status_code == 400
    assert client.get("/groups/ed%00ge/").status_code == 400
    # JSON bodies are the API's to check: it names the field (422), it does not 500.
    # (Without a token the API answers 401 before it reads the body.)
    from meetbot.services.accounts import create_api_token

    body = '{"slug": "x", "name": "a\\u0000b"}'
    anonymous = client.post("/api/v1/groups", data=body, content_type="application/json")
    assert anonymous.status_code == 401
    token = create_api_token(ada, "nul")
    api = client.post(
        "/api/v1/groups",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 422
    assert set(api.get_json()["error"]["fields"]) == {"name"}
    # Uploaded files may hold NULs (UTF-16 exports): they are not refused at the door.
    upload = client.post(
        "/groups/edge/edit",
        data={
            "slug": "edge",
            "name": "Edge 2",
            "timezone": "UTC",
            "attendance_threshold": 25,
            "attendance_window": 10,
            "file": (io.BytesIO(b"a\x00b"), "x.csv"),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
