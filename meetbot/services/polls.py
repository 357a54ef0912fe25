"""Availability polls: propose weekly slots or alternating pairs, collect yes / if need
be / no from members and guests, combine the answers with the slot finder's coverage,
and close the poll by creating the series.

Guests cannot overwrite anyone's answer: a new guest answer gets a random secret
(shown to the web layer once, kept in the answerer's cookie); only its SHA-256 is
stored, and only that secret changes the answer again.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from meetbot.domain.slot_finder import MAX_WEEKS, Slot, score_pair
from meetbot.extensions import db
from meetbot.models import AvailabilityPoll, Group, Person, PollAnswer, PollOption, PollStatus
from meetbot.models.types import utcnow
from meetbot.services import series as series_service
from meetbot.services import series_input
from meetbot.services import slot_finder as finder
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Conflict, NotFound, ValidationError, field_error

# Limits (docs/security.md, "Limits").
MAX_OPTIONS = 20
MAX_ANSWERS = 2000
MAX_TITLE = 200
MAX_NAME = 200
CHOICES = {"yes": "y", "maybe": "m", "no": "n"}
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_OPTION = re.compile(
    r"^\s*(mon|tue|wed|thu|fri|sat|sun)\w*\s+(\d{1,2}):(\d\d)\s*"
    r"(?:/\s*(mon|tue|wed|thu|fri|sat|sun)\w*\s+(\d{1,2}):(\d\d)\s*)?$",
    re.IGNORECASE,
)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _slot(day: str, hh: str, mm: str) -> Slot:
    minute = int(hh) * 60 + int(mm)
    if minute >= 1440 or int(mm) >= 60:
        raise ValueError
    return Slot(_DAYS.index(day[:3].lower()), minute)


def parse_options(text: str) -> list[tuple[Slot, Slot | None]]:
    """One candidate a line: ``Tue 15:00`` or a pair ``Tue 15:00 / Wed 07:00``."""
    options = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        match = _OPTION.match(line)
        try:
            if match is None:
                raise ValueError
            g = match.groups()
            b = _slot(g[3], g[4], g[5]) if g[3] else None
            options.append((_slot(g[0], g[1], g[2]), b))
        except ValueError:
            raise field_error(
                "options", f'Line {number}: write "Tue 15:00" or "Tue 15:00 / Wed 07:00".'
            ) from None
    if not options:
        raise field_error("options", "Propose at least one time.")
    if len(options) > MAX_OPTIONS:
        raise field_error("options", f"At most {MAX_OPTIONS} times.")
    return options


def create_poll(
    actor: Person,
    group: Group,
    *,
    title: str,
    timezone: str,
    duration_minutes: int,
    options: list[tuple[Slot, Slot | None]],
    start: date,
    weeks: int = 52,
) -> AvailabilityPoll:
    """A new open poll with a fresh link token."""
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise field_error("title", f"A title of 1 to {MAX_TITLE} characters.")
    finder.check_request(
        [finder.Participant("UTC")],
        timezone=timezone,
        duration_minutes=duration_minutes,
        weeks=weeks,
    )
    if not options or len(options) > MAX_OPTIONS:
        raise field_error("options", f"Propose 1 to {MAX_OPTIONS} times.")
    with unit_of_work():
        poll = AvailabilityPoll(
            group=group,
            title=title,
            timezone=timezone,
            duration_minutes=duration_minutes,
            start_date=start,
            weeks=weeks,
            token=secrets.token_urlsafe(24),
            created_by_id=actor.id,
        )
        for i, (a, b) in enumerate(options):
            poll.options.append(
                PollOption(
                    position=i,
                    weekday_a=a.weekday,
                    minute_a=a.minute,
                    weekday_b=b.weekday if b else None,
                    minute_b=b.minute if b else None,
                )
            )
        db.session.add(poll)
    return poll


def get_poll(token: str) -> AvailabilityPoll:
    poll = db.session.scalar(select(AvailabilityPoll).where(AvailabilityPoll.token == token))
    if poll is None:
        raise NotFound("No such poll.")
    return poll


def get_group_poll(group: Group, poll_id: int) -> AvailabilityPoll:
    poll = db.session.get(AvailabilityPoll, poll_id)
    if poll is None or poll.group_id != group.id:
        raise NotFound(f"No poll {poll_id}.")
    return poll


def group_polls(group: Group) -> list[AvailabilityPoll]:
    return list(
        db.session.scalars(
            select(AvailabilityPoll)
            .where(AvailabilityPoll.group_id == group.id)
            .order_by(AvailabilityPoll.id.desc())
        )
    )


def option_slots(option: PollOption) -> tuple[Slot, Slot | None]:
    b = Slot(option.weekday_b, option.minute_b) if option.weekday_b is not None else None
    return Slot(option.weekday_a, option.minute_a), b


def _choices(poll: AvailabilityPoll, choices: list[str]) -> str:
    if len(choices) != len(poll.options) or any(c not in CHOICES for c in choices):
        raise field_error("choices", "Answer yes, if need be or no for every time.")
    return "".join(CHOICES[c] for c in choices)


def answer(
    poll: AvailabilityPoll,
    *,
    choices: list[str],
    person: Person | None = None,
    name: str = "",
    timezone: str | None = None,
    secret: str | None = None,
) -> tuple[PollAnswer, str | None]:
    """Record or change an answer; returns it and, for a new guest answer, its secret.

    A logged-in person has one answer per poll. A guest's ``secret`` (from their
    cookie) changes their own earlier answer; without a matching one a new answer is
    made, so nobody's answer can be overwritten by someone else.
    """
    if poll.status != PollStatus.OPEN:
        raise Conflict("This poll is closed.")
    letters = _choices(poll, choices)
    name = (person.display_name if person else (name or "")).strip()
    if not name or len(name) > MAX_NAME:
        raise field_error("name", f"Your name, 1 to {MAX_NAME} characters.")
    if timezone and not finder._zone_ok(timezone):
        raise field_error("timezone", f"Unknown time zone {timezone!r}.")
    row, new_secret = None, None
    if person is not None:
        row = db.session.scalar(
            select(PollAnswer).where(
                PollAnswer.poll_id == poll.id, PollAnswer.person_id == person.id
            )
        )
    elif secret:
        row = db.session.scalar(
            select(PollAnswer).where(
                PollAnswer.poll_id == poll.id, PollAnswer.secret_hash == _hash(secret)
            )
        )
    with unit_of_work():
        if row is None:
            count = db.session.scalar(
                select(func.count()).select_from(PollAnswer).where(PollAnswer.poll_id == poll.id)
            )
            if (count or 0) >= MAX_ANSWERS:
                raise ValidationError(f"This poll already has {MAX_ANSWERS} answers.")
            row = PollAnswer(poll=poll, person_id=person.id if person else None)
            if person is None:
                new_secret = secrets.token_urlsafe(24)
                row.secret_hash = _hash(new_secret)
            db.session.add(row)
        row.name = name
        row.timezone = timezone or (person.timezone if person else None)
        row.choices = letters
    return row, new_secret


def own_answer(
    poll: AvailabilityPoll, person: Person | None, secret: str | None
) -> PollAnswer | None:
    """The visitor's earlier answer (by account, or by their guest secret)."""
    if person is not None:
        where = PollAnswer.person_id == person.id
    elif secret:
        where = PollAnswer.secret_hash == _hash(secret)
    else:
        return None
    return db.session.scalar(select(PollAnswer).where(PollAnswer.poll_id == poll.id, where))


