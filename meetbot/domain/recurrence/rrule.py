"""A slot as an RFC 5545 RRULE value and as an English sentence."""

from __future__ import annotations

from datetime import datetime

from meetbot.domain.recurrence.rules import (
    ORDINALS,
    RRULE_DAYS,
    WEEKDAY_NAMES,
    check_structure,
    frequency_of,
    to_utc,
)
from meetbot.domain.recurrence.slots import Frequency, Slot


def to_rrule(slot: Slot) -> str | None:
    """The RFC 5545 RRULE value (without "RRULE:") describing exactly expand()'s set.

    Weekly: "FREQ=WEEKLY[;INTERVAL=n];BYDAY=WE;WKST=MO". Monthly:
    "FREQ=MONTHLY[;INTERVAL=n];BYDAY=3TH" (or "-1TH" for the last). Then
    ";UNTIL=YYYYMMDDTHHMMSSZ" -- the UTC instant of the slot's local start time
    on the until date, as RFC 5545 requires when DTSTART has a TZID -- or
    ";COUNT=n". Returns None for a one-off slot (no RRULE). Meant to be used
    with "DTSTART;TZID=<slot.timezone>:<slot.start>".
    """
    freq = check_structure(slot)
    rule = slot.rule
    if freq is Frequency.ONCE:
        return None
    parts = [f"FREQ={freq.upper()}"]
    if rule.interval != 1:
        parts.append(f"INTERVAL={rule.interval}")
    if freq is Frequency.WEEKLY:
        parts.append(f"BYDAY={RRULE_DAYS[slot.start.weekday()]}")
        parts.append("WKST=MO")
    else:
        assert rule.weekday is not None
        parts.append(f"BYDAY={rule.setpos}{RRULE_DAYS[rule.weekday]}")
    if rule.until is not None:
        until_utc = to_utc(datetime.combine(rule.until, slot.start.time()), slot.timezone)
        parts.append(f"UNTIL={until_utc:%Y%m%dT%H%M%SZ}")
    elif rule.count is not None:
        parts.append(f"COUNT={rule.count}")
    return ";".join(parts)


def describe(slot: Slot) -> str:
    """Human description, e.g. "Every 2 weeks on Wednesday at 15:00 (UTC)".

    Other forms: "Weekly on Monday at 09:30 (Asia/Kolkata)", "Monthly on the
    last Thursday at 14:00 (Europe/Berlin)", "Every 3 months on the first
    Monday at ...", "Once on 2026-05-04 at 10:00 (UTC)"; a rule that ends adds
    ", until 2027-06-30" or ", 10 times".
    """
    freq = frequency_of(slot.rule)
    rule = slot.rule
    at = f"at {slot.start:%H:%M} ({slot.timezone})"
    if freq is Frequency.ONCE:
        return f"Once on {slot.start.date().isoformat()} {at}"
    if freq is Frequency.WEEKLY:
        head = "Weekly" if rule.interval == 1 else f"Every {rule.interval} weeks"
        text = f"{head} on {WEEKDAY_NAMES[slot.start.weekday()]} {at}"
    else:
        head = "Monthly" if rule.interval == 1 else f"Every {rule.interval} months"
        ordinal = ORDINALS.get(rule.setpos or 0, f"#{rule.setpos}")
        weekday = WEEKDAY_NAMES[rule.weekday] if rule.weekday in range(7) else "?"
        text = f"{head} on the {ordinal} {weekday} {at}"
    if rule.until is not None:
        text += f", until {rule.until.isoformat()}"
    elif rule.count is not None:
        text += ", once" if rule.count == 1 else f", {rule.count} times"
    return text
