"""Calendar feeds: which rows a feed shows, how they map to ``domain.ical``, and the cache.

Every feed is described by a :class:`FeedSpec`: a cache ``key`` (which feed), a
``revision`` string that changes whenever anything the feed shows changes, and a
``render`` function. Computing the spec costs a few small queries; rendering costs
the expansion of every slot. ``meetbot.freshness.current_feed`` answers from the
shared feed cache when the stored revision equals the spec's (no rendering, which
makes 304s and cache hits cheap on every app server), and otherwise renders, stores
and returns the new bytes. What moves which revision is in docs/feeds.md.

Content (see docs/feeds.md): one VEVENT with RRULE per slot of an active series
(UID ``services.occurrences.slot_uid``), exceptions for the Meeting rows the rule
generates (moved / retitled / relocated / with a reason -> RECURRENCE-ID override;
cancelled -> EXDATE, as ``domain.ical`` documents), and stand-alone VEVENTs
(UID ``services.occurrences.meeting_uid``) for one-off meetings, rows the rule no
longer generates (detached) and the history rows of ended series. Cancelled
stand-alone meetings are left out, which removes them from every subscribed client
(the same reasoning as EXDATE). The personal feed adds the person's open action
items as VTODOs with DUE.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import Select, String, bindparam, cast, func, literal, or_, select
from sqlalchemy.orm import selectinload

from meetbot.domain import ical
from meetbot.domain.recurrence import expand, to_utc
from meetbot.extensions import db
from meetbot.freshness import (
    BoundedCache,
    FeedSpec,
    clear_feed_bodies,
    with_cached_row,
)
from meetbot.models import (
    ActionItem,
    ActionStatus,
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Membership,
    Person,
    SeriesSlot,
    SeriesStatus,
    WorkStream,
)
from meetbot.models.actions import action_item_owners
from meetbot.models.meetings import series_chairs, series_work_streams
from meetbot.services.accounts import person_for_feed_token
from meetbot.services.errors import NotFound
from meetbot.services.groups import get_group, get_work_stream
from meetbot.services.meetings import get_meeting
from meetbot.services.occurrences import OccurrenceView, meeting_uid, slot_uid

# Part of every cached revision: raise it when the feed format changes, so cached
# bytes of an older release are not served after an upgrade.
FORMAT_VERSION = 1
# Cache-Control max-age (seconds) of feed responses; revalidation is cheap (304).
MAX_AGE = 300


def _digest(*parts: object) -> str:
    """A short revision string from many parts (the feed cache keeps 100 chars)."""
    text = "|".join(str(p) for p in (FORMAT_VERSION, _config_fingerprint(), *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _config_fingerprint() -> str:
    cfg = current_app.config
    return (
        f"{cfg['MEETBOT_BASE_URL']}|{cfg['MEETBOT_UID_DOMAIN']}|"
        f"{cfg['MEETBOT_FEED_REFRESH_MINUTES']}"
    )


# --------------------------------------------------------------------------
# The five feeds
# --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _group_feed_query() -> Select:
    """The group and its feed's cache row by slug; built once (it is on the hot path)."""
    key = literal("group:", String).concat(cast(Group.id, String))
    return with_cached_row(select(Group.id, Group.slug, Group.revision), key).where(
        Group.slug == bindparam("slug")
    )


def group_feed(slug: str) -> FeedSpec:
    """All series and one-off meetings of a group.

    The group and its feed's cache row are read in one indexed query: that query is
    all a 304 or a warm hit of the most polled feed costs. It runs on a pooled
    connection of its own, not through the ORM session, so a 304 or warm hit never
    starts (and tears down) a session transaction; only a render uses the session.
    """
    with db.engine.connect() as conn:
        found = conn.execute(_group_feed_query(), {"slug": slug}).one_or_none()
    if found is None:
        raise NotFound(f"No group {slug!r}.")
    group_id = found.id
    cached = (
        None
        if found.cached_revision is None
        else (found.cached_revision, found.etag, found.last_modified_dt)
    )

    def render() -> bytes:
        group = db.session.get(Group, group_id)
        series = _series(MeetingSeries.group_id == group.id)
        one_offs = _one_offs(Meeting.group_id == group.id)
        return _calendar(
            group.name, group.timezone, series, one_offs, description=_group_desc(group)
        )

    return FeedSpec(
        f"group:{group_id}",
        _digest(found.revision),
        True,
        f"{found.slug}.ics",
        render,
        prefetched=True,
        cached=cached,
    )


