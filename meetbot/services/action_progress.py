"""A work stream's action items, decisions and progress month by month."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select

from meetbot import freshness
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    ActionStatus,
    MinuteItem,
    MinuteKind,
    WorkStream,
)
from meetbot.services.action_rows import ActionRow, DecisionRow, action_rows, decision_rows


@dataclass(frozen=True)
class MonthProgress:
    """Items opened and closed (done or dropped) in one calendar month (UTC)."""

    month: str  # "2017-11"
    opened: int
    closed: int


@dataclass
class StreamSummary:
    """A work stream's action items, decisions and progress over time, as plain rows
    (kept across requests while nothing changes: ``cached_stream_summary``)."""

    open_items: list[ActionRow]
    closed_items: list[ActionRow]
    decisions: list[DecisionRow]
    progress: list[MonthProgress]
    # Totals: the lists above hold at most ``STREAM_LIST_LIMIT`` rows each.
    open_count: int = 0
    closed_count: int = 0
    decision_count: int = 0

    @property
    def max_count(self) -> int:
        return max([1] + [max(p.opened, p.closed) for p in self.progress])


PROGRESS_MONTHS = 24  # the progress chart shows at most the latest two years


def _month(dt: datetime) -> str:
    return f"{dt.year:04d}-{dt.month:02d}"


def _utc_month(column: Any) -> Any:
    """SQL for the "YYYY-MM" month (UTC) of a UTCDateTime column, on either backend.
    SQLite stores naive UTC text; PostgreSQL a timestamptz, taken to UTC first so the
    session's time zone does not matter."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    out = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append(key)
        if key >= last:
            return out
        month += 1
        if month == 13:
            year, month = year + 1, 1


def progress_by_month(
    items: Sequence[ActionItem] | Sequence[tuple[datetime | None, datetime | None, str]],
    *,
    max_months: int = PROGRESS_MONTHS,
) -> list[MonthProgress]:
    """Opened and closed counts per month from the first item's month to the last
    event's month (at most the last ``max_months`` months). ``items`` are action items
    or ``(created_dt, closed_dt, status)`` rows."""
    rows = [
        (i.created_dt, i.closed_dt, i.status) if isinstance(i, ActionItem) else tuple(i)
        for i in items
    ]
    opened = Counter(_month(created) for created, _, _ in rows if created)
    closed = Counter(
        _month(closed_dt)
        for _, closed_dt, status in rows
        if closed_dt and status != ActionStatus.OPEN
    )
    return _progress(opened, closed, max_months)


def _progress(
    opened: Mapping[str, int], closed: Mapping[str, int], max_months: int
) -> list[MonthProgress]:
    """MonthProgress rows from counts per "YYYY-MM" month (see progress_by_month)."""
    keys = sorted(set(opened) | set(closed))
    if not keys:
        return []
    months = _months_between(keys[0], keys[-1])[-max_months:]
    return [MonthProgress(m, opened.get(m, 0), closed.get(m, 0)) for m in months]


STREAM_LIST_LIMIT = 50


def cached_stream_summary(stream: WorkStream, *, limit: int = STREAM_LIST_LIMIT) -> StreamSummary:
    """stream_summary(), kept in this process while the database is unchanged
    (``freshness.cached_while_unchanged``): the work stream page reads nothing else
    that costs."""
    return freshness.cached_while_unchanged(
        ("stream_summary", stream.id, limit), lambda: stream_summary(stream, limit=limit)
    )


def stream_summary(stream: WorkStream, *, limit: int = STREAM_LIST_LIMIT) -> StreamSummary:
    """Open and closed items of the stream, decisions tagged with it, and progress.

    Lists are bounded (open items by due date, the latest closed items and decisions,
    ``limit`` each) with their totals, so a stream with years of history stays fast;
    progress is computed from three columns, not whole rows. Read as rows (seven
    statements whatever the stream's size).
    """
    in_stream = ActionItem.work_stream_id == stream.id
    is_open = ActionItem.status == ActionStatus.OPEN
    open_items = action_rows(
        [in_stream, is_open],
        (ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.id),
        limit,
    )
    closed_items = action_rows(
        [in_stream, ~is_open], (ActionItem.closed_dt.desc(), ActionItem.id.desc()), limit
    )
    is_decision = and_(
        MinuteItem.work_stream_id == stream.id,
        MinuteItem.kind.in_([MinuteKind.AGREED, MinuteKind.ACCEPTED]),
    )
    opened, open_count, closed_count = _opened_by_month(in_stream, is_open)
    return StreamSummary(
        open_items=open_items,
        closed_items=closed_items,
        decisions=decision_rows(is_decision, limit),
        progress=_progress(opened, _closed_by_month(in_stream, is_open), PROGRESS_MONTHS),
        open_count=open_count,
        closed_count=closed_count,
        decision_count=db.session.scalar(select(func.count(MinuteItem.id)).where(is_decision)) or 0,
    )


# Progress and totals are counted per month in SQL (two small grouped results):
# fetching and converting every item's timestamps grew with the stream's history.


def _opened_by_month(in_stream: Any, is_open: Any) -> tuple[Counter[str], int, int]:
    """(items opened per month, open total, closed total)."""
    opened_month = _utc_month(ActionItem.created_dt)
    opened_rows = db.session.execute(
        select(opened_month, is_open, func.count()).where(in_stream).group_by(opened_month, is_open)
    ).all()
    opened: Counter[str] = Counter()
    open_count = closed_count = 0
    for month, still_open, count in opened_rows:
        opened[month] += count
        if still_open:
            open_count += count
        else:
            closed_count += count
    return opened, open_count, closed_count


def _closed_by_month(in_stream: Any, is_open: Any) -> dict[str, int]:
    closed_month = _utc_month(ActionItem.closed_dt)
    closed_rows = db.session.execute(
        select(closed_month, func.count())
        .where(in_stream, ~is_open, ActionItem.closed_dt.is_not(None))
        .group_by(closed_month)
    ).all()
    return dict(closed_rows)
