"""Hostile input for every parser in meetbot/domain/.

Each one either returns a result or raises its module's own error type (documented in
its docstring), never anything else: a KeyError, IndexError, OverflowError or
UnicodeError from odd input would be a 500 page instead of a clear message.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
from datetime import UTC, datetime, timedelta

import icalendar
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from meetbot.domain import (
    ical,
    irc_meetings,
    markdown,
    meetbot_log,
    meeting_machine,
    names,
    participant_csv,
    participants,
    pasted_list,
)
from meetbot.domain.recurrence import (
    Frequency,
    RecurrenceError,
    Rule,
    Slot,
    describe,
    expand,
    to_rrule,
    validate_slot,
)
from tests.security.xss_corpus import active_content

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text with everything a browser or terminal can send: controls, NUL, RTL marks,
# combining characters, astral-plane symbols and lone surrogates.
_any_text = st.text(max_size=200)
_line_noise = st.sampled_from(
    [
        "\x00",
        "\r",
        "\r\n",
        "\u2028",
        "\u202e",
        "\ufeff",
        "\ud800",
        "<",
        ">",
        "#",
        "@",
        ":",
        ";",
        ",",
        "\t",
        "\\",
        '"',
        "'",
        "=",
        "|",
        "(",
        ")",
        "[",
        "]",
        "*",
        "-",
    ]
)
_chunk = st.one_of(_any_text, _line_noise, st.sampled_from(["", " ", "\n"]))
_hostile = st.lists(_chunk, max_size=12).map("".join)

# --- recurrence -------------------------------------------------------------------

_zones = st.sampled_from(
    [
        "UTC",
        "Europe/Berlin",
        "America/St_Johns",
        "Australia/Lord_Howe",
        "Pacific/Apia",
        "Asia/Kathmandu",
        "",
        "Mars/Olympus",
        "../etc/passwd",
        "Europe/Berlin\x00",
        "utc",
    ]
)
_naive = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31))
_starts = st.one_of(
    _naive,
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.datetimes(timezones=st.just(UTC)),
)
_rules = st.builds(
    Rule,
    frequency=st.sampled_from(list(Frequency)),
    interval=st.integers(-3, 120),
    weekday=st.none() | st.integers(-2, 9),
    setpos=st.none() | st.integers(-6, 6),
    until=st.none() | st.dates(),
    count=st.none() | st.integers(-2, 500),
)
_slots = st.builds(
    Slot,
    key=st.text(max_size=10),
    timezone=_zones,
    start=_starts,
    duration=st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=3)),
    rule=_rules,
)


@FUZZ
@given(
    slot=_slots,
    window_start=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    ),
    span=st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=400)),
)
def test_recurrence_validate_and_expand(slot, window_start, span) -> None:
    try:
        validate_slot(slot)
    except RecurrenceError:
        return
    assume(
        datetime(1, 1, 2, tzinfo=UTC) <= window_start + span <= datetime(9999, 12, 30, tzinfo=UTC)
    )
    try:
        occurrences = expand(slot, window_start, window_start + span)
        to_rrule(slot)
        describe(slot)
    except RecurrenceError:
        return
    for occ in occurrences:
        assert occ.start_utc.tzinfo is not None
        assert window_start <= occ.start_utc < window_start + span
        assert occ.end_utc > occ.start_utc


# --- irc-meetings YAML --------------------------------------------------------------

_yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 3000),
    st.floats(allow_nan=True),
    _hostile,
    st.sampled_from(
        [
            "Monday",
            "monday",
            "2400",
            "1300",
            "0900",
            "UTC",
            "Europe/Berlin",
            "weekly",
            "biweekly-odd",
            "biweekly-even",
            "quadweekly",
            "adhoc",
            "first-tuesday",
            "last-friday",
            "20240230",
            "20241301",
            "#openstack-meeting",
        ]
    ),
)
_schedule = st.dictionaries(
    st.sampled_from(
        [
            "time",
            "day",
            "irc",
            "frequency",
            "start_date",
            "duration",
            "timezone",
            "skip_dates",
            "start_week",
            "x",
        ]
    ),
    st.one_of(
        _yaml_scalars,
        st.lists(_yaml_scalars, max_size=3),
        st.lists(
            st.dictionaries(st.sampled_from(["skip_date", "reason"]), _yaml_scalars), max_size=2
        ),
    ),
    max_size=9,
)
_meeting_doc = st.dictionaries(
    st.sampled_from(
        [
            "project",
            "meeting_id",
            "description",
            "agenda_url",
            "project_url",
            "chair",
            "schedule",
            "extra",
        ]
    ),
    st.one_of(_yaml_scalars, st.lists(_schedule, max_size=3), _schedule),
    max_size=8,
)


@FUZZ
@given(doc=_meeting_doc)
def test_irc_meetings_structured(doc) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        meeting = irc_meetings.parse_meeting_file(text, "fuzz.yaml")
    except irc_meetings.IrcMeetingsError as exc:
        assert "fuzz.yaml" in str(exc)
        return
    window = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC))
    for schedule in meeting.schedules:
        irc_meetings.expand_schedule(schedule, *window)


@FUZZ
@given(text=_hostile)
def test_irc_meetings_raw_text(text) -> None:
    with contextlib.suppress(irc_meetings.IrcMeetingsError):
        irc_meetings.parse_meeting_file(text, "raw.yaml")


# --- MeetBot chat logs ----------------------------------------------------------------

_nick = st.one_of(
    st.from_regex(r"[~&@%+]?[A-Za-z_\[\]|^`][A-Za-z0-9_\-\[\]|^`]{0,8}", fullmatch=True),
    _hostile.map(lambda s: s[:12]),
)
_command = st.sampled_from(
    [
        "#startmeeting",
        "#endmeeting",
        "#topic",
        "#info",
        "#action",
        "#agreed",
        "#link",
        "#chair",
        "#unchair",
        "#undo",
        "#idea",
        "#help",
        "#accepted",
        "#rejected",
        "#nick",
        "#meetingname",
        "#commands",
        "#save",
        "#lurk",
        "#unlurk",
        "#restrictlogs",
        "#meetingtopic",
    ]
)
_stamp = st.one_of(
    st.just(""),
    st.sampled_from(
        [
            "[15:00] ",
            "15:00:01 ",
            "[2017-12-05 15:00:00] ",
            "2017-12-05T15:00:00Z ",
            "[25:99] ",
            "[2017-02-30 10:00] ",
            "[99:99:99] ",
            "2017-12-05 15:00:00+0530\t",
        ]
    ),
)


@st.composite
def _log_line(draw) -> str:
    kind = draw(st.integers(0, 4))
    stamp = draw(_stamp)
    nick = draw(_nick)
    if kind == 0:
        return f"{stamp}<{nick}> {draw(_command)} {draw(_hostile)}"
    if kind == 1:
        return f"{stamp}<{nick}> {draw(_hostile)}"
    if kind == 2:
        return f"{stamp}* {nick} {draw(_hostile)}"
    if kind == 3:
        return f"{stamp}{nick}\t{draw(_hostile)}"  # WeeChat
    return draw(_hostile)


@FUZZ
@given(
    lines=st.lists(_log_line(), max_size=25),
    start=st.booleans(),
    default_date=st.none() | st.dates(),
)
def test_meetbot_log(lines, start, default_date) -> None:
    if start:
        lines = ["[10:00] <chair> #startmeeting fuzz", *lines]
    try:
        parsed = meeting_machine.parse_log("\n".join(lines), default_date=default_date)
    except meetbot_log.LogParseError:
        return
    parsed.people_present()
    for item in parsed.actions():
        parsed.action_owner_nicks(item)


# --- pasted attendee lists and call exports ------------------------------------------------


@FUZZ
@given(
    text=st.lists(
        st.one_of(_hostile, st.emails(), st.just("Alice Smith <a@b.org>")), max_size=20
    ).map("\n".join)
)
def test_pasted_list(text) -> None:
    try:
        result = pasted_list.parse_pasted_list(text)
    except participants.ParticipantsError:
        return
    for ident in result:
        assert isinstance(ident.display, str)
        ident.identity()


_csv_headers = st.lists(
    st.sampled_from(
        [
            "Name (Original Name)",
            "User Email",
            "Duration (Minutes)",
            "Full Name",
            "First name",
            "Last name",
            "Email",
            "Participant ID (UPN)",
            "Join time",
            "Leave time",
            "Duration",
            "Attendee",
            "",
            "Name",
        ]
    )
    | _hostile,
    min_size=0,
    max_size=6,
)


@FUZZ
@given(
    header=_csv_headers,
    rows=st.lists(
        st.lists(
            _hostile | st.sampled_from(["1:02:03", "45 mins", "-5", "1e9", "nan"]), max_size=7
        ),
        max_size=8,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
    raw=st.booleans(),
)
def test_participant_csv(header, rows, delimiter, encoding, raw) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in [header, *rows]:
        writer.writerow(row)
    text = buffer.getvalue()
    data: bytes | str
    data = text if raw else text.encode(encoding, errors="replace")
    try:
        result = participant_csv.parse_participant_csv(data)
    except participants.ParticipantsError:
        return
    for person in result:
        assert isinstance(person.display, str)


@FUZZ
@given(data=st.binary(max_size=300))
def test_participant_csv_arbitrary_bytes(data) -> None:
    with contextlib.suppress(participants.ParticipantsError):
        participant_csv.parse_participant_csv(data)


# --- names (never raise: they only normalise and match) ------------------------------------


@FUZZ
@given(
    token=_hostile,
    people=st.lists(
        st.builds(
            names.PersonKey,
            id=st.integers(),
            display_name=_hostile,
            email=st.none() | st.emails() | _hostile,
            handles=st.lists(_hostile, max_size=2).map(tuple),
        ),
        max_size=5,
        unique_by=lambda p: p.id,
    ),
)
def test_names(token, people) -> None:
    assert isinstance(names.split_identity(token).display, str)
    names.normalize_name(token)
    names.normalize_handle(token)
    names.normalize_email(token)
    names.name_key(token)
    result = names.match(token, people)
    if result.person is not None:
        assert result.person in people


# --- Markdown -------------------------------------------------------------------------------


@FUZZ
@given(
    text=st.lists(
        st.one_of(
            _hostile,
            st.sampled_from(
                [
                    "<script>alert(1)</script>",
                    "[x](javascript:alert(1))",
                    "![a](x onerror=alert(1))",
                    "<img src=x onerror=alert(1)>",
                    "[x](JaVaScRiPt:alert(1))",
                    "<a href='x'>",
                    "```\n<script>\n```",
                    "| a | b |\n|---|---|\n| <b> | c |",
                    "[x]: javascript:y\n[x]",
                    "<svg onload=alert(1)>",
                    "&#106;avascript:",
                    "[x](&#x6A;avascript:alert(1))",
                ]
            ),
        ),
        max_size=10,
    ).map("".join)
)
def test_markdown_is_safe_for_any_text(text) -> None:
    # Lone surrogates cannot come from a form (Werkzeug decodes UTF-8 with replacement);
    # nh3 refuses them with UnicodeEncodeError (reported to the Markdown owner).
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(text) else text
    html = markdown.render_markdown(text)
    assert active_content(html, own_scripts=()) == [], html


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def test_markdown_size_limit_is_its_documented_value_error() -> None:
    try:
        markdown.render_markdown("x" * (markdown.MAX_MARKDOWN_CHARS + 1))
    except ValueError as exc:
        assert "too long" in str(exc)
    else:
        raise AssertionError("no error for text over the limit")


# --- iCal text ------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_hostile.filter(bool),
    description=st.none() | _hostile,
    location=st.none() | _hostile,
    categories=st.lists(_hostile.filter(bool), max_size=2),
)
def test_ical_text_never_injects_properties(title, description, location, categories) -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    event = ical.SingleEvent(
        uid="fuzz@meetbot.test",
        start_utc=datetime(2026, 1, 6, 15, tzinfo=UTC),
        end_utc=datetime(2026, 1, 6, 16, tzinfo=UTC),
        timezone="Europe/Berlin",
        title=title,
        dtstamp=stamp,
        description=description,
        location=location,
        categories=categories,
    )
    try:
        # The same hostile text as the calendar's name and description (NAME,
        # X-WR-CALNAME, DESCRIPTION, X-WR-CALDESC): a group, stream or person name.
        data = ical.build_calendar(title, "UTC", [event], description=description)
    except ValueError:  # ical's documented error for input it will not publish
        return
    calendar = icalendar.Calendar.from_ical(data)
    calendar_properties = {
        "VERSION", "PRODID", "CALSCALE", "METHOD", "NAME", "X-WR-CALNAME",
        "X-WR-TIMEZONE", "REFRESH-INTERVAL", "X-PUBLISHED-TTL",
    }  # fmt: skip
    if description:
        calendar_properties |= {"DESCRIPTION", "X-WR-CALDESC"}
    assert set(calendar) == calendar_properties
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    # Exactly the properties and components a plain event has: a newline, ';' or ':'
    # in the text added no property and no component.
    properties, components = _plain(bool(description), bool(location), bool(categories))
    assert set(events[0]) == properties
    assert [c.name for c in calendar.subcomponents] == components
    assert str(events[0]["UID"]) == "fuzz@meetbot.test"


@functools.cache
def _plain(description: bool, location: bool, categories: bool) -> tuple[set[str], list[str]]:
    event = ical.SingleEvent(
        uid="plain@meetbot.test",
        start_utc=datetime(2026, 1, 6, 15, tzinfo=UTC),
        end_utc=datetime(2026, 1, 6, 16, tzinfo=UTC),
        timezone="Europe/Berlin",
        title="plain",
        dtstamp=datetime(2026, 1, 1, tzinfo=UTC),
        description="d" if description else None,
        location="l" if location else None,
        categories=["c"] if categories else (),
    )
    calendar = icalendar.Calendar.from_ical(ical.build_calendar("plain", "UTC", [event]))
    return set(next(iter(calendar.walk("VEVENT")))), [c.name for c in calendar.subcomponents]
