"""MeetBot log import: the minutes MeetBot would write, owners by handle, idempotence,
one transaction, and the import-log command."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    Attendance,
    AuditEntry,
    Meeting,
    Membership,
    MinuteItem,
    Person,
    PersonHandle,
    Role,
)
from meetbot.services import log_import, log_plan, log_write, minutes_export
from meetbot.services.errors import ValidationError

DATA = Path(__file__).parent / "data"
EDGE_LOG = DATA / "edge_2017_11_07.log"
OWNERS_LOG = DATA / "bracket_owners.log"


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count(model.id)))
        for model in (Meeting, MinuteItem, ActionItem, Attendance, Person)
    )


def _sections(text: str) -> dict[str, str]:
    """Split a MeetBot text export into {heading: body} (sections are separated by
    three blank lines, each headed by its name underlined with dashes)."""
    out = {}
    for block in text.split("\n\n\n\n"):
        lines = block.split("\n")
        if len(lines) > 1 and lines[1] and set(lines[1]) == {"-"}:
            out[lines[0]] = "\n".join(lines[3:]).rstrip("\n")
    return out


# What MeetBot's rules give for EDGE_LOG, worked out by hand from MeetBot's manual
# and writers (not from our output):
# * only lines between #startmeeting and #endmeeting count; the bot's lines never;
# * topics at the margin with (nick, HH:MM:SS), other items indented under them,
#   INFO without a label, a bare URL line is a LINK;
# * action owners: present nicks appearing as whole words (bob; alice and carol_);
#   two actions name nobody -> UNASSIGNED;
# * lines said: alice 8 (#startmeeting .. #endmeeting), bob 4, dave 4 (the /me line
#   counts), carol_ 2; ties keep speaking order (bob spoke before dave).
EXPECTED_SUMMARY = """\
* Roll call  (alice, 15:00:10)

* Gap analysis  (alice, 15:01:00)
  * the draft covers Nova and Neutron so far  (bob, 15:01:30)
  * AGREED: publish the draft on the wiki by Friday  (alice, 15:02:00)
  * ACTION: bob to review the Keystone section  (carol_, 15:02:30)
  * ACTION: someone to book a room for the PTG  (alice, 15:02:40)
  * LINK: https://etherpad.openstack.org/p/edge-gaps  (dave, 15:03:00)
  * LINK: https://wiki.openstack.org/wiki/Edge_Computing_Group  (dave,
    15:03:10)
  * ACTION: someone to update the wiki page  (dave, 15:03:15)
  * IDEA: joint session with OPNFV  (alice, 15:03:20)

* Cross-community collaboration  (bob, 15:04:10)
  * ACTION: alice and carol_ to contact the OPNFV PTLs  (bob, 15:04:20)"""

EXPECTED_ACTIONS = """\
* bob to review the Keystone section
* someone to book a room for the PTG
* someone to update the wiki page
* alice and carol_ to contact the OPNFV PTLs"""

EXPECTED_BY_PERSON = """\
* alice
  * alice and carol_ to contact the OPNFV PTLs
* bob
  * bob to review the Keystone section
* carol_
  * alice and carol_ to contact the OPNFV PTLs
