"""Attendee lists pasted by a chair and video-call participant exports: what both
parsers return, their limits and their error.

The parsers: ``pasted_list.parse_pasted_list`` and
``participant_csv.parse_participant_csv``; both collapse duplicates with
``participant_dedup.IdentityCollector``.
"""

from __future__ import annotations

from dataclasses import dataclass

from meetbot.domain.call_spans import Span
from meetbot.domain.names import Identity

MAX_PASTE_BYTES = 200_000
MAX_PASTE_IDENTITIES = 2_000
MAX_CSV_BYTES = 5_000_000
MAX_CSV_ROWS = 20_000
MAX_ENTRY_CHARS = 320  # longest acceptable single entry (a long name plus an email)


class ParticipantsError(ValueError):
    """The input can't be read as an attendee list; the message says why."""


@dataclass(frozen=True)
class ParsedIdentity:
    """One person read from a list: the parts found, the raw text and its
    1-based line number."""

    name: str | None
    email: str | None
    handle: str | None
    raw: str
    line: int
    org: str | None = None

    @property
    def display(self) -> str:
        """Best label: name, else handle, else email."""
        return self.name or self.handle or self.email or self.raw

    def identity(self) -> Identity:
        """The parts as a ``names.Identity`` (for ``PeopleIndex.match_identity``)."""
        return Identity(name=self.name, email=self.email, handle=self.handle, org=self.org)


@dataclass(frozen=True)
class ParsedParticipant(ParsedIdentity):
    """A participant row from a call export; ``duration_minutes`` covers all of
    the person's rows (None when no row had a readable duration); ``spans`` are
    the (join, leave) times when every row had them."""

    duration_minutes: float | None = None
    spans: tuple[Span, ...] = ()


def has_content(text: str) -> bool:
    """True when ``text`` holds a letter or a digit (not only punctuation)."""
    return any(ch.isalnum() for ch in text)
