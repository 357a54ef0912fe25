"""Text rules shared by every entry path (forms, API, imports, restore).

Pure functions: no Flask, no database.
"""

from __future__ import annotations

import re

# Line breaks (CR, LF, NEL, LINE/PARAGRAPH SEPARATOR) and every other control
# character, with the blanks around them: one space takes their place.
_BREAKS = re.compile(r"\s*[\x00-\x1f\x7f\x85\u2028\u2029]+\s*")


def single_line(value: str | None) -> str:
    """``value`` as one line: each run of line breaks or control characters (and the
    blanks around it) becomes one space; leading and trailing blanks are dropped.

    For names and titles (group, work stream, series and meeting titles, display
    names) that calendars publish as a one-line NAME / X-WR-CALNAME / SUMMARY.
    """
    return _BREAKS.sub(" ", value or "").strip()
