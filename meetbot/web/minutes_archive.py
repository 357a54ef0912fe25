"""The archive of past meetings with minutes: a page per year (a group's, or one
series' with ``?series=``) and the panels of the group and series pages."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from meetbot.models import Group, MeetingSeries, utcnow
from meetbot.services import groups as group_service
from meetbot.services import minutes_archive as archive
from meetbot.services.errors import NotFound
from meetbot.services.series_reads import find_series
from meetbot.web.minutes_common import bp
from meetbot.web.paging import page_from_args
from meetbot.web.panels import cached_panel, panel


def _series_of(group: Group) -> MeetingSeries | None:
    raw = request.args.get("series", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise NotFound("No such series.")
    series = find_series(int(raw))
    if series.group_id != group.id:
        raise NotFound(f"No series {raw} in {group.name}.")
    return series


@bp.get("/groups/<slug>/archive/")
@bp.get("/groups/<slug>/archive/<int:year>")
def archive_page(slug: str, year: int | None = None):
    """Past meetings with minutes in one year (the newest year with minutes by default),
    ARCHIVE_PAGE_SIZE a page, newest first; links to the other years."""
    group = group_service.get_group(slug)
    series = _series_of(group)
    now = utcnow()
    years = archive.archive_years(group, now, series)
    counts = dict(years)
    if year is None and years:
        year = years[0][0]
    page, pages = page_from_args(counts.get(year, 0), archive.ARCHIVE_PAGE_SIZE)
    meetings = (
        archive.archived_meetings(
            group,
            now,
            series=series,
            year=year,
            offset=(page - 1) * archive.ARCHIVE_PAGE_SIZE,
        )
        if year in counts
        else []
    )
    return render_template(
        "minutes/archive.html",
        group=group,
        series=series,
        year=year,
        years=years,
        meetings=meetings,
        page=page,
        pages=pages,
    )


def _panel(group: Group, series: MeetingSeries | None) -> str:
    summary = archive.panel_summary(group, utcnow(), series)

    def render() -> str:
        return render_template(
            "minutes/_archive_panel.html",
            group=group,
            series=series,
            years=summary.years,
            latest=summary.latest,
        )

    # The same HTML for every viewer: kept with the rows it shows.
    return cached_panel(
        ("minutes_archive", group.id, series.id if series else None, summary), render
    )


@panel("group_main", order=20)
def group_archive_panel(group: Group, **_: Any) -> str:
    return _panel(group, None)


@panel("series_main", order=20)
def series_archive_panel(group: Group, series: MeetingSeries, **_: Any) -> str:
    return _panel(group, series)