def stream_feed(slug: str, stream_slug: str) -> FeedSpec:
    """The series and one-off meetings of a group tagged with one work stream."""
    group = get_group(slug)
    stream = get_work_stream(group, stream_slug)
    group_id, stream_id = group.id, stream.id

    def render() -> bytes:
        group = db.session.get(Group, group_id)
        stream = db.session.get(WorkStream, stream_id)
        tagged = select(series_work_streams.c.series_id).where(
            series_work_streams.c.work_stream_id == stream_id
        )
        series = _series(MeetingSeries.group_id == group_id, MeetingSeries.id.in_(tagged))
        one_offs = _one_offs(Meeting.group_id == group_id, Meeting.work_stream_id == stream_id)
        return _calendar(f"{group.name}: {stream.name}", group.timezone, series, one_offs)

    return FeedSpec(
        f"stream:{stream.id}",
        _digest(group.revision),
        True,
        f"{group.slug}-{stream.slug}.ics",
        render,
    )


def series_feed(series_id: int) -> FeedSpec:
    """One series (its slots, exceptions and history rows)."""
    series = db.session.get(MeetingSeries, series_id)
    if series is None:
        raise NotFound(f"No series {series_id}.")
    group = series.group

    def render() -> bytes:
        found = _series(MeetingSeries.id == series_id)
        return _calendar(found[0].title, found[0].timezone, found, [])

    return FeedSpec(
        f"series:{series.id}",
        _digest(series.revision, group.revision),
        True,
        f"series-{series.id}.ics",
        render,
    )


def meeting_feed(meeting_id: int) -> FeedSpec:
    """One meeting row as a stand-alone event (UID of the meeting, not of its series)."""
    meeting = get_meeting(meeting_id)
    group = meeting.group

    def render() -> bytes:
        row = db.session.get(Meeting, meeting_id)
        events = [] if row.status == MeetingStatus.CANCELLED.value else [_single(row, _ctx())]
        return ical.build_calendar(row.effective_title, row.timezone, events, refresh=_refresh())

    return FeedSpec(
        f"meeting:{meeting.id}",
        _digest(meeting.sequence, meeting.updated_dt.isoformat(), group.revision),
        True,
        f"meeting-{meeting.id}.ics",
        render,
    )


def personal_feed(token: str) -> FeedSpec:
    """A person's feed: series of their groups and series they chair, one-off
    meetings of their groups, and their open action items (VTODO). Raises NotFound
    for an invalid or revoked token."""
    person = person_for_feed_token(token, current_app.config["SECRET_KEY"])
    if person is None or not person.is_active_account:
        raise NotFound("No such feed (the link may have been revoked).")
    person_id = person.id
    group_ids = _member_group_ids(person_id)
    chaired = _chaired_series_ids(person_id)
    items = _action_state(person_id)
    feed_groups = sorted(set(group_ids) | set(items["groups"]) | set(chaired.values()))
    revisions = dict(
        db.session.execute(select(Group.id, Group.revision).where(Group.id.in_(feed_groups))).all()
    )

    def render() -> bytes:
        person = db.session.get(Person, person_id)
        series = _series(
            or_(MeetingSeries.group_id.in_(group_ids), MeetingSeries.id.in_(list(chaired)))
        )
        one_offs = _one_offs(Meeting.group_id.in_(group_ids)) if group_ids else []
        todos = [_todo(item, _ctx()) for item in _open_items(person_id)]
        return _calendar(
            f"meetbot: {person.display_name}",
            person.timezone or "UTC",
            series,
            one_offs,
            todos=todos,
        )

    return FeedSpec(
        f"person:{person_id}",
        _digest(
            person.display_name,
            person.timezone,
            sorted(group_ids),
            sorted(chaired),
            sorted(revisions.items()),
            items["count"],
            items["open"],
            items["max_updated"],
            items["sequence"],
        ),
        False,
        "meetbot.ics",
        render,
    )


