"""The review panel's items and counts, and the owner filter of the group's action items,
against direct computations: the queries were rewritten for large groups (index order,
ids by the closed_in_id index, two columns for the owners)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from meetbot.extensions import db
from meetbot.models import ActionItem, Role
from meetbot.services import action_lists, actions


@pytest.mark.parametrize("seed", [1, 2])
def test_review_items_and_count_match_a_direct_selection(
    seed, create_user, create_group, create_series, create_meeting, time_machine
) -> None:
    rng = random.Random(seed)
    chair = create_user("Chair", email="chair@example.org")
    group = create_group(members={chair: Role.CHAIR})
    other = create_group(members={chair: Role.CHAIR})
    series = create_series(group)
    t0 = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
    meetings = [
        create_meeting(series=series, original_start_local=datetime(2025, 3, 4, 15, 0)),
        *(create_meeting(group, start=t0 + timedelta(days=7 * n)) for n in range(1, 4)),
    ]
    elsewhere = create_meeting(other, start=t0 + timedelta(days=8))
    for n in range(25):
        time_machine.move_to(t0 + timedelta(hours=rng.randrange(500)), tick=False)
        home = rng.choice([group, group, other])
        opened = rng.choice([None, *(m for m in meetings if m.group_id == home.id), elsewhere])
        if opened is not None and opened.group_id != home.id:
            opened = None
        item = actions.create_action(chair, home, text=f"item {n}", meeting=opened)
        if rng.random() < 0.4:
            closer = rng.choice([m for m in [*meetings, elsewhere] if m.group_id == home.id])
            actions.close_action(chair, item, rng.choice(["done", "dropped"]), meeting=closer)
    everything = db.session.query(ActionItem).all()
    for meeting in [*meetings, elsewhere]:
        for scope in ("group", "series"):

            def opened_ok(item, meeting=meeting, scope=scope):
                if item.opened_in_id == meeting.id:
                    return False
                return (
                    scope != "series"
                    or meeting.series_id is None
                    or (
                        item.opened_in is not None and item.opened_in.series_id == meeting.series_id
                    )
                )

            still_open = sorted(
                (
                    i
                    for i in everything
                    if i.group_id == meeting.group_id
                    and i.status == "open"
                    and opened_ok(i)
                    and (i.opened_in is None or i.opened_in.start_dt < meeting.start_dt)
                ),
                key=lambda i: (i.created_dt, i.id),
            )
            closed_here = [
                i
                for i in everything
                if i.group_id == meeting.group_id and i.closed_in_id == meeting.id and opened_ok(i)
            ]

            def ordered(items):
                return sorted({i.id: i for i in items}.values(), key=lambda i: (i.created_dt, i.id))

            assert action_lists.review_open_count(meeting, scope=scope) == len(still_open)
            assert action_lists.review_items(meeting, scope=scope) == ordered(
                still_open + closed_here
            )
            assert action_lists.review_items(meeting, scope=scope, limit=3) == ordered(
                still_open[:3] + closed_here
            )


def test_an_item_closed_in_another_groups_meeting_is_not_reviewed_there(
    create_user, create_group, create_meeting
) -> None:
    chair = create_user("Chair", email="chair@example.org")
    group = create_group(members={chair: Role.CHAIR})
    other = create_group(members={chair: Role.CHAIR})
    theirs = create_meeting(other, start=datetime(2025, 3, 4, 15, 0, tzinfo=UTC))
    item = actions.create_action(chair, group, text="Ours")
    actions.close_action(chair, item, "done")
    item.closed_in_id = theirs.id  # inconsistent data must not leak across groups
    db.session.commit()
    assert action_lists.review_items(theirs, limit=5) == []
    assert action_lists.review_items(theirs) == []


def test_owner_filter_lists_each_owner_once_by_name_and_keeps_the_choice(
    client, create_user, create_person, create_group
) -> None:
    chair = create_user("Chair", email="chair@example.org")
    zoe, adam, nobody = create_person("Zoe <z>"), create_person("Adam"), create_person("Nobody")
    group = create_group(
        slug="g",
        members={chair: Role.CHAIR, nobody: Role.MEMBER, zoe: Role.MEMBER, adam: Role.MEMBER},
    )
    other = create_group(members={chair: Role.CHAIR})
    actions.create_action(chair, group, text="one", owner_ids=[zoe.id, adam.id])
    actions.create_action(chair, group, text="two", owner_ids=[zoe.id])
    actions.create_action(chair, other, text="elsewhere", owner_ids=[chair.id])
    assert action_lists.group_owners(group) == [(adam.id, "Adam"), (zoe.id, "Zoe <z>")]
    html = client.get(f"/groups/g/actions?owner={zoe.id}&status=all").get_data(as_text=True)
    select = html.split('id="f-owner"')[1].split("</select>")[0]
    assert f'<option value="{zoe.id}" selected>Zoe &lt;z&gt;</option>' in select
    assert f'<option value="{adam.id}">Adam</option>' in select
    assert "Nobody" not in select and "Chair" not in select
    assert "one" in html and "two" in html
