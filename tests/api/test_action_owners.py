"""Action item owners must be members of the item's group (issue 12, finding 7): a
stranger's personal feed and list never get someone else's group's items."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ActionItem, Role
from meetbot.services import actions
from meetbot.services import members as member_service
from tests.api.conftest import assert_error


@pytest.fixture
def wg(create_user, create_person, create_group, token_for):
    chair = create_user("Cora Chair", email="cora@example.org")
    ann = create_person("Ann Lee")
    stranger = create_person("Sam Stranger")
    group = create_group("wg", members={chair: Role.CHAIR, ann: Role.MEMBER})
    return {
        "group": group,
        "chair": chair,
        "token": token_for(chair),
        "ann": ann,
        "stranger": stranger,
    }


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ActionItem))


def test_api_create_refuses_a_non_member_owner(api, wg):
    response = api.post(
        "/groups/wg/actions",
        json={"text": "Do it", "owners": [wg["ann"].id, wg["stranger"].id]},
        token=wg["token"],
    )
    error = assert_error(response, 422, "validation_error")
    assert "not a member" in error["fields"]["owners"]
    assert _count() == 0
    ok = api.post(
        "/groups/wg/actions", json={"text": "Do it", "owners": [wg["ann"].id]}, token=wg["token"]
    )
    assert ok.status_code == 201


def test_api_patch_refuses_a_non_member_owner_but_keeps_a_former_one(api, wg):
    item = actions.create_action(wg["chair"], wg["group"], text="Do it", owner_ids=[wg["ann"].id])
    response = api.patch(
        f"/actions/{item.id}", json={"owners": [wg["stranger"].id]}, token=wg["token"]
    )
    assert "owners" in assert_error(response, 422)["fields"]
    db.session.expire_all()
    assert [p.id for p in db.session.get(ActionItem, item.id).owners] == [wg["ann"].id]
    # Ann leaves the group: editing the text keeps her (she was a member when assigned).
    member_service.remove_member(wg["chair"], wg["group"], wg["ann"].id)
    kept = api.patch(f"/actions/{item.id}", json={"text": "Do it now"}, token=wg["token"])
    assert kept.status_code == 200, kept.get_json()
    assert [o["id"] for o in kept.get_json()["owners"]] == [wg["ann"].id]


def test_web_form_refuses_a_non_member_owner(client, auth, wg):
    auth.login("cora@example.org")
    page = client.get("/groups/wg/actions/new").get_data(as_text=True)
    assert "Sam Stranger" not in page
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"text": "Do it", "owners": [str(wg["stranger"].id)]}
    if csrf:
        data["csrf_token"] = csrf.group(1)
    response = client.post("/groups/wg/actions/new", data=data)
    assert response.status_code == 422
    assert "not a member" in response.get_data(as_text=True)
    assert _count() == 0
