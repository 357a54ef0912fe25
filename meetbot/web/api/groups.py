"""API: groups, work streams, and a group's expanded occurrences."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from functools import lru_cache
from typing import Any

import marshmallow as ma
from flask import current_app, request

from meetbot.extensions import limiter
from meetbot.models import Group, MeetingSeries, WorkStream, utcnow
from meetbot.services import group_reads, occurrence_cache
from meetbot.services import groups as group_service
from meetbot.services import occurrence_pages as pages
from meetbot.services import occurrences as occurrence_service
from meetbot.services.errors import ValidationError as ServiceValidationError
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    guard,
    location,
    make_blueprint,
    read_docs,
    require_permission,
    require_person,
    write_docs,
)
from meetbot.web.api.fields import InstantOrDate, format_utc
from meetbot.web.api.pages import (
    LINK_HEADER,
    PageArgs,
    cursor_after,
    cursor_field,
    limit_field,
    page_schema,
    paginate,
    send_next,
)
from meetbot.web.api.schemas import (
    SLUG,
    GroupCreateSchema,
    GroupDetailSchema,
    GroupSchema,
    GroupUpdateSchema,
    OccurrenceSchema,
    WorkStreamCreateSchema,
    WorkStreamSchema,
    WorkStreamUpdateSchema,
)

blp = make_blueprint("api_groups", "Groups, their work streams and their occurrences.")

DEFAULT_WINDOW = timedelta(days=90)
# Anonymous and the most expensive read: limited per client address (Flask-Limiter,
# as the log-in is); MEETBOT_API_OCCURRENCES_RATE overrides it.
OCCURRENCES_RATE = "60 per minute; 600 per hour"


# The group detail embeds the first page of its series (as GET /groups/<g>/series
# lists them); a group can have a thousand, and the count and link give the rest.
EMBEDDED_SERIES = 50


class GroupDetail:
    """A group as GroupDetailSchema dumps it: the group's own fields, its work streams,
    the first EMBEDDED_SERIES series by title and how many series there are."""

    def __init__(self, group: Group, series: list[MeetingSeries], series_count: int) -> None:
        self._group = group
        self.series = series
        self.series_count = series_count

    def __getattr__(self, name: str) -> Any:
        return getattr(self._group, name)


def _load_group(slug: str) -> GroupDetail:
    """The group with its streams and first series loaded in a few queries (404 if none)."""
    return GroupDetail(*group_reads.load_group_detail(slug, EMBEDDED_SERIES))


@blp.route("/groups")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(GroupSchema, "GroupPage"))
@read_docs(blp, not_found=False)
def list_groups(args: dict[str, int]) -> dict[str, Any]:
    """List groups, by name."""
    return paginate(group_reads.groups_query(), args)


@blp.route("/groups", methods=["POST"])
@blp.arguments(GroupCreateSchema)
@blp.response(201, GroupDetailSchema)
@write_docs(blp, not_found=False)
def create_group(data: dict[str, Any]):
    """Create a group; the token's owner becomes its first organizer."""
    person = require_person()
    group = group_service.create_group(person, **data)
    return _load_group(group.slug), 201, location("api_groups.get_group", group=group.slug)


@blp.route(f"/groups/<{SLUG}:group>")
@blp.response(200, GroupDetailSchema)
@read_docs(blp)
def get_group(group: str) -> GroupDetail:
    """A group with its work streams and its first 50 meeting series (slots and rules) by
    title; ``series_count`` and ``series_url`` (the paginated list) give the rest."""
    return _load_group(group)


@blp.route(f"/groups/<{SLUG}:group>", methods=["PATCH"])
@guard(Permission.EDIT_GROUP)
@blp.arguments(GroupUpdateSchema)
@blp.response(200, GroupDetailSchema)
@write_docs(blp)
def update_group(data: dict[str, Any], group: str) -> GroupDetail:
    """Change a group's settings (organizers). The slug never changes: feeds use it."""
    row = group_service.get_group(group)
    person = require_permission(Permission.EDIT_GROUP, row)
    if data:
        group_service.update_group(person, row, **data)
    return _load_group(group)


@blp.route(f"/groups/<{SLUG}:group>/streams")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(WorkStreamSchema, "WorkStreamPage"))
@read_docs(blp)
def list_streams(args: dict[str, int], group: str) -> dict[str, Any]:
    """A group's work streams, by name."""
    row = group_service.get_group(group)
    return paginate(group_reads.streams_query(row), args)


@blp.route(f"/groups/<{SLUG}:group>/streams", methods=["POST"])
@guard(Permission.EDIT_GROUP)
@blp.arguments(WorkStreamCreateSchema)
@blp.response(201, WorkStreamSchema)
@write_docs(blp)
def create_stream(data: dict[str, Any], group: str):
    """Add a work stream (organizers)."""
    row = group_service.get_group(group)
    person = require_permission(Permission.EDIT_GROUP, row)
    stream = group_service.create_work_stream(
        person,
        row,
        slug=data["slug"],
        name=data["name"],
        description=data["description"],
        status=data["status"],
        lead_ids=data["leads"],
    )
    return stream, 201, location("api_groups.get_stream", group=row.slug, stream=stream.slug)


@blp.route(f"/groups/<{SLUG}:group>/streams/<{SLUG}:stream>")
@blp.response(200, WorkStreamSchema)
@read_docs(blp)
def get_stream(group: str, stream: str) -> WorkStream:
    """One work stream."""
    return group_service.get_work_stream(group_service.get_group(group), stream)


