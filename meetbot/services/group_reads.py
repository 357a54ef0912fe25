"""Reads of groups, their work streams and webhooks, as the API lists and shows them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.models import Group, MeetingSeries, Webhook, WorkStream
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
