"""Feed rows mapped to ``domain.ical`` and rendered, with this process's render caches.

Content (see docs/feeds.md): one VEVENT with RRULE per slot of an active series,
RECURRENCE-ID overrides and EXDATEs for its Meeting rows, stand-alone VEVENTs for
one-off meetings and detached or history rows, VTODOs for a person's open items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from meetbot import collector
from meetbot.domain import ical
from meetbot.domain.recurrence import expand, to_utc
from meetbot.freshness import FEED_COMPONENTS, clear_feed_bodies
from meetbot.models import (
    ActionItem,
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    SeriesSlot,
    SeriesStatus,
)
from meetbot.services.feed_rows import (
    FeedRow,
    FeedSeries,
    FeedSlot,
    OneOffRow,
    clear_slot_cache,
    rows_by_series,
)
from meetbot.services.feed_series import clear_series_fragments, series_fragments, zone_bytes
from meetbot.services.occurrence_marks import current_mark
from meetbot.services.occurrences import meeting_uid, slot_uid

# A meeting row: an ORM Meeting (one occurrence) or a plain FeedRow or OneOffRow (a render);
# a series and a slot: ORM (one occurrence) or plain rows (a render, feed_rows).
Row = Meeting | FeedRow | OneOffRow
AnySeries = MeetingSeries | FeedSeries
AnySlot = SeriesSlot | FeedSlot


@dataclass(frozen=True)
class _Ctx:
    base_url: str
    domain: str


def _ctx() -> _Ctx:
    cfg = current_app.config
    return _Ctx(cfg["MEETBOT_BASE_URL"].rstrip("/"), cfg["MEETBOT_UID_DOMAIN"])


def _refresh() -> timedelta:
    return timedelta(minutes=max(1, int(current_app.config["MEETBOT_FEED_REFRESH_MINUTES"])))


def render_calendar(
    name: str,
    timezone: str,
    series_list: Sequence[FeedSeries],
    one_offs: Iterable[OneOffRow],
    *,
    todos: Sequence[ical.TodoItem] = (),
    description: str | None = None,
) -> bytes:
    """The feed's bytes (:func:`render_feed` with no previous bytes)."""
    return render_feed(
        name, timezone, series_list, one_offs, todos=todos, description=description
    ).body


def render_feed(
    name: str,
    timezone: str,
    series_list: Sequence[FeedSeries],
    one_offs: Iterable[OneOffRow],
    *,
    todos: Sequence[ical.TodoItem] = (),
    description: str | None = None,
    previous: ical.PreviousFeed | None = None,
) -> ical.RenderedFeed:
    """The feed's bytes and layout: the series unchanged since ``previous`` (the feed's
    last bytes) taken from those bytes, the others' fragments from the shared table or
    built now (``feed_series``), spliced with the one-off meetings and the to-dos."""
    with collector.paused():
        try:
            return _render(name, timezone, series_list, one_offs, todos, description, previous)
        finally:  # the slots' memo serves one render (kept, up to 8,192 slots' objects)
            clear_slot_cache()


def _render(
    name: str,
    timezone: str,
    series_list: Sequence[FeedSeries],
    one_offs: Iterable[OneOffRow],
    todos: Sequence[ical.TodoItem],
    description: str | None,
    previous: ical.PreviousFeed | None,
) -> ical.RenderedFeed:
    ctx = _ctx()
    fingerprints = _series_fingerprints(series_list, ctx)
    singles = [_single(m, ctx) for m in one_offs if m.status != MeetingStatus.CANCELLED]
    todo_list = list(todos)
    parts = series_fragments(
        series_list,
        fingerprints,
        [ical.years_of(singles, todo_list)],
        lambda chosen: _build_events(chosen, ctx),
        None if previous is None else previous.layout,
        timezone,
    )
    own = ical.build_fragment(singles, parts.years, _COMPONENTS, todo_list)
    fragments = [*parts.fragments, own]
    # Every zone the events use, and the two the calendar's own may be.
    used = {timezone, "UTC"}.union(*(f.tzids for f in fragments))
    if parts.kept:
        sources = previous.layout.sources  # type: ignore[union-attr]
        used = used.union(*(sources[i].tzids for i in parts.kept))
    zones = zone_bytes(used, parts.years)
    return ical.assemble_feed(
        name,
        timezone,
        fragments,
        [*parts.owners, (ical.OWN, "", None)],
        parts.years,
        previous=previous if parts.kept else None,
        kept=parts.kept,
        refresh=_refresh(),
        description=description,
        zone_bytes=lambda zone, _first, _last: zones[zone],
    )


def _build_events(
    series_list: Sequence[FeedSeries], ctx: _Ctx
) -> dict[int, list[ical.SeriesEvent | ical.SingleEvent]]:
    """The events of these series, their meeting rows read a chunk of series at a
    time (only one chunk's rows are in memory at once; the events keep what shows)."""
    events: dict[int, list[ical.SeriesEvent | ical.SingleEvent]] = {}
    for start in range(0, len(series_list), ROWS_CHUNK):
        chunk = series_list[start : start + ROWS_CHUNK]
        rows = rows_by_series(chunk)
        events.update({s.id: _series_events(s, rows.pop(s.id, []), ctx) for s in chunk})
    return events


# Series whose meeting rows one query reads (bounds a cold render's memory).
ROWS_CHUNK = 50


