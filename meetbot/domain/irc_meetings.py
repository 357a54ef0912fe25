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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import yaml

from meetbot.domain.bounds import YEAR_MESSAGE, year_ok
from meetbot.domain.recurrence import (
    Frequency,
    Occurrence,
    RecurrenceError,
    Rule,
    Slot,
    expand,
    to_utc,
    validate_slot,
)

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

DEFAULT_START_DATE = date(2021, 1, 4)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}

# frequency -> (weeks between meetings, ISO week residue or None)
_WEEKLY_KINDS: dict[str, tuple[int, int | None]] = {
    "weekly": (1, None),
    "biweekly-odd": (2, 1),
    "biweekly-even": (2, 0),
    "quadweekly": (4, 0),
    "quadweekly-week-1": (4, 1),
    "quadweekly-week-2": (4, 2),
    "quadweekly-week-3": (4, 3),
    "quadweekly-alternate": (4, 2),
}
_MONTHLY_KINDS: dict[str, tuple[int, int]] = {
    f"{ordinal}-{day.lower()}": (pos, wd)
    for ordinal, pos in _ORDINALS.items()
    for wd, day in enumerate(WEEKDAYS)
}
FREQUENCIES: frozenset[str] = frozenset({*_WEEKLY_KINDS, *_MONTHLY_KINDS, "adhoc"})

_FILE_KEYS = {"project", "meeting_id", "description", "agenda_url", "project_url", "chair"}
_FILE_KEYS |= {"schedule", "timezone"}
_SCHEDULE_KEYS = {
    "time",
    "day",
    "irc",
    "matrix",
    "frequency",
    "start_date",
    "duration",
    "skip_dates",
    "chair",
    "timezone",
}
_TIME_RE = re.compile(r"^([01]?\d|2[0-3])([0-5]\d)$")
_DATE_RE = re.compile(r"^\d{8}$")
_CHAIR_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<handle>[^()]*)\)\s*$")
_NULL_TAG = "tag:yaml.org,2002:null"

Chair = tuple[str, str | None]


class IrcMeetingsError(ValueError):
    """A meeting file that cannot be read; names the file, the line and the problem."""

    def __init__(self, message: str, filename: str, line: int | None = None) -> None:
        where = filename if line is None else f"{filename}:{line}"
        super().__init__(f"{where}: {message}")
        self.message = message
        self.filename = filename
        self.line = line


@dataclass(frozen=True)
class ScheduleDefinition:
    """One entry of a file's ``schedule`` list.

    slot: the recurrence (None for adhoc: no fixed date, no occurrences).
    location: "#channel" for irc, the room as written for matrix.
    frequency: the original yaml2ical string. time: "HHMM" as normalised.
    skip_dates: (local date, reason). chairs: this schedule's own ``chair``
    or None (then the file's chairs apply). warnings: human sentences.
    """

    index: int
    line: int
    slot: Slot | None
    day: str
    time: str
    timezone: str
    duration_minutes: int
    location: str
    location_kind: str
    frequency: str
    adhoc: bool
    start_date: date | None
    skip_dates: list[tuple[date, str]] = field(default_factory=list)
    chairs: list[Chair] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MeetingDefinition:
    """One parsed meeting file.

    meeting_id is None when the file has none (yaml2ical treats it as optional);
    ``filename`` (as passed in) is then the stable identity. timezone is the
    file-level extension or None. extras: other top-level keys, as plain data.
    """

    filename: str
    project: str
    meeting_id: str | None
    description: str
    agenda_url: str | None
    project_url: str | None
    chairs: list[Chair]
    timezone: str | None
    schedules: list[ScheduleDefinition]
    extras: dict[str, object] = field(default_factory=dict)


def parse_chairs(text: str) -> list[Chair]:
    """Parse "Name (nick), Name (nick), Name" into [(name, nick | None), ...].

    Commas inside parentheses do not split; empty parts are dropped; a part
    without parentheses has no handle.
    """
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    chairs: list[Chair] = []
    for raw in parts:
        part = " ".join(raw.split())
        if not part:
            continue
        match = _CHAIR_RE.match(part)
        if match and match["handle"].strip():
            chairs.append(
                (match["name"].strip() or match["handle"].strip(), match["handle"].strip())
            )
        else:
            chairs.append((part, None))
    return chairs


# ---------------------------------------------------------------- YAML helpers


