"""HTTP rules the strict schemathesis run (every check) holds the API to, each pinned by
a direct test: 405 names the allowed methods, a body is required exactly when the spec
says so, and every query the spec allows fits the server's URL limit, whose 414 is JSON
(through gunicorn too)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import Role
from meetbot.web.errors import MAX_QUERY_STRING
from tests.api.conftest import assert_error

ROOT = Path(__file__).resolve().parents[2]


def _spec(api) -> dict:
    return api.get("/openapi.json").get_json()


@pytest.mark.parametrize("method", ["TRACE", "DELETE", "PUT"])
def test_405_under_api_names_the_allowed_methods(api, method):
    response = api.request(method, "/groups")
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_405_on_a_page_names_the_allowed_methods_too(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_body_is_required_exactly_when_its_schema_has_a_required_field(api):
    spec = _spec(api)
    schemas = spec["components"]["schemas"]
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body or "application/json" not in body["content"]:
                continue
            ref = body["content"]["application/json"]["schema"]["$ref"]
            has_required = bool(schemas[ref.rsplit("/", 1)[1]].get("required"))
            assert body.get("required", False) is has_required, (method, path)
            checked += 1
    assert checked >= 30


def test_a_body_with_only_optional_fields_may_be_left_out(
    api, create_user, create_group, token_for
):
    organizer = create_user()
    create_group("edge", name="Edge", members={organizer: Role.ORGANIZER})
    response = api.patch("/groups/edge", token=token_for(organizer))
    assert response.status_code == 200
    assert response.get_json()["name"] == "Edge"


def test_a_required_body_left_out_is_422_naming_the_field(api, create_user, token_for):
    token = token_for(create_user())
    error = assert_error(api.post("/groups", token=token), 422, "validation_error")
    assert set(error["fields"]) == {"slug", "name"}


# A pattern of one ASCII character class (base64url cursors): one byte a character.
_ASCII_PATTERN = re.compile(r"\^\[[A-Za-z0-9_\\-]+\]\+\$")


def _worst_query_bytes(parameters: list[dict]) -> int:
    """Bytes of the longest query string the spec allows (plus one character per
    string, as a negative test sends), every character a 4-byte UTF-8 one unless the
    pattern allows only ASCII."""
    total = 0
    for parameter in parameters:
        if parameter["in"] != "query":
            continue
        schema = parameter["schema"]
        if schema.get("type") == "string" and _ASCII_PATTERN.fullmatch(schema.get("pattern", "")):
            value = "a" * (schema["maxLength"] + 1)
        elif schema.get("type") == "string" and "enum" not in schema:
            value = quote("\U0001f600" * (schema["maxLength"] + 1), safe="")
        else:
            value = "x" * 64  # numbers, booleans, enums: short whatever is sent
        total += len(parameter["name"]) + 2 + len(value)
    return total


def test_every_string_parameter_is_bounded_and_fits_the_url_limit(api):
    spec = _spec(api)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", []) if isinstance(operation, dict) else []
            for parameter in parameters:
                schema = parameter["schema"]
                if parameter["in"] in ("query", "path") and schema.get("type") == "string":
                    assert "maxLength" in schema or "enum" in schema, (method, path, parameter)
            assert _worst_query_bytes(parameters) <= MAX_QUERY_STRING, (method, path)


def test_an_overlong_query_is_414_in_the_api_error_shape(api):
    response = api.get("/people?q=" + "a" * MAX_QUERY_STRING)
    error = assert_error(response, 414, "request_uri_too_long")
    assert str(MAX_QUERY_STRING) in error["message"]
    assert api.get("/people?q=" + "a" * 100).status_code == 200


def test_an_overlong_query_on_a_page_is_an_html_414(client):
    response = client.get("/groups/?x=" + "a" * MAX_QUERY_STRING)
    assert response.status_code == 414
    assert response.mimetype == "text/html"


def test_gunicorn_lets_a_long_query_reach_the_app(tmp_path):
    """Behind gunicorn (its config file from the repository), a 5 KB query string gets
    the app's JSON 414, not gunicorn's own HTML one (its default line limit is 4094)."""
    from tests.concurrency.server import send, start_server

    url = f"sqlite:///{tmp_path / 'gunicorn.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    server = start_server(url, workers=1)
    try:
        response = send(server.port, "GET", "/api/v1/people?q=" + "a" * 5000)
        assert response.status == 414
        body = json.loads(response.body)
        assert body["error"]["code"] == "request_uri_too_long"
        ok = send(server.port, "GET", "/api/v1/people?q=" + "a" * 200)
        assert ok.status == 200
    finally:
        server.stop()


def test_a_rate_limited_api_request_is_429_in_the_api_error_shape(tmp_path):
    """Flask-Limiter's refusal under /api/ is JSON like every other error, says the
    limit, and keeps Retry-After. (No API route is rate-limited yet: an application-wide
    limit stands in for one.)"""
    from meetbot.extensions import limiter

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'limited.sqlite'}",
            "SECRET_KEY": "x",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_APPLICATION": "2 per minute",
            "RATELIMIT_HEADERS_ENABLED": True,
        }
    )
    # A frozen clock: Retry-After counts whole seconds to the window's end.
    with app.app_context(), time_machine.travel(datetime(2026, 12, 6, 12, tzinfo=UTC), tick=False):
        db.create_all()
        limiter.reset()
        try:
            client = app.test_client()
            assert [client.get("/api/v1/groups").status_code for _ in range(2)] == [200, 200]
            response = client.get("/api/v1/groups")
            error = assert_error(response, 429, "too_many_requests")
            assert (
                error["message"]
                == "Too many requests (at most 2 per 1 minute); wait and try again."
            )
            # the window ends 60 s after the first request; Flask-Limiter adds one second
            assert response.headers["Retry-After"] == "61"
        finally:
            # The limiter is one object for every app of the process: take the
            # application-wide limit off again, or later tests would be throttled.
            limiter.limit_manager.set_application_limits([])
            limiter.reset()
            db.session.remove()
            db.engine.dispose()
