"""A year of the Edge Computing Group's calls for the demo, relative to "today".

Every held call has attendance (45 at the first, settling to a core of about 20,
with newcomers each month), minutes, and action items that end up done, dropped,
open or overdue; a holiday break and one Summit week are cancelled, two calls were
moved by a day. Everything comes from one seeded random generator, so the same
"today" gives the same year. ``demo.py`` builds the group and calls ``build_year``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from meetbot.extensions import db
from meetbot.models import (
    ActionEventKind,
    ActionItem,
    ActionItemEvent,
    Attendance,
    AttendanceSource,
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    MinuteItem,
    Person,
    SeriesSlot,
    WorkStream,
)

SEED = 2017
CORE = 20  # the first people of demo.PEOPLE come most often
APAC_ZONES = ("Asia/", "Australia/", "Pacific/")

TOPICS = [
    ("Gap analysis: far-edge use cases", "gap-analysis"),
    ("Akraino and StarlingX update", "cross-community"),
    ("Keystone federation across edge sites", "gap-analysis"),
    ("Reference architectures for small sites", "new-projects"),
    ("OPNFV edge cloud testing results", "cross-community"),
    ("Image caching and Glance at the edge", "gap-analysis"),
    ("Summit and PTG planning", None),
    ("Edge hardware profiles", "new-projects"),
]
DECISIONS = [
    "Publish the use case list on the wiki before the next call.",
    "Ask the TC for a joint session at the PTG.",
    "Keep the two alternating slots for another quarter.",
    "Track far-edge latency numbers in one shared sheet.",
    "Review the reference architecture draft in two weeks.",
]
ACTIONS = [
    "Measure far-edge latency on the lab sites",
    "Collect edge use cases from operators",
    "Draft the small-site reference architecture",
    "Invite StarlingX to an edge call",
    "Summarize the Keystone federation tests",
    "Prepare the PTG edge track agenda",
    "Review the image caching spec",
    "Send the meeting time poll for APAC",
]


@dataclass(frozen=True)
class Call:
    """One occurrence of the weekly call: its slot, original and actual start."""

    slot: SeriesSlot
    original: datetime  # naive UTC wall time (the series is in UTC)
    start: datetime  # aware; a day later when moved
    status: str
    reason: str = ""


def anchor(today: date) -> date:
    """The first Tuesday of the demo year: on the fortnightly rhythm the group kept
    since 5 December 2017, about 52 weeks before ``today``."""
    first = date(2017, 12, 5)
    weeks = max(0, -(-((today - timedelta(days=364)) - first).days // 14))
    return first + timedelta(days=14 * weeks)


def calls(americas: SeriesSlot, apac: SeriesSlot, start: date, now: datetime) -> list[Call]:
    """Every call from ``start`` until ``now``: the Americas/Europe slot on Tuesdays,
    the APAC slot on Wednesdays of the other weeks."""
    out: list[Call] = []
    for k in range(60):
        for slot, offset, hour in ((americas, 0, 15), (apac, 8, 7)):
            day = start + timedelta(days=14 * k + offset)
            original = datetime(day.year, day.month, day.day, hour)
            if original.replace(tzinfo=UTC) + timedelta(hours=1) > now:
                continue
            out.append(_fate(slot, original, len(out)))
    return sorted(out, key=lambda c: c.original)


def _fate(slot: SeriesSlot, original: datetime, n: int) -> Call:
    start = original.replace(tzinfo=UTC)
    if (original.month, original.day) >= (12, 22) or (original.month, original.day) <= (1, 3):
        return Call(slot, original, start, MeetingStatus.CANCELLED, "Holiday break")
    if n == 30:
        return Call(slot, original, start, MeetingStatus.CANCELLED, "Chairs at the Summit")
    if n in (11, 37):
        moved = start + timedelta(days=1)
        return Call(slot, original, moved, MeetingStatus.HELD, "Moved a day: public holiday")
    return Call(slot, original, start, MeetingStatus.HELD)


def _apac(person: Person) -> bool:
    return (person.timezone or "").startswith(APAC_ZONES)


def attendees(
    rng: random.Random, index: int, call: Call, people: Sequence[Person], joined: dict[int, int]
) -> list[Person]:
    """Who came to held call number ``index``: everyone at the first, then a core
    that comes most weeks and others who drift away; newcomers from the month they
    joined (``joined``: person id → first call index)."""
    if index == 0:
        return [p for p in people if joined.get(p.id, 0) == 0]
    came = []
    for rank, person in enumerate(people):
        first = joined.get(person.id, 0)
        if index < first:
            continue
        if index == first:
            came.append(person)
            continue
        base = 0.82 if rank < CORE else 0.06 + 0.5 * math.exp(-index / 5)
        if first > 0:
            base = 0.45
        apac_call = call.slot.key == "apac"
        base *= 1.1 if _apac(person) == apac_call else 0.75
        if rng.random() < min(base, 0.95):
            came.append(person)
    return came


def record_call(
    group: Group,
    series: MeetingSeries,
    call: Call,
    present: Sequence[Person],
    recorder: Person,
) -> Meeting:
    meeting = Meeting(
        group=group,
        series=series,
        slot=call.slot,
        original_start_local=call.original,
        timezone="UTC",
        start_dt=call.start,
        end_dt=call.start + timedelta(minutes=60),
        status=call.status,
        is_moved=call.start.replace(tzinfo=None) != call.original,
        change_reason=call.reason,
    )
    db.session.add(meeting)
    for i, person in enumerate(present):
        db.session.add(
            Attendance(
                meeting=meeting,
                person=person,
                source=AttendanceSource.DEMO,
                recorded_by=recorder,
                recorded_dt=call.start + timedelta(minutes=5 + i % 20),
            )
        )
    return meeting


def add_regrets(rng: random.Random, meeting: Meeting, absent: Sequence[Person]) -> None:
    for person in rng.sample(list(absent), k=min(2, len(absent))):
        db.session.add(
            Attendance(
                meeting=meeting,
                person=person,
                kind="regrets",
                source=AttendanceSource.DEMO,
                recorded_by=person,
                recorded_dt=meeting.start_dt - timedelta(hours=3),
            )
        )


def add_minutes(
    index: int,
    meeting: Meeting,
    chairs: Sequence[Person],
    streams: dict[str, WorkStream],
    present: Sequence[Person],
) -> None:
    topic, stream_slug = TOPICS[index % len(TOPICS)]
    chair = chairs[index % len(chairs)]
    speaker = present[index % len(present)] if present else chair
    items = [
        ("topic", topic, chair),
        ("info", f"{len(present)} people on the call.", chair),
        ("idea", f"{speaker.display_name} proposes a short write-up for the wiki.", speaker),
        ("agreed", DECISIONS[index % len(DECISIONS)], chair),
    ]
    for pos, (kind, text, author) in enumerate(items):
        db.session.add(
            MinuteItem(
                meeting=meeting,
                kind=kind,
                text=text,
                author=author,
                author_nick=author.handles[0].handle if author.handles else None,
                said_dt=meeting.start_dt + timedelta(minutes=3 * pos + 2),
                position=pos,
                work_stream=streams.get(stream_slug) if stream_slug else None,
            )
        )


def add_action(
    rng: random.Random,
    index: int,
    meeting: Meeting,
    later: Sequence[Meeting],
    present: Sequence[Person],
    streams: dict[str, WorkStream],
    today: date,
) -> None:
    """One action item opened in ``meeting``: done or dropped in a later call when it
    is old enough, else open (overdue once its due date has passed)."""
    owners = rng.sample(list(present), k=min(len(present), 1 + index % 2))
    due = meeting.start_dt.date() + timedelta(days=14)
    stream_slug = TOPICS[index % len(TOPICS)][1]
    item = ActionItem(
        group=meeting.group,
        work_stream=streams.get(stream_slug) if stream_slug else None,
        opened_in=meeting,
        text=ACTIONS[index % len(ACTIONS)],
        due_date=due,
        owners=owners,
    )
    item.events.append(ActionItemEvent(meeting=meeting, kind=ActionEventKind.OPENED))
    age = (today - due).days
    roll = rng.random()
    if age > 21 and later and roll < 0.9:
        closer = later[min(len(later) - 1, 1 + index % 3)]
        status = ActionEventKind.DROPPED if roll < 0.12 else ActionEventKind.DONE
        item.status = status
        item.closed_in = closer
        item.closed_dt = closer.start_dt + timedelta(minutes=30)
        item.events.append(ActionItemEvent(meeting=closer, kind=status))
    db.session.add(item)
