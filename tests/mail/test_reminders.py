"""Reminders to each person before meetings of the series they follow: due from the
occurrence expansion (moves, cancellations), in the person's own zone the week the
clocks change, each queued once (two workers), never late (a worker down for a day).
Sent through the real SMTP server and parsed with ``email``; the clock is frozen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.mail import outbox, prefs, reminders
from meetbot.models import OutboxMail, Role
from meetbot.services import occurrence_changes as changes
from tests.threads import at_once

# Tuesdays 15:00 Berlin. The EU clocks change on 2026-03-29, Sydney's on 2026-04-05.
FIRST = datetime(2026, 3, 24, 15, 0)
WEEK1 = datetime(2026, 3, 24, 14, 0, tzinfo=UTC)  # CET; Sydney AEDT
WEEK2 = datetime(2026, 3, 31, 13, 0, tzinfo=UTC)  # CEST; Sydney still AEDT
WEEK3 = datetime(2026, 4, 7, 13, 0, tzinfo=UTC)  # CEST; Sydney AEST
LEADS = {"Europe/Berlin": 60, "Australia/Sydney": 30, "Asia/Kolkata": 1440}


@pytest.fixture
def world(app, create_person, create_group, create_series):
    people = {zone: create_person(f"In {zone}", timezone=zone) for zone in LEADS}
    group = create_group(
        "edge", name="Edge Computing", timezone="Europe/Berlin",
        members={p: Role.MEMBER for p in people.values()},
    )  # fmt: skip
    series = create_series(
        group, title="Edge weekly", timezone="Europe/Berlin", start=FIRST,
        location="https://meet.example.org/edge",
    )  # fmt: skip
    for zone, person in people.items():
        prefs.update_settings(
            person, reminders=True, reminder_minutes=LEADS[zone],
            follow_member_series=True, actions="each",
        )  # fmt: skip
    return people, group, series


def _by_recipient(smtp_server) -> dict[str, object]:
    return {str(m["To"]).split("<")[-1].rstrip(">"): m for m in smtp_server.received}


EXPECTED = {
    WEEK1: {
        "Europe/Berlin": "Tuesday 24 March 2026, 15:00–16:00 CET (Europe/Berlin)",
        "Australia/Sydney": "Wednesday 25 March 2026, 01:00–02:00 AEDT (Australia/Sydney)",
        "Asia/Kolkata": "Tuesday 24 March 2026, 19:30–20:30 IST (Asia/Kolkata)",
    },
    WEEK2: {
        "Europe/Berlin": "Tuesday 31 March 2026, 15:00–16:00 CEST (Europe/Berlin)",
        "Australia/Sydney": "Wednesday 01 April 2026, 00:00–01:00 AEDT (Australia/Sydney)",
        "Asia/Kolkata": "Tuesday 31 March 2026, 18:30–19:30 IST (Asia/Kolkata)",
    },
    WEEK3: {
        "Europe/Berlin": "Tuesday 07 April 2026, 15:00–16:00 CEST (Europe/Berlin)",
        "Australia/Sydney": "Tuesday 07 April 2026, 23:00–00:00 AEST (Australia/Sydney)",
        "Asia/Kolkata": "Tuesday 07 April 2026, 18:30–19:30 IST (Asia/Kolkata)",
    },
}


@pytest.mark.parametrize("start", [WEEK1, WEEK2, WEEK3], ids=["before", "eu-dst", "au-dst"])
def test_each_reminder_says_the_local_time_of_its_reader(
    world, smtp_server, time_machine, start
) -> None:
    people, _, _ = world
    for zone, minutes in sorted(LEADS.items(), key=lambda zm: -zm[1]):
        lead = timedelta(minutes=minutes)
        time_machine.move_to(start - lead - timedelta(seconds=1), tick=False)
        before = reminders.queue_due_reminders()
        time_machine.move_to(start - lead, tick=False)
        assert reminders.queue_due_reminders() == 1, zone  # exactly this reader's lead
        assert before == 0 or zone != "Asia/Kolkata"
        outbox.send_due()
    received = _by_recipient(smtp_server)
    assert len(smtp_server.received) == 3
    for zone, person in people.items():
        message = received[person.email]
        text = message.get_body(("plain",)).get_content()
        assert EXPECTED[start][zone] in text, (zone, text)
        local = start.astimezone(ZoneInfo(zone))
        assert message["Subject"] == f"Reminder: Edge weekly, {local:%a %d %b %H:%M %Z}"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Join: https://meet.example.org/edge" in text


def test_key_is_occurrence_and_reader_and_two_workers_queue_once(app, world, time_machine):
    time_machine.move_to(WEEK2 - timedelta(minutes=20), tick=False)
    counts, errors = at_once(app, reminders.queue_due_reminders)
    assert errors == []
    assert sum(counts) == 3  # one each for Berlin, Sydney, Kolkata, whoever queued it
    rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.recipient)).all()
    assert len(rows) == 3
    assert {r.ref for r in rows} == {rows[0].ref}
    assert rows[0].ref.endswith("|20260331T130000Z") and rows[0].kind == "reminder"
    assert all(r.expires_dt == WEEK2 for r in rows)


def test_worker_down_for_a_day_drops_late_reminders(world, smtp_server, time_machine):
    time_machine.move_to(WEEK1 - timedelta(minutes=10), tick=False)
    assert reminders.queue_due_reminders() == 3  # queued; then the worker is down
    time_machine.move_to(WEEK1 + timedelta(days=1), tick=False)
    report = outbox.send_due()
    assert len(report.dropped) == 3 and smtp_server.received == []
    assert reminders.queue_due_reminders() == 0  # a meeting that started gets none
    # Down from before a lead time until after the start: never queued at all.
    time_machine.move_to(WEEK2 + timedelta(minutes=1), tick=False)
    assert reminders.queue_due_reminders() == 0
    assert outbox.send_due().attempted == 0 and smtp_server.received == []


def test_moves_and_cancellations_come_from_the_expansion(world, smtp_server, time_machine):
    people, _, series = world
    berlin = people["Europe/Berlin"]
    time_machine.move_to(WEEK1 - timedelta(days=3), tick=False)
    changes.cancel_occurrence(None, series, "slot-0", FIRST, reason="away")
    week2 = FIRST + timedelta(days=7)
    changes.move_occurrence(None, series, "slot-0", week2, week2 + timedelta(hours=2))
    time_machine.move_to(WEEK1 - timedelta(minutes=5), tick=False)
    assert reminders.queue_due_reminders() == 0  # cancelled
    time_machine.move_to(WEEK2 - timedelta(minutes=5), tick=False)  # the old time
    assert [p for p, _ in reminders.due_reminders()] == [people["Asia/Kolkata"].id]  # 24 h
    assert reminders.queue_due_reminders() == 1
    time_machine.move_to(WEEK2 + timedelta(hours=2) - timedelta(minutes=60), tick=False)
    assert [p for p, _ in reminders.due_reminders()] == [berlin.id]
    reminders.queue_due_reminders()
    outbox.send_due()
    berlin_mail = _by_recipient(smtp_server)[berlin.email]
    assert (
        "Tuesday 31 March 2026, 17:00–18:00 CEST" in berlin_mail.get_body(("plain",)).get_content()
    )


def test_who_follows(world, create_person, time_machine) -> None:
    people, _, series = world
    outsider = create_person("Outsider", timezone="UTC")
    prefs.update_settings(
        outsider, reminders=True, reminder_minutes=60, follow_member_series=True, actions="off"
    )
    prefs.set_following(outsider, series, True)  # follows without being a member
    prefs.set_following(people["Europe/Berlin"], series, False)  # a member who unfollowed
    kolkata = people["Asia/Kolkata"]
    prefs.update_settings(  # members' series not followed by default for this one
        kolkata, reminders=True, reminder_minutes=60, follow_member_series=False, actions="off"
    )
    opted_out = people["Australia/Sydney"]
    prefs.update_settings(
        opted_out, reminders=False, reminder_minutes=60, follow_member_series=True, actions="off"
    )
    time_machine.move_to(WEEK1 - timedelta(minutes=30), tick=False)
    assert [p for p, _ in reminders.due_reminders()] == [outsider.id]
    assert prefs.is_following(outsider, series) and not prefs.is_following(kolkata, series)
