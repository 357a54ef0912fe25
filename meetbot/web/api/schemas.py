"""marshmallow schemas of the API: they validate requests and generate the OpenAPI document.

Output schemas dump model objects (or dicts) directly; input schemas carry the limits
the database has (lengths, integer ranges), so a bad value is a 422 naming the field
rather than a database error.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for

from meetbot.domain.recurrence import to_rrule
from meetbot.models import (
    LocationKind,
    MinuteKind,
    Person,
    WorkStreamStatus,
)
from meetbot.web.api.fields import LocalDateTime, UTCDateTime, meeting_list_url

MAX_ID = 2**31 - 1
ID = f"int(min=1, max={MAX_ID})"
SLUG = "string(maxlength=64)"


class Text(ma.fields.String):
    """A string the database can store: no NUL characters, valid UTF-8 (no lone surrogates)."""

    default_error_messages = {"bad_chars": "Contains characters that cannot be stored."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("bad_chars")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("bad_chars") from None
        return text


# Something other than white space and control characters (which the services turn
# into spaces and strip), as a pattern the OpenAPI document states: a blank name or
# title is refused by the schema, not only by the service.
NOT_BLANK = r"^[\s\S]*[^\s\x00-\x1f\x7f-\x9f]"
# A slug as services.groups.check_slug takes it (it lower-cases).
SLUG_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$"


def text(max_length: int | None = None, *, blank: bool = True, **kwargs: Any) -> Text:
    """A Text field, optionally bounded in length; ``blank=False`` refuses a value with
    nothing but white space (the spec's ``pattern``)."""
    checks = [ma.validate.Length(max=max_length)] if max_length is not None else []
    if not blank:
        checks.append(ma.validate.Regexp(NOT_BLANK, error="Must not be blank."))
    if checks:
        kwargs.setdefault("validate", checks)
    return Text(**kwargs)


def slug_field(**kwargs: Any) -> Text:
    """A new group's or work stream's slug (1-64 letters, digits and inner hyphens)."""
    return Text(
        validate=[
            ma.validate.Length(min=1, max=64),
            ma.validate.Regexp(
                SLUG_PATTERN,
                error="Use 1-64 lower-case letters, digits and hyphens (not at either end).",
            ),
        ],
        **kwargs,
    )


def ident(**kwargs: Any) -> ma.fields.Integer:
    """A database id in a request."""
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


class Strict(ma.Schema):
    """Input schemas refuse unknown fields (a typo must not pass silently)."""

    class Meta:
        unknown = ma.RAISE


# --- people ------------------------------------------------------------------------


class PersonAsSeen:
    """A person as ``viewer`` sees them (what PersonSchema dumps): e-mail and zone are
    shown only to the person themselves and to site admins, else None."""

    def __init__(self, person: Person, viewer: Person | None) -> None:
        self._person = person
        private = viewer is not None and (viewer.is_admin or viewer.id == person.id)
        self.email = person.email if private else None
        self.timezone = person.timezone if private else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._person, name)


class PersonRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)


class PersonSchema(PersonRefSchema):
    organization = ma.fields.String(allow_none=True)
    handles = ma.fields.Function(lambda p: [h.handle for h in p.handles], required=True)
    email = ma.fields.Function(
        lambda p: p.email,
        allow_none=True,
        metadata={"description": "Only for the person themselves and site admins."},
    )
    timezone = ma.fields.Function(
        lambda p: p.timezone,
        allow_none=True,
        metadata={"description": "Only for the person themselves and site admins."},
    )


class PeopleQuery(ma.Schema):
    q = Text(
        load_default="",
        validate=ma.validate.Length(max=200),
        metadata={"description": "Part of the name or a handle."},
    )


# --- groups and work streams -------------------------------------------------------


class WorkStreamSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": [s.value for s in WorkStreamStatus]})
    leads = ma.fields.List(ma.fields.Nested(PersonRefSchema), required=True)


class SlotSchema(ma.Schema):
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True)
    start_local = LocalDateTime(required=True, metadata={"description": "Wall time in timezone."})
    duration_minutes = ma.fields.Integer(required=True)
    frequency = ma.fields.String(required=True)
    interval = ma.fields.Integer(required=True)
    weekday = ma.fields.Integer(allow_none=True, metadata={"description": "0 = Monday"})
    setpos = ma.fields.Integer(allow_none=True)
    until = ma.fields.Date(allow_none=True)
    count = ma.fields.Integer(allow_none=True)
    rrule = ma.fields.Function(
        lambda s: to_rrule(s.to_domain()),
        allow_none=True,
        metadata={"description": "RFC 5545 RRULE of this slot (null for a one-off)."},
    )


class SeriesSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    group = ma.fields.Function(lambda s: s.group.slug, required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True)
    location_kind = ma.fields.String(
        required=True, metadata={"enum": [k.value for k in LocationKind]}
    )
    location = ma.fields.String(required=True)
    agenda_url = ma.fields.String(allow_none=True)
    status = ma.fields.String(required=True)
    revision = ma.fields.Integer(required=True)
    chairs = ma.fields.List(ma.fields.Nested(PersonRefSchema), required=True)
    work_streams = ma.fields.Function(lambda s: [w.slug for w in s.work_streams], required=True)
    slots = ma.fields.List(ma.fields.Nested(SlotSchema), required=True)
    url = ma.fields.Function(
        lambda s: url_for("api_series.get_series", series_id=s.id, _external=True), required=True
    )


class GroupSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True)
    mailing_list = ma.fields.String(allow_none=True)
    website = ma.fields.String(allow_none=True)
    url = ma.fields.Function(
        lambda grp: url_for("api_groups.get_group", group=grp.slug, _external=True), required=True
    )


class GroupDetailSchema(GroupSchema):
    quorum = ma.fields.Integer(allow_none=True)
    attendance_threshold = ma.fields.Integer(required=True)
    attendance_window = ma.fields.Integer(required=True)
    mail_tag = ma.fields.String(required=True, metadata={"description": "Subject tag of list mail"})
    mail_agenda = ma.fields.Boolean(required=True)
    mail_agenda_hours = ma.fields.Integer(required=True)
    mail_minutes = ma.fields.Boolean(required=True)
    mail_changes = ma.fields.Boolean(required=True)
    work_streams = ma.fields.List(ma.fields.Nested(WorkStreamSchema), required=True)
    series = ma.fields.List(
        ma.fields.Nested(SeriesSchema),
        required=True,
        metadata={
            "description": "The first series by title (at most 50, the first page of "
            "series_url); series_count says how many there are."
        },
    )
    series_count = ma.fields.Integer(
        required=True, metadata={"description": "How many series the group has."}
    )
    series_url = ma.fields.Function(
        lambda grp: url_for("api_series.list_series", group=grp.slug, _external=True),
        required=True,
        metadata={"description": "The paginated list of all the group's series.", "format": "uri"},
    )


class GroupCreateSchema(Strict):
    slug = slug_field(required=True)
    name = text(200, required=True, blank=False)
    description = text(20000, load_default="")
    mailing_list = text(320, allow_none=True, load_default=None)
    website = text(500, allow_none=True, load_default=None)
    timezone = text(64, load_default="UTC")
    quorum = ma.fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=ma.validate.Range(1, 100000)
    )


class GroupUpdateSchema(Strict):
    name = text(200, blank=False)
    description = text(20000)
    mailing_list = text(320, allow_none=True)
    website = text(500, allow_none=True)
    timezone = text(64)
    quorum = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(1, 100000))
    attendance_threshold = ma.fields.Integer(strict=True, validate=ma.validate.Range(0, 100))
    attendance_window = ma.fields.Integer(strict=True, validate=ma.validate.Range(1, 1000))
    mail_tag = text(40)
    mail_agenda = ma.fields.Boolean(truthy={True}, falsy={False})
    mail_agenda_hours = ma.fields.Integer(strict=True, validate=ma.validate.Range(1, 168))
    mail_minutes = ma.fields.Boolean(truthy={True}, falsy={False})
    mail_changes = ma.fields.Boolean(truthy={True}, falsy={False})


class WorkStreamCreateSchema(Strict):
    slug = slug_field(required=True)
    name = text(200, required=True, blank=False)
    description = text(20000, load_default="")
    status = ma.fields.String(
        load_default=WorkStreamStatus.ACTIVE,
        validate=ma.validate.OneOf([s.value for s in WorkStreamStatus]),
    )
    leads = ma.fields.List(ident(), load_default=list, metadata={"description": "Person ids."})


class WorkStreamUpdateSchema(Strict):
    name = text(200)
    description = text(20000)
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in WorkStreamStatus]))
    leads = ma.fields.List(ident(), metadata={"description": "Person ids."})


# --- occurrences -------------------------------------------------------------------