class _Reader:
    """Reads composed YAML nodes, turning problems into IrcMeetingsError."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def fail(self, message: str, node: yaml.Node | None = None) -> IrcMeetingsError:
        line = node.start_mark.line + 1 if node is not None else None
        return IrcMeetingsError(message, self.filename, line)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(f"{what} must be a mapping of keys to values", node)
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(f"{what} has a key that is not a plain name", key_node)
            key = key_node.value
            if key in out:
                raise self.fail(f"{what} has the key {key!r} twice", key_node)
            out[key] = (key_node, value_node)
        return out

    def text(
        self, items: dict[str, tuple[yaml.Node, yaml.Node]], key: str, where: str, node: yaml.Node
    ) -> str | None:
        """A scalar's text as written (no int/octal/date conversion); None if absent/null."""
        if key not in items:
            return None
        key_node, value = items[key]
        if not isinstance(value, yaml.ScalarNode):
            raise self.fail(f"{key!r} in {where} must be a single value", value)
        if value.tag == _NULL_TAG and value.style is None:
            return None
        return str(value.value)

    def required(
        self, items: dict[str, tuple[yaml.Node, yaml.Node]], key: str, where: str, node: yaml.Node
    ) -> str:
        value = self.text(items, key, where, node)
        if value is None or not value.strip():
            line_node = items[key][0] if key in items else node
            raise self.fail(f"{where} is missing the required key {key!r}", line_node)
        return value

    def plain(self, node: yaml.Node) -> object:
        """Plain Python data for an 'extras' value (strings for every scalar)."""
        if isinstance(node, yaml.ScalarNode):
            return None if node.tag == _NULL_TAG and node.style is None else node.value
        if isinstance(node, yaml.SequenceNode):
            return [self.plain(item) for item in node.value]
        return {self.plain(k): self.plain(v) for k, v in node.value}


def _zone_name(reader: _Reader, value: str, node: yaml.Node) -> str:
    name = value.strip()
    try:
        to_utc(datetime(2000, 1, 1), name)
    except RecurrenceError as exc:
        raise reader.fail(f"unknown time zone {name!r} (use an IANA name)", node) from exc
    return name


def _parse_date(reader: _Reader, value: str, what: str, node: yaml.Node) -> date:
    text = value.strip()
    if _DATE_RE.match(text):
        try:
            parsed = datetime.strptime(text, "%Y%m%d").date()
        except ValueError:
            pass
        else:
            if not year_ok(parsed):
                raise reader.fail(f"{what} {text!r}: {YEAR_MESSAGE}", node)
            return parsed
    raise reader.fail(f"{what} {text!r} is not a date in the form YYYYMMDD", node)


# ---------------------------------------------------------------- first dates


def _on_or_after(anchor: date, weekday: int) -> date:
    return anchor + timedelta(days=(weekday - anchor.weekday()) % 7)


def _nth_weekday_next_month(anchor: date, weekday: int, nth: int) -> date:
    year, month = (anchor.year + 1, 1) if anchor.month == 12 else (anchor.year, anchor.month + 1)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _first_weekly_date(anchor: date, weekday: int, weeks: int, residue: int | None) -> date:
    day = _on_or_after(anchor, weekday)
    if residue is None:
        return day
    # ISO week numbers run ...52, (53,) 1, 2...: within 5 weeks every residue
    # mod 2 or mod 4 appears.
    while day.isocalendar().week % weeks != residue:
        day += timedelta(days=7)
    return day


