"""A group's meeting series and schedule: the upcoming page, the paged series list, and the
scheduling panels of the group and work stream pages. The other series pages are in
series_edit.py, occurrence_changes.py and meeting_schedule.py, on the same blueprint
(series_links.bp): importing this module registers them all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import (
    g,
    render_template,
    request,
)

from meetbot.domain.meeting_status import live_status
from meetbot.models import Group, MeetingSeries, WorkStream, utcnow
from meetbot.services import conflicts as conflict_service
from meetbot.services import groups as group_service
from meetbot.services import series as series_service
from meetbot.services import series_reads
from meetbot.services.occurrence_cache import cached_group_occurrences, cached_upcoming
from meetbot.services.occurrences import OccurrenceView
from meetbot.services.subscribe import (
    group_feed_path,
    stream_feed_path,
    subscribe_links,
)
from meetbot.web import meeting_schedule, occurrence_changes, series_edit  # noqa: F401 (routes)
from meetbot.web.paging import page_from_args
from meetbot.web.panels import cached_panel, panel
from meetbot.web.series_links import bp, can_manage, feed_base_url, uid_domain

GROUP_PAGE_CONFLICT_DAYS = 90
GROUP_PAGE_SERIES = 20  # series listed on the group page (the rest: group_series)
SERIES_PAGE_SIZE = 50  # series per page of a group's series list
UPCOMING_PAGE_SIZE = 100  # occurrences per page of a group's upcoming meetings


# --------------------------------------------------------------------------
# Upcoming page and panels
# --------------------------------------------------------------------------


@bp.get("/groups/<slug>/upcoming")
def group_upcoming(slug: str):
    group = group_service.get_group(slug)
    try:
        weeks = min(max(int(request.args.get("weeks", 4)), 1), 52)
    except ValueError:
        weeks = 4
    occurrences = _upcoming_of(group, 7 * weeks)
    # A page of them: a big group has thousands of meetings in a few weeks.
    total = len(occurrences)
    page, pages = page_from_args(total, UPCOMING_PAGE_SIZE)
    first = (page - 1) * UPCOMING_PAGE_SIZE
    return render_template(
        "series/upcoming.html",
        group=group,
        occurrences=occurrences[first : first + UPCOMING_PAGE_SIZE],
        total=total,
        page=page,
        pages=pages,
        can_manage=can_manage(group),
        weeks=weeks,
        links=subscribe_links(feed_base_url(), group_feed_path(group.slug), group.name),
    )


def _group_series(group: Group) -> list[MeetingSeries]:
    """The group's series with slots, chairs and work streams, loaded once per request."""
    cache = g.setdefault("_meetbot_group_series", {})
    if group.id not in cache:
        cache[group.id] = series_service.list_series(group)
    return cache[group.id]


def _upcoming_of(
    group: Group, days: int, *, stream: WorkStream | None = None
) -> Sequence[OccurrenceView]:
    # Cached per process by a fingerprint of the schedule read from the database:
    # expanding a large group's series on every view costs most of a second.
    return cached_group_occurrences(group, utcnow(), days, uid_domain(), work_stream=stream)


@panel("group_main", order=10)
def group_upcoming_panel(group: Group, **_: Any) -> str:
    # The HTML is kept under the rows it shows and the status of each now ("in
    # progress" from its start to its end): rendering ten rows with their links, times
    # and join buttons cost more than the rest of the group page.
    now = utcnow()
    occurrences = cached_upcoming(group, now, uid_domain(), limit=10, days=120)
    manage = can_manage(group)
    shown = tuple((o, live_status(o.status, o.start, o.end, now)) for o in occurrences)

    def render() -> str:
        return render_template(
            "series/_group_main.html", group=group, occurrences=occurrences, can_manage=manage
        )

    return cached_panel(("group_upcoming", group.id, manage, shown), render)


@panel("group_main", order=15)
def group_conflicts_panel(group: Group, **_: Any) -> str:
    ahead = conflict_service.conflicts_ahead(
        group, days=GROUP_PAGE_CONFLICT_DAYS, domain=uid_domain(), limit=20
    )
    if not ahead.total:
        return ""

    def render() -> str:
        return render_template(
            "series/_conflicts.html",
            group=group,
            conflicts=ahead.shown,
            total=ahead.total,
            days=GROUP_PAGE_CONFLICT_DAYS,
        )

    # Kept under the conflicts it shows and their number (both change as time passes).
    return cached_panel(("group_conflicts", group.id, ahead.total, ahead.shown), render)


