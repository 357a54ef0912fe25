"""Fixtures of the API tests: tokens for people and a client that sends them, and
unique test ids for the schemathesis tests (see ``pytest_collection_modifyitems``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from meetbot.models import Person
from meetbot.services import accounts


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every schemathesis test its operation in its node id.

    ``@schema.parametrize()`` makes one test per API operation named
    ``test_x[GET /api/v1/...]``, but with pytest 9 (which derives a node id from
    ``originalname`` plus the callspec, and schemathesis passes no callspec) all of them
    get the same node id ``...::test_x``. Run one after the other that goes unnoticed,
    but pytest-xdist's ``loadfile`` scheduler keys the tests of a file by node id, so
    it ran ONE of the ~70 operations and reported the rest as never collected. The id
    is rebuilt the way pytest builds a parametrized one; tests/conftest.py refuses a
    run in which two tests still share an id.
    """
    for item in items:
        if getattr(item, "operation_label", None) is None:  # not schemathesis' test item
            continue
        prefix = f"{item.originalname}["
        node_id = item._id  # pytest's structured NodeId (it has no public setter)
        if (
            node_id.params is None
            and item.name.startswith(prefix)
            and item.name.endswith("]")
            and str(node_id).endswith(f"::{item.originalname}")
        ):
            item._id = node_id.with_params(item.name[len(prefix) : -1])


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
