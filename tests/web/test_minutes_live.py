"""The minutes editor without page loads: the same forms with ``Accept:
application/json`` answer with the list and the new version (web/minutes_live.py),
errors of the API's shape; ``#action`` lines get owners and due dates; live.json
carries the minutes' version for the other chair's page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import ActionItem, MinuteItem, Role
from meetbot.services import minutes

JSON = {"Accept": "application/json"}


@pytest.fixture
def world(create_user, create_person, create_group, create_meeting):
    chair = create_user("Chair", email="chair@example.org")
    priya = create_person("Priya Raman", email="priya@example.org", handles=["praman"])
    group = create_group(members={chair: Role.CHAIR, priya: Role.MEMBER})
    meeting = create_meeting(group, start=datetime(2027, 1, 12, 15, 0, tzinfo=UTC))
    return meeting, priya


def _quick(client, meeting, text, version=None, headers=JSON):
    return client.post(
        f"/meetings/{meeting.id}/minutes/items",
        data={
            "quick-kind": "info",
            "quick-text": text,
            "quick-version": meeting.lock_version if version is None else version,
        },
        headers=headers,
    )


def test_quick_action_form_sets_owner_and_due(client, auth, world) -> None:
    """Issue 16: ``#action praman ...`` made an action with no owner."""
    meeting, priya = world
    auth.login("chair@example.org")
    r = _quick(client, meeting, "#action praman send the draft due:friday", headers={})
    assert r.status_code == 302
    action = db.session.scalar(select(ActionItem))
    assert [p.id for p in action.owners] == [priya.id]
    assert action.due_date == date(2027, 1, 15)


def test_json_add_answers_list_version_and_item(client, auth, world) -> None:
    meeting, _ = world
    auth.login("chair@example.org")
    version = meeting.lock_version
    r = _quick(client, meeting, "#agreed ship it")
    assert r.status_code == 200
    body = r.get_json()
    item = db.session.scalar(select(MinuteItem))
    assert body["item_id"] == item.id
    assert body["version"] == version + 1
    assert f'id="item-{item.id}"' in body["html"]
    assert f'data-version="{version + 1}"' in body["html"]
    assert body["notes"] == []
    # The other chair's page polls live.json for the version, then asks items.json.
    live = client.get(f"/meetings/{meeting.id}/live.json").get_json()
    assert live["version"] == version + 1
    minutes.add_item(None, meeting, kind="info", text="theirs", version=meeting.lock_version)
    assert client.get(f"/meetings/{meeting.id}/live.json").get_json()["version"] == version + 2
    body = client.get(f"/meetings/{meeting.id}/minutes/items.json").get_json()
    assert body["version"] == version + 2 and "theirs" in body["html"]


def test_json_errors_have_the_api_shape_and_save_nothing(client, auth, world) -> None:
    meeting, _ = world
    auth.login("chair@example.org")
    version = meeting.lock_version
    r = _quick(client, meeting, "#action praman send it due:fryday")
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "validation_error"
    assert "due:fryday is not a date" in error["fields"]["text"]
    r = _quick(client, meeting, "   ")
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["text"] == "Write something for this item."
    r = _quick(client, meeting, "old news", version=version - 1)
    assert r.status_code == 409
    body = r.get_json()
    assert body["error"]["code"] == "conflict"
    assert body["version"] == version
    db.session.expire_all()
    assert db.session.scalar(select(MinuteItem)) is None


def test_json_edit_conflict_shows_theirs_then_move_and_delete(client, auth, world) -> None:
    meeting, _ = world
    auth.login("chair@example.org")
    item = minutes.add_item(None, meeting, kind="info", text="theirs", version=meeting.lock_version)
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items/{item.id}/edit",
        data={"kind": "info", "text": "mine", "version": meeting.lock_version - 1},
        headers=JSON,
    )
    assert r.status_code == 409
    assert r.get_json()["current"] == {"kind": "info", "text": "theirs"}
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items/{item.id}/edit",
        data={"kind": "idea", "text": "mine", "version": meeting.lock_version},
        headers=JSON,
    )
    assert r.status_code == 200
    assert "mine" in r.get_json()["html"]
    db.session.expire_all()
    # Move and delete answer the list too.
    a = minutes.add_item(None, meeting, kind="info", text="a", version=meeting.lock_version)
    b = minutes.add_item(None, meeting, kind="info", text="b", version=meeting.lock_version)
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items/{b.id}/move/up",
        data={"version": meeting.lock_version},
        headers=JSON,
    )
    assert r.status_code == 200
    html = r.get_json()["html"]
    assert html.index(f'id="item-{b.id}"') < html.index(f'id="item-{a.id}"')
    db.session.expire_all()
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items/{a.id}/delete",
        data={"version": meeting.lock_version},
        headers=JSON,
    )
    assert r.status_code == 200
    assert r.get_json()["notes"] == ["Item deleted."]
    assert f'id="item-{a.id}"' not in r.get_json()["html"]
