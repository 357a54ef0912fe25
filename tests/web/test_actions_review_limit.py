"""The meeting's review panel shows a bounded number of open items (the oldest first),
always the items the meeting closed, and a link to show them all."""

from __future__ import annotations

from datetime import UTC, datetime

from meetbot.models import Role
from meetbot.services import action_lists, actions
from meetbot.web import actions as action_views
from meetbot.web.panels import render_panels


def test_review_panel_is_bounded_and_can_show_all(
    app, create_user, create_group, create_meeting, monkeypatch
) -> None:
    chair = create_user("Chair", email="chair@example.org")
    group = create_group(slug="big", members={chair: Role.CHAIR})
    first = create_meeting(group, start=datetime(2025, 3, 4, 15, 0, tzinfo=UTC))
    second = create_meeting(group, start=datetime(2025, 3, 11, 15, 0, tzinfo=UTC))
    items = [
        actions.create_action(chair, group, text=f"Item number {n:02d}", meeting=first)
        for n in range(7)
    ]
    # Closed in the second meeting: always shown there, even though it is the newest.
    actions.create_action(chair, group, text="Closed here", meeting=first)
    closed = action_lists.group_actions(group, status="open")[-1]
    actions.close_action(chair, closed, "done", meeting=second)
    monkeypatch.setattr(action_views, "REVIEW_LIMIT", 3)

    assert action_lists.review_open_count(second) == 7
    shown = action_lists.review_items(second, limit=3)
    assert [i.text for i in shown] == [i.text for i in items[:3]] + ["Closed here"]

    with app.test_request_context("/"):
        html = str(render_panels("meeting_main", meeting=second))
    assert "Item number 02" in html and "Item number 03" not in html
    assert "Closed here" in html
    assert "4 more open items not shown" in html and "review_all=1" in html

    with app.test_request_context("/?review_all=1"):
        html = str(render_panels("meeting_main", meeting=second))
    assert all(f"Item number {n:02d}" in html for n in range(7))
    assert "more open items not shown" not in html
