"""Availability polls through the API: organizers create and close, members list and read
results, anyone with the link answers (guests only change their own answer with its
secret), closing twice is a 409, anonymous answers are rate-limited."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from meetbot.models import Role
from tests.api.conftest import assert_error

NOW = datetime(2027, 1, 6, 9, 0)
BODY = {
    "title": "Call time",
    "timezone": "UTC",
    "start": "2027-01-04",
    "weeks": 52,
    "options": [
        {"a": {"weekday": 1, "start": "15:00"}},
        {"a": {"weekday": 0, "start": "07:00"}, "b": {"weekday": 1, "start": "15:00"}},
    ],
}


@pytest.fixture
def wg(app, create_user, create_group, create_series, token_for):
    olga = create_user("Olga", email="olga@example.org", timezone="Europe/Berlin")
    sam = create_user("Sam", email="sam@example.org", timezone="Australia/Sydney")
    out = create_user("Otto", email="otto@example.org")
    group = create_group(
        "wg",
        members={olga: Role.ORGANIZER, sam: Role.MEMBER},
        mailing_list="wg@lists.example.org",
    )
    series = create_series(group, title="Weekly call")
    return {
        "organizer": token_for(olga),
        "member": token_for(sam),
        "outsider": token_for(out),
        "series": series,
    }


def _create(api, wg) -> dict:
    response = api.post("/groups/wg/polls", json=BODY, token=wg["organizer"])
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@time_machine.travel(NOW, tick=False)
def test_poll_lifecycle_through_the_api(api, wg) -> None:
    poll = _create(api, wg)
    assert poll["status"] == "open" and poll["answers"] == 0 and poll["series_id"] is None
    assert [o["b"] for o in poll["options"]] == [None, {"weekday": 1, "start": "15:00"}]
    assert poll["link"] == f"https://meetbot.test/polls/{poll['token']}"
    listed = api.get("/groups/wg/polls", token=wg["member"]).get_json()
    assert [p["id"] for p in listed["items"]] == [poll["id"]]
    public = api.get(f"/polls/{poll['token']}").get_json()
    assert set(public) == {
        "title",
        "group",
        "timezone",
        "duration_minutes",
        "start",
        "weeks",
        "status",
        "options",
    }

    # a member answers with their token (again: the same answer changes), a guest without
    mine = api.post(
        f"/polls/{poll['token']}/answers", json={"choices": ["no", "yes"]}, token=wg["member"]
    )
    assert mine.status_code == 201 and mine.get_json()["name"] == "Sam"
    assert "secret" not in mine.get_json()
    again = api.post(
        f"/polls/{poll['token']}/answers", json={"choices": ["no", "maybe"]}, token=wg["member"]
    )
    assert again.status_code == 200 and again.get_json()["id"] == mine.get_json()["id"]
    guest = api.post(
        f"/polls/{poll['token']}/answers", json={"choices": ["yes", "yes"], "name": "Gita"}
    )
    assert guest.status_code == 201
    results = api.get(f"/groups/wg/polls/{poll['id']}/results", token=wg["member"]).get_json()
    assert [(o["yes"], o["maybe"], o["no"]) for o in results["options"]] == [(1, 0, 1), (1, 1, 0)]
    # Tue 15:00 UTC suits Berlin only; the pair includes Sydney too
    assert [o["included"] for o in results["options"]] == [1, 2]
    assert results["best"] == poll["options"][1]["id"]

    close = {
        "option": poll["options"][1]["id"],
        "series": wg["series"].id,
        "note": "Welcome, Sydney.",
    }
    closed = api.post(f"/groups/wg/polls/{poll['id']}/close", json=close, token=wg["organizer"])
    assert closed.status_code == 200, closed.get_data(as_text=True)
    body = closed.get_json()
    assert body["status"] == "closed" and body["series_id"] == wg["series"].id
    assert body["change_note"].endswith("Welcome, Sydney.")
    assert_error(
        api.post(f"/groups/wg/polls/{poll['id']}/close", json=close, token=wg["organizer"]),
        409,
        "conflict",
    )
    assert_error(
        api.post(f"/polls/{poll['token']}/answers", json={"choices": ["yes", "yes"], "name": "L"}),
        409,
        "conflict",
    )


@time_machine.travel(NOW, tick=False)
def test_guests_cannot_overwrite_each_other(api, wg) -> None:
    poll = _create(api, wg)
    path = f"/polls/{poll['token']}/answers"
    first = api.post(path, json={"choices": ["yes", "yes"], "name": "Gita"}).get_json()
    secret = first["secret"]
    # no secret: a new answer, never someone else's
    second = api.post(path, json={"choices": ["no", "no"], "name": "Gita"}).get_json()
    assert second["id"] != first["id"] and second["secret"] != secret
    # a wrong secret is refused
    assert_error(
        api.post(path, json={"choices": ["no", "no"], "name": "Gita", "secret": "guess"}),
        403,
        "forbidden",
    )
    changed = api.post(path, json={"choices": ["maybe", "no"], "name": "Gita", "secret": secret})
    assert changed.status_code == 200
    assert changed.get_json() == {
        "id": first["id"],
        "name": "Gita",
        "timezone": None,
        "choices": ["maybe", "no"],
    }
    results = api.get(f"/groups/wg/polls/{poll['id']}/results", token=wg["member"]).get_json()
    assert [(o["yes"], o["maybe"], o["no"]) for o in results["options"]] == [(0, 1, 1), (0, 0, 2)]


@time_machine.travel(NOW, tick=False)
def test_who_may_do_what_and_bad_input(api, wg) -> None:
    assert_error(api.post("/groups/wg/polls", json=BODY), 401)
    assert_error(api.post("/groups/wg/polls", json=BODY, token=wg["member"]), 403, "forbidden")
    assert_error(api.get("/groups/wg/polls", token=wg["outsider"]), 403, "forbidden")
    bad = {**BODY, "options": [{"a": {"weekday": 7, "start": "25:00"}}]}
    error = assert_error(api.post("/groups/wg/polls", json=bad, token=wg["organizer"]), 422)
    assert set(error["fields"]) == {"options.0.a.weekday", "options.0.a.start"}
    error = assert_error(
        api.post("/groups/wg/polls", json={**BODY, "timezone": "Mars/Base"}, token=wg["organizer"]),
        422,
    )
    assert set(error["fields"]) == {"timezone"}
    poll = _create(api, wg)
    path = f"/polls/{poll['token']}/answers"
    error = assert_error(api.post(path, json={"choices": ["yes"], "name": "G"}), 422)
    assert set(error["fields"]) == {"choices"}
    error = assert_error(api.post(path, json={"choices": ["yes", "no"]}), 422)
    assert set(error["fields"]) == {"name"}
    assert_error(api.post("/polls/nope/answers", json={"choices": ["yes"], "name": "G"}), 404)
    close = f"/groups/wg/polls/{poll['id']}/close"
    assert_error(api.post(close, json={"option": 1}, token=wg["member"]), 403, "forbidden")
    error = assert_error(api.post(close, json={"option": 999999}, token=wg["organizer"]), 422)
    assert set(error["fields"]) == {"option"}
    first = poll["options"][0]["id"]
    error = assert_error(
        api.post(close, json={"option": first, "series": 999999}, token=wg["organizer"]), 422
    )
    assert set(error["fields"]) == {"series"}
    assert api.get(f"/groups/wg/polls/{poll['id']}", token=wg["member"]).get_json()["status"] == (
        "open"
    )


@pytest.fixture
def limited_api(app, app_config, db_backend):
    from meetbot import create_app
    from meetbot.extensions import limiter
    from tests.api.conftest import ApiClient

    limited = create_app({**app_config, "RATELIMIT_ENABLED": True})
    with limited.app_context():
        limiter.reset()
        yield ApiClient(limited.test_client())
        limiter.reset()


def test_anonymous_answers_are_rate_limited(limited_api) -> None:
    codes = [
        limited_api.post("/polls/nope/answers", json={"choices": ["yes"], "name": "G"}).status_code
        for _ in range(21)
    ]
    assert codes == [404] * 20 + [429]
