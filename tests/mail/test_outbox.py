"""The outbox against a real SMTP server (aiosmtpd, STARTTLS + AUTH) on loopback.

Queued in the writer's transaction, sent once, retried on temporary failures, failed
with the server's answer on permanent ones; the server killed mid-run loses and
doubles nothing; two workers at once send each message once; a crash between
"accepted" and "recorded" re-sends the same Message-ID. The clock is frozen.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.mail import outbox
from meetbot.mail.message import address
from meetbot.models import OutboxMail
from meetbot.services.db import unit_of_work
from tests.threads import at_once

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def _queue(n: int, *, kind: str = "test", prefix: str = "to") -> list[bool]:
    with unit_of_work():
        return [
            outbox.enqueue(
                kind=kind,
                ref=f"ref-{i}",
                to=address(f"Pérson {i}", f"{prefix}{i}@example.org"),
                subject=f"Message {i}",
                text=f"Body {i}",
            )
            for i in range(n)
        ]


def _rows() -> list[OutboxMail]:
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_queueing_twice_is_a_no_op(app) -> None:
    assert _queue(2) == [True, True]
    assert _queue(2) == [False, False]
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 2


def test_nothing_is_queued_when_the_change_rolls_back(app) -> None:
    with pytest.raises(RuntimeError), unit_of_work():
        outbox.enqueue(kind="test", ref="x", to="a@example.org", subject="s", text="t")
        raise RuntimeError("the change failed")
    assert _rows() == []


def test_sent_over_starttls_with_auth_and_recorded(app, smtp_server) -> None:
    _queue(3)
    report = outbox.send_due()
    rows = _rows()
    assert report.sent == [r.id for r in rows]
    assert {r.status for r in rows} == {outbox.SENT}
    got = smtp_server.received
    assert sorted(smtp_server.handler.message_ids()) == sorted(r.message_id for r in rows)
    first = next(m for m in got if m["Subject"] == "Message 0")
    assert first["To"].addresses[0].display_name == "Pérson 0"
    assert first["To"].addresses[0].addr_spec == "to0@example.org"
    assert first["Auto-Submitted"] == "auto-generated"
    assert first.get_content().strip() == "Body 0"
    assert outbox.send_due().attempted == 0  # nothing is due any more


def test_a_wrong_password_is_retried_not_lost(app, smtp_server) -> None:
    app.config["MEETBOT_MAIL_URL"] = smtp_server.url.replace("p%40ss", "wrong")
    _queue(2)
    report = outbox.send_due()
    assert len(report.retrying) == 1  # the round stops: the rest would fail the same way
    row = _rows()[0]
    assert row.status == outbox.QUEUED
    assert row.last_error.startswith("535")
    assert smtp_server.received == []


def test_temporary_answer_is_retried_with_backoff(app, smtp_server, frozen) -> None:
    smtp_server.handler.answers["to0@example.org"] = "451 4.3.0 try again later"
    _queue(1)
    assert len(outbox.send_due().retrying) == 1
    row = _rows()[0]
    assert (row.status, row.attempts) == (outbox.QUEUED, 1)
    assert row.last_error == "451 4.3.0 try again later"
    assert row.next_attempt_dt == NOW + timedelta(minutes=1)
    frozen.move_to(NOW + timedelta(seconds=59), tick=False)
    assert outbox.send_due().attempted == 0  # not due yet
    del smtp_server.handler.answers["to0@example.org"]
    frozen.move_to(NOW + timedelta(minutes=1), tick=False)
    assert len(outbox.send_due().sent) == 1
    assert len(smtp_server.received) == 1


def test_permanent_answer_fails_with_the_servers_words(app, smtp_server) -> None:
    smtp_server.handler.answers["to0@example.org"] = "550 5.1.1 no such user here"
    _queue(2)
    report = outbox.send_due()
    rows = _rows()
    assert report.failed == [rows[0].id] and report.sent == [rows[1].id]
    assert rows[0].status == outbox.FAILED
    assert rows[0].last_error == "550 5.1.1 no such user here"
    assert rows[0].next_attempt_dt is None
    outbox.retry(None, rows[0])  # the organizer's retry button
    del smtp_server.handler.answers["to0@example.org"]
    assert outbox.send_due().sent == [rows[0].id]


def test_server_killed_mid_run_loses_and_doubles_nothing(app, smtp_server, frozen) -> None:
    _queue(6)
    smtp_server.handler.drop_after = 3  # dies in the middle of the fourth message
    first = outbox.send_due()
    smtp_server.stop()
    assert len(first.sent) == 3 and len(first.retrying) == 1
    frozen.move_to(NOW + timedelta(minutes=5), tick=False)
    down = outbox.send_due()  # refused: nothing sent, nothing lost
    assert len(down.retrying) == 1 and not down.sent
    smtp_server.handler.drop_after = None
    smtp_server.start()
    frozen.move_to(NOW + timedelta(hours=1), tick=False)
    outbox.send_due()
    assert {r.status for r in _rows()} == {outbox.SENT}
    counts = Counter(smtp_server.handler.message_ids())
    assert sorted(counts) == sorted(r.message_id for r in _rows())
    assert set(counts.values()) == {1}


def test_two_workers_at_once_send_each_message_once(app, smtp_server) -> None:
    _queue(30)
    _, errors = at_once(app, outbox.send_due)
    assert errors == []
    counts = Counter(smtp_server.handler.message_ids())
    assert len(counts) == 30 and set(counts.values()) == {1}
    assert {r.status for r in _rows()} == {outbox.SENT}


def test_crash_after_accepted_resends_the_same_message_id(
    app, smtp_server, frozen, monkeypatch
) -> None:
    _queue(1)

    def crash(row, now):
        raise SystemExit("the worker died after the server said 250")

    monkeypatch.setattr(outbox, "record_sent", crash)
    with pytest.raises(SystemExit):
        outbox.send_due()
    monkeypatch.undo()
    db.session.rollback()
    frozen.move_to(NOW + outbox.LEASE - timedelta(seconds=1), tick=False)
    assert outbox.send_due().attempted == 0  # still leased to the dead worker
    frozen.move_to(NOW + outbox.LEASE, tick=False)
    assert len(outbox.send_due().sent) == 1
    ids = smtp_server.handler.message_ids()
    assert len(ids) == 2 and ids[0] == ids[1] == _rows()[0].message_id
