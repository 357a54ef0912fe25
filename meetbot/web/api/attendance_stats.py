"""API: a group's attendance statistics (services.analytics), on the attendance blueprint."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from meetbot.services import analytics
from meetbot.services import groups as group_service
from meetbot.services.errors import NotFound
from meetbot.web.api.attendance import blp
from meetbot.web.api.common import read_docs
from meetbot.web.api.fields import UTCDateTime
from meetbot.web.api.pages import LINK_HEADER, CursorArgs, cursor_page, limit_field
from meetbot.web.api.schemas import SLUG
from meetbot.web.api.series import get_series_row


class MeetingStatSchema(ma.Schema):
    meeting_id = ma.fields.Integer(required=True)
    start = UTCDateTime(required=True)
    title = ma.fields.String(required=True)
    series_id = ma.fields.Integer(allow_none=True, required=True)
    status = ma.fields.String(required=True)
    present = ma.fields.Integer(required=True)
    regrets = ma.fields.Integer(required=True)
    first_time = ma.fields.Integer(required=True)
    returning = ma.fields.Integer(required=True)
    organizations = ma.fields.Integer(required=True)
    quorum_met = ma.fields.Boolean(allow_none=True, required=True)


class MemberRateSchema(ma.Schema):
    person = ma.fields.Function(
        lambda m: {"id": m.person_id, "display_name": m.name}, required=True
    )
    role = ma.fields.String(required=True)
    attended = ma.fields.Integer(required=True)
    regrets = ma.fields.Integer(required=True)
    window = ma.fields.Integer(required=True)
    rate = ma.fields.Float(required=True, metadata={"description": "Percent attended."})
    flagged = ma.fields.Boolean(required=True)


class OrganizationStatSchema(ma.Schema):
    name = ma.fields.String(required=True)
    people = ma.fields.Integer(required=True)
    meetings = ma.fields.Integer(required=True)


class StatsSchema(ma.Schema):
    meetings = ma.fields.List(ma.fields.Nested(MeetingStatSchema), required=True)
    members = ma.fields.List(
        ma.fields.Nested(MemberRateSchema),
        required=True,
        metadata={"description": "One page of members by name (`limit`, `Link` rel=next)."},
    )
    member_count = ma.fields.Integer(
        required=True, metadata={"description": "Members in all pages of `members`."}
    )
    organizations = ma.fields.List(ma.fields.Nested(OrganizationStatSchema), required=True)
    average_present = ma.fields.Float(required=True)
    threshold = ma.fields.Integer(required=True)
    window = ma.fields.Integer(required=True)


class StatsQuery(CursorArgs):
    limit = limit_field("Members (of `members`)")
    series_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**31 - 1))
    stream = ma.fields.String(validate=ma.validate.Length(1, 64))


@blp.route(f"/groups/<{SLUG}:group>/attendance-stats")
@blp.arguments(StatsQuery, location="query")
@blp.response(200, StatsSchema, headers=LINK_HEADER)
@read_docs(blp)
def attendance_stats(args: dict[str, Any], group: str) -> dict[str, Any]:
    """Attendance per meeting (first-time vs returning, organizations, quorum) and each
    member's rate over the group's window; optionally for one series or work stream.
    ``members`` comes in pages of ``limit`` (by name): when more follow, the ``Link``
    header's ``rel="next"`` URL gives the next page (the other parts are repeated)."""
    row = group_service.get_group(group)
    series = None
    if "series_id" in args:
        series = get_series_row(args["series_id"])
        if series.group_id != row.id:
            raise NotFound(f"No series {args['series_id']} in {row.name}.")
    stream = group_service.get_work_stream(row, args["stream"]) if "stream" in args else None
    result = analytics.report(row, series=series, stream=stream)
    return {
        "meetings": result.meetings,
        "members": cursor_page(analytics.keyed_members(result.members), args, size=2),
        "member_count": len(result.members),
        "organizations": result.organizations,
        "average_present": result.average_present,
        "threshold": row.attendance_threshold,
        "window": row.attendance_window,
    }
