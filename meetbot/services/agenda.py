"""A meeting's agenda: edited by its chairs with optimistic locking.

``Meeting.lock_version`` is SQLAlchemy's version column: every UPDATE of the row
checks it and raises it. The edit form carries the version it was loaded with and a
hash of the text it showed. A save is refused, with the current text returned, when
someone else changed the agenda in between; a version that moved only because of an
unrelated change to the row (attendance holding the meeting, a check-in link) does
not refuse a save, because the agenda the editor started from is still the current one.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm.exc import StaleDataError

from meetbot.extensions import db
from meetbot.models import Meeting, Person
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Conflict, field_error

MAX_AGENDA_CHARS = 50_000


class AgendaConflict(Conflict):
    """Someone else changed the agenda; ``current`` is their text, ``version`` its lock."""

    def __init__(self, current: str, version: int) -> None:
        super().__init__(
            "Someone else changed this agenda while you were editing it. Nothing was "
            "overwritten: here is the current text; copy your changes into it and save again.",
            {"agenda": "changed by someone else"},
        )
        self.current = current
        self.version = version


def text_hash(text: str) -> str:
    """The hash the edit form carries to say which text it started from."""
    return hashlib.sha256((text or "").replace("\r\n", "\n").encode("utf-8")).hexdigest()


def update_agenda(
    actor: Person,
    meeting: Meeting,
    text: str,
    *,
    expected_version: int,
    base_hash: str | None = None,
) -> bool:
    """Save a new agenda unless it is stale; True if the text changed.

    Raises AgendaConflict when the meeting's version is not ``expected_version`` and the
    agenda differs from the one the editor started from (``base_hash``), or when a
    concurrent save wins the race between our check and our UPDATE.
    """
    text = (text or "").replace("\r\n", "\n")
    if len(text) > MAX_AGENDA_CHARS:
        raise field_error(
            "agenda", f"The agenda is too long ({MAX_AGENDA_CHARS:,} characters at most)."
        )
    db.session.refresh(meeting)  # compare with the committed row, not a cached copy
    if meeting.lock_version != expected_version and (
        base_hash is None or base_hash != text_hash(meeting.agenda)
    ):
        raise AgendaConflict(meeting.agenda, meeting.lock_version)
    if text == meeting.agenda:
        return False
    try:
        with unit_of_work():
            old_len = len(meeting.agenda or "")
            meeting.agenda = text
            audit.record(
                actor,
                meeting.group,
                "meeting",
                meeting.id,
                "agenda_updated",
                chars_before=old_len,
                chars_after=len(text),
            )
    except StaleDataError:
        db.session.refresh(meeting)
        raise AgendaConflict(meeting.agenda, meeting.lock_version) from None
    return True
