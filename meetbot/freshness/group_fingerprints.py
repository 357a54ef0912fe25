"""A fingerprint of each group's schedule in a window, all groups in one read.

The per-group form of ``derived.query_schedule_fingerprint``: the same aggregates
(group revision; series count, ids, revisions, updates; slots; chairs and their
names' updates; meeting rows near the window), grouped by group, so a cache entry
of one group (its occurrences for the conflict check) is kept while other groups
change. Five statements whatever the number of groups, read once per database
change (``while_unchanged``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.freshness.derived import (
    ROW_MARGIN,
    _meeting_aggregates,
    _series_aggregates,
    while_unchanged,
)
from meetbot.models import Group, Meeting, MeetingSeries


def group_fingerprints(start: datetime, end: datetime) -> dict[int, tuple]:
    """{group id: fingerprint} of every group (see the module), memoized per token."""
    return while_unchanged(
        ("group_fingerprints", start, end), lambda: query_group_fingerprints(start, end)
    )


def query_group_fingerprints(start: datetime, end: datetime) -> dict[int, tuple]:
    parts: dict[int, list[str]] = defaultdict(list)
    for group_id, revision in db.session.execute(select(Group.id, Group.revision)):
        parts[group_id].append(f"g{revision}")
    grouped = [
        query.add_columns(MeetingSeries.group_id).group_by(MeetingSeries.group_id)
        for query in _series_aggregates()
    ]
    meetings = _meeting_aggregates(start - ROW_MARGIN, end + ROW_MARGIN)
    grouped.append(meetings.add_columns(Meeting.group_id).group_by(Meeting.group_id))
    for n, query in enumerate(grouped):
        for *values, group_id in db.session.execute(query):
            if group_id in parts:
                parts[group_id].append(f"{n}:" + ",".join(str(v) for v in values))
    return {group_id: tuple(values) for group_id, values in parts.items()}
