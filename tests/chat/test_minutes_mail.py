"""Issue 17: ``#endmeeting`` sends the minutes to the group's list through the outbox
(``group_mail``'s minutes mail), exactly once: a repeated ``#endmeeting``, a restarted
bot and the chair's "mail the minutes" button add no second mail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from meetbot.chat.store import ChatStore, map_channel
from meetbot.extensions import db
from meetbot.mail import group_mail, outbox
from meetbot.models import Meeting, OutboxMail
from tests.mail.smtp_server import SmtpServer

AT = datetime(2024, 5, 7, 14, 0, tzinfo=UTC)
BASE = "https://meetbot.test"


@pytest.fixture
def smtp_server(tmp_path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp_server: SmtpServer) -> dict[str, Any]:
    return {
        **app_config,
        "MEETBOT_MAIL_URL": smtp_server.url,
        "MEETBOT_MAIL_FROM": "Meetbot <meetbot@meetbot.test>",
    }


def test_endmeeting_mails_the_minutes_to_the_list_once(app, create_group, smtp_server) -> None:
    create_group(slug="edge", name="Edge", mailing_list="edge@lists.example.org", mail_tag="[edge]")
    channel_id = map_channel("irc://127.0.0.1:6667", "#edge", "edge")
    store = ChatStore("meetbot", BASE)
    said = iter(AT + timedelta(seconds=i) for i in range(20))
    started = store.record(channel_id, "chloe", "#startmeeting Edge weekly", said=next(said))
    store.record(channel_id, "chloe", "#topic Gap analysis", said=next(said))
    store.record(channel_id, "chloe", "#agreed Publish the draft", said=next(said))
    ended = store.record(channel_id, "chloe", "#endmeeting", said=next(said))
    assert ended.replies[-1] == "The minutes are mailed to edge@lists.example.org."
    # Again, from a restarted bot: no meeting runs, nothing more is queued.
    again = ChatStore("meetbot", BASE).record(channel_id, "chloe", "#endmeeting", said=next(said))
    assert not again.ended
    meeting = db.session.get(Meeting, started.meeting_id)
    assert group_mail.queue_minutes(None, meeting) is False  # the chair's button: a no-op
    assert len(outbox.send_due().sent) == 1
    (mail,) = smtp_server.received
    assert mail["To"] == "edge@lists.example.org"
    assert mail["Subject"] == "[edge] Minutes: Edge weekly, 2024-05-07"
    body = mail.get_content().replace("\r\n", "\n")
    assert "Gap analysis" in body and "Publish the draft" in body
    assert f"Meeting page: {BASE}/meetings/{meeting.id}" in body
    assert outbox.send_due().sent == []


def test_no_list_no_minutes_mail(app, create_group) -> None:
    create_group(slug="quiet", mailing_list=None)
    channel_id = map_channel("irc://127.0.0.1:6667", "#quiet", "quiet")
    store = ChatStore("meetbot", BASE)
    store.record(channel_id, "chloe", "#startmeeting Quiet", said=AT)
    ended = store.record(channel_id, "chloe", "#endmeeting", said=AT + timedelta(seconds=1))
    assert ended.ended and not [r for r in ended.replies if "mailed" in r]
    assert db.session.scalars(select(OutboxMail)).all() == []