# --------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------


def _member_group_ids(person_id: int) -> list[int]:
    return list(
        db.session.scalars(select(Membership.group_id).where(Membership.person_id == person_id))
    )


def _chaired_series_ids(person_id: int) -> dict[int, int]:
    """series id -> group id of the series the person chairs."""
    return dict(
        db.session.execute(
            select(MeetingSeries.id, MeetingSeries.group_id)
            .join(series_chairs, series_chairs.c.series_id == MeetingSeries.id)
            .where(series_chairs.c.person_id == person_id)
        ).all()
    )


def _owned_items():
    return select(ActionItem).join(
        action_item_owners, action_item_owners.c.action_item_id == ActionItem.id
    )


def _action_state(person_id: int) -> dict[str, object]:
    """What the personal feed's cache key needs to know about the person's items:
    a change of status, text, due date, owner or group moves one of these."""
    owned = action_item_owners.c.person_id == person_id
    joined = select(ActionItem.id).join(
        action_item_owners, action_item_owners.c.action_item_id == ActionItem.id
    )
    row = db.session.execute(
        select(
            func.count(ActionItem.id),
            func.count(ActionItem.id).filter(ActionItem.status == ActionStatus.OPEN.value),
            func.max(ActionItem.updated_dt),
            func.coalesce(func.sum(ActionItem.sequence), 0),
        ).where(ActionItem.id.in_(joined.where(owned)))
    ).one()
    groups = db.session.scalars(
        select(ActionItem.group_id)
        .distinct()
        .where(
            ActionItem.id.in_(joined.where(owned)),
            ActionItem.status == ActionStatus.OPEN.value,
        )
    ).all()
    max_updated = row[2].isoformat() if isinstance(row[2], datetime) else str(row[2])
    return {
        "count": row[0],
        "open": row[1],
        "max_updated": max_updated,
        "sequence": row[3],
        "groups": list(groups),
    }


def _open_items(person_id: int) -> list[ActionItem]:
    return list(
        db.session.scalars(
            _owned_items()
            .where(
                action_item_owners.c.person_id == person_id,
                ActionItem.status == ActionStatus.OPEN.value,
            )
            .options(selectinload(ActionItem.group))
            .order_by(ActionItem.id)
        )
    )


def _series(*where: object) -> list[MeetingSeries]:
    return list(
        db.session.scalars(
            select(MeetingSeries)
            .where(*where)
            .options(
                selectinload(MeetingSeries.slots),
                selectinload(MeetingSeries.work_streams),
                selectinload(MeetingSeries.group),
            )
            .order_by(MeetingSeries.id)
        )
    )


def _one_offs(*where: object) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting).where(Meeting.series_id.is_(None), *where).order_by(Meeting.id)
        )
    )


def _rows_by_series(series_ids: Sequence[int]) -> dict[int, list[Meeting]]:
    rows: dict[int, list[Meeting]] = defaultdict(list)
    if series_ids:
        for row in db.session.scalars(
            select(Meeting).where(Meeting.series_id.in_(series_ids)).order_by(Meeting.id)
        ):
            rows[row.series_id].append(row)
    return rows


# --------------------------------------------------------------------------
# Mapping rows to domain.ical
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    base_url: str
    domain: str


def _ctx() -> _Ctx:
    cfg = current_app.config
    return _Ctx(cfg["MEETBOT_BASE_URL"].rstrip("/"), cfg["MEETBOT_UID_DOMAIN"])


def _refresh() -> timedelta:
    return timedelta(minutes=max(1, int(current_app.config["MEETBOT_FEED_REFRESH_MINUTES"])))


