"""The OpenAPI document, the docs page, and error handling that stays in its lane."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import assert_error


def test_openapi_document(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    paths = spec["paths"]
    for path in (
        "/api/v1/groups",
        "/api/v1/groups/{group}",
        "/api/v1/groups/{group}/occurrences",
        "/api/v1/meetings/{meeting_id}",
        "/api/v1/tokens",
    ):
        assert path in paths
    # Every write declares the bearer scheme, except the stateless computations anyone
    # may ask for and a poll's answers (a token there is optional); the error shape is
    # the documented one.
    anonymous = {("post", "/api/v1/slot-finder"), ("post", "/api/v1/polls/{token}/answers")}
    for path, operations in paths.items():
        for method, operation in operations.items():
            if (method, path) in anonymous:
                assert operation["security"] == [{}, {"bearerAuth": []}], (method, path)
            elif method in {"post", "patch", "put", "delete"}:
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    # The occurrence schema has exactly the public fields (docs/api.md).
    assert set(spec["components"]["schemas"]["Occurrence"]["properties"]) == {
        "uid",
        "recurrence_id",
        "series_id",
        "meeting_id",
        "title",
        "start",
        "end",
        "timezone",
        "status",
        "location",
    }


def test_docs_page_uses_no_cdn(api, client):
    page = api.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    # Every script and stylesheet comes from this server.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url
        with client.get(url) as asset:
            assert asset.status_code == 200, url
    assert "<script>" not in html  # no inline script (CSP)
    assert_error(api.get("/docs/assets/index.html"), 404)


def test_api_errors_are_json_and_pages_keep_html(api, client):
    assert_error(api.get("/no/such/thing"), 404, "not_found")
    assert_error(api.request("DELETE", "/groups"), 405, "method_not_allowed")
    page = client.get("/groups/nope/")
    assert page.status_code == 404
    assert page.mimetype == "text/html"


def test_too_large_body_is_413_json(app, api, create_user, token_for):
    token = token_for(create_user())
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = api.post("/groups", json={"slug": "x", "name": "y" * 5000}, token=token)
    assert_error(response, 413)


DEEP = "[" * 5000  # json.loads raised RecursionError on it: a 500


@pytest.mark.parametrize("body", [DEEP, '{"a":' * 5000, "[" * 65 + "]" * 65])
def test_deeply_nested_json_is_400_in_the_api_shape(api, create_user, token_for, body):
    token = token_for(create_user())
    response = api.post("/groups", data=body, content_type="application/json", token=token)
    error = assert_error(response, 400, "bad_request")
    assert error["message"] == "The request body is not valid JSON."
    assert api.get("/groups").get_json()["items"] == []


def test_deeply_nested_json_to_a_web_form_is_400(client):
    """Flask-WTF reads a JSON form post with request.get_json (the app's provider)."""
    response = client.post("/login", data=DEEP, content_type="application/json")
    assert response.status_code == 400
