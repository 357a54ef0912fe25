"""Render meeting minutes as plain text (MeetBot's layout), Markdown, HTML and
e-mail.

The plain-text layout follows MeetBot's ``writers.Text``: a title between
``=`` rules, "Meeting started ..." line, then sections separated by three
blank lines, each headed by its name underlined with dashes and a blank line:
"Meeting summary" (topics at the margin, other items indented two spaces
under their topic, a blank line before each new topic, every entry wrapped
at 72 columns with a two-space hanging indent, ``INFO`` items without a
label, others as ``AGREED: text  (nick, HH:MM:SS)``), "Meeting ended ...",
"Action items", "Action items, by person" (only when some action has an
owner; owners sorted case-insensitively; an ``UNASSIGNED`` group) and
"People present (lines said)" (most lines first).

Deviations from MeetBot: owners come from the data (not from searching the
text for nicks), and "Action items" prefixes "owner: " only when no owner's
name already appears in the text; action items show due date and a non-open
status; the
``UNASSIGNED`` group appears when there is at least one unassigned item
(MeetBot needs two, an off-by-one); attendees without a line count (taken
from a roster) are listed without "(n)"; a "Regrets" section is added;
item times are shown in UTC like MeetBot's default configuration, and the
start line also gives the meeting's local time in its own zone.

Modules: ``parts`` (entries and shared text helpers), ``document`` (``MinutesDoc``),
one module per format: ``as_text``, ``as_markdown``, ``as_html``, ``as_email``.
Import from the package.
"""

from __future__ import annotations

from meetbot.domain.minutes_format.document import MinutesDoc
from meetbot.domain.minutes_format.parts import (
    ActionEntry,
    AttendeeEntry,
    MinutesEmail,
    MinutesEntry,
)

__all__ = [
    "ActionEntry",
    "AttendeeEntry",
    "MinutesDoc",
    "MinutesEmail",
    "MinutesEntry",
]
