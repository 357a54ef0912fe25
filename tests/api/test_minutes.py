"""Minutes through the API: items with the lock version, their order and moves."""

from __future__ import annotations

import pytest

from meetbot.models import (
    MinuteItem,
)
from meetbot.services import minutes
from tests.api.conftest import (
    assert_error,
    count_rows,
    saved_state,
)


def test_minutes_with_lock_version(api, call):
    m = call["meeting"]
    version = api.get(f"/meetings/{m.id}").get_json()["lock_version"]
    created = api.post(
        f"/meetings/{m.id}/minutes",
        json={"kind": "agreed", "text": "Ship it", "lock_version": version},
        token=call["chair"],
    )
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/meetings/{m.id}/minutes/{item['id']}")
    stale = api.post(
        f"/meetings/{m.id}/minutes",
        json={"kind": "info", "text": "Late", "lock_version": version},
        token=call["chair"],
    )
    assert_error(stale, 409)
    assert "lock_version" in stale.get_json()["error"]["fields"]
    version = api.get(f"/meetings/{m.id}").get_json()["lock_version"]
    patched = api.patch(
        f"/meetings/{m.id}/minutes/{item['id']}",
        json={"text": "Ship it on Friday", "lock_version": version},
        token=call["chair"],
    )
    assert patched.get_json()["text"] == "Ship it on Friday"
    version = api.get(f"/meetings/{m.id}").get_json()["lock_version"]
    deleted = api.request(
        "DELETE",
        f"/meetings/{m.id}/minutes/{item['id']}",
        json={"lock_version": version},
        token=call["chair"],
    )
    assert deleted.status_code == 204
    assert count_rows(MinuteItem) == 0


@pytest.fixture
def items(edge, create_user):
    m = edge["meeting"]
    made = []
    for text in ("one", "two", "three"):
        made.append(minutes.add_item(None, m, kind="info", text=text, version=m.lock_version).id)
    return made


def test_reorder_and_move(api, edge, items) -> None:
    m = edge["meeting"]
    version = api.get(f"/meetings/{m.id}").get_json()["lock_version"]
    new = [items[2], items[0], items[1]]
    r = api.put(
        f"/meetings/{m.id}/minutes/order",
        json={"order": new, "lock_version": version},
        token=edge["chair"],
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [i["id"] for i in body["items"]] == new
    assert [i["text"] for i in body["items"]] == ["three", "one", "two"]
    assert body["lock_version"] > version
    r = api.post(
        f"/meetings/{m.id}/minutes/{items[1]}/move",
        json={"direction": "up", "lock_version": body["lock_version"]},
        token=edge["chair"],
    )
    assert [i["text"] for i in r.get_json()["items"]] == ["three", "two", "one"]
    # The stale version is refused, nothing moves.
    before = saved_state()
    stale = api.put(
        f"/meetings/{m.id}/minutes/order",
        json={"order": items, "lock_version": version},
        token=edge["chair"],
    )
    assert "lock_version" in assert_error(stale, 409)["fields"]
    assert saved_state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lambda it, v: {"order": it[:2], "lock_version": v}, "order"),
        (lambda it, v: {"order": [it[0], it[0], it[1]], "lock_version": v}, "order"),
        (lambda it, v: {"order": it}, "lock_version"),
        (lambda it, v: {"order": ["a"], "lock_version": v}, "order.0"),
    ],
)
def test_reorder_validation(api, edge, items, body, field) -> None:
    m = edge["meeting"]
    version = m.lock_version
    before = saved_state()
    r = api.put(f"/meetings/{m.id}/minutes/order", json=body(items, version), token=edge["chair"])
    assert field in assert_error(r, 422)["fields"]
    assert saved_state() == before
    r = api.post(
        f"/meetings/{m.id}/minutes/{items[0]}/move",
        json={"direction": "sideways", "lock_version": version},
        token=edge["chair"],
    )
    assert "direction" in assert_error(r, 422)["fields"]
    assert_error(
        api.post(
            f"/meetings/{m.id}/minutes/999999/move",
            json={"direction": "up", "lock_version": version},
            token=edge["chair"],
        ),
        404,
    )


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("member", 403)])
def test_reorder_needs_a_chair(api, edge, items, token, status) -> None:
    m = edge["meeting"]
    before = saved_state()
    body = {"order": list(reversed(items)), "lock_version": m.lock_version}
    assert_error(
        api.put(f"/meetings/{m.id}/minutes/order", json=body, token=edge.get(token)), status
    )
    move = {"direction": "down", "lock_version": m.lock_version}
    assert_error(
        api.post(f"/meetings/{m.id}/minutes/{items[0]}/move", json=move, token=edge.get(token)),
        status,
    )
    assert saved_state() == before
