"""Attendance analytics: the group report, its CSV export and the attendance panels
of the group, series and work stream pages."""

from __future__ import annotations

from typing import Any

from flask import Response, g, render_template, request
from flask_login import current_user
from markupsafe import Markup

from meetbot.domain.charts import ChartPoint, attendance_chart
from meetbot.models import Group, MeetingSeries, WorkStream
from meetbot.services import analytics, attendance_reads
from meetbot.services import groups as group_service
from meetbot.services import series as series_service
from meetbot.services.permissions import Permission, may
from meetbot.web.attendance_common import bp
from meetbot.web.guards import require
from meetbot.web.paging import page_from_args
from meetbot.web.panels import cached_panel, panel


def _chart(report: analytics.AttendanceReport, title: str, chart_id: str) -> Markup:
    points = [
        ChartPoint(when=m.start, present=m.present, first_time=m.first_time, label=m.title)
        for m in report.chart_meetings
    ]
    svg = attendance_chart(points, title=title, quorum=report.group.quorum, chart_id=chart_id)
    return Markup(svg)  # built from escaped text only (domain.charts)


REPORT_PAGE_SIZE = 50


MEMBERS_PAGE_SIZE = 100


@bp.get("/groups/<slug>/attendance")
def group_report(slug: str):
    """The attendance report: chart, members and organizations over the group's window,
    and every counted meeting, REPORT_PAGE_SIZE a page, newest first."""
    group = group_service.get_group(slug)
    series = None
    if request.args.get("series", "").isdigit():
        series = attendance_reads.report_series(group, int(request.args["series"]))
    # The summary loads the latest meetings (chart, window); loading a page's worth
    # makes it the first page of the table too, which is the page nearly everyone sees.
    latest = max(REPORT_PAGE_SIZE, group.attendance_window, analytics.CHART_MAX_MEETINGS)
    report = analytics.summary(group, series=series, latest=latest)
    page, pages = page_from_args(report.held, REPORT_PAGE_SIZE)
    # Members by name, a page at a time (a foundation-wide group has thousands).
    member_page, member_pages = page_from_args(
        len(report.members), MEMBERS_PAGE_SIZE, name="members"
    )
    first_member = (member_page - 1) * MEMBERS_PAGE_SIZE
    if page == 1:
        meetings = list(reversed(report.meetings))[:REPORT_PAGE_SIZE]
    else:
        meetings = analytics.meetings_page(
            group, series=series, page=page, per_page=REPORT_PAGE_SIZE
        )
    title = f"People present per meeting: {series.title if series else group.name}"
    return render_template(
        "attendance/report.html",
        group=group,
        series=series,
        series_choices=series_service.series_titles(group),
        report=report,
        meetings=meetings,
        page=page,
        pages=pages,
        members=report.members[first_member : first_member + MEMBERS_PAGE_SIZE],
        member_page=member_page,
        member_pages=member_pages,
        flagged_count=len(report.flagged),
        chart=_chart(report, title, "attendance-chart"),
        can_export=may(current_user, Permission.CHAIR, group),
    )


@bp.get("/groups/<slug>/attendance.csv")
def group_csv(slug: str):
    """Every entry of the group's meetings as CSV (chairs and organizers)."""
    group = group_service.get_group(slug)
    require(Permission.CHAIR, group)
    body = analytics.export_csv(group)
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{group.slug}-attendance.csv"',
            "Cache-Control": "private, no-store",
        },
    )


def _group_report(group: Group) -> analytics.AttendanceReport:
    # The group page shows two panels from the same report: compute it once a request.
    # Panels show the latest meetings only (bounded cost whatever the history); the
    # attendance page has the full report.
    cache = g.setdefault("attendance_reports", {})
    if group.id not in cache:
        cache[group.id] = analytics.summary(group)
    return cache[group.id]


@panel("group_main", order=40)
def group_attendance_panel(group: Group, **_: Any) -> str:
    # The same HTML for every viewer: kept while the database is unchanged.
    def render() -> str:
        report = _group_report(group)
        return render_template(
            "attendance/_group_panel.html",
            group=group,
            report=report,
            chart=_chart(report, f"People present per meeting: {group.name}", "group-attendance"),
        )

    return cached_panel(("group_attendance", group.id), render)


@panel("group_side", order=40)
def group_attendance_side(group: Group, **_: Any) -> str:
    def render() -> str:
        report = _group_report(group)
        return render_template("attendance/_group_side.html", group=group, report=report)

    return cached_panel(("group_attendance_side", group.id), render)


@panel("series_main", order=40)
def series_attendance_panel(series: MeetingSeries, group: Group | None = None, **_: Any) -> str:
    group = group or series.group

    def render() -> str:
        report = analytics.summary(group, series=series, with_members=False)
        chart = _chart(report, f"People present per meeting: {series.title}", "series-attendance")
        return render_template(
            "attendance/_series_panel.html",
            group=group,
            series=series,
            report=report,
            chart=chart,
        )

    # The same HTML for every viewer (the chart is drawn once per change).
    return cached_panel(("series_attendance", group.id, series.id), render)


@panel("stream_main", order=40)
def stream_meetings_panel(group: Group, stream: WorkStream, **_: Any) -> str:
    # The upcoming meetings are the series panel's (stream_main order 10), not repeated.
    def render() -> str:
        report = analytics.summary(group, stream=stream, with_members=False)
        chart = _chart(report, f"People present per meeting: {stream.name}", "stream-attendance")
        return render_template(
            "attendance/_stream_panel.html",
            group=group,
            stream=stream,
            report=report,
            recent=list(reversed(report.meetings[-10:])),
            chart=chart,
        )

    # The same HTML for every viewer (the chart is drawn once per change).
    return cached_panel(("stream_attendance", group.id, stream.id), render)
