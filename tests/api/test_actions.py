"""Action items through the API: create, assign, close, carry over; validation and roles."""

from __future__ import annotations

from datetime import UTC, datetime

from meetbot.models import (
    ActionItem,
)
from tests.api.conftest import (
    assert_error,
    count_rows,
)


def test_action_items_create_assign_close_carry(api, call, create_meeting):
    m, ann, bob = call["meeting"], call["ann"], call["bob"]
    created = api.post(
        "/groups/wg/actions",
        json={
            "text": "Write the report",
            "owners": [ann.id],
            "due_date": "2026-01-20",
            "meeting_id": m.id,
        },
        token=call["chair"],
    )
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/actions/{item['id']}")
    assert [o["id"] for o in item["owners"]] == [ann.id] and item["opened_in"] == m.id

    assigned = api.patch(
        f"/actions/{item['id']}", json={"owners": [ann.id, bob.id]}, token=call["chair"]
    ).get_json()
    assert sorted(o["id"] for o in assigned["owners"]) == sorted([ann.id, bob.id])
    assert assigned["text"] == "Write the report" and assigned["due_date"] == "2026-01-20"

    later = create_meeting(call["group"], start=datetime(2026, 1, 13, 15, 0, tzinfo=UTC))
    carried = api.post(
        f"/actions/{item['id']}/carry-over", json={"meeting_id": later.id}, token=call["chair"]
    )
    assert carried.status_code == 200 and carried.get_json()["status"] == "open"

    closed = api.post(
        f"/actions/{item['id']}/close",
        json={"status": "done", "meeting_id": later.id},
        token=call["chair"],
    )
    assert closed.get_json()["status"] == "done" and closed.get_json()["closed_in"] == later.id
    assert api.get("/groups/wg/actions").get_json()["items"] == []
    listed = api.get("/groups/wg/actions?status=all").get_json()["items"]
    assert [a["id"] for a in listed] == [item["id"]]
    reopened = api.post(f"/actions/{item['id']}/reopen", json={}, token=call["chair"]).get_json()
    assert reopened["status"] == "open"


def test_action_validation_and_roles(api, call):
    bad_owner = api.post(
        "/groups/wg/actions", json={"text": "x", "owners": [999999]}, token=call["chair"]
    )
    assert "owners" in assert_error(bad_owner, 422)["fields"]
    assert_error(api.post("/groups/wg/actions", json={"text": "x"}, token=call["member"]), 403)
    assert count_rows(ActionItem) == 0
