"""Property lines from templates (ical.templates, issue 19): byte for byte the lines
icalendar's full path makes (value type, Contentline.from_parts, _foldline), over random
texts around the 75-octet fold and date-times in many zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser import Contentline
from icalendar.parser.string import _foldline

from meetbot.domain.ical import OccurrenceOverride, SeriesEvent, build_fragment, dst, templates
from meetbot.domain.ical.dst import clear_dst_cache
from meetbot.domain.ical.lines import clear_shared_lines
from meetbot.domain.recurrence import Frequency, Rule, Slot
from tests.domain.test_ical import HOUR, STAMP

# Multibyte characters (2, 3 and 4 octets) and everything TEXT escapes.
ALPHABET = st.sampled_from(list("aZ09 :\"'ü—€😀\\,;\n\t") + ["\\N", "\r\n", "\r"])
TEXTS = st.lists(ALPHABET, min_size=0, max_size=90).map("".join)
TEXT_NAMES = ("UID", "SUMMARY", "DESCRIPTION", "LOCATION", "STATUS")
DATETIME_NAMES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "DTSTAMP", "LAST-MODIFIED")
# The longest names (the TZID parameter brings some lines near the fold), UTC and its
# aliases icalendar writes in the Z form, and zones with DST.
ZONES = sorted(available_timezones())
LONG_ZONES = sorted(ZONES, key=len)[-5:]
SOME_ZONES = [*LONG_ZONES, "UTC", "Etc/UTC", "Etc/Zulu", "Europe/Berlin", "America/New_York"]
WALL_TIMES = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30))


@pytest.fixture(autouse=True)
def _fresh() -> None:
    templates.clear_templates()


@given(
    st.lists(ALPHABET, min_size=60, max_size=120).map("".join).map(lambda s: s.replace("\n", ""))
)
@settings(max_examples=150)
def test_fold_is_icalendars_fold(content: str) -> None:
    assert templates.fold(content) == _foldline(content).encode() + b"\r\n"


@pytest.mark.parametrize("last", ["a", "ü", "—", "😀", "\\", ","])
def test_lines_of_74_to_77_octets_fold_as_icalendars(last: str) -> None:
    """Every length at the fold, ending in a 1- to 4-octet character or an escape."""
    templates.line("SUMMARY", "first")
    for octets in range(70, 80):
        for lead in ("", "ü", "😀"):
            size = octets - len("SUMMARY:") - len(lead.encode()) - len(last.encode())
            value = lead + "a" * size + last
            assert templates.line("SUMMARY", value) == templates.full_line("SUMMARY", value)


@pytest.mark.parametrize("name", TEXT_NAMES)
@given(values=st.lists(TEXTS, min_size=2, max_size=12))
@settings(max_examples=60)
def test_text_lines_are_icalendars(name: str, values: list[str]) -> None:
    templates.clear_templates()
    for value in values:
        assert templates.line(name, value) == templates.full_line(name, value)


def _made(make, *args) -> bytes | str:
    """What ``make`` returns, or the name of the exception it raises."""
    try:
        return make(*args)
    except ValueError as exc:
        return type(exc).__name__ + str(exc)


@given(values=st.lists(TEXTS, min_size=2, max_size=12))
@settings(max_examples=60)
def test_uri_lines_are_icalendars(values: list[str]) -> None:
    """Also the refusal of a CR or LF in a URI."""
    templates.clear_templates()
    for value in values:
        assert _made(templates.line, "URL", value) == _made(templates.full_line, "URL", value)


@pytest.mark.parametrize("name", DATETIME_NAMES)
@given(
    values=st.lists(
        st.tuples(WALL_TIMES, st.sampled_from([*SOME_ZONES, *ZONES[::37], None]), st.booleans()),
        min_size=2,
        max_size=12,
    )
)
@settings(max_examples=60)
def test_datetime_lines_are_icalendars(name: str, values: list) -> None:
    templates.clear_templates()
    for wall, zone, fold in values:
        value = wall.replace(tzinfo=UTC if zone is None else ZoneInfo(zone), fold=int(fold))
        assert templates.line(name, value) == templates.full_line(name, value)


def test_the_common_shapes_take_the_template() -> None:
    """The feed's shapes pass their check (else every line would take the full path)."""
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 29, 2, 30)
    for n in range(2):
        templates.line("DTSTART", (start + timedelta(days=n)).replace(tzinfo=berlin))
        templates.line("DTEND", (start + timedelta(days=n)).replace(tzinfo=UTC))
        templates.line("SUMMARY", f"Weekly, {n}; \\ über")
        templates.line("URL", f"https://meetbot.example/meetings/{n}")
    assert templates._DATETIME[("DTSTART", berlin)] == ("DTSTART;TZID=Europe/Berlin:", "")
    assert templates._DATETIME[("DTEND", UTC)] == ("DTEND:", "Z")
    assert templates._TEXT["SUMMARY"] is templates._escaped
    assert templates._TEXT["URL"] is templates._verbatim


