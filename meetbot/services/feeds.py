"""Calendar feeds: the five feeds and their revisions (the rows they show are loaded
by feed_rows.py and rendered by feed_render.py).

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
from functools import lru_cache

from flask import current_app
from sqlalchemy import Select, String, bindparam, cast, literal, or_, select

from meetbot.domain import ical
from meetbot.extensions import db
from meetbot.freshness import (
    FeedSpec,
    with_cached_row,
)
from meetbot.models import (
    Group,
    Meeting,
    MeetingSeries,
    Person,
    WorkStream,
)
from meetbot.models.meetings import series_work_streams
from meetbot.services.accounts import person_for_feed_token
from meetbot.services.errors import NotFound
from meetbot.services.feed_render import (
    group_description,
    meeting_calendar,
    render_feed,
    todo_items,
)
from meetbot.services.feed_rows import (
    action_state,
    chaired_series_ids,
    feed_one_offs,
    feed_series,
    member_group_ids,
    open_items,
)
from meetbot.services.groups import get_group, get_work_stream
from meetbot.services.meetings import get_meeting

# Part of every cached revision: raise it when the feed format changes, so cached
# bytes of an older release are not served after an upgrade.
FORMAT_VERSION = 1
# Cache-Control max-age (seconds) of feed responses; revalidation is cheap (304).
MAX_AGE = 300
# stale-while-revalidate (seconds) of the previous bytes, served while another app
# server renders the new ones (meetbot.freshness.current_feed).
STALE_SECONDS = 30


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

    def render(previous: ical.PreviousFeed | None) -> ical.RenderedFeed:
        group = db.session.get(Group, group_id)
        series = feed_series(MeetingSeries.group_id == group.id)
        one_offs = feed_one_offs(Meeting.group_id == group.id)
        return render_feed(
            group.name,
            group.timezone,
            series,
            one_offs,
            description=group_description(group),
            previous=previous,
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

    def render(previous: ical.PreviousFeed | None) -> ical.RenderedFeed:
        group = db.session.get(Group, group_id)
        stream = db.session.get(WorkStream, stream_id)
        tagged = select(series_work_streams.c.series_id).where(
            series_work_streams.c.work_stream_id == stream_id
        )
        series = feed_series(MeetingSeries.group_id == group_id, MeetingSeries.id.in_(tagged))
        one_offs = feed_one_offs(Meeting.group_id == group_id, Meeting.work_stream_id == stream_id)
        name = f"{group.name}: {stream.name}"
        return render_feed(name, group.timezone, series, one_offs, previous=previous)

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

    def render(previous: ical.PreviousFeed | None) -> ical.RenderedFeed:
        found = feed_series(MeetingSeries.id == series_id)
        return render_feed(found[0].title, found[0].timezone, found, [], previous=previous)

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

    def render(_previous: ical.PreviousFeed | None) -> ical.RenderedFeed:
        return ical.RenderedFeed(meeting_calendar(db.session.get(Meeting, meeting_id)))

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
    group_ids = member_group_ids(person_id)
    chaired = chaired_series_ids(person_id)
    items = action_state(person_id)
    feed_groups = sorted(set(group_ids) | set(items["groups"]) | set(chaired.values()))
    revisions = dict(
        db.session.execute(select(Group.id, Group.revision).where(Group.id.in_(feed_groups))).all()
    )

    def render(previous: ical.PreviousFeed | None) -> ical.RenderedFeed:
        person = db.session.get(Person, person_id)
        series = feed_series(
            or_(MeetingSeries.group_id.in_(group_ids), MeetingSeries.id.in_(list(chaired)))
        )
        one_offs = feed_one_offs(Meeting.group_id.in_(group_ids)) if group_ids else []
        todos = todo_items(open_items(person_id))
        return render_feed(
            f"meetbot: {person.display_name}",
            person.timezone or "UTC",
            series,
            one_offs,
            todos=todos,
            previous=previous,
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


def feed_url(path: str) -> str:
    """Absolute https URL of a feed path (for pages and docs)."""
    return f"{current_app.config['MEETBOT_BASE_URL'].rstrip('/')}{path}"


__all__ = [
    "feed_url",
    "group_feed",
    "meeting_feed",
    "personal_feed",
    "series_feed",
    "stream_feed",
]
