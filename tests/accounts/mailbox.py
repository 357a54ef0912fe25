"""Read what the outbox holds for an address (the mails a test expects to be sent)."""

from __future__ import annotations

import re
from email import message_from_string
from email.policy import default

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import OutboxMail

LINK = re.compile(r"https://meetbot\.test(/\S+)")


def mails_to(email: str, kind: str | None = None) -> list[tuple[str, str]]:
    """(kind, text body) of every queued mail to ``email``, oldest first."""
    query = select(OutboxMail).where(OutboxMail.recipient == email).order_by(OutboxMail.id)
    if kind:
        query = query.where(OutboxMail.kind == kind)
    out = []
    for row in db.session.scalars(query):
        message = message_from_string(row.message, policy=default)
        part = message.get_body(preferencelist=("plain",))
        out.append((row.kind, part.get_content() if part else ""))
    return out


def link_in(text: str) -> str:
    """The path of the one link to this site in a mail's text."""
    paths = LINK.findall(text)
    assert len(paths) >= 1, text
    return paths[0]