@panel("group_side", order=10)
def group_series_panel(group: Group, **_: Any) -> str:
    # The first series by title; the total and a link to the paged list give the rest.
    # The same HTML for every viewer who may (or may not) manage: kept under the token.
    manage = can_manage(group)

    def render() -> str:
        return render_template(
            "series/_group_side.html",
            group=group,
            series_list=series_service.list_series(group, limit=GROUP_PAGE_SERIES),
            total=series_service.count_series(group),
            can_manage=manage,
            links=subscribe_links(feed_base_url(), group_feed_path(group.slug), group.name),
        )

    return cached_panel(("group_series", group.id, manage), render)


@bp.get("/groups/<slug>/series/")
def group_series(slug: str):
    """All of a group's series by title, SERIES_PAGE_SIZE a page; ``?stream=`` only
    those of one work stream (the stream page's "show all")."""
    group = group_service.get_group(slug)
    stream_slug = request.args.get("stream")
    stream = group_service.get_work_stream(group, stream_slug) if stream_slug else None
    if stream is None:
        total = series_service.count_series(group)
        page, pages = page_from_args(total, SERIES_PAGE_SIZE)
        shown = series_service.list_series(
            group, limit=SERIES_PAGE_SIZE, offset=(page - 1) * SERIES_PAGE_SIZE
        )
    else:
        total = series_reads.count_stream_series(group, stream)
        page, pages = page_from_args(total, SERIES_PAGE_SIZE)
        shown = series_reads.list_stream_series(
            group,
            stream,
            limit=SERIES_PAGE_SIZE,
            offset=(page - 1) * SERIES_PAGE_SIZE,
            with_slots=True,
        )
    return render_template(
        "series/group_list.html",
        group=group,
        stream=stream,
        series_list=shown,
        total=total,
        page=page,
        pages=pages,
        can_manage=can_manage(group),
    )


STREAM_UPCOMING_DAYS = 120
STREAM_SERIES_SHOWN = 50  # series titles on a work stream's page


def stream_upcoming(group: Group, stream: WorkStream) -> Sequence[OccurrenceView]:
    """The work stream's occurrences of the next STREAM_UPCOMING_DAYS, looked up once per
    request (each lookup of the per-process cache reads the schedule fingerprint from
    the database, ~10 ms on a large group). The stream page lists them once, in its
    series panel."""
    memo = g.setdefault("_meetbot_stream_upcoming", {})
    key = (group.id, stream.id)
    if key not in memo:
        memo[key] = _upcoming_of(group, STREAM_UPCOMING_DAYS, stream=stream)
    return memo[key]


@panel("stream_main", order=10)
def stream_series_panel(group: Group, stream: WorkStream, **_: Any) -> str:
    # Only the tagged series (titles): loading every series of the group with its slots
    # and streams to filter them here cost ~150 ms on a group with 1,000 series.
    # At most STREAM_SERIES_SHOWN; the count and the paged list (?stream=) give the rest.
    # (Always counted: the statements a page runs do not depend on its data.)
    # The HTML is kept under the change token and the upcoming rows it shows with each
    # one's status now (as the group page's upcoming panel).
    now = utcnow()
    occurrences = stream_upcoming(group, stream)[:10]
    manage = can_manage(group)
    shown = tuple((o, live_status(o.status, o.start, o.end, now)) for o in occurrences)

    def render() -> str:
        return render_template(
            "series/_stream_main.html",
            group=group,
            stream=stream,
            series_list=series_reads.list_stream_series(group, stream, limit=STREAM_SERIES_SHOWN),
            total=series_reads.count_stream_series(group, stream),
            occurrences=occurrences,
            can_manage=manage,
            links=subscribe_links(
                feed_base_url(),
                stream_feed_path(group.slug, stream.slug),
                f"{group.name}: {stream.name}",
            ),
        )

    return cached_panel(("stream_series", group.id, stream.id, manage, shown), render)