@blp.route(f"/groups/<{SLUG}:group>/streams/<{SLUG}:stream>", methods=["PATCH"])
@guard(Permission.EDIT_GROUP)
@blp.arguments(WorkStreamUpdateSchema)
@blp.response(200, WorkStreamSchema)
@write_docs(blp)
def update_stream(data: dict[str, Any], group: str, stream: str) -> WorkStream:
    """Change a work stream's name, description, status or leads (organizers)."""
    row = group_service.get_group(group)
    work_stream = group_service.get_work_stream(row, stream)
    person = require_permission(Permission.EDIT_GROUP, row)
    if data:
        group_service.update_work_stream(
            person,
            work_stream,
            name=data.get("name", work_stream.name),
            description=data.get("description", work_stream.description),
            status=data.get("status", work_stream.status),
            lead_ids=data.get("leads", [p.id for p in work_stream.leads]),
        )
    return work_stream


class OccurrenceQuery(ma.Schema):
    start = InstantOrDate(
        metadata={"description": "Window start (ISO 8601 with zone, or a date); default now."}
    )
    end = InstantOrDate(
        metadata={"description": "Window end; default start + 90 days; at most 5 years."}
    )
    stream = ma.fields.String(
        validate=ma.validate.Length(min=1, max=64),
        metadata={"description": "Only occurrences tagged with this work stream (slug)."},
    )
    limit = limit_field("Occurrences")
    cursor = cursor_field()

    @ma.validates_schema(skip_on_field_errors=True)
    def _window(self, data: dict[str, Any], **kwargs: Any) -> None:
        start = data.setdefault("start", utcnow().astimezone(UTC).replace(microsecond=0))
        end = data.setdefault("end", start + DEFAULT_WINDOW)
        try:
            occurrence_service.check_window(start, end)
        except ServiceValidationError as exc:
            raise ma.ValidationError({k: exc.message for k in exc.fields or {"end": ""}}) from None


UTC_TEXT_MEMO = 256


def _occurrence_entry(o: occurrence_service.OccurrenceView) -> tuple[pages.Key, str]:
    """An occurrence's page key and JSON, as the default-window cache keeps them."""
    return pages.sort_key(o), _occurrence_json(o)


# Occurrences of many series share their instants, and they are rendered in order of
# start: a short memo formats each instant about once. Short because it stays in the
# process: 16,384 entries held ~1.5 MiB of a bench worker (4,253 used) after one list
# of the big group, and the default window moves through new instants every day.
_utc_text = lru_cache(maxsize=UTC_TEXT_MEMO)(format_utc)
# Compact JSON encoders by (ensure_ascii, sort_keys) of the app's JSON provider.
_ENCODERS: dict[tuple[bool, bool], json.JSONEncoder] = {}


def _occurrence_json(o: occurrence_service.OccurrenceView) -> str:
    """One occurrence as the list response encodes it: the fields of OccurrenceSchema in
    Flask's compact JSON (tests compare the bytes with the schema's). Written out, as
    marshmallow's per-field machinery costs most of the time of a big group's list."""
    provider = current_app.json
    options = (getattr(provider, "ensure_ascii", True), getattr(provider, "sort_keys", True))
    encoder = _ENCODERS.get(options)
    if encoder is None:
        # The values are strings, integers and None: no ``default`` hook is needed.
        encoder = json.JSONEncoder(
            ensure_ascii=options[0], sort_keys=options[1], separators=(",", ":")
        )
        _ENCODERS[options] = encoder
    return encoder.encode(
        {
            "uid": o.uid,
            "recurrence_id": _utc_text(o.recurrence_id),
            "series_id": o.series_id,
            "meeting_id": o.meeting_id,
            "title": o.title,
            "start": _utc_text(o.start),
            "end": _utc_text(o.end),
            "timezone": o.timezone,
            "status": o.status,
            "location": o.location,
        }
    )


def _occurrences_rate() -> str:
    return current_app.config.get("MEETBOT_API_OCCURRENCES_RATE", OCCURRENCES_RATE)


@blp.route(f"/groups/<{SLUG}:group>/occurrences")
@limiter.limit(
    _occurrences_rate,
    error_message="Too many occurrence requests from your address. Please wait a minute.",
)
@blp.arguments(OccurrenceQuery, location="query")
@blp.response(
    200,
    OccurrenceSchema(many=True),
    headers=LINK_HEADER,
)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
@read_docs(blp)
def list_occurrences(args: dict[str, Any], group: str):
    """Expanded occurrences in [start, end): the same expansion the feeds use.

    Cancelled occurrences are included with ``status: cancelled``; moved ones at their
    new time with ``recurrence_id`` the original start. In pages of ``limit``, ordered
    by start, UID and original start; when more follow, the ``Link`` header's
    ``rel="next"`` URL gives the next page (same window, a ``cursor``).
    """
    row = group_service.get_group(group)
    stream = group_service.get_work_stream(row, args["stream"]) if "stream" in args else None
    domain = current_app.config["MEETBOT_UID_DOMAIN"]
    after = cursor_after(args, 3, check=pages.key_start)
    if "start" not in request.args and "end" not in request.args and not current_app.debug:
        # The default window (from now) is what clients poll: served from the
        # per-process cache keyed by a fingerprint of the schedule in the database,
        # with each occurrence's key and JSON kept there too (the same bytes the schema
        # and Flask's compact JSON give; debug mode indents, so it takes the slow path).
        entries = occurrence_cache.cached_group_entries(
            row, args["start"], DEFAULT_WINDOW.days, domain, _occurrence_entry, work_stream=stream
        )
        parts, last = entries.page(after, args["limit"])
        send_next(last)
        return current_app.response_class(
            "[" + ",".join(parts) + "]\n", mimetype=current_app.json.mimetype
        )
    items, last = pages.occurrence_page(
        row,
        args["start"],
        args["end"],
        domain,
        after=after,
        limit=args["limit"],
        work_stream=stream,
    )
    send_next(last)
    return items