class OccurrenceSchema(ma.Schema):
    """Exactly the fields of the public interface (docs/api.md, "Occurrences")."""

    uid = ma.fields.String(required=True)
    recurrence_id = UTCDateTime(
        allow_none=True,
        required=True,
        metadata={"description": "Original start (UTC); null for stand-alone meetings."},
    )
    series_id = ma.fields.Integer(allow_none=True, required=True)
    meeting_id = ma.fields.Integer(allow_none=True, required=True)
    title = ma.fields.String(required=True)
    start = UTCDateTime(required=True)
    end = UTCDateTime(required=True)
    timezone = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["scheduled", "cancelled", "held"]})
    location = ma.fields.String(required=True)


# --- meetings ----------------------------------------------------------------------


class AttendanceSchema(ma.Schema):
    person = ma.fields.Nested(PersonRefSchema, required=True)
    source = ma.fields.String(required=True)
    recorded_at = UTCDateTime(attribute="recorded_dt", required=True)
    recorded_by = ma.fields.Nested(PersonRefSchema, allow_none=True)
    duration_minutes = ma.fields.Integer(allow_none=True)
    lines_said = ma.fields.Integer(allow_none=True)


class MinuteItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": [k.value for k in MinuteKind]})
    text = ma.fields.String(required=True)
    author = ma.fields.Nested(PersonRefSchema, allow_none=True)
    author_nick = ma.fields.String(allow_none=True)
    work_stream = ma.fields.Function(
        lambda m: m.work_stream.slug if m.work_stream else None, allow_none=True
    )
    said_at = UTCDateTime(attribute="said_dt", allow_none=True)
    position = ma.fields.Integer(required=True)


class ActionItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    group = ma.fields.Function(lambda a: a.group.slug, required=True)
    text = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["open", "done", "dropped"]})
    owners = ma.fields.List(ma.fields.Nested(PersonRefSchema), required=True)
    due_date = ma.fields.Date(allow_none=True)
    work_stream = ma.fields.Function(
        lambda a: a.work_stream.slug if a.work_stream else None, allow_none=True
    )
    opened_in = ma.fields.Integer(attribute="opened_in_id", allow_none=True)
    closed_in = ma.fields.Integer(attribute="closed_in_id", allow_none=True)
    needs_owner_review = ma.fields.Boolean(required=True)
    created_at = UTCDateTime(attribute="created_dt", required=True)
    closed_at = UTCDateTime(attribute="closed_dt", allow_none=True)


class MeetingSchema(ma.Schema):
    """One meeting; dumped from the dict that ``meetings.meeting_data`` builds."""

    id = ma.fields.Integer(required=True)
    group = ma.fields.String(required=True)
    series_id = ma.fields.Integer(allow_none=True, required=True)
    uid = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    start = UTCDateTime(required=True)
    end = UTCDateTime(required=True)
    timezone = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True,
        metadata={
            "enum": ["scheduled", "in_progress", "cancelled", "held"],
            "description": "in_progress from the start until the end (by the server's clock; "
            "a cancelled meeting stays cancelled); otherwise the stored status.",
        },
    )
    location = ma.fields.String(required=True)
    is_moved = ma.fields.Boolean(required=True)
    change_reason = ma.fields.String(required=True)
    agenda = ma.fields.String(required=True)
    lock_version = ma.fields.Integer(
        required=True,
        metadata={"description": "Send it back with agenda edits; a stale one gets 409."},
    )
    attendees = ma.fields.List(
        ma.fields.Nested(AttendanceSchema),
        required=True,
        metadata={
            "description": "The first 100 present by name; attendee_count says how many "
            "there are, attendance_url lists them all."
        },
    )
    regrets = ma.fields.List(
        ma.fields.Nested(AttendanceSchema),
        required=True,
        metadata={"description": "The first 100 regrets by name (regret_count: all)."},
    )
    attendee_count = ma.fields.Integer(required=True)
    regret_count = ma.fields.Integer(required=True)
    attendance_url = meeting_list_url(
        "api_attendance.list_attendance", "The meeting's whole attendance (paged)."
    )
    minutes = ma.fields.List(
        ma.fields.Nested(MinuteItemSchema),
        required=True,
        metadata={"description": "The first 200 in order (minute_count: all, minutes_url)."},
    )
    minute_count = ma.fields.Integer(required=True)
    minutes_url = meeting_list_url(
        "api_minutes.list_minutes", "The meeting's whole minutes (paged)."
    )
    action_items = ma.fields.List(
        ma.fields.Nested(ActionItemSchema),
        required=True,
        metadata={"description": "The first 200 opened or closed here, by id (count: all)."},
    )
    action_item_count = ma.fields.Integer(required=True)
    action_items_url = meeting_list_url(
        "api_minutes.list_meeting_actions", "The meeting's action items (paged)."
    )
