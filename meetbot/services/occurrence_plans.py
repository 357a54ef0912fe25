"""What the occurrence expansion reads: series and slots as small plans, loaded as
plain columns (ORM objects for a thousand series and their slots cost more than
expanding them), and the columns of the Meeting rows laid over them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from meetbot.domain.recurrence import Frequency, Rule, Slot
from meetbot.extensions import db
from meetbot.models import Meeting, MeetingSeries, SeriesSlot, SeriesStatus, WorkStream
from meetbot.models.meetings import series_work_streams

_ENDED = SeriesStatus.ENDED

#: The longest a meeting runs: a slot is expanded from this much before a window.
LONGEST = timedelta(days=1)
# Wall times are at most 26 hours from UTC: the local dates of a window's instants.
LOCAL_SLACK = timedelta(days=2)

SLOT_COLUMNS = (
    SeriesSlot.id,
    SeriesSlot.series_id,
    SeriesSlot.key,
    SeriesSlot.timezone,
    SeriesSlot.start_local,
    SeriesSlot.duration_minutes,
    SeriesSlot.frequency,
    SeriesSlot.interval,
    SeriesSlot.weekday,
    SeriesSlot.setpos,
    SeriesSlot.until,
    SeriesSlot.count,
)
MEETING_COLUMNS = (
    Meeting.id,
    Meeting.group_id,
    Meeting.series_id,
    Meeting.slot_id,
    Meeting.original_start_local,
    Meeting.timezone,
    Meeting.start_dt,
    Meeting.end_dt,
    Meeting.status,
    Meeting.title,
    Meeting.location,
    Meeting.is_moved,
    Meeting.change_reason,
    Meeting.uid_token,
)


@dataclass
class SlotPlan:
    """What the expansion needs of a slot (read as plain columns, not ORM objects)."""

    id: int
    key: str
    timezone: str
    rule: Slot
    uid: str = ""  # set once per slot, not once per occurrence


@dataclass
class SeriesPlan:
    """What the expansion needs of a series."""

    id: int
    group_id: int
    title: str
    location: str
    ended: bool
    uid_token: str
    slots: dict[int, SlotPlan] = field(default_factory=dict)


# Every zone a slot has used, kept alive: zoneinfo caches only a few zones strongly and
# the rest weakly, so expanding slots in hundreds of zones would read the zone files
# from disk again on every request.
_ZONES: dict[str, ZoneInfo] = {}


def _keep_zone(name: str) -> None:
    if name not in _ZONES:
        with suppress(ZoneInfoNotFoundError, ValueError):  # expand() reports a bad zone
            _ZONES[name] = ZoneInfo(name)


def _domain_slot(
    key, timezone, start_local, minutes, frequency, interval, weekday, setpos, until, count
) -> Slot:  # noqa: E501
    _keep_zone(timezone)
    return Slot(
        key=key,
        timezone=timezone,
        start=start_local,
        duration=timedelta(minutes=minutes),
        rule=Rule(
            frequency=Frequency(frequency),
            interval=interval,
            weekday=weekday,
            setpos=setpos,
            until=until,
            count=count,
        ),
    )


def plans_of(series_list: Iterable[MeetingSeries]) -> dict[int, SeriesPlan]:
    """Plans of loaded series (their slots loaded too)."""
    plans = {}
    for series in series_list:
        plan = SeriesPlan(
            series.id,
            series.group_id,
            series.title,
            series.location,
            series.status == _ENDED,
            series.uid_token,
        )
        for slot in series.slots:
            _keep_zone(slot.timezone)
            plan.slots[slot.id] = SlotPlan(slot.id, slot.key, slot.timezone, slot.to_domain())
        plans[series.id] = plan
    return plans


def load_plans(scope) -> dict[int, SeriesPlan]:
    """Plans of the series ``scope`` (a SELECT of series ids) picks, in two statements
    of plain columns: ORM objects for a thousand series and their slots cost more than
    expanding them."""
    plans = {
        row.id: SeriesPlan(
            row.id,
            row.group_id,
            row.title,
            row.location,
            row.status == _ENDED,
            row.uid_token,
        )
        for row in db.session.execute(
            select(
                MeetingSeries.id,
                MeetingSeries.group_id,
                MeetingSeries.title,
                MeetingSeries.location,
                MeetingSeries.status,
                MeetingSeries.uid_token,
            )
            .where(MeetingSeries.id.in_(scope))
            .order_by(MeetingSeries.id)
        )
    }
    slots = db.session.execute(
        select(*SLOT_COLUMNS)
        .where(SeriesSlot.series_id.in_(scope))
        .order_by(SeriesSlot.series_id, SeriesSlot.position, SeriesSlot.id)
    )
    for row in slots:
        plan = plans.get(row.series_id)
        if plan is not None:
            plan.slots[row.id] = SlotPlan(row.id, row.key, row.timezone, _domain_slot(*row[2:]))
    return plans


def series_scope(group_ids: Sequence[int] | None, work_stream: WorkStream | None):
    """A SELECT of the ids of the groups' series (all groups with None), optionally only
    those tagged with ``work_stream``."""
    scope = select(MeetingSeries.id)
    if group_ids is not None:
        scope = scope.where(MeetingSeries.group_id.in_(list(group_ids)))
    if work_stream is not None:
        scope = scope.join(
            series_work_streams, series_work_streams.c.series_id == MeetingSeries.id
        ).where(series_work_streams.c.work_stream_id == work_stream.id)
    return scope