# This process's serialized iCal components (see ical.build_calendar) of the one-off
# meetings and to-dos, which no fragment holds: keyed by the events themselves, so a hit
# is always current; bounded in bytes (freshness.feed_memory).
_COMPONENTS = FEED_COMPONENTS


def clear_render_cache() -> None:
    """Forget this process's render caches (the bench's cold render; not the tables)."""
    clear_series_fragments()
    _COMPONENTS.clear()
    ical.clear_shared_lines()
    ical.clear_dst_cache()
    clear_feed_bodies()


def _series_fingerprints(series_list: Sequence[FeedSeries], ctx: _Ctx) -> dict[int, tuple]:
    """Everything a series' events are built from: its own columns, slots, work stream
    names and the aggregate of its meeting rows, all read with the series
    (``feed_rows.feed_series``): a row added, removed or edited moves its count, max
    id, latest ``updated_dt`` or ``sequence`` sum (every change the feed shows bumps
    the sequence, docs/feeds.md)."""
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
            s.slots,
            s.work_stream_names,
            s.meeting_state,
        )
        for s in series_list
    }


def _categories(series: AnySeries) -> tuple[str, ...]:
    """The names of a series' work streams (by name)."""
    if isinstance(series, FeedSeries):
        return series.work_stream_names
    return tuple(ws.name for ws in series.work_streams)


def group_description(group: Group) -> str:
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
    series: FeedSeries, rows: Sequence[Row], ctx: _Ctx
) -> list[ical.SeriesEvent | ical.SingleEvent]:
    """One SeriesEvent per slot with its overrides; stand-alone events for the rest."""
    events: list[ical.SeriesEvent | ical.SingleEvent] = []
    standalone: list[Row] = []
    if series.status == SeriesStatus.ENDED:
        standalone = list(rows)
    else:
        by_slot: dict[int, list[Row]] = defaultdict(list)
        for row in rows:
            by_slot[row.slot_id].append(row)
        known = {slot.id for slot in series.slots}
        standalone.extend(r for r in rows if r.slot_id not in known)
        for slot in series.slots:
            event, detached = _slot_event(series, slot, by_slot.get(slot.id, []), ctx)
            events.append(event)
            standalone.extend(detached)
    for row in standalone:
        if row.status != MeetingStatus.CANCELLED:
            events.append(_single(row, ctx))
    return events


def _generated(slot: AnySlot, rows: Sequence[Row]) -> dict:
    """original local start -> the rule's occurrence there, for the rows' original starts
    the rule makes. A row holding the slot's current rule mark is that occurrence
    (``domain.rule_marks``): only the others are matched by expanding the rule."""
    mark = None
    if rows:
        mark = slot.mark if isinstance(slot, FeedSlot) else current_mark(slot)
    found = {
        r.original_start_local: _AsRuled(r.start_dt, r.end_dt) for r in rows if r.rule_mark == mark
    }
    unmarked = [r for r in rows if r.rule_mark != mark]
    if unmarked:
        starts = [to_utc(r.original_start_local, slot.timezone) for r in unmarked]
        window = (min(starts) - timedelta(days=1), max(starts) + timedelta(days=1))
        found.update((occ.original_start, occ) for occ in expand(slot.to_domain(), *window))
    return found


@dataclass(frozen=True, slots=True)
class _AsRuled:
    """The times of the occurrence a marked row is."""

    start_utc: datetime
    end_utc: datetime


def _slot_event(
    series: AnySeries, slot: AnySlot, rows: Sequence[Row], ctx: _Ctx
) -> tuple[ical.SeriesEvent, list[Row]]:
    generated = _generated(slot, rows)
    overrides: list[ical.OccurrenceOverride] = []
    detached: list[Row] = []
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
        categories=_categories(series),
        overrides=tuple(overrides),
    )
    return event, detached


def _override(
    series: AnySeries, row: Row, occ: object, ctx: _Ctx
) -> ical.OccurrenceOverride | None:
    """The exception a Meeting row makes to its generated occurrence, or None if the
    row shows exactly what the rule does (e.g. a held meeting with minutes)."""
    sequence = (series.revision or 0) + (row.sequence or 0)
    if row.status == MeetingStatus.CANCELLED:
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


def _single(row: Row, ctx: _Ctx) -> ical.SingleEvent:
    series = row.series
    page = _page_url(ctx, f"/meetings/{row.id}")
    sequence = (row.sequence or 0) + ((series.revision or 0) if series is not None else 0)
    stamp = row.updated_dt if series is None else max(row.updated_dt, series.updated_dt)
    categories: tuple[str, ...] = ()
    if series is not None:
        categories = _categories(series)
    elif isinstance(row, OneOffRow):
        categories = (row.work_stream_name,) if row.work_stream_name is not None else ()
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


def meeting_calendar(row: Meeting) -> bytes:
    """One meeting row as a stand-alone event (nothing when it is cancelled)."""
    events = [] if row.status == MeetingStatus.CANCELLED else [_single(row, _ctx())]
    return ical.build_calendar(row.effective_title, row.timezone, events, refresh=_refresh())


def todo_items(items: Iterable[ActionItem]) -> list[ical.TodoItem]:
    """Open action items as the VTODOs of a personal feed."""
    ctx = _ctx()
    return [_todo(item, ctx) for item in items]
