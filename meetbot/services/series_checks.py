"""Everything wrong with a series as entered, at once: its own fields, every time
slot, its chairs and its work streams. The form, the preview button, the API, polls
and imports share it, so a person fixes four bad fields in one round, not four."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import Group, Membership, Person, WorkStream
from meetbot.services.checks import check_timezone
from meetbot.services.errors import ValidationError, field_error
from meetbot.services.series_input import (
    CheckedSlot,
    SeriesInput,
    check_series_fields,
    check_slots,
    summary,
)


@dataclass
class CheckedSeries:
    """A series input that passed every check, normalised."""

    fields: dict
    slots: list[CheckedSlot]
    chairs: list[Person]
    streams: list[WorkStream]


def check_series_input(group: Group, data: SeriesInput) -> CheckedSeries:
    """Check the whole input; a ValidationError names every bad field (``title``,
    ``timezone``, ``location``, ``agenda_url``, ``slots-<i>-<field>``, ``chairs``,
    ``work_streams``). Reads the group's members and streams, writes nothing."""
    errors: dict[str, str] = {}
    fields = _collect(errors, lambda: check_series_fields(group, data))
    slots = _collect(errors, lambda: check_slots(data.slots, _slot_zone(data.timezone)))
    chairs = _collect(errors, lambda: series_chairs(group, data.chair_ids))
    streams = _collect(errors, lambda: series_streams(group, data.work_stream_ids))
    if errors:
        raise ValidationError(summary(errors), errors)
    return CheckedSeries(fields=fields, slots=slots, chairs=chairs, streams=streams)


def series_errors(group: Group, data: SeriesInput) -> dict[str, str]:
    """Every error of the input by field name; empty when it can be saved."""
    try:
        check_series_input(group, data)
    except ValidationError as exc:
        return dict(exc.fields)
    return {}


def _collect(errors: dict[str, str], check: Callable[[], Any]) -> Any:
    try:
        return check()
    except ValidationError as exc:
        errors.update(exc.fields)
        return None


def _slot_zone(series_timezone: str) -> str:
    """The zone slots without their own are checked in: the series' zone, or UTC when
    that is wrong (its error is the series' field's, not every slot's)."""
    try:
        return check_timezone(series_timezone)
    except ValidationError:
        return "UTC"


def series_chairs(group: Group, ids: Sequence[int]) -> list[Person]:
    """The chairs by id; each must be a member of the group."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    people = list(
        db.session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id == group.id, Person.id.in_(wanted))
        )
    )
    if len(people) != len(wanted):
        raise field_error("chairs", "Every chair must be a member of the group.")
    return people


def series_streams(group: Group, ids: Sequence[int]) -> list[WorkStream]:
    """The work streams by id; each must be one of the group's."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    streams = list(
        db.session.scalars(
            select(WorkStream).where(WorkStream.group_id == group.id, WorkStream.id.in_(wanted))
        )
    )
    if len(streams) != len(wanted):
        raise field_error("work_streams", "A work stream is not one of this group's.")
    return streams
