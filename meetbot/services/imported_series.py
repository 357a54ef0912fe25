"""Writing one parsed irc-meetings file as a MeetingSeries (see imports.py for the
mapping): its fields, chairs, slots (kept by key, so iCal UIDs stay) and skip dates."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from meetbot.domain.irc_meetings import MeetingDefinition, ScheduleDefinition
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import (
    AuditEntry,
    Group,
    LocationKind,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Person,
    PersonHandle,
    SeriesSlot,
    utcnow,
)
from meetbot.services import audit
from meetbot.services import series as series_service
from meetbot.services.meetings import find_occurrence, is_generated, materialize_occurrence

EXTERNAL_PREFIX = "irc-meetings:"
DEFAULT_SKIP_REASON = "Skipped"


class _Changes:
    """Sets attributes only when they differ and remembers whether anything did."""

    def __init__(self) -> None:
        self.series = False  # the series or its slots/chairs: bumps series.revision
        self.meetings = False  # an occurrence was cancelled or restored

    def put(self, obj: object, attr: str, value: object) -> None:
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            self.series = True


def write_series(
    group: Group, path: Path, definition: MeetingDefinition, actor: Person | None
) -> tuple[str, int, list[str]]:
    """Write one parsed file into ``group`` in the caller's transaction; returns
    (created | updated | unchanged, series id, warnings)."""
    external_id = EXTERNAL_PREFIX + path.stem
    series = db.session.scalar(
        select(MeetingSeries).where(
            MeetingSeries.group_id == group.id, MeetingSeries.external_id == external_id
        )
    )
    created = series is None
    # ``project: |`` is a block scalar: its line breaks would end up in calendar names.
    title = single_line(definition.project)[:200]
    changes = _Changes()
    warnings: list[str] = []
    if series is None:
        series_service.check_series_room(group)
        series = MeetingSeries(group=group, external_id=external_id, title=title)
        db.session.add(series)
    _apply_fields(series, definition, title, changes)
    chairs = _chairs(definition)
    if {p.id for p in series.chairs} != {p.id for p in chairs} or created:
        series.chairs = chairs
        changes.series = True
    dated = [s for s in definition.schedules if s.slot is not None]
    previous_skips = {} if created else _previous_skips(series)
    _sync_slots(series, dated, previous_skips, changes)
    skips: dict[str, list[str]] = {}
    for schedule in dated:
        key = schedule.slot.key
        done = _apply_skips(series, schedule, previous_skips.get(key, set()), changes, warnings)
        skips[key] = sorted(local.isoformat() for local in done)
    if not (created or changes.series or changes.meetings):
        return "unchanged", series.id, warnings
    db.session.flush()  # revisions move by themselves (meetbot.freshness)
    audit.record(
        actor,
        group,
        "series",
        series.id,
        "imported",
        source=external_id,
        file=path.name,
        created=created,
        skips=skips,
    )
    return ("created" if created else "updated"), series.id, warnings


def _apply_fields(
    series: MeetingSeries, definition: MeetingDefinition, title: str, changes: _Changes
) -> None:
    """The series' own fields from the file (the first schedule's channel: location)."""
    dated = [s for s in definition.schedules if s.slot is not None]
    first = definition.schedules[0]
    zone = definition.timezone or (dated[0].timezone if dated else first.timezone)
    description = definition.description
    if definition.project_url:
        description += f"\n\nProject: {definition.project_url}"
    changes.put(series, "title", title)
    changes.put(series, "description", description)
    changes.put(series, "timezone", zone)
    changes.put(series, "location_kind", LocationKind.CHAT)
    changes.put(series, "location", first.location[:500])
    changes.put(series, "agenda_url", definition.agenda_url)


def _sync_slots(
    series: MeetingSeries,
    dated: list[ScheduleDefinition],
    previous_skips: dict[str, set[datetime]],
    changes: _Changes,
) -> None:
    """One slot per dated schedule (kept by key); slots no schedule names are retired."""
    slots = {slot.key: slot for slot in series.slots}
    wanted_keys = set()
    for schedule in dated:
        slot = _upsert_slot(series, slots, schedule, changes)
        wanted_keys.add(slot.key)
    for key, slot in slots.items():
        if key not in wanted_keys:
            _retire_slot(series, slot, previous_skips.get(key, set()), changes)
    db.session.flush()


def _slot_label(schedule: ScheduleDefinition) -> str:
    time = f"{schedule.time[:-2]}:{schedule.time[-2:]}"
    return f"{schedule.frequency} {schedule.day} {time} {schedule.timezone}"[:100]


def _upsert_slot(
    series: MeetingSeries,
    slots: dict[str, SeriesSlot],
    schedule: ScheduleDefinition,
    changes: _Changes,
) -> SeriesSlot:
    spec = schedule.slot
    assert spec is not None
    row = slots.get(spec.key)
    if row is None:
        row = SeriesSlot(key=spec.key)
        series.slots.append(row)
        changes.series = True
    rule = spec.rule
    values = {
        "label": _slot_label(schedule),
        "position": schedule.index,
        "timezone": spec.timezone,
        "start_local": spec.start,
        "duration_minutes": int(spec.duration.total_seconds() // 60),
        "frequency": rule.frequency.value,
        "interval": rule.interval,
        "weekday": rule.weekday,
        "setpos": rule.setpos,
        "until": rule.until,
        "count": rule.count,
    }
    for attr, value in values.items():
        changes.put(row, attr, value)
    return row


def _retire_slot(
    series: MeetingSeries, slot: SeriesSlot, import_cancelled: set[datetime], changes: _Changes
) -> None:
    """A schedule gone from the file: delete its slot, or end it if it has history."""
    rows = list(db.session.scalars(select(Meeting).where(Meeting.slot_id == slot.id)))
    history = [
        m
        for m in rows
        if not (m.status == MeetingStatus.CANCELLED and m.original_start_local in import_cancelled)
    ]
    changes.series = True
    if not history:
        for row in rows:
            db.session.delete(row)
        series.slots.remove(slot)
        db.session.delete(slot)
        return
    today = utcnow().date()
    if slot.until is None or slot.until > today:
        slot.until = max(today, slot.start_local.date())
        slot.count = None


def _previous_skips(series: MeetingSeries) -> dict[str, set[datetime]]:
    """Local starts the last import of this series cancelled, per slot key."""
    entry = db.session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.entity == "series",
            AuditEntry.entity_id == series.id,
            AuditEntry.action == "imported",
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return {}
    raw = (entry.details or {}).get("skips") or {}
    return {key: {datetime.fromisoformat(v) for v in values} for key, values in raw.items()}


def _apply_skips(
    series: MeetingSeries,
    schedule: ScheduleDefinition,
    previous: set[datetime],
    changes: _Changes,
    warnings: list[str],
) -> set[datetime]:
    """Cancel the skip_dates of one schedule; restore dates an earlier import skipped."""
    spec = schedule.slot
    assert spec is not None
    slot = next(s for s in series.slots if s.key == spec.key)
    wanted: dict[datetime, str] = {}
    for day, reason in schedule.skip_dates:
        local = datetime.combine(day, spec.start.time())
        if not is_generated(slot, local):
            warnings.append(
                f"{schedule.line}: skip_date {day.isoformat()} is not a meeting day of "
                f"schedule {schedule.index + 1}; ignored"
            )
            continue
        wanted[local] = (reason or "").strip() or DEFAULT_SKIP_REASON

    for local, reason in sorted(wanted.items()):
        meeting = materialize_occurrence(series, spec.key, local)
        if meeting.status != MeetingStatus.CANCELLED or meeting.change_reason != reason:
            meeting.status = MeetingStatus.CANCELLED
            meeting.change_reason = reason
            meeting.sequence = (meeting.sequence or 0) + 1
            changes.meetings = True

    for local in sorted(previous - set(wanted)):
        meeting = find_occurrence(slot, local)
        if meeting is None or meeting.status != MeetingStatus.CANCELLED:
            continue
        changes.meetings = True
        if not is_generated(slot, local):
            db.session.delete(meeting)  # only existed to cancel a date the rule left behind
            continue
        meeting.status = MeetingStatus.SCHEDULED
        meeting.change_reason = ""
        meeting.sequence = (meeting.sequence or 0) + 1
    return set(wanted)


def _chairs(definition: MeetingDefinition) -> list[Person]:
    """The people behind the file's and schedules' chairs, found or created."""
    entries = list(definition.chairs)
    for schedule in definition.schedules:
        entries.extend(schedule.chairs or [])
    people: dict[int, Person] = {}
    for name, handle in entries:
        person = _find_or_create_person(single_line(name)[:200] or (handle or "?"), handle)
        people[id(person)] = person
    return sorted(people.values(), key=lambda p: p.display_name)


def _find_or_create_person(name: str, handle: str | None) -> Person:
    if handle:
        normalized = handle.strip().lstrip("@").lower()[:100]
        person = db.session.scalar(
            select(Person).join(PersonHandle).where(PersonHandle.handle == normalized)
        )
        if person is None:
            person = Person(display_name=name)
            person.handles.append(PersonHandle(handle=normalized, kind="irc"))
            db.session.add(person)
            db.session.flush()
        return person
    person = db.session.scalar(
        select(Person)
        .where(func.lower(Person.display_name) == name.lower())
        .order_by(Person.id)
        .limit(1)
    )
    if person is None:
        person = Person(display_name=name)
        db.session.add(person)
        db.session.flush()
    return person
