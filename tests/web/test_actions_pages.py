"""Action item pages: review panel one-click buttons, my actions, group list, forms."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ActionItem, Role
from meetbot.services import actions
from meetbot.web.panels import render_panels


@pytest.fixture
def world(create_user, create_group, create_meeting, create_work_stream):
    chair = create_user("Chair", email="chair@example.org")
    ann = create_user("Ann", email="ann@example.org")
    other_chair = create_user("Other", email="other@example.org")
    group = create_group(slug="edge", members={chair: Role.CHAIR, ann: Role.MEMBER})
    create_group(members={other_chair: Role.CHAIR})
    first = create_meeting(group, start=datetime(2017, 11, 7, 15, 0, tzinfo=UTC))
    second = create_meeting(group, start=datetime(2017, 11, 14, 15, 0, tzinfo=UTC))
    stream = create_work_stream(group, slug="gaps", name="Gap analysis")
    return chair, ann, group, first, second, stream


def test_open_items_show_in_next_meeting_and_one_click_buttons_work(
    app, client, auth, world
) -> None:
    chair, ann, group, first, second, _ = world
    a = actions.create_action(
        chair, group, text="Write the gap doc", owner_ids=[ann.id], meeting=first
    )
    b = actions.create_action(chair, group, text="Book the room", meeting=first)
    c = actions.create_action(chair, group, text="Ask OPNFV", meeting=first)
    with app.test_request_context("/"):
        html = str(render_panels("meeting_main", meeting=second))
    assert "Open action items to review" in html
    for text in ("Write the gap doc", "Book the room", "Ask OPNFV"):
        assert text in html
    auth.login("chair@example.org")
    page = client.get(f"/meetings/{second.id}/minutes/").get_data(as_text=True)
    assert (
        f'action="/actions/{a.id}/done"' in page and f'action="/actions/{a.id}/carry-over"' in page
    )

    for item, op in ((a, "done"), (b, "drop"), (c, "carry-over")):
        r = client.post(f"/actions/{item.id}/{op}", data={"meeting_id": second.id})
        assert r.status_code == 302, (op, r.get_data(as_text=True))
    db.session.expire_all()
    assert (a.status, a.closed_in_id) == ("done", second.id)
    assert (b.status, b.closed_in_id) == ("dropped", second.id)
    assert c.status == "open"
    assert [(e.kind, e.meeting_id) for e in c.events][-1] == ("carried_over", second.id)
    assert a.events[-1].actor_id == chair.id
    page = client.get(f"/meetings/{second.id}/minutes/").get_data(as_text=True)
    assert "carried over" in page and "done in this meeting" in page


def test_status_changes_need_rights(client, auth, world) -> None:
    chair, ann, group, first, second, _ = world
    mine = actions.create_action(chair, group, text="Ann's item", owner_ids=[ann.id], meeting=first)
    other = actions.create_action(chair, group, text="Not Ann's", meeting=first)
    assert client.post(f"/actions/{other.id}/done").status_code == 401
    auth.login("ann@example.org")  # a member: may close her own item, not others'
    assert client.post(f"/actions/{other.id}/done").status_code == 403
    assert (
        client.post(f"/actions/{mine.id}/carry-over", data={"meeting_id": second.id}).status_code
        == 403
    )
    assert client.post(f"/actions/{mine.id}/done").status_code == 302
    auth.logout()
    auth.login("other@example.org")  # chair of another group
    assert client.post(f"/actions/{other.id}/drop").status_code == 403
    assert client.get(f"/meetings/{first.id}/actions/new").status_code == 403
    assert client.get(f"/actions/{other.id}/edit").status_code == 403
    db.session.expire_all()
    assert other.status == "open" and mine.status == "done"


def test_create_in_meeting_and_owner_not_a_person(client, auth, world) -> None:
    chair, ann, group, first, _, stream = world
    auth.login("chair@example.org")
    r = client.post(
        f"/meetings/{first.id}/actions/new",
        data={"text": "Ghost owner", "owners": ["424242"], "due_date": "", "work_stream_id": ""},
    )
    assert r.status_code == 422
    assert "is not a known person" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ActionItem.id))) == 0
    r = client.post(
        f"/meetings/{first.id}/actions/new",
        data={
            "text": "Draft charter",
            "owners": [str(ann.id)],
            "due_date": "2017-11-30",
            "work_stream_id": str(stream.id),
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    item = db.session.scalar(select(ActionItem))
    assert (item.text, item.due_date, item.work_stream_id, item.opened_in_id) == (
        "Draft charter",
        date(2017, 11, 30),
        stream.id,
        first.id,
    )
    assert [p.id for p in item.owners] == [ann.id]
    r = client.post(
        f"/actions/{item.id}/edit",
        data={
            "text": "Draft the charter",
            "owners": [str(ann.id), str(chair.id)],
            "due_date": "2017-12-05",
            "work_stream_id": "",
            "note": "more hands",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    assert {p.id for p in item.owners} == {ann.id, chair.id}
    assert item.events[-1].note == "more hands"
    view = client.get(f"/actions/{item.id}/").get_data(as_text=True)
    assert "edited" in view and "opened" in view


def test_my_actions_overdue_and_filter(client, auth, world, time_machine) -> None:
    chair, ann, group, first, _, _ = world
    time_machine.move_to(datetime(2017, 12, 1, 12, 0, tzinfo=UTC), tick=False)
    actions.create_action(
        chair, group, text="Overdue thing", owner_ids=[ann.id], due_date=date(2017, 11, 20)
    )
    actions.create_action(
        chair, group, text="Future thing", owner_ids=[ann.id], due_date=date(2017, 12, 20)
    )
    done = actions.create_action(chair, group, text="Finished thing", owner_ids=[ann.id])
    actions.create_action(chair, group, text="Someone else's", owner_ids=[chair.id])
    actions.close_action(chair, done, "done")
    assert client.get("/me/actions").status_code == 302  # login first
    auth.login("ann@example.org")
    page = client.get("/me/actions").get_data(as_text=True)
    assert "Overdue thing" in page and "Future thing" in page
    assert "Finished thing" not in page and "Someone else" not in page
    assert "1 overdue" in page
    # the overdue badge is on the overdue item only
    overdue_li = page.split("Overdue thing")[1].split("</li>")[0]
    future_li = page.split("Future thing")[1].split("</li>")[0]
    assert "overdue" in overdue_li and "overdue" not in future_li
    everything = client.get("/me/actions?status=all").get_data(as_text=True)
    assert "Finished thing" in everything
    # a day before the due date nothing is overdue
    time_machine.move_to(datetime(2017, 11, 19, 12, 0, tzinfo=UTC), tick=False)
    assert "overdue</strong>" not in client.get("/me/actions").get_data(as_text=True)


def test_group_list_filters(client, world) -> None:
    chair, ann, group, first, _, stream = world
    actions.create_action(
        chair, group, text="Stream item", work_stream_id=stream.id, owner_ids=[ann.id]
    )
    closed = actions.create_action(chair, group, text="Closed item")
    actions.create_action(chair, group, text="Unowned item")
    actions.close_action(chair, closed, "done")
    body = client.get("/groups/edge/actions").get_data(as_text=True)
    assert "Stream item" in body and "Unowned item" in body and "Closed item" not in body
    body = client.get("/groups/edge/actions?status=done").get_data(as_text=True)
    assert "Closed item" in body and "Stream item" not in body
    body = client.get("/groups/edge/actions?stream=gaps").get_data(as_text=True)
    assert "Stream item" in body and "Unowned item" not in body
    body = client.get(f"/groups/edge/actions?owner={ann.id}").get_data(as_text=True)
    assert "Stream item" in body and "Unowned item" not in body
    body = client.get("/groups/edge/actions?owner=none").get_data(as_text=True)
    assert "Unowned item" in body and "Stream item" not in body
    assert client.get("/groups/edge/actions?stream=nope").status_code == 404


def test_work_stream_page_shows_items_decisions_and_chart(client, world) -> None:
    chair, ann, group, first, _, stream = world
    from meetbot.services import minutes

    actions.create_action(chair, group, text="Open stream item", work_stream_id=stream.id)
    closed = actions.create_action(
        chair, group, text="Closed stream item", work_stream_id=stream.id
    )
    actions.close_action(chair, closed, "done")
    minutes.add_item(
        chair,
        first,
        kind="agreed",
        text="Adopt the template",
        version=first.lock_version,
        work_stream_id=stream.id,
    )
    body = client.get("/groups/edge/streams/gaps/").get_data(as_text=True)
    assert "Open stream item" in body and "Closed stream item" in body
    assert "Adopt the template" in body
    assert "<svg" in body and "progress-table" in body
