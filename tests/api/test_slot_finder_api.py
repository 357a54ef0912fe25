"""The slot finder through the API: anonymous POST, bounded inputs, the group's members
aggregated for members only, rate limits."""

from __future__ import annotations

import pytest

from meetbot.extensions import db
from meetbot.models import Role
from tests.api.conftest import assert_error

BODY = {
    "participants": [
        {"timezone": "Europe/Berlin", "count": 3},
        {"timezone": "Australia/Sydney", "count": 2, "window": ["08:00", "17:00"]},
    ],
    "duration_minutes": 60,
    "timezone": "UTC",
    "start": "2027-01-04",
    "weeks": 52,
    "top": 3,
}


def test_anonymous_post_scores_slots_and_pairs(api) -> None:
    response = api.post("/slot-finder", json=BODY)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["participants"] == 5 and body["weeks"] == 52 and body["start"] == "2027-01-04"
    assert len(body["slots"]) == 3 and len(body["pairs"]) == 3
    best = body["slots"][0]
    assert set(best) == {"weekday", "start", "coverage", "suited_every_week"}
    # no single slot suits Berlin and Sydney every week; the best pair includes all five
    assert best["suited_every_week"] == 3
    pair = body["pairs"][0]
    assert set(pair) == {"a", "b", "coverage", "included"} and pair["included"] == 5
    assert set(pair["a"]) == {"weekday", "start"}


def test_bad_token_is_still_refused(api) -> None:
    assert_error(api.post("/slot-finder", json=BODY, token="nope"), 401, "invalid_token")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weeks": 105}, "weeks"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"participants": []}, "participants"),
        ({"participants": [{"timezone": "Mars/Olympus"}]}, "participants.0.timezone"),
        (
            {"participants": [{"timezone": "UTC", "window": ["20:00", "08:00"]}]},
            "participants.0.window",
        ),
        (
            {"participants": [{"timezone": "UTC", "window": ["8am", "20:00"]}]},
            "participants.0.window.0",
        ),
        ({"participants": [{"timezone": "UTC", "days": [7]}]}, "participants.0.days.0"),
        ({"participants": [{"timezone": "UTC"}] * 501}, "participants"),
        ({"timezone": "Nowhere/Town"}, "timezone"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api, change, field) -> None:
    error = assert_error(api.post("/slot-finder", json={**BODY, **change}), 422)
    assert field in error["fields"], error


@pytest.fixture
def wg(create_user, create_group, token_for):
    people = {}
    for name, zone in [
        ("Ana", "Europe/Berlin"),
        ("Ben", "Europe/Berlin"),
        ("Cy", "Europe/Paris"),
        ("Di", "Australia/Sydney"),
        ("Ed", "Australia/Sydney"),
        ("Flo", None),
    ]:
        people[name] = create_user(name, email=f"{name.lower()}@example.org", timezone=zone)
    people["Di"].window_end_minutes = people["Ed"].window_end_minutes = 17 * 60
    outsider = create_user("Otto", email="otto@example.org")
    roles = {p: Role.MEMBER for p in people.values()}
    roles[people["Ana"]] = Role.ORGANIZER
    group = create_group("wg", members=roles, timezone="Europe/London")
    db.session.commit()
    return {"group": group, "member": token_for(people["Ben"]), "outsider": token_for(outsider)}


def test_group_finder_is_for_members_and_aggregates(api, wg) -> None:
    path = "/groups/wg/slot-finder?start=2027-01-04&weeks=52&top=2"
    assert_error(api.get(path), 401)
    assert_error(api.get(path, token=wg["outsider"]), 403)
    response = api.get(path, token=wg["member"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["timezone"] == "Europe/London"  # the group's zone by default
    assert body["participants"] == 6
    assert body["pairs"][0]["included"] == 6
    text = response.get_data(as_text=True)
    assert "Sydney" not in text and "Ana" not in text  # nobody's zone or name


def test_group_finder_may_weigh_by_attendance(api, wg) -> None:
    path = "/groups/wg/slot-finder?start=2027-01-04&weeks=4&weight=attendance"
    body = api.get(path, token=wg["member"]).get_json()
    # no meetings held yet: every weight is 0, so no slot covers anyone
    assert body["slots"][0]["coverage"] == 0.0
    assert body["participants"] == 6


@pytest.fixture
def limited_api(app_config, db_backend):
    from meetbot import create_app
    from meetbot.extensions import limiter
    from tests.api.conftest import ApiClient

    limited = create_app({**app_config, "RATELIMIT_ENABLED": True})
    with limited.app_context():
        limiter.reset()
        yield ApiClient(limited.test_client())
        limiter.reset()


def test_anonymous_finder_is_rate_limited(limited_api) -> None:
    small = {**BODY, "weeks": 1}
    codes = [limited_api.post("/slot-finder", json=small).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30
    assert_error(limited_api.post("/slot-finder", json=small), 429)