def _calendar(
    name: str,
    timezone: str,
    series_list: Sequence[MeetingSeries],
    one_offs: Iterable[Meeting],
    *,
    todos: Sequence[ical.TodoItem] = (),
    description: str | None = None,
) -> bytes:
    ctx = _ctx()
    fingerprints = _series_fingerprints(series_list, ctx)
    # Only series whose fingerprint moved since this process last built them need their
    # Meeting rows loaded and their events built again (see _SERIES_EVENTS).
    stale = [s.id for s in series_list if _SERIES_EVENTS.get(s.id, fingerprints[s.id]) is None]
    rows = _rows_by_series(stale)
    events: list[ical.SeriesEvent | ical.SingleEvent] = []
    for series in series_list:
        built = _SERIES_EVENTS.get(series.id, fingerprints[series.id])
        if built is None:
            built = _series_events(series, rows.get(series.id, []), ctx)
            _SERIES_EVENTS.put(series.id, fingerprints[series.id], built)
        events.extend(built)
    for meeting in one_offs:
        if meeting.status != MeetingStatus.CANCELLED.value:
            events.append(_single(meeting, ctx))
    return ical.build_calendar(
        name,
        timezone,
        events,
        todos,
        refresh=_refresh(),
        description=description,
        cache=_COMPONENTS,
    )


class _SeriesEventCache:
    """A series' built events by its fingerprint, per process (see _series_fingerprints)."""

    def __init__(self, max_items: int) -> None:
        self._lru = BoundedCache(max_items)

    def get(self, series_id: int, fingerprint: tuple) -> list | None:
        hit = self._lru.get(series_id)
        return hit[1] if hit is not None and hit[0] == fingerprint else None

    def put(self, series_id: int, fingerprint: tuple, events: list) -> None:
        self._lru.put(series_id, (fingerprint, events))

    def clear(self) -> None:
        self._lru.clear()


# Render caches of this process. Both are keyed by values read from the database in
# the same request, so a hit is always current, whichever server changed the data:
# they only make a re-render after a change cost in proportion to what changed.
_SERIES_EVENTS = _SeriesEventCache(20_000)
_COMPONENTS = BoundedCache(50_000)  # serialized iCal components, see ical.build_calendar


def clear_render_cache() -> None:
    """Forget this process's render caches (the bench uses it to time a cold render)."""
    _SERIES_EVENTS.clear()
    _COMPONENTS.clear()
    clear_feed_bodies()


def _series_fingerprints(series_list: Sequence[MeetingSeries], ctx: _Ctx) -> dict[int, tuple]:
    """Everything a series' events are built from: its own columns, slots and work stream
    names (already loaded), and an aggregate of its Meeting rows (one grouped query for
    all series): a row added, removed or edited moves its count, max id, latest
    ``updated_dt`` or ``sequence`` sum (every change the feed shows bumps the sequence,
    docs/feeds.md)."""
    ids = [s.id for s in series_list]
    aggregates: dict[int, tuple] = {}
    if ids:
        for row in db.session.execute(
            select(
                Meeting.series_id,
                func.count(),
                func.max(Meeting.id),
                func.max(Meeting.updated_dt),
                func.coalesce(func.sum(Meeting.sequence), 0),
            )
            .where(Meeting.series_id.in_(ids))
            .group_by(Meeting.series_id)
        ):
            aggregates[row[0]] = tuple(row[1:])
    return {
        s.id: (
            ctx,
            s.id,
            s.uid_token,
            s.status,
            s.title,
            s.description,
            s.location,
            s.agenda_url,
            s.timezone,
            s.revision,
            s.updated_dt,
            tuple(
                (
                    slot.id,
                    slot.key,
                    slot.position,
                    slot.timezone,
                    slot.start_local,
                    slot.duration_minutes,
                    slot.frequency,
                    slot.interval,
                    slot.weekday,
                    slot.setpos,
                    slot.until,
                    slot.count,
                )
                for slot in s.slots
            ),
            tuple(ws.name for ws in s.work_streams),
            aggregates.get(s.id),
        )
        for s in series_list
    }


def _group_desc(group: Group) -> str:
    return f"Meetings of {group.name}"


def _page_url(ctx: _Ctx, path: str) -> str:
    return f"{ctx.base_url}{path}"


def _describe(
    text: str, ctx: _Ctx, *, page: str, agenda: str | None, reason: str | None = None
) -> str:
    parts = []
    if reason:
        parts.append(f"Changed: {reason}")
    if text.strip():
        parts.append(text.strip())
    parts.append(f"Meeting page: {page}")
    if agenda:
        parts.append(f"Agenda: {agenda}")
    return "\n\n".join(parts)


