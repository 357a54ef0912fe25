"""Fixtures of the API tests: tokens for people and a client that sends them, the calls
the resource tests share (``call``, ``edge``, ``org``) and their data, and unique test
ids for the schemathesis tests (see ``pytest_collection_modifyitems``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ActionItem, Attendance, AuditEntry, Meeting, MinuteItem, Person, Role
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


@pytest.fixture
def call(create_user, create_person, create_group, create_meeting, token_for, time_machine):
    """A call on 2026-01-06 15:00 UTC (the clock at 15:30) with a chair, a member, Ann and Bob."""
    time_machine.move_to(datetime(2026, 1, 6, 15, 30, tzinfo=UTC), tick=False)
    chair = create_user("Cora Chair")
    member = create_user("Max Member")
    ann = create_person("Ann Lee", email="ann@example.org", handles=["annl"])
    bob = create_person("Bob Stone", email="bob@example.org")
    group = create_group(
        "wg", members={chair: Role.CHAIR, member: Role.MEMBER, ann: Role.MEMBER, bob: Role.MEMBER}
    )
    meeting = create_meeting(group, start=datetime(2026, 1, 6, 15, 0, tzinfo=UTC), title="Call")
    return {
        "group": group,
        "meeting": meeting,
        "ann": ann,
        "bob": bob,
        "chair": token_for(chair),
        "member": token_for(member),
    }


@pytest.fixture
def edge(create_user, create_person, create_group, create_meeting, token_for, time_machine):
    """The Edge call of 2017-11-07 15:00 UTC (the clock at 16:00): chair, member, alice, Ann."""
    time_machine.move_to(datetime(2017, 11, 7, 16, 0, tzinfo=UTC), tick=False)
    chair = create_user("Cora Chair")
    member = create_user("Max Member")
    alice = create_person("alice", handles=["alice"])
    ann = create_person("Ann Lee", email="ann@example.org")
    group = create_group(
        "wg", members={chair: Role.CHAIR, member: Role.MEMBER, alice: Role.MEMBER, ann: Role.MEMBER}
    )
    meeting = create_meeting(group, start=datetime(2017, 11, 7, 15, 0, tzinfo=UTC), title="Edge")
    return {
        "meeting": meeting,
        "ann": ann,
        "chair": token_for(chair),
        "member": token_for(member),
    }


@pytest.fixture
def org(create_user, create_group, create_work_stream, token_for):
    organizer = create_user("Olga Organizer")
    chair = create_user("Cora Chair")
    group = create_group("wg", members={organizer: Role.ORGANIZER, chair: Role.CHAIR})
    create_work_stream(group, "gaps", name="Gaps")
    return {
        "group": group,
        "token": token_for(organizer),
        "chair_token": token_for(chair),
        "chair": chair,
    }


EDGE_LOG = (Path(__file__).parents[1] / "services" / "data" / "edge_2017_11_07.log").read_text()


CSV = (
    b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    b"Ann Lee,ann@example.org,11/07/2017 03:00:00 PM,11/07/2017 03:40:00 PM,40,No\n"
    b"Zed Newcomer,zed@example.org,11/07/2017 03:00:00 PM,11/07/2017 03:20:00 PM,20,Yes\n"
)


SERIES = {
    "title": "Weekly call",
    "timezone": "Europe/Berlin",
    "location": "https://meet.example/wg",
    "work_streams": ["gaps"],
    "slots": [
        {
            "label": "EU",
            "start_local": "2026-03-17T14:00:00",
            "duration_minutes": 60,
            "frequency": "weekly",
            "interval": 2,
        },
    ],
}


def count_rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def saved_state() -> tuple:
    db.session.expire_all()
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Attendance, Person, MinuteItem, ActionItem, AuditEntry)
    )
    meetings = sorted(
        db.session.execute(
            select(Meeting.id, Meeting.lock_version, Meeting.status, Meeting.checkin_token_hash)
        ).all()
    )
    return counts, meetings


def post_text(api, path: str, body: str | bytes, token: str | None, **kwargs):
    return api.post(path, data=body, token=token, content_type="text/plain", **kwargs)
