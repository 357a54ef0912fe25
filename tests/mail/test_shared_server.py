"""The worker's one SMTP server (tests/mail/conftest.py) comes to every test running,
empty and with no special answers, whatever the test before left (the tests depend
on their order in this file)."""

from __future__ import annotations

from email.message import EmailMessage

SEEN: dict[str, object] = {}


def test_leaves_mail_answers_and_a_stopped_server(smtp_server) -> None:
    SEEN["server"] = smtp_server
    smtp_server.received.append(EmailMessage())
    smtp_server.handler.answers["bob@example.org"] = "550 no such user"
    smtp_server.handler.drop_after = 0
    smtp_server.stop()


def test_gets_the_same_server_running_and_empty(smtp_server) -> None:
    assert smtp_server is SEEN["server"]
    assert smtp_server.controller is not None
    assert smtp_server.received == []
    assert (smtp_server.handler.answers, smtp_server.handler.drop_after) == ({}, None)
