"""A chat-log import records attendance through services.attendance_entries: the rules of
every source (presence wins over regrets, an existing presence keeps its source),
lines said, and all of it inside the import's one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Attendance, AuditEntry, MinuteItem, Person, Role
from meetbot.services import (
    attendance_entries,
    attendance_regrets,
    attendance_roster,
    log_import,
    log_write,
)

EDGE_LOG = (Path(__file__).parent / "data" / "edge_2017_11_07.log").read_text()
START = datetime(2017, 11, 7, 15, 0, tzinfo=UTC)


@pytest.fixture
def world(create_person, create_group, create_meeting):
    # Lines said in EDGE_LOG (worked out by hand in test_log_import.py): alice 8, bob 4.
    alice = create_person("alice", handles=["alice"])
    bob = create_person("bob", handles=["bob"])
    chair = create_person("Cora Chair")
    group = create_group(members={alice: Role.MEMBER, bob: Role.MEMBER, chair: Role.CHAIR})
    meeting = create_meeting(group, start=START, title="Edge")
    return {"alice": alice, "bob": bob, "chair": chair, "meeting": meeting}


def _entries(meeting) -> dict[str, tuple]:
    db.session.expire_all()
    rows = db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    return {r.person.display_name: (r.kind, r.source, r.lines_said) for r in rows}


def test_regrets_turn_into_log_presence_and_presence_keeps_its_source(world) -> None:
    m, chair = world["meeting"], world["chair"]
    attendance_regrets.record_regrets(chair, m, [world["alice"].id], now=START)
    attendance_roster.save_roster(chair, m, [world["bob"].id], shown_ids=[], now=START)
    result = log_import.import_log(chair, m, EDGE_LOG)
    entries = _entries(m)
    assert entries["alice"] == ("present", "log", 8)  # she spoke: present after all
    assert entries["bob"] == ("present", "roster", 4)  # kept its source, count filled in
    assert entries["dave"] == ("present", "log", 4)
    assert entries["carol_"] == ("present", "log", 2)
    assert result.attendance_added == 2  # dave and carol_ are new entries
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 4
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "recorded_from_log")
    ).all()
    assert len(audit) == 1
    assert sorted(audit[0].details["upgraded"]) == [world["alice"].id]
    assert m.status == "held"  # presence recorded after the start holds the meeting


def test_a_corrected_log_updates_log_counts_but_not_other_sources(world) -> None:
    m, chair = world["meeting"], world["chair"]
    attendance_roster.save_roster(chair, m, [world["bob"].id], shown_ids=[], now=START)
    row = db.session.scalar(select(Attendance).where(Attendance.person_id == world["bob"].id))
    row.lines_said = 99  # a count that did not come from a log
    db.session.commit()
    log_import.import_log(chair, m, EDGE_LOG)
    # The same log with one more line from alice inside the meeting.
    corrected = EDGE_LOG.replace(
        "15:04:30 <alice> #endmeeting",
        "15:04:25 <alice> one more thing\n15:04:30 <alice> #endmeeting",
    )
    result = log_import.import_log(chair, m, corrected, existing=log_write.APPEND)
    assert not result.already_imported and result.attendance_added == 0
    entries = _entries(m)
    assert entries["alice"] == ("present", "log", 9)
    assert entries["bob"] == ("present", "roster", 99)


def test_attendance_is_part_of_the_one_transaction(world, monkeypatch) -> None:
    m = world["meeting"]
    before = (
        db.session.scalar(select(func.count()).select_from(Attendance)),
        db.session.scalar(select(func.count()).select_from(Person)),
        db.session.scalar(select(func.count()).select_from(MinuteItem)),
    )

    # The import's last write fails after attendance was recorded: nothing is kept.
    original = log_write.audit.record

    def failing_record(actor, group, entity, entity_id, action, **details):
        if action == "log_imported":
            raise RuntimeError("disk full")
        return original(actor, group, entity, entity_id, action, **details)

    monkeypatch.setattr(log_write.audit, "record", failing_record)
    with pytest.raises(RuntimeError):
        log_import.import_log(world["chair"], m, EDGE_LOG)
    db.session.expire_all()
    after = (
        db.session.scalar(select(func.count()).select_from(Attendance)),
        db.session.scalar(select(func.count()).select_from(Person)),
        db.session.scalar(select(func.count()).select_from(MinuteItem)),
    )
    assert after == before
    assert m.status == "scheduled" and m.imported_log_sha256 is None


def test_in_session_function_does_not_commit(world) -> None:
    m = world["meeting"]
    changes = attendance_entries.record_from_log_in_session(None, m, {world["alice"].id: 3})
    assert changes.added == [world["alice"].id]
    db.session.rollback()  # the caller decides: rolled back, nothing is there
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
