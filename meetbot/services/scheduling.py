"""Scheduling: create and edit meeting series, change single occurrences, one-off meetings.

Every function here is one thing an organizer does; each runs in one transaction
(``unit_of_work``), validates everything before writing anything, writes an audit entry
and gives a changed occurrence a new ``meeting.sequence`` (its iCal SEQUENCE). The
revisions move by construction (the models' ``__freshness__``, meetbot.freshness):

* a change to a series or its slots moves ``series.revision`` (the SEQUENCE of its
  master events); so does a change the feeds show to one of its occurrences;
* every such change moves the group's revision (the feed cache key).

Bad input raises :class:`~meetbot.services.errors.ValidationError` whose ``fields`` name
what is wrong. Slot errors are named ``slots-<i>-<field>`` where ``i`` is the position
of the slot in the list given and ``field`` is one of ``timezone``, ``start``,
``duration``, ``frequency``, ``interval``, ``weekday``, ``setpos``, ``until``, ``count``,
``rule`` (the rule yields no meeting), ``key``.

Slot keys are part of iCal UIDs, so they are stable and never reused (see
:func:`_new_key`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetbot.domain.bounds import YEAR_MESSAGE, slot_out_of_years
from meetbot.domain.recurrence import (
    Frequency,
    RecurrenceError,
    Rule,
    Slot,
    expand,
    first_matching_start,
    next_occurrences,
    to_utc,
    validate_slot,
)
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.mail import group_mail
from meetbot.models import (
    Group,
    LocationKind,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Membership,
    Person,
    SeriesSlot,
    WorkStream,
    utcnow,
)
from meetbot.models.meetings import series_work_streams
from meetbot.services import audit, webhooks
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, ValidationError, check_year, field_error
from meetbot.services.groups import check_timezone
from meetbot.services.meetings import materialize_occurrence

#: How far (either way) an occurrence may be moved from its original start. The
#: occurrence expansion matches moved rows within a 35-day margin, so this keeps every
#: moved occurrence visible in every window that contains it.
MAX_MOVE = timedelta(days=28)
MAX_SLOTS = 20
#: Series a group may have (ended ones included): ten times what the largest real
#: schedule holds (irc-meetings: 103 schedules in one group), and the bench's
#: 1,000-series group fits twice over. A bound on every list and feed of a group.
MAX_SERIES_PER_GROUP = 2000
MAX_TITLE = 200
MAX_LOCATION = 500
_CHANNEL_RE = re.compile(r"^[#&!+]?[^\s,]{1,200}$")


# --------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------


@dataclass
class SlotInput:
    """One slot as an organizer enters it.

    ``key`` is None for a new slot (a key is generated) and the existing key for a slot
    being edited. ``timezone`` None or "" means the series' zone. ``start`` is the naive
    local date and time of the first meeting (monthly starts are moved forward to the
    first matching date).
    """

    start: datetime | None
    duration_minutes: int | None
    frequency: str = Frequency.WEEKLY.value
    interval: int | None = 1
    weekday: int | None = None
    setpos: int | None = None
    until: date | None = None
    count: int | None = None
    timezone: str | None = None
    label: str = ""
    key: str | None = None


@dataclass
class SeriesInput:
    """Everything of a series that an organizer enters."""

    title: str
    timezone: str
    slots: list[SlotInput]
    description: str = ""
    location_kind: str = LocationKind.VIDEO.value
    location: str = ""
    agenda_url: str | None = None
    chair_ids: Sequence[int] = ()
    work_stream_ids: Sequence[int] = ()


@dataclass(frozen=True)
class PreviewItem:
    """One occurrence of a preview: when, in the slot's zone, the series' zone and UTC."""

    slot_index: int
    slot_key: str | None
    label: str
    start_utc: datetime
    end_utc: datetime
    slot_timezone: str
    local_start: datetime  # aware, in the slot's zone
    series_start: datetime  # aware, in the series' zone


@dataclass
class _CheckedSlot:
    index: int
    domain: Slot
    label: str
    key: str | None
    timezone: str


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _slot_error(index: int, name: str, message: str) -> ValidationError:
    return field_error(f"slots-{index}-{name}", message)


def check_slots(slots: Sequence[SlotInput], series_timezone: str) -> list[_CheckedSlot]:
    """Validate every slot and return them normalised (monthly starts snapped forward).

    Collects the first error of each slot so a form can show them all at once.
    """
    if not slots:
        raise field_error("slots", "Add at least one time slot.")
    if len(slots) > MAX_SLOTS:
        raise field_error("slots", f"A series can have at most {MAX_SLOTS} time slots.")
    errors: dict[str, str] = {}
    checked: list[_CheckedSlot] = []
    for i, item in enumerate(slots):
        try:
            checked.append(_check_slot(i, item, series_timezone))
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError("Some time slots need fixing.", errors)
    return checked


def _check_slot(i: int, item: SlotInput, series_timezone: str) -> _CheckedSlot:
    zone = (item.timezone or "").strip() or series_timezone
    if item.start is None:
        raise _slot_error(i, "start", "Give the date and local time of the first meeting.")
    if item.duration_minutes is None:
        raise _slot_error(i, "duration", "Give the length of the meeting in minutes.")
    try:
        frequency = Frequency(item.frequency)
    except ValueError:
        raise _slot_error(i, "frequency", f"Unknown frequency {item.frequency!r}.") from None
    interval = 1 if item.interval is None else item.interval
    weekday, setpos = item.weekday, item.setpos
    until, count = item.until, item.count
    if frequency is not Frequency.MONTHLY:
        weekday = setpos = None  # the weekday comes from the start date
    if frequency is Frequency.ONCE:
        interval, until, count = 1, None, None
    rule = Rule(
        frequency=frequency,
        interval=interval,
        weekday=weekday,
        setpos=setpos,
        until=until,
        count=count,
    )
    start = item.start.replace(second=0, microsecond=0, tzinfo=None)
    try:
        if frequency is Frequency.MONTHLY:
            start = first_matching_start(rule, start)
        slot = Slot(
            key=item.key or f"new-{i}",
            timezone=zone,
            start=start,
            duration=timedelta(minutes=item.duration_minutes),
            rule=rule,
        )
        validate_slot(slot)
    except RecurrenceError as exc:
        raise _slot_error(i, exc.field or "rule", str(exc)) from None
    except (OverflowError, ValueError) as exc:
        raise _slot_error(i, "start", f"This date cannot be used ({exc}).") from None
    _check_slot_years(i, slot)
    label = (item.label or "").strip()
    if len(label) > 100:
        raise _slot_error(i, "label", "Use at most 100 characters.")
    return _CheckedSlot(index=i, domain=slot, label=label, key=item.key, timezone=zone)


def _check_slot_years(i: int, slot: Slot) -> None:
    """The first and the last occurrence (by ``until`` or ``count``) lie in the years
    every entry path accepts (domain.bounds): feeds overflow near year 9999."""
    part = slot_out_of_years(slot)
    if part == "count":
        raise _slot_error(i, part, f"The last meeting would be too late. {YEAR_MESSAGE}")
    if part is not None:
        raise _slot_error(i, part, YEAR_MESSAGE)


def _check_location(kind: str, location: str) -> str:
    if kind not in {k.value for k in LocationKind}:
        raise field_error("location_kind", f"Unknown kind of location {kind!r}.")
    location = (location or "").strip()
    if len(location) > MAX_LOCATION:
        raise field_error("location", f"Use at most {MAX_LOCATION} characters.")
    if not location:
        return ""
    if kind == LocationKind.VIDEO.value and not _is_http_url(location):
        raise field_error("location", "A video call needs its https:// link.")
    if kind == LocationKind.CHAT.value and not _CHANNEL_RE.match(location):
        raise field_error(
            "location", "Give the channel name, e.g. #openstack-meeting (no spaces or commas)."
        )
    return location


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _check_series_fields(group: Group, data: SeriesInput) -> dict:
    title = single_line(data.title)
    if not title:
        raise field_error("title", "A title is required.")
    if len(title) > MAX_TITLE:
        raise field_error("title", f"Use at most {MAX_TITLE} characters.")
    timezone = check_timezone(data.timezone)
    location = _check_location(data.location_kind, data.location)
    agenda_url = (data.agenda_url or "").strip() or None
    if agenda_url and (not _is_http_url(agenda_url) or len(agenda_url) > 500):
        raise field_error("agenda_url", "Give a full http(s):// link to the agenda.")
    return {
        "title": title,
        "timezone": timezone,
        "description": data.description or "",
        "location_kind": data.location_kind,
        "location": location,
        "agenda_url": agenda_url,
    }


def _chairs(group: Group, ids: Sequence[int]) -> list[Person]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    people = list(
        db.session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id == group.id, Person.id.in_(wanted))
        )
    )
    if len(people) != len(wanted):
        raise field_error("chairs", "Every chair must be a member of the group.")
    return people


def _streams(group: Group, ids: Sequence[int]) -> list[WorkStream]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    streams = list(
        db.session.scalars(
            select(WorkStream).where(WorkStream.group_id == group.id, WorkStream.id.in_(wanted))
        )
    )
    if len(streams) != len(wanted):
        raise field_error("work_streams", "A work stream is not one of this group's.")
    return streams


# --------------------------------------------------------------------------
# Preview
# --------------------------------------------------------------------------


def preview(
    slots: Sequence[SlotInput],
    series_timezone: str,
    *,
    after: datetime | None = None,
    limit: int = 10,
) -> list[PreviewItem]:
    """The next ``limit`` occurrences the slots would produce from ``after`` (default now).

    Nothing is read from or written to the database. Raises ValidationError naming the
    field (``timezone`` for the series' zone, ``slots-<i>-<field>`` for a slot).
    """
    series_timezone = check_timezone(series_timezone)
    checked = check_slots(slots, series_timezone)
    after = (after or utcnow()).astimezone(UTC)
    by_key = {}
    domain_slots = []
    for c in checked:
        key = f"#{c.index}"  # preview-only key, so unsaved slots can be told apart
        by_key[key] = c
        domain_slots.append(
            Slot(
                key=key,
                timezone=c.timezone,
                start=c.domain.start,
                duration=c.domain.duration,
                rule=c.domain.rule,
            )
        )
    series_zone = ZoneInfo(series_timezone)
    items = []
    for occ in next_occurrences(domain_slots, after, limit):
        c = by_key[occ.slot_key]
        zone = ZoneInfo(c.timezone)
        items.append(
            PreviewItem(
                slot_index=c.index,
                slot_key=c.key,
                label=c.label,
                start_utc=occ.start_utc,
                end_utc=occ.end_utc,
                slot_timezone=c.timezone,
                local_start=occ.start_utc.astimezone(zone),
                series_start=occ.start_utc.astimezone(series_zone),
            )
        )
    return items


# --------------------------------------------------------------------------
# Series
# --------------------------------------------------------------------------


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


def _apply_slot(row: SeriesSlot, c: _CheckedSlot, position: int) -> bool:
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
    fields = _check_series_fields(group, data)
    checked = check_slots(data.slots, fields["timezone"])
    with unit_of_work():
        check_series_room(group)
        chairs = _chairs(group, data.chair_ids)
        streams = _streams(group, data.work_stream_ids)
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
    fields = _check_series_fields(group, data)
    checked = check_slots(data.slots, fields["timezone"])
    existing = {s.key: s for s in series.slots}
    seen: set[str] = set()
    for c in checked:
        if c.key is None:
            continue
        if c.key not in existing:
            raise _slot_error(c.index, "key", "This time slot is not part of the series.")
        if c.key in seen:
            raise _slot_error(c.index, "key", "This time slot is listed twice.")
        seen.add(c.key)
    removed = [s for k, s in existing.items() if k not in seen]
    now = utcnow()
    with unit_of_work():
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
        chairs = _chairs(group, data.chair_ids)
        streams = _streams(group, data.work_stream_ids)
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
        for slot in removed:
            series.slots.remove(slot)
            db.session.delete(slot)
            changed.append(f"slot {slot.key} removed")
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
        if changed:
            audit.record(actor, group, "series", series.id, "updated", changes=changed)
    return series


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
            if slot.start_local.date() > last_date:
                series.slots.remove(slot)
                db.session.delete(slot)
                changed.append(f"slot {slot.key} removed")
                continue
            rule = slot.to_domain()
            if rule.rule.frequency is Frequency.ONCE:
                continue
            if slot.until is not None and slot.until <= last_date:
                continue
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
                    continue  # the count ends it before last_date already
            slot.count = None
            slot.until = last_date
            changed.append(f"slot {slot.key} until {last_date.isoformat()}")
        if not series.slots:
            raise field_error(
                "last_date", "The series has not started by then; delete it or pick a later date."
            )
        cancelled: list[Meeting] = []
        for meeting in series.meetings:
            if (
                meeting.original_start_local is not None
                and meeting.original_start_local.date() > last_date
                and meeting.status == MeetingStatus.SCHEDULED.value
            ):
                meeting.status = MeetingStatus.CANCELLED.value
                meeting.change_reason = "The series has ended."
                meeting.sequence = (meeting.sequence or 0) + 1
                changed.append(f"meeting {meeting.id} cancelled")
                cancelled.append(meeting)
        if cancelled:  # the list's cancellation notices (docs/mail.md), as _touch sends
            db.session.flush()
            for meeting in cancelled:
                group_mail.queue_change(meeting, "cancelled")
        if changed:
            audit.record(
                actor, group, "series", series.id, "ended", last_date=last_date, changes=changed
            )
    return series


# --------------------------------------------------------------------------
# One occurrence
# --------------------------------------------------------------------------


def _touch(actor: Person | None, meeting: Meeting, action: str, **details: object) -> None:
    """A new SEQUENCE for the changed meeting (its series' and group's revisions move by
    themselves, meetbot.freshness), and audit it."""
    meeting.sequence = (meeting.sequence or 0) + 1
    group = meeting.group if meeting.series is None else meeting.series.group
    db.session.flush()
    audit.record(actor, group, "meeting", meeting.id, action, **details)
    webhooks.emit_meeting(meeting, action)  # queued in this transaction (docs/api.md)
    group_mail.queue_change(meeting, action)  # the list mail too (docs/mail.md)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) > 2000:
        raise field_error("reason", "Use at most 2000 characters.")
    return text


def occurrence_meeting(
    series: MeetingSeries, slot_key: str, original_start_local: datetime
) -> Meeting | None:
    """The Meeting row of an occurrence if there is one (nothing is created)."""
    slot = next((s for s in series.slots if s.key == slot_key), None)
    if slot is None:
        raise NotFound(f"Series {series.id} has no slot {slot_key!r}.")
    return db.session.scalar(
        select(Meeting).where(
            Meeting.slot_id == slot.id, Meeting.original_start_local == original_start_local
        )
    )


def _target(series: MeetingSeries, slot_key: str, original_start_local: datetime) -> Meeting:
    return materialize_occurrence(series, slot_key, original_start_local)


def cancel_occurrence(
    actor: Person | None,
    series: MeetingSeries,
    slot_key: str,
    original_start_local: datetime,
    reason: str = "",
) -> Meeting:
    """Cancel one occurrence of a series; ``reason`` is shown to participants."""
    reason = _reason(reason)
    with unit_of_work():
        meeting = _target(series, slot_key, original_start_local)
        _cancel(actor, meeting, reason)
    return meeting


def cancel_meeting(actor: Person | None, meeting: Meeting, reason: str = "") -> Meeting:
    """Cancel a meeting (a one-off, or an occurrence that already has its row)."""
    reason = _reason(reason)
    with unit_of_work():
        _cancel(actor, meeting, reason)
    return meeting


def _cancel(actor: Person | None, meeting: Meeting, reason: str) -> None:
    if meeting.status == MeetingStatus.HELD.value:
        raise field_error("status", "This meeting has been held; it cannot be cancelled.")
    if meeting.status == MeetingStatus.CANCELLED.value and meeting.change_reason == reason:
        return
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.change_reason = reason
    _touch(actor, meeting, "cancelled", reason=reason)


def uncancel_occurrence(
    actor: Person | None,
    series: MeetingSeries,
    slot_key: str,
    original_start_local: datetime,
) -> Meeting:
    """Undo the cancellation of one occurrence."""
    meeting = occurrence_meeting(series, slot_key, original_start_local)
    if meeting is None:
        raise field_error("status", "This meeting is not cancelled.")
    return uncancel_meeting(actor, meeting)


def uncancel_meeting(actor: Person | None, meeting: Meeting) -> Meeting:
    """Undo the cancellation of a meeting; its move or new title (if any) stay."""
    with unit_of_work():
        if meeting.status != MeetingStatus.CANCELLED.value:
            raise field_error("status", "This meeting is not cancelled.")
        meeting.status = MeetingStatus.SCHEDULED.value
        meeting.change_reason = ""
        _touch(actor, meeting, "uncancelled")
    return meeting


def move_occurrence(
    actor: Person | None,
    series: MeetingSeries,
    slot_key: str,
    original_start_local: datetime,
    new_start_local: datetime,
    *,
    duration_minutes: int | None = None,
    reason: str = "",
) -> Meeting:
    """Move one occurrence to ``new_start_local`` (naive, in the slot's zone).

    Refused if the new start is more than 28 days from the original one (cancel it and
    add a one-off meeting instead). Moving it back to its original time and length
    clears the "moved" mark.
    """
    reason = _reason(reason)
    with unit_of_work():
        meeting = _target(series, slot_key, original_start_local)
        original = to_utc(original_start_local, meeting.timezone)
        new_start = _local_to_utc(new_start_local, meeting.timezone, "start")
        if abs(new_start - original) > MAX_MOVE:
            raise field_error(
                "start",
                "An occurrence can be moved by at most 28 days. To meet further away, "
                "cancel this one and add a one-off meeting.",
            )
        default = next(s for s in series.slots if s.key == slot_key).duration_minutes
        _move(actor, meeting, new_start, duration_minutes, reason, original, default)
    return meeting


def move_meeting(
    actor: Person | None,
    meeting: Meeting,
    new_start_local: datetime,
    *,
    duration_minutes: int | None = None,
    reason: str = "",
) -> Meeting:
    """Move a one-off meeting (no distance limit) to ``new_start_local`` in its zone.

    For occurrences of a series use move_occurrence().
    """
    if meeting.series_id is not None:
        assert meeting.slot is not None and meeting.original_start_local is not None
        return move_occurrence(
            actor,
            meeting.series,
            meeting.slot.key,
            meeting.original_start_local,
            new_start_local,
            duration_minutes=duration_minutes,
            reason=reason,
        )
    reason = _reason(reason)
    with unit_of_work():
        new_start = _local_to_utc(new_start_local, meeting.timezone, "start")
        _move(actor, meeting, new_start, duration_minutes, reason, None, None)
    return meeting


def _check_duration(minutes: int | None, name: str = "duration") -> timedelta:
    if minutes is None or minutes <= 0 or minutes > 24 * 60:
        raise field_error(name, "The duration must be longer than 0 and at most 24 hours.")
    return timedelta(minutes=minutes)


def _local_to_utc(local: datetime | None, zone: str, name: str) -> datetime:
    if local is None:
        raise field_error(name, "Give a date and time.")
    check_year(local, name)
    try:
        return to_utc(local.replace(tzinfo=None, second=0, microsecond=0), zone)
    except (RecurrenceError, OverflowError, ValueError) as exc:
        raise field_error(name, f"This time cannot be used ({exc}).") from None


def _move(
    actor: Person | None,
    meeting: Meeting,
    new_start: datetime,
    duration_minutes: int | None,
    reason: str,
    original: datetime | None,
    default_minutes: int | None,
) -> None:
    if meeting.status == MeetingStatus.HELD.value:
        raise field_error("start", "This meeting has been held; it cannot be moved.")
    current = int((meeting.end_dt - meeting.start_dt).total_seconds() // 60)
    length = _check_duration(duration_minutes if duration_minutes is not None else current)
    old = (meeting.start_dt, meeting.end_dt)
    meeting.start_dt = new_start
    meeting.end_dt = new_start + length
    if original is not None:
        meeting.is_moved = not (
            new_start == original and length == timedelta(minutes=default_minutes or 0)
        )
    meeting.change_reason = reason
    _touch(
        actor,
        meeting,
        "moved",
        old_start=old[0].isoformat(),
        new_start=new_start.isoformat(),
        minutes=int(length.total_seconds() // 60),
        reason=reason,
    )


def retitle_occurrence(
    actor: Person | None,
    series: MeetingSeries,
    slot_key: str,
    original_start_local: datetime,
    *,
    title: str | None,
    location: str | None = None,
    reason: str = "",
) -> Meeting:
    """Give one occurrence its own title and/or location (empty: as the series says)."""
    reason = _reason(reason)
    with unit_of_work():
        meeting = _target(series, slot_key, original_start_local)
        _retitle(actor, meeting, title, location, reason)
    return meeting


def retitle_meeting(
    actor: Person | None,
    meeting: Meeting,
    *,
    title: str | None,
    location: str | None = None,
    reason: str = "",
) -> Meeting:
    """Change a meeting's own title and/or location."""
    reason = _reason(reason)
    with unit_of_work():
        _retitle(actor, meeting, title, location, reason)
    return meeting


def _retitle(
    actor: Person | None, meeting: Meeting, title: str | None, location: str | None, reason: str
) -> None:
    title = single_line(title) or None
    if meeting.series_id is None and title is None:
        raise field_error("title", "A one-off meeting needs a title.")
    if title and len(title) > MAX_TITLE:
        raise field_error("title", f"Use at most {MAX_TITLE} characters.")
    location = (location or "").strip() or None
    if location and len(location) > MAX_LOCATION:
        raise field_error("location", f"Use at most {MAX_LOCATION} characters.")
    if meeting.series is not None and location == meeting.series.location:
        location = None
    if (meeting.title, meeting.location) == (title, location):
        return
    meeting.title = title
    meeting.location = location
    if reason:
        meeting.change_reason = reason
    _touch(actor, meeting, "retitled", title=title, location=location, reason=reason)


# --------------------------------------------------------------------------
# One-off meetings
# --------------------------------------------------------------------------


def create_one_off(
    actor: Person | None,
    group: Group,
    *,
    title: str,
    timezone: str,
    start_local: datetime | None,
    duration_minutes: int | None,
    location: str = "",
    work_stream_id: int | None = None,
    agenda: str = "",
) -> Meeting:
    """A meeting that belongs to no series, at a local time in ``timezone``."""
    title = single_line(title)
    if not title:
        raise field_error("title", "A title is required.")
    if len(title) > MAX_TITLE:
        raise field_error("title", f"Use at most {MAX_TITLE} characters.")
    timezone = check_timezone(timezone)
    start = _local_to_utc(start_local, timezone, "start")
    length = _check_duration(duration_minutes)
    location = (location or "").strip()
    if len(location) > MAX_LOCATION:
        raise field_error("location", f"Use at most {MAX_LOCATION} characters.")
    with unit_of_work():
        stream = None
        if work_stream_id:
            stream = db.session.get(WorkStream, work_stream_id)
            if stream is None or stream.group_id != group.id:
                raise field_error("work_stream", "Not one of this group's work streams.")
        meeting = Meeting(
            group=group,
            timezone=timezone,
            start_dt=start,
            end_dt=start + length,
            title=title,
            location=location,
            work_stream=stream,
            agenda=agenda or "",
        )
        db.session.add(meeting)
        db.session.flush()
        audit.record(actor, group, "meeting", meeting.id, "created", title=title)
        webhooks.emit_meeting(meeting, "created")
    return meeting
