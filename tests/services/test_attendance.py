"""Attendance service: roster, paste and CSV imports, check-in, regrets, removal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import (
    Attendance,
    AuditEntry,
    Meeting,
    MeetingStatus,
    Membership,
    Person,
    Role,
)
from meetbot.services import (
    attendance_import,
    attendance_links,
    attendance_reads,
    attendance_regrets,
    attendance_roster,
    audit,
)
from meetbot.services.errors import NotFound, ServiceError, ValidationError

START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
DURING = START + timedelta(minutes=20)

FIRST = [
    "Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun",
    "Kai", "Lea", "Max", "Nia", "Oto", "Pia", "Quin", "Rui", "Sia", "Tor",
    "Uma", "Vik", "Wen", "Xia", "Yan", "Zoe", "Abe", "Bea", "Cai", "Dax",
    "Eva", "Fin", "Gia", "Hal", "Ida", "Jax", "Kim", "Lou", "Mo", "Ned",
    "Ola", "Per", "Rae", "Sol", "Tia",
]  # fmt: skip


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(create_user, create_person, create_group, create_meeting):
    chair = create_user("Chair Person")
    group = create_group(members={chair: Role.CHAIR})
    meeting = create_meeting(group, start=START)
    return {"chair": chair, "group": group, "meeting": meeting}


def _forty_five(create_person, group=None, *, known: int = 45):
    """45 people "<First> Tester<i>" with e-mail and handle; ``known`` of them exist."""
    rows = []
    for i, first in enumerate(FIRST):
        name = f"{first} Tester{i}"
        email = f"{first.lower()}.{i}@example.net"
        handle = f"{first.lower()}{i}"
        if i < known:
            p = create_person(name, email=email, handles=[handle])
            if group is not None:
                db.session.add(Membership(group=group, person=p, role=Role.MEMBER.value))
        rows.append((name, email, handle))
    db.session.commit()
    return rows


# ----------------------------------------------------------------- paste


def test_45_people_from_a_pasted_list_each_once_and_reimport_changes_nothing(world, create_person):
    rows = _forty_five(create_person, known=30)  # 30 known people, 15 new
    # Mixed forms, and a few people named twice in different ways.
    lines = []
    for i, (name, email, handle) in enumerate(rows):
        lines.append([name, email, f"{name} <{email}>", f"{name} ({handle})"][i % 4])
    lines += [rows[0][2], rows[1][1]]  # Ada by handle and Ben by e-mail again
    text = "Attendees:\n" + "\n".join(lines)

    identities = attendance_import.parse_paste(text)
    # Ben's second e-mail line collapses in the parser; "ada0" is known to be Ada only
    # once matched against the people, so it is one more line but the same person.
    assert len(identities) == 46
    people_before = count(Person)
    changes = attendance_import.confirm_import(
        world["chair"],
        world["meeting"],
        identities,
        {},
        create_unmatched=True,
        source="paste",
        now=DURING,
    )
    assert len(changes.added) == 45
    assert count(Attendance) == 45
    # The 15 unknown people were created (only they) and joined the group.
    new_ones = [r for i, r in enumerate(rows) if i >= 30]
    assert count(Person) == people_before + 15
    assert len(changes.created_people) == 15
    created = db.session.scalars(select(Person).where(Person.id.in_(changes.created_people))).all()
    for name, email, handle in new_ones:  # each new row became exactly one person
        fits = [
            p
            for p in created
            if p.display_name == name or p.email == email or handle in {h.handle for h in p.handles}
        ]
        assert len(fits) == 1, name
    members = db.session.scalar(
        select(func.count(Membership.id)).where(Membership.group_id == world["group"].id)
    )
    assert members == 1 + 45  # the chair plus everyone recorded
    assert db.session.get(Meeting, world["meeting"].id).status == MeetingStatus.HELD.value

    audit_before = count(AuditEntry)
    again = attendance_import.confirm_import(
        world["chair"],
        world["meeting"],
        attendance_import.parse_paste(text),
        {},
        create_unmatched=True,
        source="paste",
        now=DURING,
    )
    assert not again.changed
    assert count(Attendance) == 45
    assert count(Person) == people_before + 15
    assert count(AuditEntry) == audit_before


def test_new_people_keep_name_email_and_handle(world):
    identities = attendance_import.parse_paste(
        "Zed Newcomer <zed@example.com>\nYara Nick (yaranick)"
    )
    changes = attendance_import.confirm_import(
        world["chair"],
        world["meeting"],
        identities,
        {},
        create_unmatched=True,
        source="paste",
        now=DURING,
    )
    people = {
        p.display_name: p
        for p in db.session.scalars(select(Person).where(Person.id.in_(changes.created_people)))
    }
    assert people["Zed Newcomer"].email == "zed@example.com"
    assert [h.handle for h in people["Yara Nick"].handles] == ["yaranick"]
    entries = db.session.scalars(select(Attendance)).all()
    assert {e.source for e in entries} == {"paste"}
    assert {e.recorded_by_id for e in entries} == {world["chair"].id}


def test_preview_classifies_and_saves_nothing(world, create_person):
    create_person("Alice Smith", email="alice@example.org")
    create_person("Sam Jones", email="sam.j@example.org")
    create_person("Sam Jones", email="sam.k@example.org")
    identities = attendance_import.parse_paste("alice@example.org\nSam Jones\nNew Person")
    before = (count(Person), count(Attendance), count(AuditEntry), count(Membership))
    lines = attendance_import.preview(world["meeting"], identities)
    assert [line.status for line in lines] == ["matched", "ambiguous", "new"]
    assert lines[0].person.display_name == "Alice Smith"
    assert len(lines[1].candidates) == 2
    assert (count(Person), count(Attendance), count(AuditEntry), count(Membership)) == before


def test_ambiguous_line_needs_a_choice(world, create_person):
    a = create_person("Sam Jones", email="sam.j@example.org")
    create_person("Sam Jones", email="sam.k@example.org")
    identities = attendance_import.parse_paste("Sam Jones")
    skipped = attendance_import.confirm_import(
        world["chair"], world["meeting"], identities, {}, source="paste", now=DURING
    )
    assert count(Attendance) == 0 and len(skipped.skipped) == 1
    chosen = attendance_import.confirm_import(
        world["chair"],
        world["meeting"],
        identities,
        {0: f"person:{a.id}"},
        source="paste",
        now=DURING,
    )
    assert chosen.added == [a.id]
    # A forged choice (not one of the candidates) is not recorded.
    stranger = create_person("Somebody Else")
    attendance_roster.remove_entry(
        world["chair"], world["meeting"], db.session.scalar(select(Attendance.id))
    )
    forged = attendance_import.confirm_import(
        world["chair"],
        world["meeting"],
        identities,
        {0: f"person:{stranger.id}"},
        source="paste",
        now=DURING,
    )
    assert not forged.added and count(Attendance) == 0


def test_line_shown_new_that_now_matches_is_not_duplicated(world, create_person):
    identities = attendance_import.parse_paste("Late Comer <late@example.org>")
    assert attendance_import.preview(world["meeting"], identities)[0].status == "new"
    existing = create_person("Late Comer", email="late@example.org")  # created meanwhile
    changes = attendance_import.confirm_import(
        world["chair"], world["meeting"], identities, {0: "new"}, source="paste", now=DURING
    )
    assert changes.added == [existing.id] and not changes.created_people


def test_skip_choice(world, create_person):
    p = create_person("Alice Smith", email="alice@example.org")
    identities = attendance_import.parse_paste("alice@example.org\nNew Person")
    changes = attendance_import.confirm_import(
        world["chair"],
        world["meeting"],
        identities,
        {0: "skip", 1: "skip"},
        source="paste",
        now=DURING,
    )
    assert not changes.changed and count(Attendance) == 0 and p.id


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("\n".join(f"Person Number{i}" for i in range(2_001)), "2,001 lines"),
        ("x" * 200_001, "too large"),
        ("  \n ,;  \n", "No names"),
    ],
)
def test_paste_limits_give_clear_errors(world, text, needle):
    with pytest.raises(ValidationError) as exc:
        attendance_import.parse_paste(text)
    assert needle in exc.value.fields["text"]


def test_failure_midway_leaves_nothing(world, create_person, monkeypatch):
    create_person("Known One", email="known@example.org")
    identities = attendance_import.parse_paste("known@example.org\nBrand New <brand@example.org>")
    before = (count(Person), count(Attendance), count(Membership), count(AuditEntry))

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", boom)
    with pytest.raises(RuntimeError):
        attendance_import.confirm_import(
            world["chair"],
            world["meeting"],
            identities,
            {},
            create_unmatched=True,
            source="paste",
            now=DURING,
        )
    db.session.expire_all()
    assert (count(Person), count(Attendance), count(Membership), count(AuditEntry)) == before


# ----------------------------------------------------------------- CSV


def _zoom_csv(rows, *, rejoin=()):
    out = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    for name, email, _ in rows:
        out.append(f"{name},{email},03/03/2026 03:00:00 PM,03/03/2026 03:40:00 PM,40,No")
    for name, email, _ in rejoin:
        out.append(f"{name},{email},03/03/2026 03:45:00 PM,03/03/2026 03:50:00 PM,5,No")
    return ("\n".join(out) + "\n").encode()


def test_45_people_from_a_csv_each_once_with_durations_summed(world, create_person):
    rows = _forty_five(create_person, world["group"], known=40)
    data = _zoom_csv(rows, rejoin=rows[:3])  # three people joined twice
    participants = attendance_import.parse_csv(data)
    assert len(participants) == 45
    changes = attendance_import.confirm_import(
        world["chair"],
        world["meeting"],
        participants,
        {},
        create_unmatched=True,
        source="csv",
        now=DURING,
    )
    assert len(changes.added) == 45 and len(changes.created_people) == 5
    durations = dict(
        db.session.execute(select(Attendance.person_id, Attendance.duration_minutes)).all()
    )
    ada = db.session.scalar(select(Person.id).where(Person.email == rows[0][1]))
    dev = db.session.scalar(select(Person.id).where(Person.email == rows[3][1]))
    assert durations[ada] == 45 and durations[dev] == 40
    again = attendance_import.confirm_import(
        world["chair"],
        world["meeting"],
        attendance_import.parse_csv(data),
        {},
        create_unmatched=True,
        source="csv",
        now=DURING,
    )
    assert not again.changed and count(Attendance) == 45


def test_csv_keeps_existing_presence_source_and_fills_duration(world, create_person):
    p = create_person("Ada Tester", email="ada@example.net")
    db.session.add(Membership(group=world["group"], person=p, role="member"))
    db.session.commit()
    attendance_roster.save_roster(world["chair"], world["meeting"], [p.id], now=DURING)
    data = b"Name,Email,Duration\nAda Tester,ada@example.net,33\n"
    changes = attendance_import.confirm_import(
        world["chair"],
        world["meeting"],
        attendance_import.parse_csv(data),
        {},
        source="csv",
        now=DURING,
    )
    assert changes.updated == [p.id]
    entry = db.session.scalar(select(Attendance))
    assert (entry.source, entry.duration_minutes) == ("roster", 33)


def test_csv_without_name_or_email_column_names_what_is_missing(world):
    with pytest.raises(ValidationError) as exc:
        attendance_import.parse_csv(b"Join Time,Leave Time,Duration\n10:00,11:00,60\n")
    message = exc.value.fields["file"]
    assert "name or email column" in message and "Join Time" in message


def test_csv_too_large(world):
    with pytest.raises(ValidationError) as exc:
        attendance_import.parse_csv(b"Name,Email\n" + b"x" * 5_000_001)
    assert "too large" in exc.value.fields["file"]


# ----------------------------------------------------------------- roster


def test_roster_ticks_unticks_and_keeps_other_sources(world, create_person):
    group, meeting, chair = world["group"], world["meeting"], world["chair"]
    a, b, c = (create_person(n) for n in ("Ann A", "Bob B", "Cat C"))
    for p in (a, b, c):
        db.session.add(Membership(group=group, person=p, role="member"))
    db.session.commit()
    attendance_import.confirm_import(
        chair,
        meeting,
        attendance_import.parse_paste("Cat C"),
        {},
        create_unmatched=True,
        source="paste",
        now=DURING,
    )

    first = attendance_roster.save_roster(chair, meeting, [a.id, b.id], now=DURING)
    assert sorted(first.added) == sorted([a.id, b.id])
    # Unticking Bob removes his roster entry; Cat (from a paste, unticked) stays.
    second = attendance_roster.save_roster(chair, meeting, [a.id], now=DURING)
    assert second.removed == [b.id]
    kinds = dict(db.session.execute(select(Attendance.person_id, Attendance.source)).all())
    assert kinds == {a.id: "roster", c.id: "paste"}
    # Saving the same roster again changes nothing.
    assert not attendance_roster.save_roster(chair, meeting, [a.id], now=DURING).changed


def test_roster_only_removes_people_it_showed(world, create_person):
    group, meeting, chair = world["group"], world["meeting"], world["chair"]
    a, b = create_person("Ann A"), create_person("Bob B")
    for p in (a, b):
        db.session.add(Membership(group=group, person=p, role="member"))
    db.session.commit()
    attendance_roster.save_roster(chair, meeting, [a.id, b.id], now=DURING)
    # A form that listed only Ann (Bob joined later) does not remove Bob.
    changes = attendance_roster.save_roster(chair, meeting, [], shown_ids=[a.id], now=DURING)
    assert changes.removed == [a.id]
    assert count(Attendance) == 1


def test_roster_refuses_non_members(world, create_person):
    stranger = create_person("Not A Member")
    with pytest.raises(ValidationError):
        attendance_roster.save_roster(world["chair"], world["meeting"], [stranger.id], now=DURING)
    assert count(Attendance) == 0


def test_previous_meeting_for_select_last_time(world, create_person, create_meeting):
    group, chair = world["group"], world["chair"]
    p = create_person("Regular Rita")
    db.session.add(Membership(group=group, person=p, role="member"))
    db.session.commit()
    earlier = create_meeting(group, start=START - timedelta(days=7))
    cancelled = create_meeting(group, start=START - timedelta(days=3), status="cancelled")
    attendance_roster.save_roster(chair, earlier, [p.id], now=START)
    assert attendance_reads.previous_meeting(world["meeting"]).id == earlier.id
    assert cancelled.id != earlier.id
    rows = {r.person.id: r for r in attendance_reads.roster(world["meeting"])}
    assert rows[p.id].came_last_time and not rows[chair.id].came_last_time


def test_attendance_before_start_does_not_hold(world):
    chair = world["chair"]
    attendance_roster.save_roster(
        chair, world["meeting"], [chair.id], now=START - timedelta(hours=1)
    )
    assert db.session.get(Meeting, world["meeting"].id).status == "scheduled"


def test_cancelled_meeting_takes_no_attendance(world):
    world["meeting"].status = "cancelled"
    db.session.commit()
    with pytest.raises(ValidationError):
        attendance_roster.save_roster(
            world["chair"], world["meeting"], [world["chair"].id], now=DURING
        )


# ----------------------------------------------------------------- check-in


@pytest.mark.parametrize(
    ("offset", "ok"),
    [
        (timedelta(minutes=-16), False),
        (timedelta(minutes=-15), True),
        (timedelta(minutes=30), True),
        (timedelta(minutes=75), True),  # end (60 min) + 15
        (timedelta(minutes=76), False),
    ],
)
def test_self_checkin_window(world, time_machine, offset, ok):
    time_machine.move_to(START + offset, tick=False)
    chair, meeting = world["chair"], world["meeting"]
    if ok:
        attendance_roster.check_in_self(chair, meeting)
        entry = db.session.scalar(select(Attendance))
        assert (entry.kind, entry.source, entry.recorded_by_id) == ("present", "self", chair.id)
        assert entry.recorded_dt == START + offset
    else:
        with pytest.raises(ValidationError) as exc:
            attendance_roster.check_in_self(chair, meeting)
        assert "Check-in" in exc.value.message
        assert count(Attendance) == 0


def test_checkin_link_token(world, time_machine):
    time_machine.move_to(START, tick=False)
    meeting = world["meeting"]
    token = attendance_links.open_checkin_link(
        world["chair"], meeting, valid_for=timedelta(hours=2)
    )
    assert meeting.checkin_token_hash and token not in meeting.checkin_token_hash
    with pytest.raises(NotFound):
        attendance_links.verify_checkin_token(meeting, token + "x")
    person, changes = attendance_links.check_in_with_link(
        meeting, token, name="Guest Visitor", email="g@v.org"
    )
    assert changes.created_people == [person.id]
    entry = db.session.scalar(select(Attendance))
    assert (entry.source, entry.recorded_by_id) == ("link", None)
    # The same guest again: matched by e-mail, nothing new.
    _, again = attendance_links.check_in_with_link(
        meeting, token, name="Guest Visitor", email="g@v.org"
    )
    assert not again.changed
    time_machine.move_to(START + timedelta(hours=2, seconds=1), tick=False)
    with pytest.raises(attendance_links.LinkExpired):
        attendance_links.check_in_with_link(meeting, token, name="Too Late")
    assert count(Attendance) == 1


def test_closed_link_stops_working(world):
    meeting = world["meeting"]
    token = attendance_links.open_checkin_link(world["chair"], meeting, now=START)
    attendance_links.close_checkin_link(world["chair"], meeting)
    with pytest.raises(NotFound):
        attendance_links.verify_checkin_token(meeting, token, now=START)


def test_link_checkin_ambiguous_name_asks_for_email(world, create_person):
    create_person("Sam Jones", email="sam.j@example.org")
    create_person("Sam Jones", email="sam.k@example.org")
    token = attendance_links.open_checkin_link(world["chair"], world["meeting"], now=START)
    with pytest.raises(ValidationError) as exc:
        attendance_links.check_in_with_link(world["meeting"], token, name="Sam Jones", now=START)
    assert "email" in exc.value.fields
    person, _ = attendance_links.check_in_with_link(
        world["meeting"], token, name="Sam Jones", email="sam.k@example.org", now=START
    )
    assert person.email == "sam.k@example.org"


# ----------------------------------------------------------------- regrets, removal


def test_regrets_before_the_meeting_then_presence_wins(world, create_person):
    m = create_person("Mia Member")
    db.session.add(Membership(group=world["group"], person=m, role="member"))
    db.session.commit()
    attendance_regrets.send_regrets(m, world["meeting"], now=START - timedelta(days=1))
    assert db.session.scalar(select(Attendance.kind)) == "regrets"
    assert not attendance_regrets.send_regrets(
        m, world["meeting"], now=START - timedelta(hours=1)
    ).changed
    with pytest.raises(ValidationError):
        attendance_regrets.send_regrets(m, world["meeting"], now=START)
    # She came after all.
    changes = attendance_roster.save_roster(world["chair"], world["meeting"], [m.id], now=DURING)
    assert changes.upgraded == [m.id]
    entry = db.session.scalar(select(Attendance))
    assert (entry.kind, entry.source) == ("present", "roster")
    with pytest.raises(ValidationError):
        attendance_regrets.record_regrets(world["chair"], world["meeting"], [m.id], now=DURING)


def test_remove_entry(world):
    chair, meeting = world["chair"], world["meeting"]
    attendance_roster.save_roster(chair, meeting, [chair.id], now=DURING)
    entry_id = db.session.scalar(select(Attendance.id))
    attendance_roster.remove_entry(chair, meeting, entry_id)
    assert count(Attendance) == 0
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "removed"
    assert db.session.get(Meeting, meeting.id).status == "held"  # never un-held
    with pytest.raises(NotFound):
        attendance_roster.remove_entry(chair, meeting, entry_id)


def test_concurrent_duplicate_is_refused_cleanly(world, monkeypatch):
    chair, meeting = world["chair"], world["meeting"]
    attendance_roster.save_roster(chair, meeting, [chair.id], now=DURING)
    # Simulate a racing request: our read of existing entries missed the other's row.
    monkeypatch.setattr(attendance_roster, "entries_by_person", lambda m: {})
    with pytest.raises(ServiceError):
        attendance_roster.check_in_self(chair, meeting, now=DURING)
    assert count(Attendance) == 1
