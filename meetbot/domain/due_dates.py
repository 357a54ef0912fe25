"""``due:`` in a quick minutes entry: ``#action praman send the draft due:friday``.

A chair types the due date of an action item in the same line as its text. Read
relative to the meeting's day (``today``: the meeting's date in the group's zone):

* ``due:2027-01-15``: that date (ISO 8601, years ``bounds.MIN_YEAR``..``MAX_YEAR``);
* ``due:today``, ``due:tomorrow``;
* ``due:monday`` .. ``due:sunday`` (or ``mon`` .. ``sun``): the next such day
  *after* the meeting's day (a Friday meeting's ``due:friday`` is a week later);
* ``due:3d``, ``due:2w``: that many days or weeks after the meeting's day (1..999).

Case does not matter. The ``due:`` word is taken out of the text; one per entry. A
value that is none of these raises ``DueDateError`` with a message that says what
is understood, so the caller saves nothing. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from meetbot.domain.bounds import MAX_DATE, MIN_DATE, YEAR_MESSAGE

__all__ = ["DueDateError", "DueText", "read_due", "resolve_due"]

_DUE_RE = re.compile(r"(?<!\S)due:(\S*)", re.IGNORECASE)
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SPAN_RE = re.compile(r"^\+?(\d{1,3})([dw])$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_WORDS = {name: i for i, name in enumerate(_WEEKDAYS)} | {
    name[:3]: i for i, name in enumerate(_WEEKDAYS)
}
HELP = "write due:2027-01-15, due:friday, due:tomorrow or due:2w"


class DueDateError(ValueError):
    """A ``due:`` value that is not a date this parser reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DueText:
    """The text without its ``due:`` word, and the date it named (None: no ``due:``)."""

    text: str
    due: date | None


def resolve_due(value: str, today: date) -> date:
    """The date ``value`` (what follows ``due:``) names, counted from ``today``."""
    word = value.strip().casefold()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word in _DAY_WORDS:
        ahead = (_DAY_WORDS[word] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    span = _SPAN_RE.match(word)
    if span and int(span.group(1)) > 0:
        count = int(span.group(1))
        return today + timedelta(days=count * (7 if span.group(2) == "w" else 1))
    iso = _ISO_RE.match(word)
    if iso:
        try:
            day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            raise DueDateError(f"due:{value} is not a day of the calendar; {HELP}.") from None
        if not MIN_DATE <= day <= MAX_DATE:
            raise DueDateError(f"due:{value}: {YEAR_MESSAGE}")
        return day
    if not word:
        raise DueDateError(f"due: needs a date after it; {HELP}.")
    raise DueDateError(f"due:{value} is not a date meetbot reads; {HELP}.")


def read_due(text: str, today: date) -> DueText:
    """Take the ``due:`` word out of ``text`` and read it (``DueDateError`` when it is
    not a date, or when there are two)."""
    found = list(_DUE_RE.finditer(text))
    if not found:
        return DueText(text=text, due=None)
    if len(found) > 1:
        raise DueDateError("One due date per item: there are several due: words.")
    match = found[0]
    # Trailing punctuation is the sentence's, not the date's ("due:friday.").
    value = match.group(1).rstrip(".,;:!?)")
    due = resolve_due(value, today)
    rest = (text[: match.start()] + text[match.end() :]).replace("  ", " ")
    return DueText(text=re.sub(r"[ \t]+(\n|$)", r"\1", rest).strip(), due=due)