def _series_events(
    series: MeetingSeries, rows: list[Meeting], ctx: _Ctx
) -> list[ical.SeriesEvent | ical.SingleEvent]:
    """One SeriesEvent per slot with its overrides; stand-alone events for the rest."""
    events: list[ical.SeriesEvent | ical.SingleEvent] = []
    standalone: list[Meeting] = []
    if series.status == SeriesStatus.ENDED.value:
        standalone = rows
    else:
        by_slot: dict[int, list[Meeting]] = defaultdict(list)
        for row in rows:
            by_slot[row.slot_id].append(row)
        known = {slot.id for slot in series.slots}
        standalone.extend(r for r in rows if r.slot_id not in known)
        for slot in series.slots:
            event, detached = _slot_event(series, slot, by_slot.get(slot.id, []), ctx)
            events.append(event)
            standalone.extend(detached)
    for row in standalone:
        if row.status != MeetingStatus.CANCELLED.value:
            events.append(_single(row, ctx))
    return events


def _generated(slot: SeriesSlot, rows: list[Meeting]) -> dict:
    """original local start -> Occurrence, for the rows' original starts the rule makes."""
    if not rows:
        return {}
    domain_slot = slot.to_domain()
    starts = [to_utc(r.original_start_local, slot.timezone) for r in rows]
    found = expand(domain_slot, min(starts) - timedelta(days=1), max(starts) + timedelta(days=1))
    return {occ.original_start: occ for occ in found}


def _slot_event(
    series: MeetingSeries, slot: SeriesSlot, rows: list[Meeting], ctx: _Ctx
) -> tuple[ical.SeriesEvent, list[Meeting]]:
    generated = _generated(slot, rows)
    overrides: list[ical.OccurrenceOverride] = []
    detached: list[Meeting] = []
    for row in sorted(rows, key=lambda r: r.original_start_local):
        occ = generated.get(row.original_start_local)
        if occ is None:
            detached.append(row)
            continue
        override = _override(series, row, occ, ctx)
        if override is not None:
            overrides.append(override)
    series_page = _page_url(ctx, f"/series/{series.id}")
    event = ical.SeriesEvent(
        uid=slot_uid(series, slot, ctx.domain),
        slot=slot.to_domain(),
        title=series.title,
        dtstamp=series.updated_dt,
        sequence=series.revision or 0,
        description=_describe(series.description, ctx, page=series_page, agenda=series.agenda_url),
        location=series.location or None,
        url=series_page,
        categories=tuple(ws.name for ws in series.work_streams),
        overrides=tuple(overrides),
    )
    return event, detached


def _override(
    series: MeetingSeries, row: Meeting, occ: object, ctx: _Ctx
) -> ical.OccurrenceOverride | None:
    """The exception a Meeting row makes to its generated occurrence, or None if the
    row shows exactly what the rule does (e.g. a held meeting with minutes)."""
    sequence = (series.revision or 0) + (row.sequence or 0)
    if row.status == MeetingStatus.CANCELLED.value:
        return ical.OccurrenceOverride(original_start=row.original_start_local, cancelled=True)
    title = row.title if row.title and row.title != series.title else None
    location = (
        row.location if row.location is not None and row.location != series.location else None
    )
    moved = row.start_dt != occ.start_utc or row.end_dt != occ.end_utc
    if not (moved or title or location is not None or row.change_reason):
        return None
    page = _page_url(ctx, f"/meetings/{row.id}")
    return ical.OccurrenceOverride(
        original_start=row.original_start_local,
        start_utc=row.start_dt,
        end_utc=row.end_dt,
        title=title,
        description=_describe(
            series.description, ctx, page=page, agenda=series.agenda_url, reason=row.change_reason
        ),
        location=location,
        url=page,
        sequence=sequence,
        dtstamp=max(row.updated_dt, series.updated_dt),
    )


