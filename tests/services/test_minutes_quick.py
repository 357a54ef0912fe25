"""The chair's quick entry (services.minutes_quick): ``#action`` lines get owners by
handle, name or e-mail and a ``due:`` date; an unsure owner is not guessed; a bad
``due:`` saves nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ActionItem, MinuteItem, Role
from meetbot.services import minutes_quick
from meetbot.services.errors import ValidationError


@pytest.fixture
def setup(create_user, create_person, create_group, create_meeting):
    chair = create_user("Chair Person", email="chair@example.org")
    priya = create_person("Priya Raman", email="priya@example.org", handles=["praman"])
    # Handles are unique, names are not: two members called Alex Kim.
    wei_a = create_person("Alex Kim", email="alex.kim@example.org", handles=["akim"])
    wei_b = create_person("Alex Kim", email="alexk@example.net", handles=["alexk"])
    outsider = create_person("Olga Outside", email="olga@example.org", handles=["olga"])
    group = create_group(
        timezone="Asia/Tokyo",
        members={chair: Role.CHAIR, priya: Role.MEMBER, wei_a: Role.MEMBER, wei_b: Role.MEMBER},
    )
    # Monday 18 January 2027 at 23:30 UTC is Tuesday the 19th in Tokyo.
    meeting = create_meeting(group, start=datetime(2027, 1, 18, 23, 30, tzinfo=UTC))
    return chair, group, meeting, priya, outsider


def _add(chair, meeting, text, kind="info"):
    return minutes_quick.add_quick_entry(
        chair, meeting, kind=kind, text=text, version=meeting.lock_version
    )


def _action(item: MinuteItem) -> ActionItem:
    return db.session.scalar(
        select(ActionItem)
        .where(ActionItem.opened_in_id == item.meeting_id)
        .order_by(ActionItem.id.desc())
    )


def test_handle_name_email_assign_members_and_due_counts_from_the_local_day(setup) -> None:
    chair, _, meeting, priya, _ = setup
    added = _add(chair, meeting, "#action praman send the draft due:friday")
    assert added.item.kind == "action"
    assert added.item.text == "praman send the draft"
    action = _action(added.item)
    assert [p.id for p in action.owners] == [priya.id]
    # Tuesday 19 January in Tokyo: the next Friday is the 22nd (UTC would say the 22nd
    # too, but "tomorrow" shows the zone).
    assert action.due_date == date(2027, 1, 22)
    assert not action.needs_owner_review
    assert added.notes == ()
    added = _add(chair, meeting, "#action Priya Raman to book a room due:tomorrow")
    action = _action(added.item)
    assert [p.id for p in action.owners] == [priya.id]
    assert action.due_date == date(2027, 1, 20)
    added = _add(chair, meeting, "#action priya@example.org due:2027-03-01 chase the vendor")
    action = _action(added.item)
    assert ([p.id for p in action.owners], action.due_date) == ([priya.id], date(2027, 3, 1))
    assert action.text == "priya@example.org chase the vendor"
    # Only members are owners; other kinds keep due: words as text.
    added = _add(chair, meeting, "#action olga to send the slides")
    assert _action(added.item).owners == []
    added = _add(chair, meeting, "#agreed praman ships due:friday")
    assert (added.item.kind, added.item.text) == ("agreed", "praman ships due:friday")


def test_an_ambiguous_owner_is_not_guessed_and_the_chair_is_told(setup) -> None:
    chair, _, meeting, _, _ = setup
    added = _add(chair, meeting, "#action alex kim to compare the numbers")
    action = _action(added.item)
    assert action.owners == []
    assert action.needs_owner_review
    assert added.notes == (
        "“alex kim” could be Alex Kim (akim) or Alex Kim (alexk): no owner was set for it; "
        "pick the owner on the action item.",
    )


def test_a_bad_due_date_saves_nothing(setup) -> None:
    chair, _, meeting, _, _ = setup
    version = meeting.lock_version
    with pytest.raises(ValidationError) as exc:
        _add(chair, meeting, "#action praman send it due:fryday")
    assert "due:fryday is not a date" in exc.value.fields["text"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(MinuteItem.id))) == 0
    assert db.session.scalar(select(func.count(ActionItem.id))) == 0
    assert meeting.lock_version == version
