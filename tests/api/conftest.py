"""Fixtures of the API tests: tokens for people and a client that sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from meetbot.models import Person
from meetbot.services import accounts


class ApiClient:
    """The Flask test client with ``/api/v1`` prefixed and an optional bearer token."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def request(
        self, method: str, path: str, *, token: str | None = None, headers=None, **kwargs: Any
    ):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self._client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any):
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)


@pytest.fixture
def token_for(app) -> Callable[[Person], str]:
    """``token_for(person)``: a fresh API token of that person (via the accounts service)."""

    def factory(person: Person, name: str = "test") -> str:
        return accounts.create_api_token(person, name)

    return factory


def assert_error(response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a JSON error of the API's shape; returns its ``error`` object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]
