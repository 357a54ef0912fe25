"""A person's home (services.home) and regrets for an occurrence nobody has opened
(services.occurrence_records.send_regrets_to_occurrence)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ActionStatus, Attendance, AttendanceKind, Meeting, Role
from meetbot.services import home
from meetbot.services.errors import ValidationError
from meetbot.services.occurrence_records import send_regrets_to_occurrence

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # a Monday
DOMAIN = "meetbot.test"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(create_user, create_group, create_series, create_meeting, create_action_item):
    member = create_user("Mia Member")
    other = create_user("Otto Other")
    mine = create_group("mine", name="Mine WG", members={member: Role.MEMBER})
    theirs = create_group("theirs", members={other: Role.MEMBER})
    weekly = create_series(
        mine, title="Weekly", start=datetime(2026, 1, 6, 15, 0), location="https://meet.example/w"
    )
    create_series(theirs, title="Not mine", start=datetime(2026, 1, 5, 9, 0))
    # Running now (13:00-14:00 Monday) as a one-off of my group.
    running = create_meeting(mine, title="Call now", start=NOW - timedelta(minutes=30))
    create_action_item(mine, text="Late", owners=[member], due_date=date(2026, 2, 1))
    create_action_item(mine, text="Soon", owners=[member], due_date=date(2026, 3, 9))
    create_action_item(mine, text="Done", owners=[member], status=ActionStatus.DONE.value)
    create_action_item(mine, text="Not mine", owners=[other])
    return {"member": member, "weekly": weekly, "running": running, "group": mine}


def test_home_lists_my_groups_meetings_and_open_actions(world) -> None:
    result = home.my_home(world["member"], NOW, DOMAIN)
    assert [g.slug for g in result.groups] == ["mine"]
    titles = [(m.occurrence.title, m.status) for m in result.meetings]
    assert titles[0] == ("Call now", "in_progress")
    assert titles[1:3] == [("Weekly", "scheduled"), ("Weekly", "scheduled")]
    assert all(m.group.slug == "mine" for m in result.meetings)
    assert not result.meetings[0].regrets_open  # it has started
    assert result.meetings[1].regrets_open
    assert [a.text for a in result.actions] == ["Late", "Soon"]
    assert result.open_actions == 2
    assert result.overdue == {result.actions[0].id}


def test_statement_count_does_not_grow_with_data(
    world, create_series, create_meeting, create_action_item, create_group, count_queries
) -> None:
    member = world["member"]
    with count_queries() as small:
        home.my_home(member, NOW, DOMAIN)
    for n in range(4):
        group = create_group(members={member: Role.MEMBER})
        for k in range(3):
            series = create_series(group, start=datetime(2026, 1, 6 + k, 14 + n, 0))
            this_week = datetime(2026, 3, 3 + k, 14 + n)
            meeting = create_meeting(series=series, original_start_local=this_week)
            db.session.add(
                Attendance(
                    meeting=meeting,
                    person=member,
                    kind=AttendanceKind.REGRETS.value,
                    source="self",
                )
            )
        for k in range(5):
            create_action_item(group, text=f"Item {n}/{k}", owners=[member])
    db.session.commit()
    with count_queries() as big:
        result = home.my_home(member, NOW, DOMAIN)
    assert len(result.groups) == 5 and result.open_actions == 22
    assert any(m.mine is not None for m in result.meetings)
    assert big.count == small.count, big.statements


def test_regrets_for_an_occurrence_nobody_opened(world) -> None:
    member, weekly = world["member"], world["weekly"]
    local = datetime(2026, 3, 10, 15, 0)  # next week's, no meeting row yet
    meeting = send_regrets_to_occurrence(member, weekly, "slot-0", local, now=NOW)
    assert (meeting.series_id, meeting.original_start_local) == (weekly.id, local)
    entry = db.session.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id))
    assert (entry.person_id, entry.kind) == (member.id, AttendanceKind.REGRETS)
    # Again: the same row, no second entry.
    again = send_regrets_to_occurrence(member, weekly, "slot-0", local, now=NOW)
    assert again.id == meeting.id
    assert _count(Attendance) == 1
    home_now = home.my_home(member, NOW, DOMAIN)
    listed = next(m for m in home_now.meetings if m.occurrence.meeting_id == meeting.id)
    assert listed.mine.kind == AttendanceKind.REGRETS and not listed.regrets_open


def test_regrets_for_a_past_occurrence_are_refused_and_create_nothing(world) -> None:
    member, weekly = world["member"], world["weekly"]
    meetings_before = _count(Meeting)
    with pytest.raises(ValidationError, match="already started"):
        send_regrets_to_occurrence(member, weekly, "slot-0", datetime(2026, 2, 24, 15, 0), now=NOW)
    # Started a minute ago: refused too.
    with pytest.raises(ValidationError, match="already started"):
        send_regrets_to_occurrence(
            member,
            weekly,
            "slot-0",
            datetime(2026, 3, 3, 15, 0),
            now=datetime(2026, 3, 3, 15, 1, tzinfo=UTC),
        )
    assert _count(Meeting) == meetings_before
    assert _count(Attendance) == 0


def test_regrets_from_a_non_member_create_nothing(world, create_user) -> None:
    stranger = create_user("Stan Stranger")
    meetings_before = _count(Meeting)
    with pytest.raises(ValidationError, match="Only members"):
        send_regrets_to_occurrence(
            stranger, world["weekly"], "slot-0", datetime(2026, 3, 10, 15, 0), now=NOW
        )
    assert _count(Meeting) == meetings_before
