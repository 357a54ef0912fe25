"""Message building (pure) and the transports: URL parsing, SMTPS, the Maildir default."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from email import message_from_string
from email.policy import SMTP, default
from pathlib import Path

import pytest

from meetbot.mail import transport
from meetbot.mail.message import Attachment, address, build_message
from tests.mail.smtp_server import SmtpServer

WHEN = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _build(**overrides):
    values = {
        "sender": address("Méetbot", "meetbot@example.org"),
        "to": address("Zoë Ünicode", "zoe@example.org"),
        "subject": "[edge] Agenda: Ünïcode call",
        "text": "Hello\n",
        "html": "<p>Hello</p>",
        "message_id": "<abc@example.org>",
        "date": WHEN,
    }
    return build_message(**{**values, **overrides})


def test_utf8_names_and_subject_are_encoded_and_read_back() -> None:
    raw = _build().as_string(policy=SMTP)
    assert raw.isascii()  # RFC 2047 / MIME encoded, nothing raw on the wire
    parsed = message_from_string(raw, policy=default)
    assert parsed["Subject"] == "[edge] Agenda: Ünïcode call"
    assert parsed["To"].addresses[0].display_name == "Zoë Ünicode"
    assert parsed["From"].addresses[0].display_name == "Méetbot"
    assert [p.get_content_type() for p in parsed.walk()][1:] == ["text/plain", "text/html"]


def test_hostile_values_cannot_add_headers() -> None:
    # A subject with line breaks is flattened; a name with them too.
    msg = _build(
        subject="Hi\r\nBcc: victim@example.org",
        to=address("Eve\r\nBcc: victim@example.org", "eve@example.org"),
    )
    parsed = message_from_string(msg.as_string(policy=SMTP), policy=default)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Hi Bcc: victim@example.org"
    with pytest.raises(ValueError):
        _build(headers={"X-Thing": "a\nBcc: victim@example.org"})
    with pytest.raises(ValueError):
        address("Eve", "eve@example.org\nBcc: victim@example.org")


def test_ics_attachment_keeps_its_method() -> None:
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    msg = _build(
        attachments=[Attachment("invite.ics", ics, "text", "calendar", {"method": "REQUEST"})]
    )
    parsed = message_from_string(msg.as_string(policy=SMTP), policy=default)
    part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invite.ics"
    assert part.get_payload(decode=True) == ics


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", transport.MaildirSettings(Path("/default"))),
        ("maildir:///var/mail/meetbot", transport.MaildirSettings(Path("/var/mail/meetbot"))),
        (
            "smtp://u%40x:p%2Fw@mail.example.org",
            transport.SmtpSettings("mail.example.org", 587, False, True, "u@x", "p/w"),
        ),
        (
            "smtp://127.0.0.1:8025?starttls=off",
            transport.SmtpSettings("127.0.0.1", 8025, False, False, None, None),
        ),
        (
            "smtps://mail.example.org",
            transport.SmtpSettings("mail.example.org", 465, True, False, None, None),
        ),
    ],
)
def test_mail_url(url: str, expected: transport.Settings) -> None:
    assert transport.parse_url(url, Path("/default")) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.org", "use smtp://, smtps:// or maildir:///path"),
        ("maildir://relative", "use maildir:///absolute/path"),
        ("smtp://", "name the SMTP host"),
        ("smtp://host:port", "the port is not a number"),
    ],
)
def test_bad_mail_url_says_why(url: str, message: str) -> None:
    with pytest.raises(transport.ConfigError, match=message):
        transport.parse_url(url, Path("/default"))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # TLS is implicit
def test_smtps_implicit_tls(tmp_path: Path) -> None:
    server = SmtpServer(tmp_path, implicit_tls=True)
    server.start()
    try:
        settings = transport.parse_url(server.url, tmp_path)
        with transport.connect(settings) as link:
            link.send(_build())
    finally:
        server.stop()
    assert [m["Message-ID"] for m in server.received] == ["<abc@example.org>"]


def test_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    server = SmtpServer(tmp_path)
    server.start()
    try:
        settings = transport.parse_url(server.url.split("?")[0], tmp_path)
        with (
            pytest.raises(transport.TemporaryFailure, match="CERTIFICATE_VERIFY_FAILED"),
            transport.connect(settings) as link,
        ):
            link.send(_build())
    finally:
        server.stop()
    assert server.received == []


def test_maildir_is_readable_by_mailbox(tmp_path: Path) -> None:
    settings = transport.parse_url("", tmp_path / "mail")
    with transport.connect(settings) as link:
        link.send(_build())
    messages = list(mailbox.Maildir(tmp_path / "mail"))
    assert [m["Message-ID"] for m in messages] == ["<abc@example.org>"]
