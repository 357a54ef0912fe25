"""Groups and their work streams (members are in members.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import (
    Group,
    MeetingSeries,
    Membership,
    Person,
    Role,
    WorkStream,
    WorkStreamStatus,
)
from meetbot.services import audit
from meetbot.services.checks import check_timezone
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, field_error

MAX_ATTENDANCE_WINDOW = 1000  # meetings an attendance rate is computed over
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def check_slug(slug: str) -> str:
    """Return a valid slug or raise a field error explaining the format."""
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise field_error(
            "slug", "Use 1-64 lower-case letters, digits and hyphens (not at either end)."
        )
    return slug


def check_website(url: str | None) -> str | None:
    """An http(s) URL or None: the group page links to it, so no other scheme."""
    url = (url or "").strip()
    if not url:
        return None
    if not url.lower().startswith(("http://", "https://")) or any(c.isspace() for c in url):
        raise field_error("website", "Use an http:// or https:// address.")
    return url


def get_group(slug: str) -> Group:
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is None:
        raise NotFound(f"No group {slug!r}.")
    return group


def get_group_with_streams(slug: str) -> Group:
    """Like get_group(), with work streams and their leads loaded in two more queries
    (the group page lists them all; lazy loads would cost one query per stream)."""
    group = db.session.scalar(
        select(Group)
        .where(Group.slug == slug)
        .options(selectinload(Group.work_streams).selectinload(WorkStream.leads))
    )
    if group is None:
        raise NotFound(f"No group {slug!r}.")
    return group


def get_work_stream(group: Group, slug: str) -> WorkStream:
    stream = db.session.scalar(
        select(WorkStream).where(WorkStream.group_id == group.id, WorkStream.slug == slug)
    )
    if stream is None:
        raise NotFound(f"No work stream {slug!r} in {group.name}.")
    return stream


def list_groups() -> list[Group]:
    """Every group, by name."""
    return list(db.session.scalars(select(Group).order_by(Group.name)))


@dataclass(frozen=True)
class GroupSummary:
    """A group with the counts the groups index shows."""

    group: Group
    work_stream_count: int
    series_count: int


def list_group_summaries() -> list[GroupSummary]:
    """Every group by name with its numbers of work streams and meeting series, in one
    statement (counting through the relationships would load every stream and series
    of every group)."""
    streams = (
        select(func.count())
        .select_from(WorkStream)
        .where(WorkStream.group_id == Group.id)
        .correlate(Group)
        .scalar_subquery()
    )
    series = (
        select(func.count())
        .select_from(MeetingSeries)
        .where(MeetingSeries.group_id == Group.id)
        .correlate(Group)
        .scalar_subquery()
    )
    rows = db.session.execute(select(Group, streams, series).order_by(Group.name, Group.id))
    return [GroupSummary(group, n_streams, n_series) for group, n_streams, n_series in rows]


def create_group(
    actor: Person | None,
    *,
    slug: str,
    name: str,
    description: str = "",
    mailing_list: str | None = None,
    website: str | None = None,
    timezone: str = "UTC",
    quorum: int | None = None,
) -> Group:
    """Create a group; its creator becomes its first organizer."""
    slug = check_slug(slug)
    name = single_line(name)
    if not name:
        raise field_error("name", "A name is required.")
    timezone = check_timezone(timezone)
    website = check_website(website)
    with unit_of_work():
        if db.session.scalar(select(Group.id).where(Group.slug == slug)) is not None:
            raise field_error("slug", f"The slug {slug!r} is already taken.")
        group = Group(
            slug=slug,
            name=name,
            description=description or "",
            mailing_list=(mailing_list or None),
            website=(website or None),
            timezone=timezone,
            quorum=quorum,
        )
        db.session.add(group)
        if actor is not None:
            db.session.add(Membership(group=group, person=actor, role=Role.ORGANIZER))
        try:
            db.session.flush()
        except IntegrityError:  # a concurrent create won the race for the slug
            raise field_error("slug", f"The slug {slug!r} is already taken.") from None
        audit.record(actor, group, "group", group.id, "created", slug=slug)
    return group


MAX_MAIL_TAG = 40
AGENDA_HOURS = (1, 168)
MAIL_SETTINGS = ("mail_tag", "mail_agenda", "mail_minutes", "mail_changes", "mail_agenda_hours")


def _check_mail_settings(fields: dict[str, object]) -> None:
    """The list mail settings: a one-line tag of at most 40 characters, 1..168 hours."""
    if "mail_tag" in fields:
        tag = " ".join(str(fields["mail_tag"] or "").split())
        if len(tag) > MAX_MAIL_TAG or any(ord(c) < 32 or ord(c) == 127 for c in tag):
            raise field_error("mail_tag", f"Use at most {MAX_MAIL_TAG} printable characters.")
        fields["mail_tag"] = tag
    hours = fields.get("mail_agenda_hours")
    if hours is not None and not AGENDA_HOURS[0] <= int(hours) <= AGENDA_HOURS[1]:  # type: ignore[call-overload]
        raise field_error("mail_agenda_hours", "Send the agenda 1 to 168 hours (a week) before.")
    for name in ("mail_agenda", "mail_minutes", "mail_changes"):
        if name in fields:
            fields[name] = bool(fields[name])


def update_group(actor: Person | None, group: Group, **fields: object) -> Group:
    """Change a group's settings. Accepts name, description, mailing_list, website,
    timezone, quorum, attendance_threshold, attendance_window, and the list mail
    settings mail_tag, mail_agenda, mail_minutes, mail_changes, mail_agenda_hours."""
    allowed = {
        *MAIL_SETTINGS,
        "name",
        "description",
        "mailing_list",
        "website",
        "timezone",
        "quorum",
        "attendance_threshold",
        "attendance_window",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise field_error(sorted(unknown)[0], "This field cannot be changed here.")
    if "name" in fields:
        fields["name"] = single_line(str(fields["name"] or ""))
        if not fields["name"]:
            raise field_error("name", "A name is required.")
    if "timezone" in fields:
        fields["timezone"] = check_timezone(str(fields["timezone"]))
    if "website" in fields:
        fields["website"] = check_website(fields["website"])  # type: ignore[arg-type]
    threshold = fields.get("attendance_threshold")
    if threshold is not None and not 0 <= int(threshold) <= 100:
        raise field_error("attendance_threshold", "Use a percentage from 0 to 100.")
    window = fields.get("attendance_window")
    if window is not None and not 1 <= int(window) <= MAX_ATTENDANCE_WINDOW:
        # The attendance statistics list this many meetings (API and report).
        raise field_error("attendance_window", f"Use 1 to {MAX_ATTENDANCE_WINDOW} meetings.")
    _check_mail_settings(fields)
    with unit_of_work():
        changed = {}
        for key, value in fields.items():
            if isinstance(value, str):
                value = value.strip() if key in {"name", "timezone"} else value
                if key in {"mailing_list", "website"}:
                    value = value.strip() or None
            if getattr(group, key) != value:
                changed[key] = value
                setattr(group, key, value)
        if changed:
            audit.record(actor, group, "group", group.id, "updated", fields=sorted(changed))
    return group


def _check_stream_fields(name: str, status: str) -> tuple[str, str]:
    name = single_line(name)
    if not name:
        raise field_error("name", "A name is required.")
    if status not in {s.value for s in WorkStreamStatus}:
        raise field_error("status", f"Unknown status {status!r}.")
    return name, status


def _leads(lead_ids: Iterable[int]) -> list[Person]:
    ids = sorted(set(lead_ids))
    if not ids:
        return []
    people = list(db.session.scalars(select(Person).where(Person.id.in_(ids))))
    if len(people) != len(ids):
        raise field_error("leads", "A lead is not a known person.")
    return people


def create_work_stream(
    actor: Person | None,
    group: Group,
    *,
    slug: str,
    name: str,
    description: str = "",
    status: str = WorkStreamStatus.ACTIVE,
    lead_ids: Iterable[int] = (),
) -> WorkStream:
    """Add a work stream to a group."""
    slug = check_slug(slug)
    name, status = _check_stream_fields(name, status)
    with unit_of_work():
        exists = db.session.scalar(
            select(WorkStream.id).where(WorkStream.group_id == group.id, WorkStream.slug == slug)
        )
        if exists is not None:
            raise field_error("slug", f"{group.name} already has a work stream {slug!r}.")
        leads = _leads(lead_ids)
        stream = WorkStream(
            group=group,
            slug=slug,
            name=name,
            description=description or "",
            status=status,
            leads=leads,
        )
        db.session.add(stream)
        try:
            db.session.flush()
        except IntegrityError:
            raise field_error("slug", f"{group.name} already has a work stream {slug!r}.") from None
        audit.record(actor, group, "work_stream", stream.id, "created", slug=slug)
    return stream


def update_work_stream(
    actor: Person | None,
    stream: WorkStream,
    *,
    name: str,
    description: str = "",
    status: str = WorkStreamStatus.ACTIVE,
    lead_ids: Iterable[int] = (),
) -> WorkStream:
    """Change a work stream's name, description, status and leads."""
    name, status = _check_stream_fields(name, status)
    with unit_of_work():
        stream.name = name
        stream.description = description or ""
        stream.status = status
        stream.leads = _leads(lead_ids)
        audit.record(actor, stream.group, "work_stream", stream.id, "updated")
    return stream