def _drift_warning(frequency: str, first: date, weeks: int, residue: int) -> str:
    """Warn where a 2/4-weekly series stops matching its ISO-week name."""
    year = first.isocalendar().year
    while date(year, 12, 28).isocalendar().week != 53:  # Dec 28 is always in the last week
        year += 1
    start_next = date.fromisocalendar(year + 1, 1, 1)
    step = 7 * weeks
    k = -(-(start_next - first).days // step)
    drifted = first + timedelta(days=k * step)
    wanted = (
        ("odd" if residue else "even") + " ISO weeks"
        if weeks == 2
        else f"ISO weeks with number % 4 == {residue}"
    )
    return (
        f"{frequency}: repeats every {weeks} weeks from {first.isoformat()} (RRULE "
        f"INTERVAL={weeks}); ISO year {year} has a week 53, so from {drifted.isoformat()} "
        f"the meetings no longer fall on {wanted}. The RRULE meaning is kept, as in "
        f"yaml2ical's calendar."
    )


# ---------------------------------------------------------------- parsing


def _parse_schedule(
    reader: _Reader,
    node: yaml.Node,
    index: int,
    file_zone: str | None,
    default_start_date: date,
) -> ScheduleDefinition:
    where = f"schedule entry {index + 1}"
    items = reader.mapping(node, where)
    warnings: list[str] = []
    for key, (key_node, _) in items.items():
        if key not in _SCHEDULE_KEYS:
            warnings.append(f"unknown key {key!r} in {where} (line {key_node.start_mark.line + 1})")

    def value_node(key: str) -> yaml.Node:
        return items[key][1] if key in items else node

    # time
    raw_time = reader.required(items, "time", where, node).strip()
    match = _TIME_RE.match(raw_time)
    if not match:
        raise reader.fail(
            f"time {raw_time!r} in {where} is not a 24-hour HHMM time such as '1500'",
            value_node("time"),
        )
    wall = time(int(match[1]), int(match[2]))

    # day (yaml2ical: .lower().capitalize())
    raw_day = reader.required(items, "day", where, node).strip()
    day_name = raw_day.lower().capitalize()
    if day_name not in WEEKDAYS:
        raise reader.fail(f"day {raw_day!r} in {where} is not a day of the week", value_node("day"))
    weekday = WEEKDAYS.index(day_name)

    # location
    irc = reader.text(items, "irc", where, node)
    matrix = reader.text(items, "matrix", where, node)
    if irc and matrix:
        raise reader.fail(f"{where} has both 'irc' and 'matrix'; give one", value_node("matrix"))
    if irc and irc.strip():
        location, kind = "#" + irc.strip().lstrip("#"), "irc"
    elif matrix and matrix.strip():
        location, kind = matrix.strip(), "matrix"
    else:
        raise reader.fail(f"{where} is missing the required key 'irc' (or 'matrix')", node)

    # frequency
    frequency = reader.required(items, "frequency", where, node).strip()
    if frequency not in FREQUENCIES:
        raise reader.fail(
            f"unknown frequency {frequency!r} in {where}; expected one of: "
            + ", ".join(sorted(FREQUENCIES - set(_MONTHLY_KINDS)))
            + ", first-/second-/third-/fourth-<weekday>",
            value_node("frequency"),
        )

    # time zone (extension)
    zone_text = reader.text(items, "timezone", where, node)
    zone = (
        _zone_name(reader, zone_text, value_node("timezone")) if zone_text else (file_zone or "UTC")
    )

    # duration
    duration = 60
    raw_duration = reader.text(items, "duration", where, node)
    if raw_duration is not None:
        text = raw_duration.strip()
        if not text.isdigit() or not 1 <= int(text) <= 1440:
            raise reader.fail(
                f"duration {text!r} in {where} must be a whole number of minutes from 1 to 1440",
                value_node("duration"),
            )
        duration = int(text)

    # start_date
    start_date = None
    raw_start = reader.text(items, "start_date", where, node)
    if raw_start is not None:
        start_date = _parse_date(reader, raw_start, "start_date", value_node("start_date"))

    # skip_dates
    skip_dates: list[tuple[date, str]] = []
    if "skip_dates" in items:
        seq = items["skip_dates"][1]
        if not isinstance(seq, yaml.SequenceNode):
            raise reader.fail(f"skip_dates in {where} must be a list", seq)
        for entry in seq.value:
            sub = reader.mapping(entry, "a skip_dates entry")
            raw_skip = reader.required(sub, "skip_date", "a skip_dates entry", entry)
            reason = reader.required(sub, "reason", "a skip_dates entry", entry).strip()
            skip_dates.append(
                (_parse_date(reader, raw_skip, "skip_date", sub["skip_date"][1]), reason)
            )

    # per-schedule chair
    chairs = None
    if "chair" in items:
        chairs = _chairs_value(reader, items["chair"][1])

    adhoc = frequency == "adhoc"
    slot = None
    if adhoc:
        warnings.append("adhoc: no fixed schedule, so no occurrences are created")
    else:
        anchor = start_date or default_start_date
        if start_date is None:
            warnings.append(
                f"no start_date: the first meeting is computed from {anchor.isoformat()}; "
                "yaml2ical uses the day it runs instead, which gives the same odd/even and "
                "quadweekly weeks only if no ISO week 53 lies in between"
            )
        if frequency in _MONTHLY_KINDS:
            nth, month_weekday = _MONTHLY_KINDS[frequency]
            if month_weekday != weekday:
                raise reader.fail(
                    f"frequency {frequency!r} does not match day {day_name!r} in {where}",
                    value_node("frequency"),
                )
            first = _nth_weekday_next_month(anchor, weekday, nth)
            rule = Rule(Frequency.MONTHLY, weekday=weekday, setpos=nth)
        else:
            weeks, residue = _WEEKLY_KINDS[frequency]
            first = _first_weekly_date(anchor, weekday, weeks, residue)
            rule = Rule(Frequency.WEEKLY, interval=weeks)
            if residue is not None:
                warnings.append(_drift_warning(frequency, first, weeks, residue))
        slot = Slot(
            key=f"schedule-{index}",
            timezone=zone,
            start=datetime.combine(first, wall),
            duration=timedelta(minutes=duration),
            rule=rule,
        )
        try:
            validate_slot(slot)
        except RecurrenceError as exc:  # pragma: no cover - guarded by the checks above
            raise reader.fail(f"{where}: {exc}", node) from exc
        for skipped, _reason in skip_dates:
            moment = to_utc(datetime.combine(skipped, wall), zone)
            if not expand(slot, moment, moment + timedelta(seconds=1)):
                warnings.append(
                    f"skip_date {skipped.isoformat()} is not a meeting day of this schedule"
                )

    return ScheduleDefinition(
        index=index,
        line=node.start_mark.line + 1,
        slot=slot,
        day=day_name,
        time=f"{wall:%H%M}",
        timezone=zone,
        duration_minutes=duration,
        location=location,
        location_kind=kind,
        frequency=frequency,
        adhoc=adhoc,
        start_date=start_date,
        skip_dates=skip_dates,
        chairs=chairs,
        warnings=warnings,
    )


def _chairs_value(reader: _Reader, node: yaml.Node) -> list[Chair]:
    if isinstance(node, yaml.ScalarNode):
        return parse_chairs(str(node.value))
    if isinstance(node, yaml.SequenceNode) and all(
        isinstance(item, yaml.ScalarNode) for item in node.value
    ):
        return [chair for item in node.value for chair in parse_chairs(str(item.value))]
    raise reader.fail("chair must be text like 'Name (nick), Name (nick)'", node)


def parse_meeting_file(
    text: str, filename: str, *, default_start_date: date = DEFAULT_START_DATE
) -> MeetingDefinition:
    """Parse the text of one yaml2ical meeting file.

    ``filename`` is used in error messages and kept in the result.
    ``default_start_date`` is the anchor for schedules without start_date (see
    the module docstring). Raises IrcMeetingsError (file, 1-based line, what is
    wrong) for bad YAML, missing keys, a bad time, day, frequency, date, zone
    or duration.
    """
    reader = _Reader(filename)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(filter(None, [exc.context, exc.problem]))
        raise IrcMeetingsError(f"not valid YAML: {problem}", filename, line) from exc
    except yaml.YAMLError as exc:
        raise IrcMeetingsError(f"not valid YAML: {exc}", filename, None) from exc
    if root is None:
        raise IrcMeetingsError("the file is empty", filename, None)
    items = reader.mapping(root, "the meeting file")

    project = reader.required(items, "project", "the meeting file", root).strip()
    description = reader.required(items, "description", "the meeting file", root).strip()
    if "chair" not in items:
        raise reader.fail("the meeting file is missing the required key 'chair'", root)
    chairs = _chairs_value(reader, items["chair"][1])
    meeting_id = reader.text(items, "meeting_id", "the meeting file", root)
    agenda_url = reader.text(items, "agenda_url", "the meeting file", root)
    project_url = reader.text(items, "project_url", "the meeting file", root)

    file_zone = None
    zone_text = reader.text(items, "timezone", "the meeting file", root)
    if zone_text:
        file_zone = _zone_name(reader, zone_text, items["timezone"][1])

    if "schedule" not in items:
        raise reader.fail("the meeting file is missing the required key 'schedule'", root)
    sched_node = items["schedule"][1]
    if not isinstance(sched_node, yaml.SequenceNode) or not sched_node.value:
        raise reader.fail("schedule must be a non-empty list of schedule entries", sched_node)
    schedules = [
        _parse_schedule(reader, entry, i, file_zone, default_start_date)
        for i, entry in enumerate(sched_node.value)
    ]

    extras = {
        key: reader.plain(value) for key, (_, value) in items.items() if key not in _FILE_KEYS
    }
    return MeetingDefinition(
        filename=filename,
        project=project,
        meeting_id=meeting_id.strip() if meeting_id and meeting_id.strip() else None,
        description=description,
        agenda_url=agenda_url.strip() if agenda_url and agenda_url.strip() else None,
        project_url=project_url.strip() if project_url and project_url.strip() else None,
        chairs=chairs,
        timezone=file_zone,
        schedules=schedules,
        extras=extras,
    )


def expand_schedule(
    schedule: ScheduleDefinition, window_start: datetime, window_end: datetime
) -> list[Occurrence]:
    """Occurrences of one schedule in [window_start, window_end) without its skip_dates.

    This is the set of instants in yaml2ical's calendar (RRULE minus EXDATE).
    Adhoc schedules have none.
    """
    if schedule.slot is None:
        return []
    skipped = {day for day, _ in schedule.skip_dates}
    return [
        occ
        for occ in expand(schedule.slot, window_start, window_end)
        if occ.original_start.date() not in skipped
    ]
