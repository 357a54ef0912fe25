"""Issue 12, "every list": GET /meetings/<id> embeds a bounded part of a meeting's minutes
and action items (with their counts and the paged lists' URLs); GET
/meetings/<id>/minutes and /actions page them all by the one cursor pager; the API
refuses a minute item past the meeting's cap (422 naming the field)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import ActionItem, MinuteItem
from meetbot.services import meeting_item_reads, minutes
from tests.api.conftest import assert_error, count_rows, saved_state


def _walk(api, path: str) -> list[list[str]]:
    """Follow the next links from ``path``: the texts of each page."""
    pages = []
    while path:
        response = api.get(path)
        assert response.status_code == 200, response.get_json()
        pages.append([item["text"] for item in response.get_json()])
        link = response.headers.get("Link")
        path = (
            re.match(r'<https?://[^/]+/api/v1([^>]+)>; rel="next"$', link).group(1) if link else ""
        )
    return pages


def _fill(call, create_meeting, create_action_item, minute_texts, action_texts) -> None:
    meeting, group = call["meeting"], call["group"]
    for text in minute_texts:
        minutes.add_item(None, meeting, kind="info", text=text, version=meeting.lock_version)
    other = create_meeting(group, start=datetime(2025, 12, 30, 15, 0, tzinfo=UTC))
    for text in action_texts:
        create_action_item(group, text=text, opened_in_id=meeting.id)
    # Opened at the meeting before, closed at this one: listed here too.
    create_action_item(group, text="closed here", opened_in_id=other.id, closed_in_id=meeting.id)


def test_minutes_and_actions_in_pages(api, call, create_meeting, create_action_item) -> None:
    _fill(call, create_meeting, create_action_item, ["a", "b", "c", "d", "e"], ["x", "y"])
    m = call["meeting"]
    # Order by position: move "e" to the top.
    item_e = db.session.scalars(select(MinuteItem).where(MinuteItem.text == "e")).one()
    minutes.move_item(None, item_e, "up", version=m.lock_version)
    assert _walk(api, f"/meetings/{m.id}/minutes?limit=2") == [["a", "b"], ["c", "e"], ["d"]]
    assert _walk(api, f"/meetings/{m.id}/minutes") == [["a", "b", "c", "e", "d"]]
    assert _walk(api, f"/meetings/{m.id}/actions?limit=2") == [["x", "y"], ["closed here"]]
    error = assert_error(api.get(f"/meetings/{m.id}/minutes?limit=2001"), 400, "bad_request")
    assert set(error["fields"]) == {"limit"}
    error = assert_error(api.get(f"/meetings/{m.id}/minutes?cursor=WyJhIiwiYiJd"), 400)
    assert set(error["fields"]) == {"cursor"}  # ["a", "b"]: not a key of this list
    assert_error(api.get(f"/meetings/{m.id}/actions?cursor=WyJhIl0"), 400, "bad_request")
    assert_error(api.get("/meetings/99999/minutes"), 404)


def test_meeting_embeds_bounded_minutes_and_actions(
    api, call, create_meeting, create_action_item, monkeypatch, count_queries
) -> None:
    _fill(call, create_meeting, create_action_item, ["a", "b", "c"], ["x", "y"])
    monkeypatch.setattr(meeting_item_reads, "EMBEDDED_ITEMS", 2)
    m = call["meeting"]
    api.get(f"/meetings/{m.id}")  # warm up (first-request work is not counted)
    with count_queries() as counts:
        body = api.get(f"/meetings/{m.id}").get_json()
    assert [i["text"] for i in body["minutes"]] == ["a", "b"]
    assert [a["text"] for a in body["action_items"]] == ["x", "y"]
    assert (body["minute_count"], body["action_item_count"]) == (3, 3)
    assert body["minutes_url"] == f"http://localhost/api/v1/meetings/{m.id}/minutes"
    assert body["action_items_url"] == f"http://localhost/api/v1/meetings/{m.id}/actions"
    listed = api.get("/groups/wg/meetings").get_json()["items"]
    mine = next(item for item in listed if item["id"] == m.id)
    assert mine["minute_count"] == 3 and len(mine["minutes"]) == 2
    # Ten times the items: the same number of statements.
    monkeypatch.setattr(meeting_item_reads, "EMBEDDED_ITEMS", 200)
    _fill(call, create_meeting, create_action_item, [f"n{i}" for i in range(30)], ["z"] * 20)
    api.get(f"/meetings/{m.id}")  # the same warm-up
    with count_queries() as more:
        body = api.get(f"/meetings/{m.id}").get_json()
    assert (len(body["minutes"]), len(body["action_items"])) == (33, 24)
    assert more.count == counts.count
    with count_queries() as page:
        api.get(f"/meetings/{m.id}/minutes?limit=5")
    with count_queries() as bigger:
        api.get(f"/meetings/{m.id}/minutes?limit=30")
    assert page.count == bigger.count


def test_the_api_refuses_a_minute_item_past_the_cap(app, api, call) -> None:
    app.config["MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING"] = 1
    m = call["meeting"]
    minutes.add_item(None, m, kind="info", text="one", version=m.lock_version)
    version = api.get(f"/meetings/{m.id}").get_json()["lock_version"]
    before = saved_state()
    refused = api.post(
        f"/meetings/{m.id}/minutes",
        json={"kind": "info", "text": "two", "lock_version": version},
        token=call["chair"],
    )
    error = assert_error(refused, 422)
    assert error["fields"] == {
        "text": "A meeting's minutes can have at most 1 items; nothing was added."
    }
    assert saved_state() == before and count_rows(MinuteItem) == 1
    assert count_rows(ActionItem) == 0
