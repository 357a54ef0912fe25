"""Mail to each person: one-click unsubscribe (RFC 8058; valid, tampered, revoked by
the nonce; CSRF exempt on exactly that route), action item notes, due and overdue
notes, the weekly digest, hostile names. Through the real SMTP server; frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.mail import action_mail, outbox, prefs, reminders
from meetbot.models import MailSettings, OutboxMail, Role
from meetbot.services import actions

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=UTC)  # a Tuesday
START = datetime(2026, 3, 24, 15, 0)  # the series, UTC


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # CSRF on, as in production: only the one-click route may be posted without a token.
    return {**app_config, "WTF_CSRF_ENABLED": True, "MEETBOT_BASE_URL": "https://meet.example"}


@pytest.fixture
def world(app, create_person, create_group, create_series, time_machine):
    time_machine.move_to(NOW, tick=False)
    chair = create_person("Chair", timezone="UTC")
    ada = create_person("Ada Lovelace", timezone="Europe/Berlin")
    group = create_group(
        "edge", name="Edge", members={chair: Role.CHAIR, ada: Role.MEMBER}
    )  # fmt: skip
    series = create_series(group, title="Weekly", start=START)
    prefs.update_settings(
        ada, reminders=True, reminder_minutes=60, follow_member_series=True, actions="each"
    )
    return chair, ada, group, series


def _one_reminder(smtp_server, time_machine):
    time_machine.move_to(datetime(2026, 3, 24, 14, 30, tzinfo=UTC), tick=False)
    assert reminders.queue_due_reminders() == 1
    outbox.send_due()
    (message,) = smtp_server.received
    return message


def _link(message) -> str:
    value = str(message["List-Unsubscribe"])
    assert value.startswith("<https://meet.example/mail/unsubscribe/") and value.endswith(">")
    return urlsplit(value[1:-1]).path


def test_one_click_unsubscribe(world, client, smtp_server, time_machine) -> None:
    _, ada, _, _ = world
    message = _one_reminder(smtp_server, time_machine)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    path = _link(message)
    page = client.get(path)  # a link scanner or a person: a confirm page, no change
    assert page.status_code == 200 and b"Stop meeting reminders" in page.data
    assert db.session.get(MailSettings, ada.id).reminders is True
    # What a mail client sends (RFC 8058): no session, no CSRF token.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"data-unsubscribed" in done.data
    db.session.expire_all()
    assert db.session.get(MailSettings, ada.id).reminders is False
    assert db.session.get(MailSettings, ada.id).actions == "each"  # only that kind
    # The exemption is that route only: another POST without a token is refused.
    assert client.post("/settings/mail/links").status_code == 400


def test_tampered_and_revoked_links_do_nothing(world, client, smtp_server, time_machine):
    _, ada, _, _ = world
    path = _link(_one_reminder(smtp_server, time_machine))
    token = path.rsplit("/", 1)[1]
    other = prefs.unsubscribe_token(ada, prefs.ACTIONS)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (tampered, other[: len(other) // 2] + token[len(token) // 2 :], "x" * 300):
        assert client.get(f"/mail/unsubscribe/{bad}").status_code == 404
        assert client.post(f"/mail/unsubscribe/{bad}").status_code == 404
    prefs.new_links(ada)  # "Make new unsubscribe links": the old one is revoked
    assert client.get(path).status_code == 404
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(MailSettings, ada.id).reminders is True
    fresh = prefs.unsubscribe_url(ada, prefs.REMINDERS)
    assert client.get(urlsplit(fresh).path).status_code == 200


def test_assignment_note_is_queued_with_the_assignment(world, smtp_server) -> None:
    chair, ada, group, _ = world
    item = actions.create_action(chair, group, text="Write the spec", owner_ids=[ada.id, chair.id])
    rows = db.session.scalars(select(OutboxMail)).all()
    assert [(r.kind, r.ref, r.recipient) for r in rows] == [
        ("action-assigned", f"action:{item.id}", ada.email)  # not the chair: self-assigned
    ]
    actions.update_action(
        chair, item, text="Write the spec", owner_ids=[ada.id], due_date=date(2026, 4, 1),
        work_stream_id=None,
    )  # fmt: skip
    assert len(db.session.scalars(select(OutboxMail)).all()) == 1  # no new owner: no note
    outbox.send_due()
    (message,) = smtp_server.received
    assert message["Subject"] == "[Edge] Action item for you: Write the spec"
    assert "Chair assigned you an action item in Edge" in message.get_body(("plain",)).get_content()
    assert str(message["List-Unsubscribe"]).startswith("<https://meet.example/mail/unsubscribe/")


def test_a_refused_assignment_queues_nothing(world, create_person) -> None:
    chair, ada, group, _ = world
    stranger = create_person("Not a member")
    with pytest.raises(Exception, match="members"):
        actions.create_action(chair, group, text="x", owner_ids=[ada.id, stranger.id])
    assert db.session.scalars(select(OutboxMail)).all() == []


def test_due_and_overdue_notes_once_each(world, time_machine) -> None:
    chair, ada, group, _ = world
    actions.create_action(chair, group, text="Due", owner_ids=[ada.id], due_date=date(2026, 3, 25))
    actions.create_action(chair, group, text="Old", owner_ids=[ada.id], due_date=date(2025, 1, 1))
    assert action_mail.queue_due_actions() == 1  # due tomorrow; years-old items get nothing
    assert action_mail.queue_due_actions() == 0
    time_machine.move_to(datetime(2026, 3, 26, 9, 0, tzinfo=UTC), tick=False)
    assert action_mail.queue_due_actions() == 1  # overdue now
    kinds = sorted(r.kind for r in db.session.scalars(select(OutboxMail)))
    assert kinds == ["action-assigned", "action-assigned", "action-due", "action-overdue"]


def test_weekly_digest_instead(world, smtp_server, time_machine) -> None:
    chair, ada, group, _ = world
    prefs.update_settings(
        ada, reminders=False, reminder_minutes=60, follow_member_series=True, actions="digest"
    )
    actions.create_action(chair, group, text="One", owner_ids=[ada.id], due_date=date(2026, 3, 20))
    actions.create_action(chair, group, text="Two", owner_ids=[ada.id])
    assert action_mail.queue_due_actions() == 1  # this week's (Tuesday), no note or due mail
    assert action_mail.queue_due_actions() == 0
    # Monday 07:59 Berlin: not yet; 08:00: next week's.
    time_machine.move_to(datetime(2026, 3, 30, 5, 59, tzinfo=UTC), tick=False)
    assert action_mail.queue_due_actions() == 0
    time_machine.move_to(datetime(2026, 3, 30, 6, 0, tzinfo=UTC), tick=False)
    assert action_mail.queue_due_actions() == 1
    outbox.send_due()
    first = smtp_server.received[0]
    assert first["Subject"] == "Your open action items: 2"
    text = first.get_body(("plain",)).get_content()
    assert "- [Edge] One (due 2026-03-20, overdue)" in text and "- [Edge] Two" in text


def test_hostile_names_cannot_add_headers_or_html(
    app, create_person, create_group, create_series, smtp_server, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    evil = create_person("Eve\r\nBcc: all@example.org <b>x</b>", timezone="UTC")
    group = create_group(
        "evil", name="<script>alert(1)</script>\nX-Evil: 1", members={evil: Role.MEMBER}
    )
    create_series(group, title="<img src=x onerror=alert(1)>\r\nBcc: b@example.org", start=START)
    prefs.update_settings(
        evil, reminders=True, reminder_minutes=60, follow_member_series=True, actions="off"
    )
    time_machine.move_to(datetime(2026, 3, 24, 14, 30, tzinfo=UTC), tick=False)
    assert reminders.queue_due_reminders() == 1
    outbox.send_due()
    (message,) = smtp_server.received
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message.get_all("To") == [message["To"]] and evil.email in str(message["To"])
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html
