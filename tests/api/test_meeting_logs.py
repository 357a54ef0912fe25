"""A MeetBot log into a meeting through the API: dry run (the plan), import, again, caps."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import (
    MinuteItem,
)
from tests.api.conftest import (
    EDGE_LOG,
    assert_error,
    post_text,
    saved_state,
)


def test_log_dry_run_answers_the_plan_and_saves_nothing(api, edge) -> None:
    m = edge["meeting"]
    before = saved_state()
    r = post_text(api, f"/meetings/{m.id}/minutes/import?dry_run=true", EDGE_LOG, edge["chair"])
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["dry_run"] is True and body["imported"] is None
    assert body["already_imported"] is False
    plan = body["plan"]
    # Worked out by hand from the log: 4 speakers (bots excluded), alice known.
    assert [(a["nick"], a["lines_said"]) for a in plan["attendees"]] == [
        ("alice", 8),
        ("bob", 4),
        ("dave", 4),
        ("carol_", 2),
    ]
    assert plan["new_people"] == ["bob", "dave", "carol_"]
    # Owners: people present named in the text (bob and carol_ would be new people).
    assert [a["owners"] for a in plan["actions"]] == [["bob"], [], [], ["alice", "carol_"]]
    assert [a["flagged"] for a in plan["actions"]] == [False, True, True, False]
    assert plan["items"][0] == {
        "kind": "topic",
        "text": "Roll call",
        "nick": "alice",
        "said_at": "2017-11-07T15:00:10Z",
        "line": 4,
    }
    assert plan["start"] == "2017-11-07T15:00:03Z"
    assert saved_state() == before


def test_log_import_then_again_changes_nothing(api, edge) -> None:
    m = edge["meeting"]
    version = api.get(f"/meetings/{m.id}").get_json()["lock_version"]
    r = post_text(
        api, f"/meetings/{m.id}/minutes/import?lock_version={version}", EDGE_LOG, edge["chair"]
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["imported"] == {
        "items_added": 12,
        "actions_added": 4,
        "flagged_actions": 2,
        "attendance_added": 4,
        "people_created": ["bob", "dave", "carol_"],
    }
    meeting = body["meeting"]
    assert {
        (a["person"]["display_name"], a["source"], a["lines_said"]) for a in meeting["attendees"]
    } == {
        ("alice", "log", 8),
        ("bob", "log", 4),
        ("dave", "log", 4),
        ("carol_", "log", 2),
    }
    assert len(meeting["minutes"]) == 12 and meeting["status"] == "held"
    before = saved_state()
    again = post_text(api, f"/meetings/{m.id}/minutes/import", EDGE_LOG, edge["chair"])
    assert again.status_code == 200 and again.get_json()["already_imported"] is True
    assert saved_state() == before
    # The version the first import started from is stale now.
    stale = post_text(
        api, f"/meetings/{m.id}/minutes/import?lock_version={version}", EDGE_LOG, edge["chair"]
    )
    assert "lock_version" in assert_error(stale, 409)["fields"]


@pytest.mark.parametrize(
    "body",
    ["", "just chatting\nno meeting here\n", b"\xff\xfe not utf-8 #startmeeting", "a\x00b"],
)
def test_log_that_is_not_a_meeting_is_422_on_log(api, edge, body) -> None:
    before = saved_state()
    r = post_text(api, f"/meetings/{edge['meeting'].id}/minutes/import", body, edge["chair"])
    assert "log" in assert_error(r, 422)["fields"]
    assert saved_state() == before


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("mbt_nope", 401), ("member", 403)])
def test_log_import_needs_a_chair(api, edge, token, status) -> None:
    before = saved_state()
    r = post_text(
        api, f"/meetings/{edge['meeting'].id}/minutes/import", EDGE_LOG, edge.get(token, token)
    )
    assert_error(r, status)
    assert saved_state() == before
    assert_error(post_text(api, "/meetings/999999/minutes/import", EDGE_LOG, edge["chair"]), 404)


def test_log_past_a_cap_is_422_naming_the_line(api, edge, monkeypatch) -> None:
    # issue 12, finding 1: the parser's caps reach the API in its error shape.
    from meetbot.domain import meetbot_log

    monkeypatch.setattr(meetbot_log, "MAX_NICKS", 3)
    before = saved_state()
    for dry_run in ("true", "false"):
        r = post_text(
            api,
            f"/meetings/{edge['meeting'].id}/minutes/import?dry_run={dry_run}",
            EDGE_LOG,
            edge["chair"],
        )
        fields = assert_error(r, 422)["fields"]
        assert fields == {"log": "more than 3 different nicks in one meeting", "line": "7"}
    assert saved_state() == before


def test_a_different_log_needs_replace_or_append(api, edge) -> None:
    # issue 12, finding 12: a meeting with minutes from one log refuses another one
    # (dry run included) unless ``existing`` says replace or append.
    m = edge["meeting"]
    assert (
        post_text(api, f"/meetings/{m.id}/minutes/import", EDGE_LOG, edge["chair"]).status_code
        == 200
    )
    corrected = EDGE_LOG.replace("#topic Roll call", "#topic Roll call (corrected)")
    before = saved_state()
    for dry_run in ("true", "false"):
        r = post_text(
            api, f"/meetings/{m.id}/minutes/import?dry_run={dry_run}", corrected, edge["chair"]
        )
        fields = assert_error(r, 422)["fields"]
        assert fields == {
            "existing": "the meeting has minutes from a different log: choose replace or append"
        }
    assert saved_state() == before
    r = post_text(
        api, f"/meetings/{m.id}/minutes/import?existing=sideways", corrected, edge["chair"]
    )
    assert assert_error(r, 400)["fields"] == {
        "existing": "Must be one of: refuse, replace, append."
    }
    r = post_text(
        api, f"/meetings/{m.id}/minutes/import?existing=replace", corrected, edge["chair"]
    )
    assert r.status_code == 200, r.get_json()
    texts = list(db.session.scalars(select(MinuteItem.text).where(MinuteItem.meeting_id == m.id)))
    assert "Roll call (corrected)" in texts and "Roll call" not in texts
    # The same log again: nothing changes, whatever ``existing`` says.
    again = post_text(api, f"/meetings/{m.id}/minutes/import", corrected, edge["chair"])
    assert again.status_code == 200 and again.get_json()["already_imported"] is True
