"""Import of yaml2ical ("irc-meetings") meeting files into a group.

One file becomes one MeetingSeries, identified by ``external_id =
"irc-meetings:<file name without extension>"`` so that importing again updates the
same rows (same series id, same slot keys, hence the same iCal UIDs). The file name
is the identity rather than ``meeting_id`` because ``meeting_id`` is not unique in
practice: in the OpenStack sample data two files share ``meeting_id: tc``.

Mapping (see docs/import.md):

* ``project`` -> title; ``description`` (+ ``project_url``) -> description;
  ``agenda_url``; the first schedule's channel -> location (kind "chat").
* each dated schedule -> one SeriesSlot with the parser's key ("schedule-N");
  ``adhoc`` schedules have no slot (a series of only adhoc schedules has zero slots:
  it has no fixed occurrences, its page and feed show none).
* ``skip_dates`` -> the occurrence on that local date is materialised and cancelled,
  with the file's reason. The set of dates an import cancelled is kept in the audit
  entry of that import, so a date removed from the file is un-cancelled next time
  (cancellations made on the web are left alone).
* chairs (file and schedule level) -> series chairs, matched by chat handle
  (PersonHandle) or, without a handle, by display name; created if unknown.
* a schedule removed from the file: its slot is deleted when only import-made
  cancellations hang on it, otherwise it is ended (``until`` = the import day) so
  the history of held meetings stays.

Each file is imported in its own transaction: a file that does not parse, or that
fails while writing, leaves nothing behind, and the other files still import.
Importing an unchanged file writes nothing (no revision bump, no audit entry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from meetbot.domain.bounds import YEAR_MESSAGE, slot_out_of_years
from meetbot.domain.irc_meetings import (
    IrcMeetingsError,
    MeetingDefinition,
    ScheduleDefinition,
    parse_meeting_file,
)
from meetbot.domain.recurrence import RecurrenceError, validate_slot
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
from meetbot.services.db import unit_of_work
from meetbot.services.errors import ServiceError, field_error
from meetbot.services.groups import check_slug, create_group
from meetbot.services.meetings import find_occurrence, is_generated, materialize_occurrence
from meetbot.services.series_input import MAX_SLOTS

EXTERNAL_PREFIX = "irc-meetings:"
FILE_SUFFIXES = (".yaml", ".yml")
DEFAULT_SKIP_REASON = "Skipped"


@dataclass
class FileOutcome:
    """What happened to one file: created, updated, unchanged or failed."""

    path: str
    status: str
    series_id: int | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class ImportReport:
    """The outcome of one import run."""

    group_slug: str
    group_created: bool
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.failed]


def find_meeting_files(paths: Iterable[str | Path]) -> list[Path]:
    """The meeting files named by ``paths`` (files, or folders searched for *.yaml/*.yml,
    not recursively), in a stable order. Raises a ValidationError for a missing path."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix in FILE_SUFFIXES)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise field_error("path", f"No such file or folder: {path}")
    # The same file named twice (a folder and one of its files) is imported once.
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def ensure_group(slug: str, actor: Person | None = None) -> tuple[Group, bool]:
    """The group with ``slug``, created (named after the slug, zone UTC) if missing."""
    slug = check_slug(slug)
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is not None:
        return group, False
    return create_group(actor, slug=slug, name=slug, timezone="UTC"), True


def import_paths(
    group_slug: str,
    paths: Sequence[str | Path],
    *,
    actor: Person | None = None,
    on_file: Callable[[int, int, FileOutcome], None] | None = None,
) -> ImportReport:
    """Import every meeting file under ``paths`` into the group ``group_slug``.

    ``on_file(position, total, outcome)`` is called after each file (1-based
    position), for progress output. Files with the same name (the identity of a
    series) in two folders: the second is reported as failed.
    """
    files = find_meeting_files(paths)
    group, created = ensure_group(group_slug, actor)
    report = ImportReport(group_slug=group.slug, group_created=created)
    seen: dict[str, Path] = {}
    for position, path in enumerate(files, start=1):
        if path.stem in seen:
            outcome = FileOutcome(
                str(path),
                "failed",
                error=f"{path}: same file name as {seen[path.stem]}; the file name is the "
                "identity of an imported series, so only the first is imported",
            )
        else:
            seen[path.stem] = path
            outcome = import_meeting_file(group, path, actor=actor)
        report.files.append(outcome)
        if on_file is not None:
            on_file(position, len(files), outcome)
    return report


def import_meeting_file(group: Group, path: Path, *, actor: Person | None = None) -> FileOutcome:
    """Import one file into ``group`` in its own transaction (see the module docstring).

    Never raises for a bad file: the outcome is "failed" with an error naming the
    file, the line when known, and what is wrong.
    """
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return FileOutcome(shown, "failed", error=f"{shown}: cannot read the file: {exc}")
    try:
        definition = parse_meeting_file(text, shown)
        for i, schedule in enumerate(definition.schedules):
            if schedule.slot is not None:
                validate_slot(schedule.slot)
                if sum(1 for s in definition.schedules[: i + 1] if s.slot) > MAX_SLOTS:
                    return FileOutcome(
                        shown,
                        "failed",
                        error=f"{shown}:{schedule.line}: a series can have at most "
                        f"{MAX_SLOTS} dated schedules (time slots)",
                    )
                if slot_out_of_years(schedule.slot):
                    return FileOutcome(
                        shown, "failed", error=f"{shown}:{schedule.line}: {YEAR_MESSAGE}"
                    )
    except IrcMeetingsError as exc:
        return FileOutcome(shown, "failed", error=str(exc))
    except RecurrenceError as exc:
        return FileOutcome(shown, "failed", error=f"{shown}: {exc}")

    warnings = [
        f"{shown}:{s.line}: {warning}" for s in definition.schedules for warning in s.warnings
    ]
    try:
        with unit_of_work():
            status, series_id, more = _write(group, path, definition, actor)
    except (ServiceError, SQLAlchemyError, ValueError) as exc:
        message = getattr(exc, "message", None) or str(exc).splitlines()[0]
        return FileOutcome(shown, "failed", error=f"{shown}: not imported: {message}")
    return FileOutcome(shown, status, series_id=series_id, warnings=warnings + more)


# --------------------------------------------------------------------------
# Writing one file
# --------------------------------------------------------------------------


class _Changes:
    """Sets attributes only when they differ and remembers whether anything did."""

    def __init__(self) -> None:
        self.series = False  # the series or its slots/chairs: bumps series.revision
        self.meetings = False  # an occurrence was cancelled or restored

    def put(self, obj: object, attr: str, value: object) -> None:
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            self.series = True


def _write(
    group: Group, path: Path, definition: MeetingDefinition, actor: Person | None
) -> tuple[str, int, list[str]]:
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

    dated = [s for s in definition.schedules if s.slot is not None]
    first = definition.schedules[0]
    zone = definition.timezone or (dated[0].timezone if dated else first.timezone)
    description = definition.description
    if definition.project_url:
        description += f"\n\nProject: {definition.project_url}"
    changes.put(series, "title", title)
    changes.put(series, "description", description)
    changes.put(series, "timezone", zone)
    changes.put(series, "location_kind", LocationKind.CHAT.value)
    changes.put(series, "location", first.location[:500])
    changes.put(series, "agenda_url", definition.agenda_url)

    chairs = _chairs(definition)
    if {p.id for p in series.chairs} != {p.id for p in chairs} or created:
        series.chairs = chairs
        changes.series = True

    previous_skips = {} if created else _previous_skips(series)
    slots = {slot.key: slot for slot in series.slots}
    wanted_keys = set()
    for schedule in dated:
        slot = _upsert_slot(series, slots, schedule, changes)
        wanted_keys.add(slot.key)
    for key, slot in slots.items():
        if key not in wanted_keys:
            _retire_slot(series, slot, previous_skips.get(key, set()), changes)
    db.session.flush()

    skips: dict[str, list[str]] = {}
    for schedule in dated:
        key = schedule.slot.key
        done = _apply_skips(series, schedule, previous_skips.get(key, set()), changes, warnings)
        skips[key] = sorted(local.isoformat() for local in done)

    if created or changes.series or changes.meetings:
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
    return "unchanged", series.id, warnings


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
        if not (
            m.status == MeetingStatus.CANCELLED.value and m.original_start_local in import_cancelled
        )
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
        if meeting.status != MeetingStatus.CANCELLED.value or meeting.change_reason != reason:
            meeting.status = MeetingStatus.CANCELLED.value
            meeting.change_reason = reason
            meeting.sequence = (meeting.sequence or 0) + 1
            changes.meetings = True

    for local in sorted(previous - set(wanted)):
        meeting = find_occurrence(slot, local)
        if meeting is None or meeting.status != MeetingStatus.CANCELLED.value:
            continue
        changes.meetings = True
        if not is_generated(slot, local):
            db.session.delete(meeting)  # only existed to cancel a date the rule left behind
            continue
        meeting.status = MeetingStatus.SCHEDULED.value
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
