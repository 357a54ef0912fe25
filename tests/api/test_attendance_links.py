"""A meeting's check-in link through the API: open, close, validity, who may."""

from __future__ import annotations

import pytest

from tests.api.conftest import (
    assert_error,
    saved_state,
)


def test_open_and_close_the_checkin_link(api, client, edge) -> None:
    m = edge["meeting"]
    r = api.post(f"/meetings/{m.id}/checkin-link", json={"valid_minutes": 30}, token=edge["chair"])
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["open_until"] == "2017-11-07T16:30:00Z"  # frozen now + 30 minutes
    assert body["url"] == f"https://meetbot.test/checkin/{m.id}/{body['token']}"
    assert client.get(f"/checkin/{m.id}/{body['token']}").status_code == 200
    assert api.delete(f"/meetings/{m.id}/checkin-link", token=edge["chair"]).status_code == 204
    assert api.delete(f"/meetings/{m.id}/checkin-link", token=edge["chair"]).status_code == 204
    assert client.get(f"/checkin/{m.id}/{body['token']}").status_code == 404
    # Default validity: three hours.
    default = api.post(f"/meetings/{m.id}/checkin-link", json={}, token=edge["chair"]).get_json()
    assert default["open_until"] == "2017-11-07T19:00:00Z"


@pytest.mark.parametrize("minutes_", [4, 2881, "10"])
def test_checkin_link_validity_is_checked(api, edge, minutes_) -> None:
    before = saved_state()
    r = api.post(
        f"/meetings/{edge['meeting'].id}/checkin-link",
        json={"valid_minutes": minutes_},
        token=edge["chair"],
    )
    assert "valid_minutes" in assert_error(r, 422)["fields"]
    assert saved_state() == before


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("member", 403)])
def test_checkin_link_needs_a_chair(api, edge, token, status) -> None:
    m = edge["meeting"]
    api.post(f"/meetings/{m.id}/checkin-link", json={}, token=edge["chair"])
    before = saved_state()
    assert_error(api.post(f"/meetings/{m.id}/checkin-link", json={}, token=edge.get(token)), status)
    assert_error(api.delete(f"/meetings/{m.id}/checkin-link", token=edge.get(token)), status)
    assert saved_state() == before
