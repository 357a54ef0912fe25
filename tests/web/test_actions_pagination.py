"""The group's action item list is paginated in SQL; filters apply before paging."""

from __future__ import annotations

import re

from meetbot.models import Role
from meetbot.services import action_lists, actions
from meetbot.web import actions as action_views


def _texts(html: str) -> list[str]:
    return re.findall(r"Task (\d\d)", html)


def test_group_actions_are_paged_with_filters(
    client, create_user, create_group, create_person, monkeypatch
) -> None:
    chair = create_user("Chair", email="chair@example.org")
    ann = create_person("Ann")
    group = create_group(slug="paged", members={chair: Role.CHAIR, ann: Role.MEMBER})
    for n in range(7):
        owners = [ann.id] if n % 2 == 0 else []
        actions.create_action(chair, group, text=f"Task {n:02d}", owner_ids=owners)
    done = actions.create_action(chair, group, text="Task 99")
    actions.close_action(chair, done, "done")
    monkeypatch.setattr(action_views, "GROUP_PAGE_SIZE", 3)

    first = client.get("/groups/paged/actions").get_data(as_text=True)
    second = client.get("/groups/paged/actions?page=2").get_data(as_text=True)
    third = client.get("/groups/paged/actions?page=3").get_data(as_text=True)
    seen = _texts(first) + _texts(second) + _texts(third)
    assert sorted(seen) == [f"{n:02d}" for n in range(7)]  # each open item once, no done
    assert len(_texts(first)) == 3 and len(_texts(third)) == 1
    assert "7 items · page 1 of 3" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert 'rel="prev"' in third and 'rel="next"' not in third
    # Out of range or nonsense pages fall back to a real page.
    assert _texts(client.get("/groups/paged/actions?page=9").get_data(as_text=True)) == _texts(
        third
    )
    assert _texts(client.get("/groups/paged/actions?page=x").get_data(as_text=True)) == _texts(
        first
    )
    # Filters are applied in SQL before paging, and kept in the page links.
    owned = client.get(f"/groups/paged/actions?owner={ann.id}").get_data(as_text=True)
    assert "4 items · page 1 of 2" in owned and f"owner={ann.id}" in owned
    assert action_lists.count_group_actions(group, status="all") == 8
    assert action_lists.count_group_actions(group, owner_id=ann.id) == 4
    assert action_lists.count_group_actions(group, unassigned=True) == 3
    assert len(action_lists.group_actions(group, status="all", limit=5, offset=5)) == 3
