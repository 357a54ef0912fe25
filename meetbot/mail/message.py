"""Building e-mail messages with the standard library's ``email`` package.

Everything goes through ``EmailMessage`` with ``email.policy.SMTP``: header values are
folded and RFC 2047-encoded by the library, so a UTF-8 display name or subject is
encoded correctly and a CR or LF in any value is refused (header injection is not
possible through these functions: a value with a line break raises ``ValueError``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

# A subject longer than this is cut (with an ellipsis): mail clients show ~80 characters.
MAX_SUBJECT = 200


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message (e.g. an ``.ics`` of one occurrence)."""

    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: Mapping[str, str] = field(default_factory=dict)


def new_message_id(domain: str) -> str:
    """A fresh ``<...@domain>`` Message-ID (stored with the outbox row, so it is stable)."""
    return make_msgid(domain=domain)


def _one_line(value: str, name: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError(f"{name} must be one line")
    return value


def clean_subject(subject: str) -> str:
    """The subject on one line (line breaks become spaces), at most MAX_SUBJECT chars."""
    flat = " ".join(subject.split())
    return flat if len(flat) <= MAX_SUBJECT else flat[: MAX_SUBJECT - 1] + "…"


def address(display_name: str, addr: str) -> str:
    """``"Name" <addr>`` with a UTF-8 name encoded as RFC 2047 requires.

    Line breaks in the name are flattened; an address with a line break is refused.
    """
    _one_line(addr, "address")
    return formataddr((" ".join(display_name.split()), addr))


def bare_address(value: str) -> str:
    """The ``addr`` part of ``"Name" <addr>`` (or of a bare address)."""
    return parseaddr(value)[1]


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    message_id: str,
    date: datetime,
    headers: Mapping[str, str] | None = None,
    attachments: Iterable[Attachment] = (),
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: Iterable[str] = (),
) -> EmailMessage:
    """One message: text (and HTML alternative), attachments, threading headers.

    ``sender`` and ``to`` are header values (use :func:`address` for display names).
    ``headers`` are extra one-line headers (``List-Unsubscribe``, ``Auto-Submitted``...).
    """
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _one_line(sender, "sender")
    msg["To"] = _one_line(to, "to")
    if reply_to:
        msg["Reply-To"] = _one_line(reply_to, "reply_to")
    msg["Subject"] = clean_subject(subject)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = _one_line(message_id, "message_id")
    if in_reply_to:
        msg["In-Reply-To"] = _one_line(in_reply_to, "in_reply_to")
    refs = [_one_line(r, "references") for r in references]
    if refs:
        msg["References"] = " ".join(refs)
    for name, value in (headers or {}).items():
        msg[_one_line(name, "header name")] = _one_line(value, name)
    msg.set_content(text, subtype="plain", charset="utf-8")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8")
    for item in attachments:
        msg.add_attachment(
            item.content,
            maintype=item.maintype,
            subtype=item.subtype,
            filename=item.filename,
            params=dict(item.params),
        )
    return msg
