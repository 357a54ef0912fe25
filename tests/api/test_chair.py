"""Attendance, minutes, action items and statistics through the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    Attendance,
    Meeting,
    MeetingStatus,
    MinuteItem,
    Person,
    Role,
)
from tests.api.conftest import assert_error


@pytest.fixture
def wg(create_user, create_person, create_group, create_meeting, token_for, time_machine):
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


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_put_and_delete_attendance_are_idempotent(api, wg):
    m, ann = wg["meeting"], wg["ann"]
    path = f"/meetings/{m.id}/attendance/{ann.id}"
    first = api.put(path, json={}, token=wg["chair"])
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["person"] == {"id": ann.id, "display_name": "Ann Lee"}
    again = api.put(path, json={"kind": "present"}, token=wg["chair"])
    assert again.status_code == 200
    assert _count(Attendance) == 1
    body = api.get(f"/meetings/{m.id}").get_json()
    assert [a["person"]["id"] for a in body["attendees"]] == [ann.id]
    # Presence after the start holds the meeting; while it runs the API says so.
    assert body["status"] == "in_progress"
    db.session.expire_all()
    assert db.session.get(Meeting, m.id).status == MeetingStatus.HELD

    regrets = api.put(
        f"/meetings/{m.id}/attendance/{wg['bob'].id}", json={"kind": "regrets"}, token=wg["chair"]
    )
    assert regrets.status_code == 200
    body = api.get(f"/meetings/{m.id}").get_json()
    assert [a["person"]["id"] for a in body["regrets"]] == [wg["bob"].id]

    assert api.delete(path, token=wg["chair"]).status_code == 204
    assert api.delete(path, token=wg["chair"]).status_code == 204
    assert [a["person"]["id"] for a in api.get(f"/meetings/{m.id}/attendance").get_json()] == [
        wg["bob"].id
    ]


def test_attendance_needs_a_chair(api, wg):
    path = f"/meetings/{wg['meeting'].id}/attendance/{wg['ann'].id}"
    assert_error(api.put(path, json={}, token=wg["member"]), 403)
    assert_error(api.put(path, json={}), 401)
    assert_error(api.put(path, json={}, token="mbt_nope"), 401)
    assert _count(Attendance) == 0
    assert_error(
        api.put(f"/meetings/{wg['meeting'].id}/attendance/999999", json={}, token=wg["chair"]), 404
    )


def test_import_by_names_emails_and_handles(api, wg):
    m = wg["meeting"]
    text = "Ann Lee\nbob@example.org, @annl\nZed Newcomer <zed@example.org>"
    response = api.post(
        f"/meetings/{m.id}/attendance/import", json={"text": text}, token=wg["chair"]
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    statuses = [(line["status"], line["person_id"]) for line in body["lines"]]
    assert statuses[:3] == [
        ("matched", wg["ann"].id),
        ("matched", wg["bob"].id),
        ("matched", wg["ann"].id),
    ]
    assert statuses[3][0] == "new"
    zed = db.session.scalar(select(Person).where(Person.email == "zed@example.org"))
    assert body["created_people"] == [zed.id]
    present = sorted(a["person"]["id"] for a in body["meeting"]["attendees"])
    assert present == sorted([wg["ann"].id, wg["bob"].id, zed.id])
    # Again: nothing new.
    again = api.post(
        f"/meetings/{m.id}/attendance/import", json={"text": text}, token=wg["chair"]
    ).get_json()
    assert again["added"] == [] and again["created_people"] == []
    assert _count(Attendance) == 3


def test_import_without_creating_people(api, wg):
    m = wg["meeting"]
    response = api.post(
        f"/meetings/{m.id}/attendance/import",
        json={"text": "Nobody Known", "create_new": False},
        token=wg["chair"],
    ).get_json()
    assert response["created_people"] == [] and response["added"] == []
    assert _count(Attendance) == 0


def test_import_too_large_is_422(api, wg):
    text = "\n".join(f"Person {i}" for i in range(3000))
    response = api.post(
        f"/meetings/{wg['meeting'].id}/attendance/import", json={"text": text}, token=wg["chair"]
    )
    assert "text" in assert_error(response, 422)["fields"]
    assert _count(Attendance) == 0


def test_minutes_with_lock_version(api, wg):
    m = wg["meeting"]
    version = api.get(f"/meetings/{m.id}").get_json()["lock_version"]
    created = api.post(
        f"/meetings/{m.id}/minutes",
        json={"kind": "agreed", "text": "Ship it", "lock_version": version},
        token=wg["chair"],
    )
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/meetings/{m.id}/minutes/{item['id']}")
    stale = api.post(
        f"/meetings/{m.id}/minutes",
        json={"kind": "info", "text": "Late", "lock_version": version},
        token=wg["chair"],
    )
    assert_error(stale, 409)
    assert "lock_version" in stale.get_json()["error"]["fields"]
    version = api.get(f"/meetings/{m.id}").get_json()["lock_version"]
    patched = api.patch(
        f"/meetings/{m.id}/minutes/{item['id']}",
        json={"text": "Ship it on Friday", "lock_version": version},
        token=wg["chair"],
    )
    assert patched.get_json()["text"] == "Ship it on Friday"
    version = api.get(f"/meetings/{m.id}").get_json()["lock_version"]
    deleted = api.request(
        "DELETE",
        f"/meetings/{m.id}/minutes/{item['id']}",
        json={"lock_version": version},
        token=wg["chair"],
    )
    assert deleted.status_code == 204
    assert _count(MinuteItem) == 0


def test_action_items_create_assign_close_carry(api, wg, create_meeting):
    m, ann, bob = wg["meeting"], wg["ann"], wg["bob"]
    created = api.post(
        "/groups/wg/actions",
        json={
            "text": "Write the report",
            "owners": [ann.id],
            "due_date": "2026-01-20",
            "meeting_id": m.id,
        },
        token=wg["chair"],
    )
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/actions/{item['id']}")
    assert [o["id"] for o in item["owners"]] == [ann.id] and item["opened_in"] == m.id

    assigned = api.patch(
        f"/actions/{item['id']}", json={"owners": [ann.id, bob.id]}, token=wg["chair"]
    ).get_json()
    assert sorted(o["id"] for o in assigned["owners"]) == sorted([ann.id, bob.id])
    assert assigned["text"] == "Write the report" and assigned["due_date"] == "2026-01-20"

    later = create_meeting(wg["group"], start=datetime(2026, 1, 13, 15, 0, tzinfo=UTC))
    carried = api.post(
        f"/actions/{item['id']}/carry-over", json={"meeting_id": later.id}, token=wg["chair"]
    )
    assert carried.status_code == 200 and carried.get_json()["status"] == "open"

    closed = api.post(
        f"/actions/{item['id']}/close",
        json={"status": "done", "meeting_id": later.id},
        token=wg["chair"],
    )
    assert closed.get_json()["status"] == "done" and closed.get_json()["closed_in"] == later.id
    assert api.get("/groups/wg/actions").get_json()["items"] == []
    listed = api.get("/groups/wg/actions?status=all").get_json()["items"]
    assert [a["id"] for a in listed] == [item["id"]]
    reopened = api.post(f"/actions/{item['id']}/reopen", json={}, token=wg["chair"]).get_json()
    assert reopened["status"] == "open"


def test_action_validation_and_roles(api, wg):
    bad_owner = api.post(
        "/groups/wg/actions", json={"text": "x", "owners": [999999]}, token=wg["chair"]
    )
    assert "owners" in assert_error(bad_owner, 422)["fields"]
    assert_error(api.post("/groups/wg/actions", json={"text": "x"}, token=wg["member"]), 403)
    assert _count(ActionItem) == 0


def test_attendance_stats(api, wg):
    m = wg["meeting"]
    for person in (wg["ann"], wg["bob"]):
        api.put(f"/meetings/{m.id}/attendance/{person.id}", json={}, token=wg["chair"])
    stats = api.get("/groups/wg/attendance-stats").get_json()
    (meeting,) = stats["meetings"]
    assert (meeting["meeting_id"], meeting["present"], meeting["first_time"]) == (m.id, 2, 2)
    rates = {r["person"]["id"]: r["rate"] for r in stats["members"]}
    assert rates[wg["ann"].id] == 100.0
    assert stats["window"] == 10
