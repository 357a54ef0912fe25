"""A group's attendance statistics through the API."""

from __future__ import annotations


def test_attendance_stats(api, call):
    m = call["meeting"]
    for person in (call["ann"], call["bob"]):
        api.put(f"/meetings/{m.id}/attendance/{person.id}", json={}, token=call["chair"])
    stats = api.get("/groups/wg/attendance-stats").get_json()
    (meeting,) = stats["meetings"]
    assert (meeting["meeting_id"], meeting["present"], meeting["first_time"]) == (m.id, 2, 2)
    rates = {r["person"]["id"]: r["rate"] for r in stats["members"]}
    assert rates[call["ann"].id] == 100.0
    assert stats["window"] == 10
