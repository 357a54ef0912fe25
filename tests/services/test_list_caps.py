"""Issue 12, "every list": a group holds at most MEETBOT_MAX_MEMBERS_PER_GROUP members
and a meeting at most MEETBOT_MAX_ATTENDANCE_PER_MEETING attendance entries, on every
path that adds them (services.list_caps), and a refusal changes nothing.

The caps are lowered to 3 members and 2 entries here so the tests stay small."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Attendance, Membership, MinuteItem, Person, Role, TokenPurpose
from meetbot.services import (
    account_tokens,
    attendance_import,
    attendance_regrets,
    attendance_roster,
    backup,
    invitations,
    join_requests,
    log_import,
)
from meetbot.services import members as member_service
from meetbot.services.errors import ValidationError

START = datetime(2017, 11, 7, 15, 0, tzinfo=UTC)
EDGE_LOG = (Path(__file__).parent / "data" / "edge_2017_11_07.log").read_text()


def _count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


@pytest.fixture
def world(app, create_person, create_group, create_meeting):
    app.config["MEETBOT_MAX_MEMBERS_PER_GROUP"] = 3
    app.config["MEETBOT_MAX_ATTENDANCE_PER_MEETING"] = 2
    chair = create_person("Cora Chair")
    alice = create_person("alice", handles=["alice"])
    bob = create_person("bob", handles=["bob"])
    group = create_group(members={chair: Role.CHAIR, alice: Role.MEMBER, bob: Role.MEMBER})
    meeting = create_meeting(group, start=START, title="Edge")
    outsider = create_person("Olli Outsider", email="olli@example.org")
    return {"chair": chair, "alice": alice, "bob": bob, "group": group, "meeting": meeting,
            "outsider": outsider}  # fmt: skip


def test_the_defaults_fit_real_groups(app) -> None:
    assert app.config["MEETBOT_MAX_MEMBERS_PER_GROUP"] == 5000
    assert app.config["MEETBOT_MAX_ATTENDANCE_PER_MEETING"] == 2000


def test_every_membership_path_stops_at_the_cap(world) -> None:
    group, outsider = world["group"], world["outsider"]
    people = _count(Person)
    with pytest.raises(ValidationError) as exc:
        member_service.join_group(outsider, group)
    assert exc.value.fields == {"members": "A group can have at most 3 members; remove "
                                "people who have left before adding more."}  # fmt: skip
    assert join_requests.join_or_request(outsider, group) == join_requests.FULL
    with pytest.raises(ValidationError) as exc:
        member_service.add_member(world["chair"], group, person_id=outsider.id)
    assert set(exc.value.fields) == {"person_id"}
    with pytest.raises(ValidationError) as exc:
        member_service.add_member(world["chair"], group, email="new@example.org", name="New")
    assert set(exc.value.fields) == {"email"}
    with pytest.raises(ValidationError):
        member_service.set_role(None, group, outsider, Role.MEMBER)
    assert _count(Membership, group_id=group.id) == 3
    assert _count(Person) == people  # the person made for the e-mail was rolled back
    # Changing a member's role adds nobody: still allowed at the cap.
    member_service.change_role(world["chair"], group, world["alice"].id, Role.CHAIR)


def test_accepting_an_invitation_to_a_full_group_changes_nothing(world) -> None:
    token, _ = account_tokens.issue(
        TokenPurpose.INVITE, "ivy@example.org", group_id=world["group"].id, role="member"
    )
    db.session.commit()
    people = _count(Person)
    with pytest.raises(ValidationError) as exc:
        invitations.accept(token, current=None, display_name="Ivy", password="a long passphrase 42")
    assert set(exc.value.fields) == {"members"}
    assert _count(Person) == people and _count(Membership) == 3
    assert invitations.live_invitation(token)  # not spent: it works once there is room


def test_a_paste_that_would_make_too_many_members_saves_nothing(world) -> None:
    meeting = world["meeting"]
    people = _count(Person)
    lines = attendance_import.parse_paste("Nora Newcomer <nora@example.org>")
    with pytest.raises(ValidationError) as exc:
        attendance_import.confirm_import(
            world["chair"], meeting, lines, {}, source="paste", create_unmatched=True
        )
    assert set(exc.value.fields) == {"members"}
    assert (_count(Person), _count(Attendance)) == (people, 0)


def test_every_attendance_path_stops_at_the_cap(app, world) -> None:
    meeting, chair = world["meeting"], world["chair"]
    attendance_roster.save_roster(chair, meeting, [chair.id, world["alice"].id], now=START)
    with pytest.raises(ValidationError) as exc:
        attendance_roster.save_roster(chair, meeting, [world["bob"].id], shown_ids=[], now=START)
    assert exc.value.fields == {
        "attendance": "A meeting can have at most 2 attendance entries; nothing was recorded."
    }
    with pytest.raises(ValidationError):
        attendance_regrets.record_regrets(chair, meeting, [world["bob"].id], now=START)
    with pytest.raises(ValidationError):
        attendance_roster.check_in_self(world["bob"], meeting, now=START)
    # The log names alice, bob, carol_ and dave: two more entries than the cap allows,
    # so nothing of the log is kept (minutes, people, attendance). (Its action owners
    # become members: room for them, so the attendance cap is the one reached.)
    app.config["MEETBOT_MAX_MEMBERS_PER_GROUP"] = 10
    people = _count(Person)
    with pytest.raises(ValidationError) as exc:
        log_import.import_log(chair, meeting, EDGE_LOG)
    assert "at most 2 attendance entries" in exc.value.message
    assert _count(Attendance) == 2 and _count(MinuteItem) == 0 and _count(Person) == people
    # Turning an entry into presence adds no row: allowed at the cap.
    attendance_roster.save_roster(chair, meeting, [chair.id], shown_ids=[chair.id], now=START)


def test_restore_refuses_a_backup_over_the_caps(app, world) -> None:
    attendance_roster.save_roster(world["chair"], world["meeting"], [world["chair"].id], now=START)
    document = backup.dump_database()
    backup.restore_document(document, force=True)  # at the caps: fine
    app.config["MEETBOT_MAX_MEMBERS_PER_GROUP"] = 2
    with pytest.raises(backup.BackupError) as exc:
        backup.restore_document(document, force=True)
    assert str(exc.value) == (
        f"table memberships: group {world['group'].id} has 3 members, more than the limit of 2"
    )
    app.config["MEETBOT_MAX_MEMBERS_PER_GROUP"] = 3
    app.config["MEETBOT_MAX_ATTENDANCE_PER_MEETING"] = 0
    with pytest.raises(backup.BackupError, match="table attendance: meeting .* has 1 attendance"):
        backup.restore_document(document, force=True)
