"""A whole meeting file: its top-level keys and schedules; the occurrences of a schedule."""

from __future__ import annotations

from datetime import date, datetime

import yaml

from meetbot.domain.irc_meetings.definitions import (
    DEFAULT_START_DATE,
    FILE_KEYS,
    IrcMeetingsError,
    MeetingDefinition,
    ScheduleDefinition,
)
from meetbot.domain.irc_meetings.schedule import parse_schedule
from meetbot.domain.irc_meetings.yaml_reader import Reader, chairs_value, zone_name
from meetbot.domain.recurrence import Occurrence, expand


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
    reader = Reader(filename)
    root = _compose(text, filename)
    items = reader.mapping(root, "the meeting file")

    project = reader.required(items, "project", "the meeting file", root).strip()
    description = reader.required(items, "description", "the meeting file", root).strip()
    if "chair" not in items:
        raise reader.fail("the meeting file is missing the required key 'chair'", root)
    chairs = chairs_value(reader, items["chair"][1])
    meeting_id = reader.text(items, "meeting_id", "the meeting file", root)
    agenda_url = reader.text(items, "agenda_url", "the meeting file", root)
    project_url = reader.text(items, "project_url", "the meeting file", root)

    file_zone = None
    zone_text = reader.text(items, "timezone", "the meeting file", root)
    if zone_text:
        file_zone = zone_name(reader, zone_text, items["timezone"][1])

    extras = {key: reader.plain(value) for key, (_, value) in items.items() if key not in FILE_KEYS}
    return MeetingDefinition(
        filename=filename,
        project=project,
        meeting_id=_stripped(meeting_id),
        description=description,
        agenda_url=_stripped(agenda_url),
        project_url=_stripped(project_url),
        chairs=chairs,
        timezone=file_zone,
        schedules=_schedules(reader, root, items, file_zone, default_start_date),
        extras=extras,
    )


def _compose(text: str, filename: str) -> yaml.Node:
    """The file's YAML node tree (no values converted yet); errors name the line."""
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
    return root


def _schedules(
    reader: Reader,
    root: yaml.Node,
    items: dict[str, tuple[yaml.Node, yaml.Node]],
    file_zone: str | None,
    default_start_date: date,
) -> list[ScheduleDefinition]:
    if "schedule" not in items:
        raise reader.fail("the meeting file is missing the required key 'schedule'", root)
    sched_node = items["schedule"][1]
    if not isinstance(sched_node, yaml.SequenceNode) or not sched_node.value:
        raise reader.fail("schedule must be a non-empty list of schedule entries", sched_node)
    return [
        parse_schedule(reader, entry, i, file_zone, default_start_date)
        for i, entry in enumerate(sched_node.value)
    ]


def _stripped(value: str | None) -> str | None:
    """The value without surrounding blanks; None when absent or blank."""
    return value.strip() if value and value.strip() else None


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
