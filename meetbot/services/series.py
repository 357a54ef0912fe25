"""Meeting series: read them, create, change and end them.

Every function that writes is one thing an organizer does; each runs in one transaction
(``unit_of_work``), validates everything before writing anything and writes an audit
entry. The revisions move by construction (the models' ``__freshness__``,
meetbot.freshness): a change to a series or its slots moves ``series.revision`` (the
SEQUENCE of its master events) and the group's revision (the feed cache key).

Slot keys are part of iCal UIDs, so they are stable and never reused (see
:func:`_new_key`). The input types and their validation are in series_input.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetbot.domain.recurrence import Frequency, expand, to_utc
from meetbot.extensions import db
from meetbot.mail import group_mail
from meetbot.models import (
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Person,
    SeriesSlot,
    WorkStream,
    utcnow,
)
from meetbot.models.meetings import series_work_streams
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, ValidationError, check_year, field_error
from meetbot.services.series_input import (
    CheckedSlot,
    SeriesInput,
    check_series_fields,
    check_slots,
    series_chairs,
    series_streams,
    slot_error,
)

#: Series a group may have (ended ones included): ten times what the largest real
#: schedule holds (irc-meetings: 103 schedules in one group), and the bench's
#: 1,000-series group fits twice over. A bound on every list and feed of a group.
MAX_SERIES_PER_GROUP = 2000


def get_series(series_id: int) -> MeetingSeries:
    """The series with this id, or NotFound."""
    series = db.session.get(MeetingSeries, series_id)
    if series is None:
        raise NotFound(f"No meeting series {series_id}.")
    return series


def series_titles(group: Group) -> list[tuple[int, str]]:
    """(id, title) of every series of the group by title: one light query, for pickers."""
    return [
        (row.id, row.title)
        for row in db.session.execute(
            select(MeetingSeries.id, MeetingSeries.title)
            .where(MeetingSeries.group_id == group.id)
            .order_by(MeetingSeries.title, MeetingSeries.id)
        )
    ]


def list_series(group: Group, *, limit: int | None = None, offset: int = 0) -> list[MeetingSeries]:
    """A group's series by title, with slots and work streams loaded (no lazy loads);
    with ``limit``, the ``limit`` series from position ``offset`` (a page of them)."""
    query = (
        select(MeetingSeries)
        .where(MeetingSeries.group_id == group.id)
        .options(selectinload(MeetingSeries.slots), selectinload(MeetingSeries.work_streams))
        .order_by(MeetingSeries.title, MeetingSeries.id)
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.scalars(query))


def count_series(group: Group) -> int:
    """How many series the group has (ended ones included, as list_series lists them)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(MeetingSeries)
            .where(MeetingSeries.group_id == group.id)
        )
        or 0
    )


