"""List mail: the agenda before each occurrence and cancellations/moves, sent through
the real SMTP server, parsed with ``email``; the .ics matches the group's feed as two
client parsers (recurring-ical-events and ical.js) read it. The clock is frozen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.mail import group_mail, outbox
from meetbot.models import OutboxMail, Role
from meetbot.services import occurrence_changes as occurrence_changes_service
from meetbot.services.meetings import materialize_occurrence
from tests.feedcheck import occurrences_icaljs, occurrences_recurring_ical_events
from tests.mail.icaljs_event import read_event
from tests.threads import at_once

# Tuesdays 15:00 Berlin; 2026-03-31 is the first Tuesday after the EU DST change.
FIRST = datetime(2026, 3, 24, 15, 0)
AFTER_DST = datetime(2026, 3, 31, 15, 0)
START_UTC = datetime(2026, 3, 24, 14, 0, tzinfo=UTC)  # CET (+1)
AFTER_DST_UTC = datetime(2026, 3, 31, 13, 0, tzinfo=UTC)  # CEST (+2)


@pytest.fixture
def world(app, create_person, create_group, create_series):
    people = {
        zone: create_person(f"In {zone}", timezone=zone)
        for zone in ("Asia/Kolkata", "Asia/Kolkata", "Australia/Sydney")
    }
    group = create_group(
        "edge",
        name="Edge Computing",
        timezone="Europe/Berlin",
        mailing_list="edge@lists.example.org",
        mail_tag="[edge]",
        members={p: Role.MEMBER for p in people.values()},
    )
    series = create_series(
        group, title="Edge weekly", timezone="Europe/Berlin", start=FIRST,
        location="https://meet.example.org/edge",
    )  # fmt: skip
    return group, series


def _ics_part(message):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return part, icalendar.Calendar.from_ical(part.get_payload(decode=True))


def _vevent(cal):
    (event,) = cal.walk("VEVENT")
    return event


def _feed_occurrence(client, at: datetime, parser):
    feed = client.get("/groups/edge/calendar.ics").data
    found = parser(feed, at - timedelta(hours=1), at + timedelta(hours=1))
    assert len(found) == 1, found
    return found[0], icalendar.Calendar.from_ical(feed)


def test_agenda_is_due_a_lead_time_before_and_queued_once(world, time_machine) -> None:
    time_machine.move_to(START_UTC - timedelta(hours=24, seconds=1), tick=False)
    assert group_mail.queue_due_agendas() == 0  # 24 h + 1 s before: not yet
    time_machine.move_to(START_UTC - timedelta(hours=24), tick=False)
    assert group_mail.queue_due_agendas() == 1
    assert group_mail.queue_due_agendas() == 0  # a second worker round adds nothing
    row = db.session.scalar(select(OutboxMail))
    assert (row.kind, row.recipient, row.expires_dt) == ("agenda", "edge@lists.example.org",
                                                          START_UTC)  # fmt: skip


@pytest.mark.parametrize("parser", [occurrences_recurring_ical_events, occurrences_icaljs])
def test_agenda_mail_content_and_ics_match_the_feed(
    world, client, smtp_server, time_machine, parser
) -> None:
    time_machine.move_to(START_UTC - timedelta(hours=3), tick=False)
    group_mail.queue_due_agendas()
    outbox.send_due()
    (message,) = smtp_server.received
    assert message["Subject"] == "[edge] Agenda: Edge weekly, Tue 24 Mar 15:00 CET"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    assert "Tuesday 24 March 2026, 14:00–15:00 UTC" in text
    assert "Tuesday 24 March 2026, 19:30–20:30 IST (Asia/Kolkata)" in text  # most members
    assert "Wednesday 25 March 2026, 01:00–02:00 AEDT (Australia/Sydney)" in text
    assert "Join: https://meet.example.org/edge" in text
    part, cal = _ics_part(message)
    assert part.get_param("method") == "PUBLISH" and str(cal["METHOD"]) == "PUBLISH"
    event = _vevent(cal)
    occ, feed = _feed_occurrence(client, START_UTC, parser)
    assert str(event["UID"]) == occ["uid"]
    assert event["RECURRENCE-ID"].dt.astimezone(UTC) == occ["recurrence_id"] == START_UTC
    master = next(e for e in feed.walk("VEVENT") if str(e["UID"]) == occ["uid"])
    assert int(event["SEQUENCE"]) == int(master["SEQUENCE"])
    assert event["DTSTART"].dt.astimezone(UTC) == occ["start"]
    # The attachment on its own, as ical.js reads it: the feed's event.
    alone = read_event(part.get_payload(decode=True))
    assert (alone["uid"], alone["recurrence_id"], alone["start"], alone["end"]) == (
        occ["uid"], START_UTC, occ["start"], occ["end"],
    )  # fmt: skip
    assert (alone["method"], alone["summary"]) == ("PUBLISH", occ["summary"])


def test_two_workers_queue_each_agenda_once(app, world, time_machine) -> None:
    time_machine.move_to(START_UTC - timedelta(hours=3), tick=False)
    counts, errors = at_once(app, group_mail.queue_due_agendas)
    assert errors == []
    assert sorted(counts) == [0, 1]
    assert len(db.session.scalars(select(OutboxMail)).all()) == 1


def test_dst_week_agenda_shows_the_new_offset(world, smtp_server, time_machine) -> None:
    time_machine.move_to(AFTER_DST_UTC - timedelta(hours=1), tick=False)
    group_mail.queue_due_agendas()
    outbox.send_due()
    (message,) = smtp_server.received
    assert message["Subject"] == "[edge] Agenda: Edge weekly, Tue 31 Mar 15:00 CEST"
    text = message.get_body(("plain",)).get_content()
    assert "Tuesday 31 March 2026, 13:00–14:00 UTC" in text
    assert "Tuesday 31 March 2026, 18:30–19:30 IST (Asia/Kolkata)" in text
    assert "Wednesday 01 April 2026, 00:00–01:00 AEDT (Australia/Sydney)" in text


def test_worker_down_for_a_day_drops_instead_of_sending_late(
    world, smtp_server, time_machine
) -> None:
    time_machine.move_to(START_UTC - timedelta(hours=2), tick=False)
    group_mail.queue_due_agendas()  # queued, then the worker is down
    time_machine.move_to(START_UTC + timedelta(days=1), tick=False)
    report = outbox.send_due()
    assert len(report.dropped) == 1 and smtp_server.received == []
    assert group_mail.queue_due_agendas() == 0  # the next one is not due yet
    # Down again until within the next meeting's lead time: only that one is queued.
    time_machine.move_to(AFTER_DST_UTC - timedelta(hours=12), tick=False)
    assert group_mail.queue_due_agendas() == 1
    refs = [r.ref for r in db.session.scalars(select(OutboxMail).order_by(OutboxMail.id))]
    assert refs[1].endswith("|20260331T130000Z")


def test_cancellation_mail_has_method_cancel_matching_the_feed(
    world, client, smtp_server, time_machine
) -> None:
    group, series = world
    time_machine.move_to(START_UTC - timedelta(hours=3), tick=False)
    group_mail.queue_due_agendas()
    outbox.send_due()
    occurrence_changes_service.cancel_occurrence(
        None, series, "slot-0", FIRST, reason="Half the group away"
    )
    outbox.send_due()
    agenda, cancel = smtp_server.received
    assert cancel["Subject"] == "[edge] Cancelled: Edge weekly, Tue 24 Mar 15:00 CET"
    assert cancel["In-Reply-To"] == agenda["Message-ID"]
    assert "Why: Half the group away" in cancel.get_body(("plain",)).get_content()
    part, cal = _ics_part(cancel)
    event = _vevent(cal)
    assert (part.get_param("method"), str(cal["METHOD"])) == ("CANCEL", "CANCEL")
    assert str(event["STATUS"]) == "CANCELLED"
    alone = read_event(part.get_payload(decode=True))
    assert (alone["method"], alone["status"], alone["recurrence_id"]) == (
        "CANCEL", "CANCELLED", START_UTC,
    )  # fmt: skip
    first = _vevent(_ics_part(agenda)[1])
    assert str(event["UID"]) == str(first["UID"])
    assert event["RECURRENCE-ID"].dt == first["RECURRENCE-ID"].dt
    assert int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    feed = icalendar.Calendar.from_ical(client.get("/groups/edge/calendar.ics").data)
    master = next(e for e in feed.walk("VEVENT") if str(e["UID"]) == str(event["UID"]))
    assert int(event["SEQUENCE"]) >= int(master["SEQUENCE"])


def test_move_mail_carries_the_moved_event_as_the_feed_has_it(
    world, client, smtp_server, time_machine
) -> None:
    group, series = world
    time_machine.move_to(START_UTC - timedelta(days=3), tick=False)
    occurrence_changes_service.move_occurrence(
        None, series, "slot-0", FIRST, FIRST + timedelta(hours=2)
    )
    outbox.send_due()
    (moved,) = smtp_server.received
    assert moved["Subject"] == "[edge] Moved: Edge weekly, Tue 24 Mar 17:00 CET"
    event = _vevent(_ics_part(moved)[1])
    feed = icalendar.Calendar.from_ical(client.get("/groups/edge/calendar.ics").data)
    override = next(e for e in feed.walk("VEVENT") if "RECURRENCE-ID" in e)
    for prop in ("UID", "SEQUENCE"):
        assert str(event[prop]) == str(override[prop])
    assert event["RECURRENCE-ID"].dt == override["RECURRENCE-ID"].dt
    assert event["DTSTART"].dt == override["DTSTART"].dt


def test_switched_off_or_no_list_sends_nothing(world, time_machine) -> None:
    group, series = world
    group.mail_agenda = False
    group.mail_changes = False
    db.session.commit()
    time_machine.move_to(START_UTC - timedelta(hours=3), tick=False)
    assert group_mail.queue_due_agendas() == 0
    occurrence_changes_service.cancel_occurrence(None, series, "slot-0", FIRST)
    assert db.session.scalar(select(OutboxMail)) is None


def test_hostile_names_cannot_inject_headers_or_html(world, smtp_server, time_machine) -> None:
    group, series = world
    group.name = "Evil <script>alert(1)</script>"
    group.mail_tag = "[x]"
    series.title = "Call\r\nBcc: victim@example.org <img src=x onerror=alert(1)>"
    db.session.commit()
    time_machine.move_to(START_UTC - timedelta(days=3), tick=False)
    meeting = materialize_occurrence(series, "slot-0", FIRST)
    meeting.agenda = "# Plan\n\n<script>alert(2)</script> [x](javascript:alert(3))"
    db.session.commit()
    time_machine.move_to(START_UTC - timedelta(hours=3), tick=False)
    group_mail.queue_due_agendas()
    outbox.send_due()
    (message,) = smtp_server.received
    assert message["Bcc"] is None
    assert message["Subject"].startswith("[x] Agenda: Call Bcc: victim@example.org <img")
    html = message.get_body(("html",)).get_content()
    assert "<script" not in html and "onerror" not in html.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript:' not in html
    assert "<h1>Plan</h1>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
