"""One occurrence of a series through the API: cancel, move, uncancel;
one the rule does not make."""

from __future__ import annotations

from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import (
    Meeting,
)
from tests.api.conftest import (
    SERIES,
    assert_error,
)


def test_cancel_move_and_uncancel_one_occurrence(api, org):
    series = api.post("/groups/wg/series", json=SERIES, token=org["token"]).get_json()
    key = series["slots"][0]["key"]
    ref = {"slot_key": key, "original_start_local": "2026-03-31T14:00:00"}
    cancelled = api.post(
        f"/series/{series['id']}/occurrences/cancel",
        json={**ref, "reason": "Holiday"},
        token=org["token"],
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["change_reason"] == "Holiday"
    occ = api.get("/groups/wg/occurrences?start=2026-03-30&end=2026-04-01").get_json()
    assert [(o["status"], o["meeting_id"]) for o in occ] == [
        ("cancelled", cancelled.get_json()["id"])
    ]

    api.post(f"/series/{series['id']}/occurrences/uncancel", json=ref, token=org["token"])
    moved = api.post(
        f"/series/{series['id']}/occurrences/move",
        json={**ref, "new_start_local": "2026-04-01T09:00:00"},
        token=org["token"],
    ).get_json()
    assert (moved["status"], moved["start"], moved["is_moved"]) == (
        "scheduled",
        "2026-04-01T07:00:00Z",
        True,
    )
    occ = api.get("/groups/wg/occurrences?start=2026-03-30&end=2026-04-02").get_json()
    assert [(o["start"], o["recurrence_id"]) for o in occ] == [
        ("2026-04-01T07:00:00Z", "2026-03-31T12:00:00Z")
    ]


def test_occurrence_the_rule_does_not_make_is_404(api, org):
    series = api.post("/groups/wg/series", json=SERIES, token=org["token"]).get_json()
    ref = {"slot_key": series["slots"][0]["key"], "original_start_local": "2026-03-18T14:00:00"}
    assert_error(
        api.post(f"/series/{series['id']}/occurrences/cancel", json=ref, token=org["token"]), 404
    )
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