def list_stream_series(group: Group, stream: WorkStream) -> list[MeetingSeries]:
    """The group's series tagged with ``stream``, by title (attributes only: slots, chairs
    and work streams are not loaded). Reads the tagged rows, not every series of the group."""
    tagged = select(series_work_streams.c.series_id).where(
        series_work_streams.c.work_stream_id == stream.id
    )
    return list(
        db.session.scalars(
            select(MeetingSeries)
            .where(MeetingSeries.group_id == group.id, MeetingSeries.id.in_(tagged))
            .order_by(MeetingSeries.title, MeetingSeries.id)
        )
    )


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def _letters(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa ..."""
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("a") + rem) + out
    return out


def _new_key(label: str, position: int, taken: set[str], suffix: str) -> str:
    """A fresh slot key: the label's slug (or a letter), plus ``suffix`` after creation.

    Keys are never reused: slots made when the series is created get plain keys ("a",
    "apac"); slots added by a later edit get the series revision of that edit as a
    suffix ("b-3"). Revisions only rise, and no creation key contains such a suffix, so
    a key that was ever deleted can never come back and collide with an old feed UID.
    """
    base = _slugify(label) or _letters(position)
    candidate = f"{base}{suffix}"
    n = 2
    while candidate in taken:
        candidate = f"{base}{suffix}-{n}"
        n += 1
    return candidate


def _apply_slot(row: SeriesSlot, c: CheckedSlot, position: int) -> bool:
    """Copy a checked slot onto its row; True if anything that feeds show changed."""
    rule = c.domain.rule
    values = {
        "label": c.label,
        "position": position,
        "timezone": c.timezone,
        "start_local": c.domain.start,
        "duration_minutes": int(c.domain.duration.total_seconds() // 60),
        "frequency": rule.frequency.value,
        "interval": rule.interval,
        "weekday": rule.weekday,
        "setpos": rule.setpos,
        "until": rule.until,
        "count": rule.count,
    }
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def check_series_room(group: Group) -> None:
    """Refuse one more series in a group that has MAX_SERIES_PER_GROUP already."""
    if count_series(group) >= MAX_SERIES_PER_GROUP:
        message = (
            f"A group can have at most {MAX_SERIES_PER_GROUP} meeting series; "
            "delete or merge old ones first."
        )
        raise ValidationError(message, {"series": message})


def create_series(actor: Person | None, group: Group, data: SeriesInput) -> MeetingSeries:
    """Create a series with its slots, chairs and work streams."""
    fields = check_series_fields(group, data)
    checked = check_slots(data.slots, fields["timezone"])
    with unit_of_work():
        check_series_room(group)
        chairs = series_chairs(group, data.chair_ids)
        streams = series_streams(group, data.work_stream_ids)
        series = MeetingSeries(group=group, chairs=chairs, work_streams=streams, **fields)
        taken: set[str] = set()
        for pos, c in enumerate(checked):
            key = _new_key(c.label, pos, taken, "")
            taken.add(key)
            row = SeriesSlot(key=key)
            _apply_slot(row, c, pos)
            series.slots.append(row)
        db.session.add(series)
        db.session.flush()
        audit.record(
            actor, group, "series", series.id, "created", title=series.title, slots=sorted(taken)
        )
    return series


def update_series(actor: Person | None, series: MeetingSeries, data: SeriesInput) -> MeetingSeries:
    """Change a series. Slots with a ``key`` keep it (and their UIDs); slots without one
    are new; existing slots missing from ``data.slots`` are removed, unless meetings of
    theirs already took place (then end the slot with an end date instead)."""
    group = series.group
    fields = check_series_fields(group, data)
    checked = check_slots(data.slots, fields["timezone"])
    existing = {s.key: s for s in series.slots}
    removed = _removed_slots(checked, existing)
    with unit_of_work():
        _refuse_removing_held_slots(removed)
        chairs = series_chairs(group, data.chair_ids)
        streams = series_streams(group, data.work_stream_ids)
        changed = _apply_fields(series, fields, chairs, streams)
        for slot in removed:
            series.slots.remove(slot)
            db.session.delete(slot)
            changed.append(f"slot {slot.key} removed")
        changed += _apply_slots(series, checked, existing)
        if changed:
            audit.record(actor, group, "series", series.id, "updated", changes=changed)
    return series


def _removed_slots(checked: list[CheckedSlot], existing: dict[str, SeriesSlot]) -> list[SeriesSlot]:
    """The existing slots the edit leaves out; refuses unknown or repeated keys."""
    seen: set[str] = set()
    for c in checked:
        if c.key is None:
            continue
        if c.key not in existing:
            raise slot_error(c.index, "key", "This time slot is not part of the series.")
        if c.key in seen:
            raise slot_error(c.index, "key", "This time slot is listed twice.")
        seen.add(c.key)
    return [s for k, s in existing.items() if k not in seen]


def _refuse_removing_held_slots(removed: list[SeriesSlot]) -> None:
    now = utcnow()
    for slot in removed:
        past = db.session.scalar(
            select(Meeting.id).where(Meeting.slot_id == slot.id, Meeting.start_dt < now)
        )
        if past is not None:
            name = slot.label or slot.key
            raise field_error(
                "slots",
                f"The time slot {name!r} has past meetings, so it cannot be removed: "
                "give it an end date instead.",
            )


def _apply_fields(
    series: MeetingSeries, fields: dict, chairs: list[Person], streams: list[WorkStream]
) -> list[str]:
    """Copy the checked fields, chairs and work streams; the names of what changed."""
    changed: list[str] = []
    for name, value in fields.items():
        if getattr(series, name) != value:
            setattr(series, name, value)
            changed.append(name)
    if {p.id for p in series.chairs} != {p.id for p in chairs}:
        series.chairs = chairs
        changed.append("chairs")
    if {w.id for w in series.work_streams} != {w.id for w in streams}:
        series.work_streams = streams
        changed.append("work_streams")
    return changed


def _apply_slots(
    series: MeetingSeries, checked: list[CheckedSlot], existing: dict[str, SeriesSlot]
) -> list[str]:
    """Update kept slots and add new ones (keys suffixed with the next revision)."""
    changed: list[str] = []
    new_revision = (series.revision or 0) + 1
    taken = set(existing)
    for pos, c in enumerate(checked):
        if c.key is not None:
            if _apply_slot(existing[c.key], c, pos):
                changed.append(f"slot {c.key}")
            continue
        key = _new_key(c.label, pos, taken, f"-{new_revision}")
        taken.add(key)
        row = SeriesSlot(key=key)
        _apply_slot(row, c, pos)
        series.slots.append(row)
        changed.append(f"slot {key} added")
    return changed


def end_series(actor: Person | None, series: MeetingSeries, last_date: date) -> MeetingSeries:
    """End a series after ``last_date`` (a local date in each slot's zone, inclusive).

    Each slot's rule gets ``until = last_date`` (a count that would run longer is replaced
    by it), so the feeds keep every past occurrence and show no later one. Slots that
    would only start after ``last_date`` are removed. Changed occurrences after that date
    are cancelled (reason: "The series has ended."), so a moved one does not linger.
    The series' status stays "active": status "ended" would drop its past occurrences
    from the feeds too. ``last_date`` may not be before today in the series' zone.
    """
    check_year(last_date, "last_date")
    today = utcnow().astimezone(ZoneInfo(series.timezone)).date()
    if last_date < today:
        raise field_error(
            "last_date", "Pick today or a later date: past meetings stay as they are."
        )
    group = series.group
    with unit_of_work():
        changed: list[str] = []
        for slot in list(series.slots):
            change = _end_slot(series, slot, last_date)
            if change:
                changed.append(change)
        if not series.slots:
            raise field_error(
                "last_date", "The series has not started by then; delete it or pick a later date."
            )
        changed += _cancel_changed_after(series, last_date)
        if changed:
            audit.record(
                actor, group, "series", series.id, "ended", last_date=last_date, changes=changed
            )
    return series


def _end_slot(series: MeetingSeries, slot: SeriesSlot, last_date: date) -> str | None:
    """End one slot after ``last_date`` (or remove it); what changed, if anything."""
    if slot.start_local.date() > last_date:
        series.slots.remove(slot)
        db.session.delete(slot)
        return f"slot {slot.key} removed"
    rule = slot.to_domain()
    if rule.rule.frequency is Frequency.ONCE:
        return None
    if slot.until is not None and slot.until <= last_date:
        return None
    if slot.count is not None:
        occ = expand(
            rule,
            to_utc(slot.start_local, slot.timezone),
            to_utc(
                datetime.combine(last_date + timedelta(days=1), slot.start_local.time()),
                slot.timezone,
            ),
        )
        if len(occ) >= slot.count:
            return None  # the count ends it before last_date already
    slot.count = None
    slot.until = last_date
    return f"slot {slot.key} until {last_date.isoformat()}"


def _cancel_changed_after(series: MeetingSeries, last_date: date) -> list[str]:
    """Cancel the scheduled occurrence rows after ``last_date`` (moved ones included),
    with the list's cancellation notices (docs/mail.md), as a single cancellation sends."""
    changed: list[str] = []
    cancelled: list[Meeting] = []
    for meeting in series.meetings:
        if (
            meeting.original_start_local is not None
            and meeting.original_start_local.date() > last_date
            and meeting.status == MeetingStatus.SCHEDULED
        ):
            meeting.status = MeetingStatus.CANCELLED
            meeting.change_reason = "The series has ended."
            meeting.sequence = (meeting.sequence or 0) + 1
            changed.append(f"meeting {meeting.id} cancelled")
            cancelled.append(meeting)
    if cancelled:
        db.session.flush()
        for meeting in cancelled:
            group_mail.queue_change(meeting, "cancelled")
    return changed
