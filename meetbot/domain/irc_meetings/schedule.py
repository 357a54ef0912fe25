"""One entry of a meeting file's ``schedule`` list: checked field by field, then its Slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import yaml

from meetbot.domain.irc_meetings.definitions import (
    FREQUENCIES,
    MONTHLY_KINDS,
    SCHEDULE_KEYS,
    TIME_RE,
    WEEKDAYS,
    WEEKLY_KINDS,
    IrcMeetingsError,
    ScheduleDefinition,
)
from meetbot.domain.irc_meetings.first_dates import (
    drift_warning,
    first_weekly_date,
    nth_weekday_next_month,
)
from meetbot.domain.irc_meetings.yaml_reader import Reader, chairs_value, parse_date, zone_name
from meetbot.domain.recurrence import (
    Frequency,
    RecurrenceError,
    Rule,
    Slot,
    expand,
    to_utc,
    validate_slot,
)


@dataclass(frozen=True)
class _Entry:
    """A schedule entry's keys, with the reader and the name used in messages."""

    reader: Reader
    node: yaml.Node
    items: dict[str, tuple[yaml.Node, yaml.Node]]
    where: str

    def value_node(self, key: str) -> yaml.Node:
        """The node of ``key``'s value (the entry itself when the key is absent)."""
        return self.items[key][1] if key in self.items else self.node

    def text(self, key: str) -> str | None:
        return self.reader.text(self.items, key, self.where, self.node)

    def required(self, key: str) -> str:
        return self.reader.required(self.items, key, self.where, self.node)

    def fail(self, message: str, key: str | None = None) -> IrcMeetingsError:
        return self.reader.fail(message, self.value_node(key) if key else self.node)


def parse_schedule(
    reader: Reader,
    node: yaml.Node,
    index: int,
    file_zone: str | None,
    default_start_date: date,
) -> ScheduleDefinition:
    where = f"schedule entry {index + 1}"
    entry = _Entry(reader, node, reader.mapping(node, where), where)
    warnings = _unknown_keys(entry)
    wall = _wall_time(entry)
    day_name, weekday = _weekday(entry)
    location, kind = _location(entry)
    frequency = _frequency(entry)
    zone_text = entry.text("timezone")
    zone = (
        zone_name(reader, zone_text, entry.value_node("timezone"))
        if zone_text
        else (file_zone or "UTC")
    )
    duration = _duration(entry)
    start_date = _start_date(entry)
    skip_dates = _skip_dates(entry)
    chairs = chairs_value(reader, entry.items["chair"][1]) if "chair" in entry.items else None

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
        first, rule = _first_date_and_rule(entry, frequency, day_name, weekday, anchor, warnings)
        slot = _slot(entry, index, zone, datetime.combine(first, wall), duration, rule)
        warnings.extend(_skip_date_warnings(slot, skip_dates, wall))

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


def _unknown_keys(entry: _Entry) -> list[str]:
    return [
        f"unknown key {key!r} in {entry.where} (line {key_node.start_mark.line + 1})"
        for key, (key_node, _) in entry.items.items()
        if key not in SCHEDULE_KEYS
    ]


def _wall_time(entry: _Entry) -> time:
    raw_time = entry.required("time").strip()
    match = TIME_RE.match(raw_time)
    if not match:
        raise entry.fail(
            f"time {raw_time!r} in {entry.where} is not a 24-hour HHMM time such as '1500'",
            "time",
        )
    return time(int(match[1]), int(match[2]))


def _weekday(entry: _Entry) -> tuple[str, int]:
    """The day's name as yaml2ical writes it (``.lower().capitalize()``) and its number."""
    raw_day = entry.required("day").strip()
    day_name = raw_day.lower().capitalize()
    if day_name not in WEEKDAYS:
        raise entry.fail(f"day {raw_day!r} in {entry.where} is not a day of the week", "day")
    return day_name, WEEKDAYS.index(day_name)


