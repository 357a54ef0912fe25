"""Reads of groups, their work streams and webhooks, as the API lists and shows them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetbot import freshness
from meetbot.extensions import db
from meetbot.models import Group, MeetingSeries, Membership, Person, Role, Webhook, WorkStream
from meetbot.models.groups import work_stream_leads
from meetbot.services.errors import NotFound
from meetbot.services.paging import Query


def groups_query() -> Query:
    """Every group, by name."""
    return select(Group).order_by(Group.name, Group.id)


def load_group_detail(slug: str, series_limit: int) -> tuple[Group, list[MeetingSeries], int]:
    """The group with its streams (and leads), its first ``series_limit`` series by title
    (slots, chairs, streams loaded) and how many series it has; NotFound if none.

    Rows are re-read (populate_existing): the detail answers a write too.
    """
    group = db.session.scalar(
        select(Group)
        .where(Group.slug == slug)
        .options(selectinload(Group.work_streams).selectinload(WorkStream.leads))
        .execution_options(populate_existing=True)
    )
    if group is None:
        raise NotFound(f"No group {slug!r}.")
    series = list(
        db.session.scalars(
            select(MeetingSeries)
            .where(MeetingSeries.group_id == group.id)
            .options(
                selectinload(MeetingSeries.slots),
                selectinload(MeetingSeries.chairs),
                # populate_existing refreshes the group's streams too: keep their leads.
                selectinload(MeetingSeries.work_streams).selectinload(WorkStream.leads),
            )
            .order_by(MeetingSeries.title, MeetingSeries.id)
            .limit(series_limit)
            .execution_options(populate_existing=True)
        )
    )
    count = db.session.scalar(
        select(func.count()).select_from(MeetingSeries).where(MeetingSeries.group_id == group.id)
    )
    return group, series, count or 0


def streams_query(group: Group) -> Query:
    """A group's work streams by name, with their leads."""
    return (
        select(WorkStream)
        .where(WorkStream.group_id == group.id)
        .options(selectinload(WorkStream.leads))
        .order_by(WorkStream.name)
    )


def webhooks_query(group: Group) -> Query:
    """A group's webhooks, oldest first."""
    return select(Webhook).where(Webhook.group_id == group.id).order_by(Webhook.id)


def find_webhook(group: Group, webhook_id: int) -> Webhook | None:
    """The group's webhook ``webhook_id``, or None (another group's counts as none)."""
    hook = db.session.get(Webhook, webhook_id)
    return hook if hook is not None and hook.group_id == group.id else None


@dataclass(frozen=True)
class StreamLine:
    """A work stream as the group page lists it."""

    slug: str
    name: str
    status: str
    leads: tuple[str, ...]  # display names, by name


@dataclass(frozen=True)
class GroupFacts:
    """What the group page shows besides its panels, as plain rows."""

    organizers: tuple[str, ...]
    chairs: tuple[str, ...]
    streams: tuple[StreamLine, ...]


def group_facts(group: Group) -> GroupFacts:
    """The group's organizers, chairs and work streams with their leads, read as rows
    (three statements) and kept while the database is unchanged."""
    return freshness.cached_while_unchanged(("group_facts", group.id), lambda: _facts(group))


def _facts(group: Group) -> GroupFacts:
    roles: dict[str, list[str]] = {Role.ORGANIZER: [], Role.CHAIR: []}
    for role, name in db.session.execute(
        select(Membership.role, Person.display_name)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.group_id == group.id, Membership.role.in_(list(roles)))
        .order_by(Person.display_name)
    ):
        roles[str(role)].append(name)
    leads: dict[int, list[str]] = {}
    for stream_id, name in db.session.execute(
        select(work_stream_leads.c.work_stream_id, Person.display_name)
        .join(Person, Person.id == work_stream_leads.c.person_id)
        .join(WorkStream, WorkStream.id == work_stream_leads.c.work_stream_id)
        .where(WorkStream.group_id == group.id)
        .order_by(Person.display_name)
    ):
        leads.setdefault(stream_id, []).append(name)
    streams = db.session.execute(
        select(WorkStream.id, WorkStream.slug, WorkStream.name, WorkStream.status)
        .where(WorkStream.group_id == group.id)
        .order_by(WorkStream.name)
    )
    return GroupFacts(
        organizers=tuple(roles[Role.ORGANIZER]),
        chairs=tuple(roles[Role.CHAIR]),
        streams=tuple(
            StreamLine(slug, name, str(status), tuple(leads.get(stream_id, ())))
            for stream_id, slug, name, status in streams
        ),
    )