* **UNASSIGNED**
  * someone to book a room for the PTG
  * someone to update the wiki page"""

EXPECTED_PEOPLE = """\
* alice (8)
* bob (4)
* dave (4)
* carol_ (2)"""


@pytest.fixture
def edge(create_group, create_person):
    # alice and bob are known (display names as their nicks, so the text can be
    # compared with MeetBot's byte for byte); carol_ and dave are not.
    alice = create_person("alice", handles=["alice"])
    bob = create_person("bob", handles=["bob", "bobby"])
    group = create_group(slug="edge", name="Edge Computing Group")
    return group, alice, bob


def test_log_becomes_the_minutes_meetbot_would_write(edge) -> None:
    group, alice, bob = edge
    result = log_import.import_log_for_group(None, group, date(2017, 11, 7), EDGE_LOG.read_text())
    meeting = result.meeting
    assert result.meeting_created and meeting.series_id is None
    assert meeting.start_dt == datetime(2017, 11, 7, 15, 0, 3, tzinfo=UTC)
    assert meeting.end_dt == datetime(2017, 11, 7, 15, 4, 30, tzinfo=UTC)
    assert sorted(result.people_created) == ["carol_", "dave"]

    text = minutes_export.build_minutes_doc(meeting).to_text()
    sections = _sections(text)
    assert sections["Meeting summary"] == EXPECTED_SUMMARY
    assert sections["Action items"] == EXPECTED_ACTIONS
    assert sections["Action items, by person"] == EXPECTED_BY_PERSON
    assert sections["People present (lines said)"] == EXPECTED_PEOPLE
    assert "Meeting started at 2017-11-07 15:00 UTC." in text
    assert "Meeting ended at 2017-11-07 15:04 UTC." in text
    assert "said after the meeting" not in text and "* openstack" not in text

    # The rows behind it: owners are the known people, unmatched actions flagged.
    items = {a.text: a for a in db.session.scalars(select(ActionItem))}
    assert [p.id for p in items["bob to review the Keystone section"].owners] == [bob.id]
    owners = items["alice and carol_ to contact the OPNFV PTLs"].owners
    assert sorted(p.display_name for p in owners) == ["alice", "carol_"]
    assert items["someone to book a room for the PTG"].needs_owner_review
    assert not items["bob to review the Keystone section"].needs_owner_review
    assert all(a.opened_in_id == meeting.id for a in items.values())
    rows = db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    assert {(r.person.display_name, r.lines_said, r.source) for r in rows} == {
        ("alice", 8, "log"),
        ("bob", 4, "log"),
        ("dave", 4, "log"),
        ("carol_", 2, "log"),
    }
    # New people carry the nick as a handle, so the next import links them.
    assert db.session.scalar(select(PersonHandle).where(PersonHandle.handle == "carol_"))
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "log_imported")
        )
        == 1
    )


def test_reimport_changes_nothing(edge) -> None:
    group, _, _ = edge
    text = EDGE_LOG.read_text()
    first = log_import.import_log_for_group(None, group, date(2017, 11, 7), text)
    before, version = _counts(), first.meeting.lock_version
    again = log_import.import_log_for_group(None, group, date(2017, 11, 7), text)
    assert again.already_imported and again.meeting.id == first.meeting.id
    # Same log with CRLF line ends: the same log.
    crlf = log_import.import_log(None, first.meeting, text.replace("\n", "\r\n"))
    assert crlf.already_imported
    assert _counts() == before and first.meeting.lock_version == version
    # A different copy (one more line after the meeting) is not a no-op by hash: it is
    # refused unless the chair appends (issue 12, finding 12); appended, every item,
    # action and attendee is already there: still nothing added.
    longer = text + "15:09:00 <erin> late hello\n"
    with pytest.raises(ValidationError):
        log_import.import_log(None, first.meeting, longer)
    more = log_import.import_log(None, first.meeting, longer, existing=log_write.APPEND)
    assert not more.already_imported
    assert (more.items_added, more.actions_added, more.attendance_added) == (0, 0, 0)
    assert _counts() == before


def test_owners_by_handle_and_alias_unmatched_flagged(create_person, create_group, create_meeting):
    jane = create_person("Jane Doe", handles=["jdoe", "jane_d"])
    create_person("Xavier", handles=["xyz"])  # named in an action but not present
    group = create_group()
    meeting = create_meeting(group, start=datetime(2017, 12, 5, 9, 0, tzinfo=UTC))
    plan = log_plan.plan_import(OWNERS_LOG.read_text(), default_date=date(2017, 12, 5))
    assert [(a.nick, a.person_name) for a in plan.attendees] == [("JDoe", "Jane Doe"), ("mk", None)]
    assert [a.owner_names for a in plan.actions] == [["Jane Doe"], ["mk"], []]
    assert [a.flagged for a in plan.actions] == [False, False, True]

    result = log_import.import_log(None, meeting, OWNERS_LOG.read_text())
    assert result.people_created == ["mk"] and result.flagged_actions == 1
    by_text = {a.text: a for a in db.session.scalars(select(ActionItem))}
    assert [p.id for p in by_text["jane_d to draft the charter"].owners] == [jane.id]
    # MeetBot's rule: only people present can be owners; xyz was not there.
    assert [p.display_name for p in by_text["Mk and xyz to sync with StarlingX"].owners] == ["mk"]
    assert by_text["nobody in particular should do this"].owners == []
    assert by_text["nobody in particular should do this"].needs_owner_review
    # zodbot is a bot: not present, not a person
    assert (
        db.session.scalar(select(func.count(Person.id)).where(Person.display_name == "zodbot")) == 0
    )
    said = {m.text: m.said_dt for m in db.session.scalars(select(MinuteItem))}
    assert said["Charter"] == datetime(2017, 12, 5, 9, 0, tzinfo=UTC)


def test_confirmed_owner_overrides(create_person, create_group, create_meeting) -> None:
    jane = create_person("Jane Doe", handles=["jdoe"])
    ann = create_person("Ann")  # not present: a member, so she may own items
    group = create_group(members={ann: Role.MEMBER})
    meeting = create_meeting(group, start=datetime(2017, 12, 5, 9, 0, tzinfo=UTC))
    log_import.import_log(
        None,
        meeting,
        OWNERS_LOG.read_text(),
        owner_overrides={0: [f"p:{ann.id}", f"p:{jane.id}"], 1: ["n:mk"], 2: [f"p:{ann.id}"]},
    )
    by_text = {a.text: a for a in db.session.scalars(select(ActionItem))}
    assert {p.id for p in by_text["jane_d to draft the charter"].owners} == {ann.id, jane.id}
    assert [p.id for p in by_text["nobody in particular should do this"].owners] == [ann.id]
    assert not by_text["nobody in particular should do this"].needs_owner_review
    before = _counts()
    with pytest.raises(ValidationError):
        log_import.import_log(
            None,
            create_meeting(group, start=datetime(2017, 12, 6, tzinfo=UTC)),
            OWNERS_LOG.read_text(),
            owner_overrides={0: ["p:987654"]},
        )
    # the failed import left nothing behind (one transaction), apart from the meeting
    # created by the fixture above
    assert _counts()[1:] == before[1:]


def test_occurrence_of_the_series_is_used(create_group, create_series) -> None:
    group = create_group()
    # Tuesdays 15:00 UTC; the log starts at 15:00:03 on Tue 7 Nov 2017
    series = create_series(group, start=datetime(2017, 10, 3, 15, 0), timezone="UTC")
    create_series(group, start=datetime(2017, 10, 3, 9, 0), timezone="UTC")  # same day, earlier
    result = log_import.import_log_for_group(None, group, date(2017, 11, 7), EDGE_LOG.read_text())
    meeting = result.meeting
    assert meeting.series_id == series.id
    assert meeting.original_start_local == datetime(2017, 11, 7, 15, 0)
    again = log_import.import_log_for_group(None, group, date(2017, 11, 7), EDGE_LOG.read_text())
    assert again.already_imported and again.meeting.id == meeting.id
    assert db.session.scalar(select(func.count(Meeting.id))) == 1


def test_log_without_startmeeting_is_refused(create_group, create_meeting) -> None:
    group = create_group()
    meeting = create_meeting(group)
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        log_import.import_log(None, meeting, "10:00 <a> hello\n10:01 <b> #topic nope\n")
    assert "#startmeeting" in exc.value.message
    assert _counts() == before


# ---------------------------------------------------------------- the command


def test_cli_imports_prints_id_and_is_idempotent(runner, edge) -> None:
    result = runner.invoke(
        args=["import-log", "--group", "edge", "--date", "2017-11-07", str(EDGE_LOG)]
    )
    assert result.exit_code == 0, result.output
    meeting_id = int(result.stdout.strip())
    assert db.session.get(Meeting, meeting_id) is not None
    assert "New person created for nick 'carol_'" in result.stderr
    before = _counts()
    again = runner.invoke(args=["import-log", "--meeting", str(meeting_id), str(EDGE_LOG)])
    assert again.exit_code == 0 and int(again.stdout.strip()) == meeting_id
    assert "already imported" in again.stderr
    assert _counts() == before


def test_cli_errors_name_the_file(runner, tmp_path, create_group, create_meeting) -> None:
    group = create_group(slug="edge")
    meeting = create_meeting(group)
    bad = tmp_path / "no-start.log"
    bad.write_text("10:00 <a> hello\n")
    before = _counts()
    result = runner.invoke(args=["import-log", "--meeting", str(meeting.id), str(bad)])
    assert result.exit_code == 1
    assert f"Error: {bad}" in result.stderr and "#startmeeting" in result.stderr
    missing = tmp_path / "missing.log"
    result = runner.invoke(args=["import-log", "--meeting", str(meeting.id), str(missing)])
    assert result.exit_code == 1 and str(missing) in result.stderr
    result = runner.invoke(args=["import-log", "--meeting", "999", str(EDGE_LOG)])
    assert result.exit_code == 1 and "No meeting 999" in result.stderr
    result = runner.invoke(
        args=["import-log", "--group", "nope", "--date", "2017-11-07", str(EDGE_LOG)]
    )
    assert result.exit_code == 1 and "No group 'nope'" in result.stderr
    result = runner.invoke(args=["import-log", "--group", "edge", str(EDGE_LOG)])
    assert result.exit_code == 2 and "--date" in result.output + result.stderr
    result = runner.invoke(args=["import-log", str(EDGE_LOG)])
    assert result.exit_code == 2
    assert _counts() == before


def test_owners_are_members(create_person, create_group, create_meeting) -> None:
    """Issue 12, finding 7: owners from the log are present people, who become members
    (as checked-in and pasted people do); a chosen owner who is neither is refused."""
    jane = create_person("Jane Doe", handles=["jdoe", "jane_d"])
    stranger = create_person("Sam Stranger")
    group = create_group()
    meeting = create_meeting(group, start=datetime(2017, 12, 5, 9, 0, tzinfo=UTC))
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        log_import.import_log(
            None, meeting, OWNERS_LOG.read_text(), owner_overrides={2: [f"p:{stranger.id}"]}
        )
    assert "owners" in exc.value.fields
    assert _counts() == before
    log_import.import_log(None, meeting, OWNERS_LOG.read_text())
    owners = {p.id for a in db.session.scalars(select(ActionItem)) for p in a.owners}
    members = set(
        db.session.scalars(select(Membership.person_id).where(Membership.group_id == group.id))
    )
    assert jane.id in owners and owners <= members and stranger.id not in members