def test_a_shape_that_does_not_match_takes_the_full_path(monkeypatch) -> None:
    """A maker that disagrees with icalendar on the first value is never used."""
    monkeypatch.setitem(templates._MAKERS, templates.vText, lambda name, value: f"{name}:x")
    first = templates.line("SUMMARY", "a, b")
    assert templates._TEXT["SUMMARY"] is None
    assert first == b"SUMMARY:a\\, b\r\n"
    assert templates.line("SUMMARY", "c; d") == b"SUMMARY:c\\; d\r\n"


def test_icalendar_writes_each_shape_once(monkeypatch) -> None:
    """A series with 20 moved occurrences in Berlin: icalendar makes the content line
    of each shape once (the old writer: each of the 71 distinct lines)."""
    berlin_starts = [datetime(2025, 1, 6, 15, 0) + timedelta(weeks=n) for n in range(0, 40, 2)]
    event = SeriesEvent(
        uid="series-9-a@meetbot.test",
        slot=Slot("a", "Europe/Berlin", berlin_starts[0], HOUR, Rule(Frequency.WEEKLY)),
        title="Edge WG weekly",
        location="https://meet.example/edge",
        categories=("edge",),
        dtstamp=STAMP,
        overrides=tuple(
            OccurrenceOverride(
                s, start_utc=(s + 2 * HOUR).replace(tzinfo=ZoneInfo("Europe/Berlin"))
            )
            for s in berlin_starts
        ),
    )
    made: list[str] = []
    from_parts = Contentline.from_parts.__func__

    def counting(cls, name, *args, **kwargs):
        made.append(name)
        return from_parts(cls, name, *args, **kwargs)

    clear_shared_lines()
    monkeypatch.setattr(Contentline, "from_parts", classmethod(counting))
    body = build_fragment([event], (2025, 2045)).body
    assert body.count(b"BEGIN:VEVENT") == 21
    # One per shape: UID, DTSTAMP, LAST-MODIFIED, SEQUENCE, SUMMARY, DESCRIPTION,
    # LOCATION, URL, CATEGORIES, STATUS, RRULE, DTSTART and RECURRENCE-ID (Berlin),
    # DTEND (Berlin); the exceptions' DTSTART and DTEND share the master's shapes.
    assert sorted(made) == sorted(set(made)) and len(made) <= 14


def test_clearing_the_render_caches_forgets_templates_and_dst_lists() -> None:
    """A cold render (bench, new worker) starts without them: the bench's cold render
    pays for checking every shape and every prefilter list again."""
    berlin = ZoneInfo("Europe/Berlin")
    templates.line("SUMMARY", "x")
    templates.line("DTSTART", datetime(2026, 1, 5, 15, tzinfo=berlin))
    slot = Slot("a", "Europe/Berlin", datetime(2026, 1, 5, 2, 30), HOUR, Rule(Frequency.WEEKLY))
    dst.dst_sensitive(slot, 2026, 2027)
    assert templates._TEXT and templates._DATETIME and dst._touchable.cache_info().currsize
    clear_shared_lines()
    clear_dst_cache()
    assert not templates._TEXT and not templates._DATETIME
    assert dst._touchable.cache_info().currsize == 0 == dst._windows.cache_info().currsize
