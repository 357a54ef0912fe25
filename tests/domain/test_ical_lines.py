"""Events written line by line (ical.lines): the bytes of icalendar's own Event.to_ical,
with each distinct property line serialized once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from meetbot.domain.ical import (
    OccurrenceOverride,
    SeriesEvent,
    SingleEvent,
    build_calendar,
    build_fragment,
    clear_shared_lines,
    components,
    lines,
)
from meetbot.domain.recurrence import Frequency, Rule, Slot
from tests.domain.test_ical import HOUR, STAMP, TODOS, series_fixture, utc

LONG = (
    "Überprüfung der Schnittstellen; Bewertung, Planung \\ Nächste Schritte — "
    "日本語の議題と長い説明文 " * 4
)


def varied() -> list[SeriesEvent | SingleEvent]:
    """test_ical's series (moved, cancelled, retitled; UTC, Los Angeles, Berlin, Sydney,
    Kolkata; a one-off slot) plus non-ASCII text that folds, DST gaps and folds, a
    detached row and the history of an ended series, as feed_render maps them."""
    berlin_night = SeriesEvent(
        uid="series-7-a@meetbot.test",
        # 02:30 weekly on Sunday: in the spring gap and the autumn fold of Berlin.
        slot=Slot("a", "Europe/Berlin", datetime(2025, 1, 5, 2, 30), HOUR, Rule(Frequency.WEEKLY)),
        title=f"Nachtschicht {LONG}",
        description=f"{LONG}\nMeeting page: https://meetbot.example/series/7",
        location="Raum „Süd“, Berlin; Gebäude 2",
        url="https://meetbot.example/series/7",
        categories=("ops, night", "Süd"),
        dtstamp=STAMP,
        sequence=3,
        overrides=(
            OccurrenceOverride(
                datetime(2025, 5, 4, 2, 30),
                start_utc=utc(2025, 5, 4, 6, 0),
                title="Nachtschicht (verschoben)",
                description=f"Changed: Raum belegt\n\n{LONG}",
                url="https://meetbot.example/meetings/71",
                sequence=5,
                dtstamp=STAMP + timedelta(days=3),
            ),
            OccurrenceOverride(datetime(2025, 6, 1, 2, 30), cancelled=True),
            OccurrenceOverride(
                datetime(2025, 7, 6, 2, 30),
                location="Online",
                description=f"Changed: online\n\n{LONG}",
                url="https://meetbot.example/meetings/72",
                sequence=4,
            ),
        ),
    )
    new_york = SeriesEvent(
        uid="series-8-a@meetbot.test",
        # 01:30 on Sundays: the repeated hour of New York in November.
        slot=Slot(
            "a",
            "America/New_York",
            datetime(2025, 1, 5, 1, 30),
            timedelta(minutes=90),
            Rule(Frequency.WEEKLY, interval=1),
        ),
        title="Americas sync",
        dtstamp=STAMP,
        sequence=1,
        categories=("americas",),
    )
    detached = SingleEvent(
        uid="meeting-90@meetbot.test",
        start_utc=utc(2025, 2, 11, 15, 0),
        end_utc=utc(2025, 2, 11, 16, 0),
        timezone="Europe/Berlin",
        title=f"Nachtschicht {LONG}",
        description=f"{LONG}\n\nMeeting page: https://meetbot.example/meetings/90",
        location="Raum „Süd“, Berlin; Gebäude 2",
        url="https://meetbot.example/meetings/90",
        categories=("ops, night", "Süd"),
        dtstamp=STAMP,
        sequence=4,
    )
    history = [
        SingleEvent(
            uid=f"meeting-{200 + n}@meetbot.test",
            start_utc=utc(2024, 10, 6, 5, 30) + timedelta(weeks=n),
            end_utc=utc(2024, 10, 6, 7, 0) + timedelta(weeks=n),
            timezone="America/New_York",
            title="Ended working session" if n % 3 else "Ended working session (retitled)",
            description=f"Meeting page: https://meetbot.example/meetings/{200 + n}",
            location="https://meet.example/ended",
            url=f"https://meetbot.example/meetings/{200 + n}",
            categories=("americas",),
            dtstamp=STAMP,
            sequence=n % 2,
        )
        for n in range(6)  # crosses the November fold (one start in UTC form)
    ]
    return [*series_fixture(), berlin_night, new_york, detached, *history]


def _todays_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build each VEVENT as an icalendar Event and serialize it with Event.to_ical, as
    the writer did before ical.lines."""
    monkeypatch.setattr(components, "_component", lambda _lines: icalendar.Event())


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_feed_bytes_are_those_of_icalendar_events(monkeypatch, zone) -> None:
    new = build_calendar("Edge Computing Group — Über", zone, varied(), TODOS)
    _todays_path(monkeypatch)
    old = build_calendar("Edge Computing Group — Über", zone, varied(), TODOS)
    assert new == old
    # It is the varied feed the docstring promises: folds, DST pins, UTC forms.
    assert b"\r\n " in new and "Überprüfung".encode() in new
    assert b"RECURRENCE-ID;TZID=Europe/Berlin:20250330T023000" in new
    assert b"DTSTART:20251102T053000Z" in new


def test_each_distinct_line_is_serialized_once(monkeypatch) -> None:
    """A slot with many exceptions: each distinct property line is made once
    (the shared UID, title, location, categories and status lines of every exception
    are spliced), not once per VEVENT."""
    starts = [datetime(2025, 1, 6, 15, 0) + timedelta(weeks=n) for n in range(0, 40, 2)]
    event = SeriesEvent(
        uid="series-9-a@meetbot.test",
        slot=Slot("a", "UTC", starts[0], HOUR, Rule(Frequency.WEEKLY)),
        title="Edge WG weekly",
        location="https://meet.example/edge",
        categories=("edge",),
        dtstamp=STAMP,
        # Each moved two hours later the same day.
        overrides=tuple(
            OccurrenceOverride(s, start_utc=(s + 2 * HOUR).replace(tzinfo=UTC)) for s in starts
        ),
    )
    folded: list[str] = []
    serialize = lines._serialize

    def counting(name: str, value: object) -> bytes:
        made = serialize(name, value)
        folded.append(made.decode().replace("\r\n ", "").removesuffix("\r\n"))
        return made

    clear_shared_lines()
    monkeypatch.setattr(lines, "_serialize", counting)
    fragment = build_fragment([event], (2025, 2045))
    emitted = [
        line
        for _key, part in fragment.parts
        for line in bytes(part).decode().replace("\r\n ", "").split("\r\n")
        if line and not line.startswith(("BEGIN:", "END:"))
    ]
    # 11 lines each: the master's RRULE, each exception's RECURRENCE-ID.
    assert len(emitted) == 21 * 11
    # Folded: the master's 11 lines, then each exception's RECURRENCE-ID, DTSTART, DTEND.
    assert len(set(emitted)) == 11 + 20 * 3
    assert sorted(folded) == sorted(set(emitted))
