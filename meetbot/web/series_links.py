"""The series blueprint (every series page is on it) and the links its pages and
templates share: the page of one occurrence, the UID domain, the base URL of feeds."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, request, url_for
from flask_login import current_user

from meetbot.domain.recurrence import describe
from meetbot.models import Group
from meetbot.services.occurrences import OccurrenceView
from meetbot.services.permissions import Permission, may

bp = Blueprint("series", __name__)


def uid_domain() -> str:
    """The domain of the iCal UIDs."""
    return current_app.config.get("MEETBOT_UID_DOMAIN", "meetbot.invalid")


def feed_base_url() -> str:
    """Where the feeds are served from (the configured base URL, else this host)."""
    return current_app.config.get("MEETBOT_BASE_URL", request.host_url.rstrip("/"))


def occurrence_url(o: OccurrenceView) -> str:
    """The page where one occurrence (or stand-alone meeting) is changed."""
    if o.series_id is not None and o.slot_key and o.original_start_local is not None:
        return url_for(
            "series.occurrence",
            series_id=o.series_id,
            slot=o.slot_key,
            at=o.original_start_local.isoformat(timespec="minutes"),
        )
    return url_for("series.meeting_schedule", meeting_id=o.meeting_id)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"occurrence_url": occurrence_url, "describe_slot": lambda s: describe(s.to_domain())}


def can_manage(group: Group) -> bool:
    """MANAGE_SERIES for the current user, looked up once per request and group."""
    cache = g.setdefault("_meetbot_can_manage", {})
    if group.id not in cache:
        cache[group.id] = may(current_user, Permission.MANAGE_SERIES, group)
    return cache[group.id]
