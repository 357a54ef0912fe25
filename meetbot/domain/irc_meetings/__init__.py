"""Parser for yaml2ical ("irc-meetings") meeting files: pure Python.

One file describes one meeting (project, chair, description, agenda) with one
or more schedules. Each schedule becomes a recurrence Slot whose occurrences are
the same instants yaml2ical puts in its .ics, with these documented choices:

* First date, as yaml2ical computes DTSTART (its ``next_occurence``): from the
  anchor (``start_date``), weekly = the first ``day`` on or after the anchor;
  biweekly-odd/even = that date, or a week later if its ISO week parity is
  wrong; quadweekly[-week-N|-alternate] = the first ``day`` on or after the
  anchor whose ISO week number % 4 == N (0 for plain quadweekly, 2 for
  alternate); first/second/third/fourth-<weekday> = the nth weekday of the
  month AFTER the anchor's month (yaml2ical always moves to the next month,
  even when the anchor month still has one). Then every 1, 2 or 4 weeks or
  every month, exactly as the RRULE (INTERVAL) that yaml2ical emits.
* No start_date: yaml2ical uses the current date, which makes its output
  depend on the day it runs. We use a fixed anchor instead,
  DEFAULT_START_DATE = Monday 2021-01-04 (ISO week 1 of the first year after
  the 53-week 2020). Odd/even and quadweekly phases then equal what yaml2ical
  produces when run on any day from 2021-01-04 up to the end of ISO 2026 (no
  ISO week 53 in between); a warning says so. Callers may pass another anchor.
* ISO week 53 drift: every 2/4 weeks counts from the first date, so after a
  year with ISO week 53 (2020, 2026, 2032, ...) "odd" falls on even ISO weeks
  (and quadweekly on another phase). We keep the RRULE meaning, as yaml2ical's
  .ics does, and add a warning naming the first drifted date.
* Extension: ``timezone:`` (IANA) at file or schedule level; ``time``,
  ``day``, ``start_date`` and ``skip_dates`` are then local to that zone.
  Default UTC, as in yaml2ical.
* skip_dates stay in ScheduleDefinition.skip_dates (yaml2ical: EXDATE at the
  meeting's time on that date); the Slot itself keeps the full series.
  expand_schedule() gives the occurrences without the skipped ones.
* Slot keys are ``f"schedule-{index}"``: the position in the file. Editing a
  schedule's time, day, channel or frequency keeps its key (and so the UID
  of its series: calendar clients see an update with a higher SEQUENCE);
  appending a schedule adds a key. Only removing or reordering schedules
  shifts keys; that is rare in irc-meetings history, whereas time/channel
  edits are the common change, which a content-derived key would turn into a
  delete + create.

Errors: IrcMeetingsError with the file name, the 1-based line (from PyYAML node
marks) and what is wrong.

Modules: ``definitions`` (the parsed form, keys, frequencies, chairs),
``yaml_reader`` (YAML nodes to values, with lines), ``first_dates`` (yaml2ical's
first date and the week 53 warning), ``schedule`` (one schedule entry),
``meeting_file`` (the whole file). Import from the package.
"""

from __future__ import annotations

from meetbot.domain.irc_meetings.definitions import (
    DEFAULT_START_DATE,
    FREQUENCIES,
    IrcMeetingsError,
    MeetingDefinition,
    ScheduleDefinition,
    parse_chairs,
)
from meetbot.domain.irc_meetings.meeting_file import expand_schedule, parse_meeting_file

__all__ = [
    "DEFAULT_START_DATE",
    "FREQUENCIES",
    "IrcMeetingsError",
    "MeetingDefinition",
    "ScheduleDefinition",
    "expand_schedule",
    "parse_chairs",
    "parse_meeting_file",
]