@dataclass(frozen=True)
class OptionResult:
    option: PollOption
    a: Slot
    b: Slot | None
    yes: int
    maybe: int
    no: int
    coverage: float  # of the group's members, over the poll's period
    included: int  # members suited every week (slot) or every two weeks (pair)

    @property
    def score(self) -> tuple:
        """Answers first (yes + half of "if need be"), then the members' coverage."""
        return (self.yes + 0.5 * self.maybe, self.coverage)


def results(poll: AvailabilityPoll) -> list[OptionResult]:
    """Every option with its answers and coverage, in the poll's order."""
    gathered = finder.group_participants(poll.group)
    out = []
    for i, option in enumerate(poll.options):
        letters = [a.choices[i] for a in poll.answers if len(a.choices) > i]
        a, b = option_slots(option)
        coverage, included = 0.0, 0
        if gathered.participants:
            score = score_pair(
                gathered.participants,
                a,
                b or a,
                start=poll.start_date,
                timezone=poll.timezone,
                duration_minutes=poll.duration_minutes,
                weeks=min(poll.weeks, MAX_WEEKS),
            )
            coverage, included = score.coverage, score.included
        out.append(
            OptionResult(
                option,
                a,
                b,
                letters.count("y"),
                letters.count("m"),
                letters.count("n"),
                coverage,
                included,
            )
        )
    return out


def _first(poll: AvailabilityPoll, slot: Slot, week: int) -> datetime:
    day = poll.start_date + timedelta(
        days=7 * week + (slot.weekday - poll.start_date.weekday()) % 7
    )
    return datetime(day.year, day.month, day.day, slot.minute // 60, slot.minute % 60)


def close(actor: Person, poll: AvailabilityPoll, option_id: int) -> AvailabilityPoll:
    """Close the poll with the chosen option: creates the series (A, B every 2 weeks)."""
    if poll.status != PollStatus.OPEN:
        raise Conflict("This poll is already closed.")
    option = next((o for o in poll.options if o.id == option_id), None)
    if option is None:
        raise field_error("option", "Choose one of the poll's times.")
    a, b = option_slots(option)
    slots = [
        series_input.SlotInput(
            start=_first(poll, a, 0),
            duration_minutes=poll.duration_minutes,
            interval=2 if b else 1,
            label="A" if b else "",
        )
    ]
    if b is not None:
        slots.append(
            series_input.SlotInput(
                start=_first(poll, b, 1),
                duration_minutes=poll.duration_minutes,
                interval=2,
                label="B",
            )
        )
    series = series_service.create_series(
        actor,
        poll.group,
        series_input.SeriesInput(title=poll.title, timezone=poll.timezone, slots=slots),
    )
    with unit_of_work():
        poll.status = PollStatus.CLOSED
        poll.closed_dt = utcnow()
        poll.series_id = series.id
    return poll
