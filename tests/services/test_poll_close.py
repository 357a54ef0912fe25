"""Closing a poll: one transaction (a failure after the series step changes nothing, a
second close is refused, two closes at once make one series), and closing into an
existing series gives it the new times from tomorrow with a notice (list mail and
series page). The clock is frozen."""

from __future__ import annotations

from datetime import date, datetime
from email import message_from_string
from email.policy import default

import pytest
import time_machine
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import (
    AuditEntry,
    AvailabilityPoll,
    MeetingSeries,
    OutboxMail,
    Person,
    PollStatus,
    Role,
)
from meetbot.services import poll_close, polls
from meetbot.services.errors import Conflict, ValidationError
from tests.threads import at_once

NOW = datetime(2027, 1, 6, 9, 0)  # a Wednesday


@pytest.fixture
def world(app, create_user, create_group, create_series):
    with time_machine.travel(NOW, tick=False):
        olga = create_user("Olga", email="olga@example.org", timezone="Europe/Berlin")
        sam = create_user("Sam", email="sam@example.org", timezone="Australia/Sydney")
        group = create_group(
            "wg",
            members={olga: Role.ORGANIZER, sam: Role.MEMBER},
            mailing_list="wg@lists.example.org",
            mail_tag="[wg]",
        )
        series = create_series(group, title="Weekly call", start=datetime(2026, 1, 6, 15, 0))
        poll = polls.create_poll(
            olga,
            group,
            title="A better time",
            timezone="UTC",
            duration_minutes=60,
            options=polls.parse_options("Tue 15:00\nMon 07:00 / Tue 15:00"),
            start=date(2027, 1, 4),
        )
    return {"olga": olga, "group": group, "series": series, "poll": poll}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@time_machine.travel(NOW, tick=False)
def test_closing_into_an_existing_series_changes_its_times_with_a_notice(world, client) -> None:
    poll, series = world["poll"], world["series"]
    pair = poll.options[1]
    poll_close.close(world["olga"], poll, pair.id, series=series, note="Sydney can come now.")
    db.session.expire_all()
    assert poll.status == PollStatus.CLOSED and poll.series_id == series.id
    # the old slot ends today (past meetings stay); A and B start from tomorrow on
    slots = [(s.label, s.start_local.isoformat(), s.interval, s.until) for s in series.slots]
    assert slots == [
        ("", "2026-01-06T15:00:00", 1, date(2027, 1, 6)),
        ("A", "2027-01-11T07:00:00", 2, None),
        ("B", "2027-01-19T15:00:00", 2, None),
    ]
    assert _count(MeetingSeries) == 1
    assert poll.change_note.startswith(
        "From Thursday 7 January 2027, Weekly call alternates: Monday 07:00 one week, "
        'Tuesday 15:00 the next (UTC), as chosen in the availability poll "A better time".'
    )
    mail = db.session.scalars(select(OutboxMail)).one()
    assert (mail.kind, mail.recipient, mail.subject) == (
        "series-changed",
        "wg@lists.example.org",
        "[wg] New times: Weekly call",
    )
    text = message_from_string(mail.message, policy=default).get_body(("plain",)).get_content()
    text = text.replace("\r\n", "\n")
    assert "Sydney can come now." in text
    assert "A, every 2 weeks, first on:\n  Monday 11 January 2027, 07:00–08:00 UTC\n" in text
    assert "Tuesday 19 January 2027, 16:00–17:00 CET (Europe/Berlin)" in text
    page = client.get(f"/series/{series.id}/").get_data(as_text=True)
    assert "data-time-change" in page and "Sydney can come now." in page
    assert "Weekly call alternates: Monday 07:00 one week" in page


@time_machine.travel(NOW, tick=False)
def test_a_failure_after_the_series_step_leaves_neither_changed(world, monkeypatch) -> None:
    poll = world["poll"]
    real = poll_close.series_service.add_series

    def add_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(poll_close.series_service, "add_series", add_then_fail)
    with pytest.raises(RuntimeError):
        poll_close.close(world["olga"], poll, poll.options[0].id)
    monkeypatch.undo()

    def fail(*args, **kwargs):
        raise RuntimeError("the template is broken")

    monkeypatch.setattr(poll_close.group_mail, "queue_series_change", fail)
    with pytest.raises(RuntimeError):
        poll_close.close(world["olga"], poll, poll.options[0].id, series=world["series"])
    db.session.expire_all()
    assert _count(MeetingSeries) == 1  # only the one that was there
    assert [(s.until, s.start_local.isoformat()) for s in world["series"].slots] == [
        (None, "2026-01-06T15:00:00")
    ]
    row = db.session.get(AvailabilityPoll, poll.id)
    assert (row.status, row.series_id, row.closed_dt) == (PollStatus.OPEN, None, None)
    assert _count(OutboxMail) == 0
    assert _count(AuditEntry) == 0


@time_machine.travel(NOW, tick=False)
def test_a_second_close_is_refused_and_bad_choices_change_nothing(world, create_group) -> None:
    poll = world["poll"]
    other = create_group("other")
    with pytest.raises(ValidationError) as exc:
        poll_close.close(world["olga"], poll, -1)
    assert set(exc.value.fields) == {"option"}
    foreign = MeetingSeries(group=other, title="Elsewhere", timezone="UTC")
    db.session.add(foreign)
    db.session.commit()
    with pytest.raises(ValidationError) as exc:
        poll_close.close(world["olga"], poll, poll.options[0].id, series=foreign)
    assert set(exc.value.fields) == {"series"}
    with pytest.raises(ValidationError) as exc:
        poll_close.close(world["olga"], poll, poll.options[0].id, note="x" * 2001)
    assert set(exc.value.fields) == {"note"}
    assert db.session.get(AvailabilityPoll, poll.id).status == PollStatus.OPEN

    poll_close.close(world["olga"], poll, poll.options[0].id)
    first_series = poll.series_id
    with pytest.raises(Conflict, match="already closed"):
        poll_close.close(world["olga"], poll, poll.options[1].id)
    db.session.expire_all()
    assert poll.series_id == first_series
    assert _count(MeetingSeries) == 3  # the fixture's, "Elsewhere" and the poll's


@time_machine.travel(NOW, tick=False)
def test_two_closes_at_once_create_one_series(app, world) -> None:
    poll_id, olga_id = world["poll"].id, world["olga"].id
    option_id = world["poll"].options[0].id

    def closer() -> str:
        poll = db.session.get(AvailabilityPoll, poll_id)
        try:
            poll_close.close(db.session.get(Person, olga_id), poll, option_id)
        except Conflict:
            return "refused"
        return "closed"

    closed, errors = at_once(app, closer)
    outcomes = closed + [repr(exc) for exc in errors]  # an error is reported, not lost
    assert sorted(outcomes) == ["closed", "refused"]
    assert _count(MeetingSeries) == 2  # the fixture's and the poll's
    poll = db.session.get(AvailabilityPoll, poll_id)
    assert poll.status == PollStatus.CLOSED and poll.series_id is not None