def _location(entry: _Entry) -> tuple[str, str]:
    """("#channel", "irc") or (room, "matrix")."""
    irc = entry.text("irc")
    matrix = entry.text("matrix")
    if irc and matrix:
        raise entry.fail(f"{entry.where} has both 'irc' and 'matrix'; give one", "matrix")
    if irc and irc.strip():
        return "#" + irc.strip().lstrip("#"), "irc"
    if matrix and matrix.strip():
        return matrix.strip(), "matrix"
    raise entry.fail(f"{entry.where} is missing the required key 'irc' (or 'matrix')")


def _frequency(entry: _Entry) -> str:
    frequency = entry.required("frequency").strip()
    if frequency not in FREQUENCIES:
        raise entry.fail(
            f"unknown frequency {frequency!r} in {entry.where}; expected one of: "
            + ", ".join(sorted(FREQUENCIES - set(MONTHLY_KINDS)))
            + ", first-/second-/third-/fourth-<weekday>",
            "frequency",
        )
    return frequency


def _duration(entry: _Entry) -> int:
    raw_duration = entry.text("duration")
    if raw_duration is None:
        return 60
    text = raw_duration.strip()
    if not text.isdigit() or not 1 <= int(text) <= 1440:
        raise entry.fail(
            f"duration {text!r} in {entry.where} must be a whole number of minutes from 1 to 1440",
            "duration",
        )
    return int(text)


def _start_date(entry: _Entry) -> date | None:
    raw_start = entry.text("start_date")
    if raw_start is None:
        return None
    return parse_date(entry.reader, raw_start, "start_date", entry.value_node("start_date"))


def _skip_dates(entry: _Entry) -> list[tuple[date, str]]:
    """(local date, reason) of every ``skip_dates`` entry."""
    if "skip_dates" not in entry.items:
        return []
    reader = entry.reader
    seq = entry.items["skip_dates"][1]
    if not isinstance(seq, yaml.SequenceNode):
        raise reader.fail(f"skip_dates in {entry.where} must be a list", seq)
    skip_dates: list[tuple[date, str]] = []
    for item in seq.value:
        sub = reader.mapping(item, "a skip_dates entry")
        raw_skip = reader.required(sub, "skip_date", "a skip_dates entry", item)
        reason = reader.required(sub, "reason", "a skip_dates entry", item).strip()
        skip_dates.append((parse_date(reader, raw_skip, "skip_date", sub["skip_date"][1]), reason))
    return skip_dates


def _first_date_and_rule(
    entry: _Entry, frequency: str, day_name: str, weekday: int, anchor: date, warnings: list[str]
) -> tuple[date, Rule]:
    """The first meeting day from ``anchor`` and the rule that repeats it (module docstring)."""
    if frequency in MONTHLY_KINDS:
        nth, month_weekday = MONTHLY_KINDS[frequency]
        if month_weekday != weekday:
            raise entry.fail(
                f"frequency {frequency!r} does not match day {day_name!r} in {entry.where}",
                "frequency",
            )
        first = nth_weekday_next_month(anchor, weekday, nth)
        return first, Rule(Frequency.MONTHLY, weekday=weekday, setpos=nth)
    weeks, residue = WEEKLY_KINDS[frequency]
    first = first_weekly_date(anchor, weekday, weeks, residue)
    if residue is not None:
        warnings.append(drift_warning(frequency, first, weeks, residue))
    return first, Rule(Frequency.WEEKLY, interval=weeks)


def _slot(entry: _Entry, index: int, zone: str, start: datetime, duration: int, rule: Rule) -> Slot:
    slot = Slot(
        key=f"schedule-{index}",
        timezone=zone,
        start=start,
        duration=timedelta(minutes=duration),
        rule=rule,
    )
    try:
        validate_slot(slot)
    except RecurrenceError as exc:  # pragma: no cover - guarded by the checks above
        raise entry.fail(f"{entry.where}: {exc}") from exc
    return slot


def _skip_date_warnings(slot: Slot, skip_dates: list[tuple[date, str]], wall: time) -> list[str]:
    """A warning for each skipped date on which the schedule has no meeting."""
    warnings: list[str] = []
    for skipped, _reason in skip_dates:
        moment = to_utc(datetime.combine(skipped, wall), slot.timezone)
        if not expand(slot, moment, moment + timedelta(seconds=1)):
            warnings.append(
                f"skip_date {skipped.isoformat()} is not a meeting day of this schedule"
            )
    return warnings