def _single(row: Meeting, ctx: _Ctx) -> ical.SingleEvent:
    series = row.series
    page = _page_url(ctx, f"/meetings/{row.id}")
    sequence = (row.sequence or 0) + ((series.revision or 0) if series is not None else 0)
    stamp = row.updated_dt if series is None else max(row.updated_dt, series.updated_dt)
    categories: tuple[str, ...] = ()
    if series is not None:
        categories = tuple(ws.name for ws in series.work_streams)
    elif row.work_stream is not None:
        categories = (row.work_stream.name,)
    return ical.SingleEvent(
        uid=meeting_uid(row, ctx.domain),
        start_utc=row.start_dt,
        end_utc=row.end_dt,
        timezone=row.timezone,
        title=row.effective_title,
        dtstamp=stamp,
        sequence=sequence,
        description=_describe(
            series.description if series is not None else "",
            ctx,
            page=page,
            agenda=series.agenda_url if series is not None else None,
            reason=row.change_reason,
        ),
        location=row.effective_location or None,
        url=page,
        categories=categories,
    )


def _todo(item: ActionItem, ctx: _Ctx) -> ical.TodoItem:
    page = _page_url(ctx, f"/groups/{item.group.slug}")
    return ical.TodoItem(
        uid=f"action-{item.uid_token}@{ctx.domain}",
        summary=item.text.strip().splitlines()[0][:200] if item.text.strip() else "Action item",
        dtstamp=item.updated_dt,
        sequence=item.sequence or 0,
        description=f"{item.text.strip()}\n\nGroup: {item.group.name} ({page})",
        due=item.due_date,
        status="NEEDS-ACTION",
        url=page,
        categories=(item.group.name,),
        created=item.created_dt,
    )


def feed_url(path: str) -> str:
    """Absolute https URL of a feed path (for pages and docs)."""
    return f"{current_app.config['MEETBOT_BASE_URL'].rstrip('/')}{path}"


__all__ = [
    "clear_render_cache",
    "feed_url",
    "group_feed",
    "meeting_feed",
    "personal_feed",
    "series_feed",
    "stream_feed",
]


def occurrence_event(view: OccurrenceView) -> ical.OneOccurrence:
    """One occurrence as the feeds publish it (same UID, RECURRENCE-ID, SEQUENCE and
    text), on its own: the ``.ics`` attachment of a mail about it."""
    ctx = _ctx()
    row = db.session.get(Meeting, view.meeting_id) if view.meeting_id is not None else None
    if view.recurrence_id is None or view.series_id is None:
        ev = _single(row, ctx)
        return ical.OneOccurrence(
            uid=ev.uid, recurrence_id=None, timezone=ev.timezone, start_utc=ev.start_utc,
            end_utc=ev.end_utc, title=ev.title, dtstamp=ev.dtstamp, sequence=ev.sequence,
            description=ev.description, location=ev.location, url=ev.url,
        )  # fmt: skip
    series = db.session.get(MeetingSeries, view.series_id)
    slot = next(s for s in series.slots if s.key == view.slot_key)
    page = _page_url(ctx, f"/series/{series.id}")
    fields = {
        "title": series.title,
        "description": _describe(series.description, ctx, page=page, agenda=series.agenda_url),
        "location": series.location or None,
        "url": page,
        "dtstamp": series.updated_dt,
        "sequence": series.revision or 0,
    }
    if row is not None and row.status == MeetingStatus.CANCELLED.value:
        fields["sequence"] += row.sequence or 0
        fields["dtstamp"] = max(row.updated_dt, series.updated_dt)
    elif row is not None:
        occ = _generated(slot, [row]).get(row.original_start_local)
        override = _override(series, row, occ, ctx) if occ is not None else None
        if override is not None:
            fields.update(
                title=override.title or fields["title"],
                description=override.description or fields["description"],
                url=override.url or fields["url"],
                sequence=override.sequence,
                dtstamp=override.dtstamp,
            )
            if override.location is not None:
                fields["location"] = override.location
    return ical.OneOccurrence(
        uid=view.uid,
        recurrence_id=view.original_start_local,
        timezone=slot.timezone,
        start_utc=view.start,
        end_utc=view.end,
        **fields,
    )
