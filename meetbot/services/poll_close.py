"""Closing an availability poll: one transaction (docs/slot-finder.md, "Close").

The poll is claimed first with a conditional ``UPDATE ... WHERE status = 'open'``:
of two closes at once only one matches a row (PostgreSQL re-checks the WHERE after
the first commits; SQLite's writers queue at BEGIN IMMEDIATE), the other gets a
Conflict. In the same transaction the chosen time becomes a new series, or the new
times of an existing series from the next day on (past meetings stay) with a notice
to the group's list and on the series page. Any failure rolls all of it back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import update

from meetbot.domain.slot_finder import Slot
from meetbot.domain.slot_heatmap import WEEKDAYS
from meetbot.extensions import db
from meetbot.mail import group_mail
from meetbot.models import AvailabilityPoll, MeetingSeries, Person, PollOption, PollStatus
from meetbot.models.types import utcnow
from meetbot.services import audit, series_input, series_reschedule
from meetbot.services import series as series_service
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Conflict, field_error
from meetbot.services.polls import option_slots
from meetbot.services.slot_finder import today_in

MAX_NOTE = 2000  # characters of the organizer's note (docs/security.md, "Limits")


def close(
    actor: Person,
    poll: AvailabilityPoll,
    option_id: int,
    *,
    series: MeetingSeries | None = None,
    note: str = "",
) -> AvailabilityPoll:
    """Close the poll with the chosen option: a new series (A, B every 2 weeks for a
    pair), or ``series`` changed to it from the day after today, with ``note``."""
    option = _option(poll, option_id)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise field_error("note", f"At most {MAX_NOTE} characters.")
    if series is not None and series.group_id != poll.group_id:
        raise field_error("series", "Choose a series of this poll's group.")
    with unit_of_work():
        _claim(poll)
        if series is None:
            made = series_service.add_series(
                actor,
                poll.group,
                series_input.SeriesInput(
                    title=poll.title,
                    timezone=poll.timezone,
                    slots=slot_inputs(poll, option, poll.start_date),
                ),
            )
        else:
            made = series
            _change_series(actor, poll, option, series, note)
        poll.series_id = made.id
        audit.record(actor, poll.group, "poll", poll.id, "closed", series=made.id)
    return poll


def find_series(poll: AvailabilityPoll, series_id: int | None) -> MeetingSeries | None:
    """The existing series of the poll's group a close names (None: a new one)."""
    if series_id is None:
        return None
    series = db.session.get(MeetingSeries, series_id)
    if series is None or series.group_id != poll.group_id:
        raise field_error("series", "Choose a series of this poll's group.")
    return series


def _option(poll: AvailabilityPoll, option_id: int) -> PollOption:
    if poll.status != PollStatus.OPEN:
        raise Conflict("This poll is already closed.")
    option = next((o for o in poll.options if o.id == option_id), None)
    if option is None:
        raise field_error("option", "Choose one of the poll's times.")
    return option


def _claim(poll: AvailabilityPoll) -> None:
    """Mark the poll closed if it is still open; Conflict if another close came first."""
    now = utcnow()
    result = db.session.execute(
        update(AvailabilityPoll)
        .where(AvailabilityPoll.id == poll.id, AvailabilityPoll.status == PollStatus.OPEN)
        .values(status=PollStatus.CLOSED, closed_dt=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("This poll is already closed.")
    poll.status, poll.closed_dt = PollStatus.CLOSED, now


def _first(begin: date, slot: Slot, week: int) -> datetime:
    day = begin + timedelta(days=7 * week + (slot.weekday - begin.weekday()) % 7)
    return datetime(day.year, day.month, day.day, slot.minute // 60, slot.minute % 60)


def slot_inputs(
    poll: AvailabilityPoll, option: PollOption, begin: date
) -> list[series_input.SlotInput]:
    """The series slots of an option from ``begin``: A in its first week (every week,
    or every 2 weeks for a pair) and B the week after."""
    a, b = option_slots(option)
    out = [
        series_input.SlotInput(
            start=_first(begin, a, 0),
            duration_minutes=poll.duration_minutes,
            interval=2 if b else 1,
            label="A" if b else "",
            timezone=poll.timezone,
        )
    ]
    if b is not None:
        out.append(
            series_input.SlotInput(
                start=_first(begin, b, 1),
                duration_minutes=poll.duration_minutes,
                interval=2,
                label="B",
                timezone=poll.timezone,
            )
        )
    return out


def _text(slot: Slot) -> str:
    return f"{WEEKDAYS[slot.weekday]} {slot.start}"


def notice(
    poll: AvailabilityPoll, option: PollOption, series: MeetingSeries, begin: date, note: str
) -> str:
    """What the members are told, in words (the mail and the series page)."""
    a, b = option_slots(option)
    when = f"From {begin:%A %-d %B %Y}, {series.title}"
    if b is None:
        text = f"{when} meets every {_text(a)} ({poll.timezone})"
    else:
        text = f"{when} alternates: {_text(a)} one week, {_text(b)} the next ({poll.timezone})"
    text += f', as chosen in the availability poll "{poll.title}".'
    return f"{text}\n\n{note}" if note else text


def _change_series(
    actor: Person, poll: AvailabilityPoll, option: PollOption, series: MeetingSeries, note: str
) -> None:
    begin = max(poll.start_date, today_in(poll.timezone) + timedelta(days=1))
    added = series_reschedule.reschedule(actor, series, slot_inputs(poll, option, begin), begin)
    db.session.flush()
    poll.change_note = notice(poll, option, series, begin, note)
    group_mail.queue_series_change(series, added, ref=f"poll:{poll.id}", notice=poll.change_note)
