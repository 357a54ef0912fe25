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

Writing one parsed file is in imported_series.py. Each file is imported in its own
transaction: a file that does not parse, or that
fails while writing, leaves nothing behind, and the other files still import.
Importing an unchanged file writes nothing (no revision bump, no audit entry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from meetbot.domain.bounds import YEAR_MESSAGE, slot_out_of_years
from meetbot.domain.irc_meetings import (
    IrcMeetingsError,
    parse_meeting_file,
)
from meetbot.domain.recurrence import RecurrenceError, validate_slot
from meetbot.extensions import db
from meetbot.models import (
    Group,
    Person,
)
from meetbot.services.db import unit_of_work
from meetbot.services.errors import ServiceError, field_error
from meetbot.services.groups import check_slug, create_group
from meetbot.services.imported_series import write_series
from meetbot.services.series_input import MAX_SLOTS

FILE_SUFFIXES = (".yaml", ".yml")


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
            status, series_id, more = write_series(group, path, definition, actor)
    except (ServiceError, SQLAlchemyError, ValueError) as exc:
        message = getattr(exc, "message", None) or str(exc).splitlines()[0]
        return FileOutcome(shown, "failed", error=f"{shown}: not imported: {message}")
    return FileOutcome(shown, status, series_id=series_id, warnings=warnings + more)
