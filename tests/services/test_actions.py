"""Action items: owners, history events, review in the next meeting, feeds bumps."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ActionItemEvent, AuditEntry, MinuteItem, Role
from meetbot.services import action_lists, action_progress, actions
from meetbot.services.errors import ValidationError


@pytest.fixture
def world(create_user, create_person, create_group, create_meeting):
    chair = create_user("Chair", email="chair@example.org")
    ann = create_person("Ann")
    ben = create_person("Ben")
    group = create_group(members={chair: Role.CHAIR, ann: Role.MEMBER, ben: Role.MEMBER})
    first = create_meeting(group, start=datetime(2017, 11, 7, 15, 0, tzinfo=UTC))
    second = create_meeting(group, start=datetime(2017, 11, 14, 15, 0, tzinfo=UTC))
    return chair, ann, ben, group, first, second


def test_create_records_owners_event_minutes_and_bumps(world) -> None:
    chair, ann, ben, group, first, _ = world
    revision, version = group.revision, first.lock_version
    item = actions.create_action(
        chair,
        group,
        text="Draft the charter",
        owner_ids=[ann.id, str(ben.id)],
        due_date=date(2017, 11, 30),
        meeting=first,
    )
    assert {p.display_name for p in item.owners} == {"Ann", "Ben"}
    assert item.opened_in_id == first.id and item.status == "open"
    assert [e.kind for e in item.events] == ["opened"]
    assert item.events[0].meeting_id == first.id
    assert group.revision > revision
    # written into the minutes as MeetBot does, which is a minutes change
    line = db.session.scalar(select(MinuteItem).where(MinuteItem.meeting_id == first.id))
    assert (line.kind, line.text) == ("action", "Draft the charter")
    assert first.lock_version == version + 1
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.entity == "action_item")
        )
        == 1
    )


def test_owner_that_is_not_a_person_is_a_field_error(world) -> None:
    chair, ann, _, group, first, _ = world
    for bad in ([ann.id, 99999], ["abc"]):
        with pytest.raises(ValidationError) as exc:
            actions.create_action(chair, group, text="x", owner_ids=bad, meeting=first)
        assert "owners" in exc.value.fields
    assert action_lists.group_actions(group, status="all") == []


def test_review_in_next_meeting_done_drop_carry(world, create_meeting) -> None:
    chair, ann, ben, group, first, second = world
    a = actions.create_action(chair, group, text="A", owner_ids=[ann.id], meeting=first)
    b = actions.create_action(chair, group, text="B", owner_ids=[ben.id], meeting=first)
    c = actions.create_action(chair, group, text="C", meeting=first)
    in_second = actions.create_action(chair, group, text="new in second", meeting=second)
    # The first meeting does not review its own items; the second reviews all three.
    assert action_lists.review_items(first) == []
    assert [i.text for i in action_lists.review_items(second)] == ["A", "B", "C"]
    assert in_second not in action_lists.review_items(second)

    seq = a.sequence
    actions.close_action(chair, a, "done", meeting=second)
    actions.close_action(chair, b, "dropped", meeting=second, note="not needed")
    actions.carry_over(chair, c, second)
    actions.carry_over(chair, c, second)  # a double click records once
    assert a.status == "done" and a.closed_in_id == second.id and a.sequence == seq + 1
    assert b.status == "dropped"
    assert [(e.kind, e.meeting_id) for e in c.events] == [
        ("opened", first.id),
        ("carried_over", second.id),
    ]
    assert [(e.kind, e.meeting_id, e.note) for e in b.events][-1] == (
        "dropped",
        second.id,
        "not needed",
    )
    # The second meeting still shows what it closed; carried items stay open.
    reviewed = action_lists.review_items(second)
    assert {i.text for i in reviewed} == {"A", "B", "C"}
    assert action_lists.carried_over_ids(second, reviewed) == {c.id}
    # A third meeting sees only what is still open.
    third = create_meeting(group, start=datetime(2017, 11, 21, 15, 0, tzinfo=UTC))
    assert [i.text for i in action_lists.review_items(third)] == ["C", "new in second"]

    actions.reopen_action(chair, a, meeting=third)
    assert a.status == "open" and a.closed_in_id is None and a.closed_dt is None
    assert [e.kind for e in a.events] == ["opened", "done", "reopened"]
    with pytest.raises(ValidationError):
        actions.carry_over(chair, b, third)  # dropped items are not carried over


def test_review_scope_series(world, create_series, create_meeting) -> None:
    chair, _, _, group, first, _ = world
    series = create_series(group, start=datetime(2017, 11, 1, 15, 0))
    m1 = create_meeting(series=series)
    m2 = create_meeting(series=series, original_start_local=datetime(2017, 11, 8, 15, 0))
    in_series = actions.create_action(chair, group, text="series item", meeting=m1)
    elsewhere = actions.create_action(chair, group, text="one-off item", meeting=first)
    assert set(action_lists.review_items(m2)) == {in_series, elsewhere}
    assert action_lists.review_items(m2, scope="series") == [in_series]


def test_meeting_of_another_group_is_refused(world, create_group, create_meeting) -> None:
    chair, _, _, group, _, _ = world
    other = create_meeting(create_group(), start=datetime(2017, 11, 7, tzinfo=UTC))
    with pytest.raises(ValidationError):
        actions.create_action(chair, group, text="x", meeting=other)
    item = actions.create_action(chair, group, text="x")
    with pytest.raises(ValidationError):
        actions.close_action(chair, item, "done", meeting=other)


def test_update_records_edited_and_syncs_minutes(world) -> None:
    chair, ann, ben, group, first, _ = world
    item = actions.create_action(chair, group, text="old", owner_ids=[ann.id], meeting=first)
    seq, rev = item.sequence, group.revision
    actions.update_action(
        chair, item, text="new", owner_ids=[ben.id], due_date=date(2018, 1, 1), work_stream_id=None
    )
    assert item.text == "new" and [p.display_name for p in item.owners] == ["Ben"]
    assert item.sequence == seq + 1 and group.revision > rev
    assert item.events[-1].kind == "edited"
    assert "text" in item.events[-1].note and "owners" in item.events[-1].note
    line = db.session.scalar(select(MinuteItem).where(MinuteItem.meeting_id == first.id))
    assert line.text == "new"
    # no change, no event
    n = db.session.scalar(select(func.count(ActionItemEvent.id)))
    actions.update_action(
        chair, item, text="new", owner_ids=[ben.id], due_date=date(2018, 1, 1), work_stream_id=None
    )
    assert db.session.scalar(select(func.count(ActionItemEvent.id))) == n


def test_person_and_group_lists(world, create_work_stream) -> None:
    chair, ann, ben, group, first, _ = world
    stream = create_work_stream(group)
    late = actions.create_action(
        chair, group, text="late", owner_ids=[ann.id], due_date=date(2017, 1, 1)
    )
    soon = actions.create_action(
        chair,
        group,
        text="soon",
        owner_ids=[ann.id, ben.id],
        due_date=date(2017, 2, 1),
        work_stream_id=stream.id,
    )
    undated = actions.create_action(chair, group, text="undated", owner_ids=[ann.id])
    nobody = actions.create_action(chair, group, text="nobody")
    actions.close_action(chair, soon, "done")
    assert action_lists.person_actions(ann) == [late, undated]
    assert action_lists.person_actions(ann, status="all") == [late, undated, soon]
    assert action_lists.person_actions(ben) == []
    assert action_lists.group_actions(group, status="open", owner_id=ann.id) == [late, undated]
    assert action_lists.group_actions(group, status="all", work_stream=stream) == [soon]
    assert action_lists.group_actions(group, status="open", unassigned=True) == [nobody]
    assert action_lists.group_actions(group, status="done") == [soon]
    assert actions.is_overdue(late, date(2017, 6, 1))
    assert not actions.is_overdue(soon, date(2017, 6, 1))  # done
    assert not actions.is_overdue(undated, date(2017, 6, 1))


def test_stream_summary_and_progress(world, create_work_stream, time_machine) -> None:
    chair, ann, _, group, first, _ = world
    stream = create_work_stream(group)
    time_machine.move_to(datetime(2017, 10, 5, tzinfo=UTC), tick=False)
    a = actions.create_action(chair, group, text="a", work_stream_id=stream.id)
    b = actions.create_action(chair, group, text="b", work_stream_id=stream.id)
    time_machine.move_to(datetime(2017, 12, 5, tzinfo=UTC), tick=False)
    actions.close_action(chair, a, "done")
    actions.create_action(chair, group, text="other stream")
    from meetbot.services import minutes

    minutes.add_item(
        chair,
        first,
        kind="agreed",
        text="we agree",
        version=first.lock_version,
        work_stream_id=stream.id,
    )
    minutes.add_item(
        chair,
        first,
        kind="info",
        text="not a decision",
        version=first.lock_version,
        work_stream_id=stream.id,
    )
    summary = action_progress.stream_summary(stream)
    assert [i.id for i in summary.open_items] == [b.id]
    assert [i.id for i in summary.closed_items] == [a.id]
    assert [d.text for d in summary.decisions] == ["we agree"]
    assert [(p.month, p.opened, p.closed) for p in summary.progress] == [
        ("2017-10", 2, 0),
        ("2017-11", 0, 0),
        ("2017-12", 0, 1),
    ]


def test_stream_summary_lists_are_bounded_with_totals(world, create_work_stream) -> None:
    chair, _, _, group, _, _ = world
    stream = create_work_stream(group)
    made = [
        actions.create_action(chair, group, text=f"item {n}", work_stream_id=stream.id)
        for n in range(7)
    ]
    for item in made[:4]:
        actions.close_action(chair, item, "done")
    summary = action_progress.stream_summary(stream, limit=2)
    assert (summary.open_count, summary.closed_count) == (3, 4)
    assert len(summary.open_items) == 2 and len(summary.closed_items) == 2
    assert all(i.status == "open" for i in summary.open_items)
    assert sum(p.opened for p in summary.progress) == 7
    assert sum(p.closed for p in summary.progress) == 4
