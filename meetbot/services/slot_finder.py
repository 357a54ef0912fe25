"""The slot finder's service: bounded inputs, a group's members aggregated, the answer.

The score itself is meetbot.domain.slot_finder (docs/slot-finder.md). Every limit of
the finder lives here, so the API, the page and any later caller share them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select

from meetbot.domain.slot_finder import (
    DEFAULT_DAYS,
    DEFAULT_WINDOW,
    MAX_WEEKS,
    FinderResult,
    Participant,
    Slot,
    find_slots,
)
from meetbot.domain.slot_local import LocalRun, local_runs
from meetbot.extensions import db
from meetbot.models import Group, Membership, Person
from meetbot.services import analytics
from meetbot.services.errors import ValidationError, field_error

# Limits (docs/security.md, "Limits").
MAX_PARTICIPANT_ENTRIES = 500  # distinct (zone, window, days) entries in one request
MAX_PARTICIPANT_COUNT = 100_000  # people in one request (the sum of the counts)
MIN_DURATION, MAX_DURATION = 15, 480
MAX_TOP = 20
# A zone shared by fewer members than this is not named on the group's page.
REGION_MIN_PEOPLE = 3
_VALID_ZONES: frozenset[str] | None = None


def _zone_ok(name: object) -> bool:
    global _VALID_ZONES
    if _VALID_ZONES is None:
        _VALID_ZONES = frozenset(available_timezones())
    if not isinstance(name, str) or name not in _VALID_ZONES:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_hhmm(value: str, *, allow_24: bool = False) -> int:
    """'HH:MM' as minutes from midnight (ValueError otherwise); '24:00' if allowed."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise ValueError(value)
    hours, minutes = int(value[:2]), int(value[3:])
    if allow_24 and (hours, minutes) == (24, 0):
        return 1440
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(value)
    return hours * 60 + minutes


def participant_from_input(entry: dict[str, Any], index: int) -> Participant:
    """One API participant entry, checked (fields named ``participants.<i>.<name>``)."""
    prefix = f"participants.{index}"
    zone = entry.get("timezone")
    if not _zone_ok(zone):
        raise field_error(f"{prefix}.timezone", f"Unknown time zone {zone!r}.")
    window = entry.get("window") or None
    lo, hi = DEFAULT_WINDOW
    if window is not None:
        try:
            lo, hi = parse_hhmm(window[0]), parse_hhmm(window[1], allow_24=True)
        except (ValueError, IndexError, TypeError):
            raise field_error(
                f"{prefix}.window", 'A window is two times "HH:MM", e.g. ["08:00", "20:00"].'
            ) from None
        if lo >= hi:
            raise field_error(f"{prefix}.window", "The window must end after it starts.")
    days = entry.get("days")
    days = DEFAULT_DAYS if days is None else frozenset(days)
    if not days or not days <= set(range(7)):
        raise field_error(f"{prefix}.days", "Days are 0 (Monday) to 6 (Sunday), at least one.")
    return Participant(zone, int(entry.get("count", 1)), (lo, hi), days)


def check_request(
    participants: list[Participant], *, timezone: str, duration_minutes: int, weeks: int
) -> None:
    """The finder's limits, with the field each one concerns."""
    if not participants:
        raise field_error("participants", "Give at least one participant.")
    if len(participants) > MAX_PARTICIPANT_ENTRIES:
        raise field_error(
            "participants", f"At most {MAX_PARTICIPANT_ENTRIES} entries (group people by zone)."
        )
    if sum(p.count for p in participants) > MAX_PARTICIPANT_COUNT:
        raise field_error("participants", f"At most {MAX_PARTICIPANT_COUNT} people in all.")
    if not _zone_ok(timezone):
        raise field_error("timezone", f"Unknown time zone {timezone!r}.")
    if not MIN_DURATION <= duration_minutes <= MAX_DURATION:
        raise field_error(
            "duration_minutes", f"A meeting lasts {MIN_DURATION} to {MAX_DURATION} minutes."
        )
    if not 1 <= weeks <= MAX_WEEKS:
        raise field_error("weeks", f"The period is 1 to {MAX_WEEKS} weeks.")


def today_in(timezone: str, now: datetime | None = None) -> date:
    """Today's date in ``timezone`` (the default start of the period)."""
    return (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(timezone)).date()


def find(
    participants: list[Participant],
    *,
    timezone: str = "UTC",
    duration_minutes: int = 60,
    start: date | None = None,
    weeks: int = 52,
    top: int = 10,
) -> FinderResult:
    """Check the limits, then score every slot and pair (best first)."""
    check_request(participants, timezone=timezone, duration_minutes=duration_minutes, weeks=weeks)
    top = max(1, min(top, MAX_TOP))
    return find_slots(
        participants,
        start=start or today_in(timezone),
        timezone=timezone,
        duration_minutes=duration_minutes,
        weeks=weeks,
        top=top,
    )


@dataclass(frozen=True)
class GroupParticipants:
    participants: list[Participant]
    members: int
    without_zone: int  # members with no zone of their own: the group's zone is used
    zone_counts: Counter[str]


def group_participants(group: Group, *, by_attendance: bool = False) -> GroupParticipants:
    """The group's members aggregated by (zone, window, days[, weight]): no names."""
    rows = db.session.execute(
        select(
            Person.id,
            Person.timezone,
            Person.window_start_minutes,
            Person.window_end_minutes,
            Person.available_days,
        )
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group.id, Person.is_active_account.is_(True))
    ).all()
    rates: dict[int, int] = {}
    if by_attendance:
        rates = {m.person_id: round(m.rate) for m in analytics.summary(group).members}
    groups: Counter[tuple] = Counter()
    weights: Counter[tuple] = Counter()
    zones: Counter[str] = Counter()
    without_zone = 0
    for pid, zone, lo, hi, days in rows:
        if not zone or not _zone_ok(zone):
            without_zone += 1
            zone = group.timezone
        key = (zone, lo, hi, days)
        groups[key] += 1
        weights[key] += rates.get(pid, 0) if by_attendance else 1
        zones[zone] += 1
    participants = [
        Participant(
            zone,
            count,
            (lo, hi),
            frozenset(d for d in range(7) if days >> d & 1),
            weight=weights[(zone, lo, hi, days)],
        )
        for (zone, lo, hi, days), count in sorted(groups.items())
    ]
    return GroupParticipants(participants, len(rows), without_zone, zones)


@dataclass(frozen=True)
class RegionCost:
    zone: str
    people: int
    runs: list[LocalRun]


def region_costs(
    slot: Slot,
    result: FinderResult,
    zone_counts: Counter[str],
    *,
    parity: int | None = None,
) -> list[RegionCost]:
    """Where a slot falls for each zone held by at least REGION_MIN_PEOPLE members."""
    return [
        RegionCost(
            zone,
            people,
            local_runs(
                slot,
                timezone=result.timezone,
                start=result.start,
                weeks=result.weeks,
                zone=zone,
                parity=parity,
            ),
        )
        for zone, people in sorted(zone_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if people >= REGION_MIN_PEOPLE
    ]


def set_window(person: Person, *, start: int, end: int, days: frozenset[int]) -> None:
    """Change a person's daily window and weekdays (Settings), then commit."""
    if not 0 <= start < end <= 1440:
        raise ValidationError(
            "The window must end after it starts.", {"window_end": "Must be after the start."}
        )
    if not days or not days <= set(range(7)):
        raise field_error("available_days", "Choose at least one day.")
    person.window_start_minutes = start
    person.window_end_minutes = end
    person.available_days = sum(1 << d for d in days)
    db.session.commit()
