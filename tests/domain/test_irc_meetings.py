"""Tests of meetbot.domain.irc_meetings against the 85 real irc-meetings files.

The oracle below is written from yaml2ical's algorithm description, not from
the parser: it reads the files with plain yaml.safe_load, finds yaml2ical's
DTSTART by scanning days one by one (ISO week parity / residue, or the nth
weekday of the next month), and expands with dateutil.rrule.
"""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from meetbot.domain.irc_meetings import (
    DEFAULT_START_DATE,
    FREQUENCIES,
    IrcMeetingsError,
    MeetingDefinition,
    expand_schedule,
    parse_chairs,
    parse_meeting_file,
)
from meetbot.domain.recurrence import Frequency, expand
from tests.sample_data import IRC_MEETINGS_DIR, IRC_MEETINGS_FILES, needs_irc_meetings

DATA = IRC_MEETINGS_DIR
FILES = IRC_MEETINGS_FILES
needs_data = needs_irc_meetings

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(text: str, name: str = "test.yaml") -> MeetingDefinition:
    return parse_meeting_file(text, name)


def minimal(schedule: str, extra: str = "") -> str:
    return (
        "project: Test Meeting\n"
        "meeting_id: test\n"
        f"{extra}"
        "chair: Ann Example (ann)\n"
        "description: A test.\n"
        "schedule:\n" + schedule
    )


# ---------------------------------------------------------------- oracle


def oracle_first_date(raw: dict, anchor: date) -> date:
    """yaml2ical's first meeting date, found by scanning day by day."""
    want = DAYS.index(raw["day"].lower().capitalize())
    freq = raw["frequency"]
    if freq.startswith(("first-", "second-", "third-", "fourth-")):
        nth = ["first", "second", "third", "fourth"].index(freq.split("-")[0]) + 1
        year, month = (
            (anchor.year + 1, 1) if anchor.month == 12 else (anchor.year, anchor.month + 1)
        )
        seen = 0
        for dom in range(1, calendar.monthrange(year, month)[1] + 1):
            if date(year, month, dom).weekday() == want:
                seen += 1
                if seen == nth:
                    return date(year, month, dom)
        raise AssertionError("unreachable")
    residues = {
        "weekly": None,
        "biweekly-odd": (2, 1),
        "biweekly-even": (2, 0),
        "quadweekly": (4, 0),
        "quadweekly-week-1": (4, 1),
        "quadweekly-week-2": (4, 2),
        "quadweekly-week-3": (4, 3),
        "quadweekly-alternate": (4, 2),
    }[freq]
    day = anchor
    while True:
        week = day.isocalendar()[1]
        if day.weekday() == want and (residues is None or week % residues[0] == residues[1]):
            return day
        day += timedelta(days=1)


def oracle_instants(raw: dict, ws: datetime, we: datetime, anchor: date) -> list[datetime]:
    freq = raw["frequency"]
    if freq == "adhoc":
        return []
    t = raw["time"]
    first = oracle_first_date(raw, anchor)
    dtstart = datetime(first.year, first.month, first.day, int(t[:-2]), int(t[-2:]))
    if freq.startswith(("first-", "second-", "third-", "fourth-")):
        nth = ["first", "second", "third", "fourth"].index(freq.split("-")[0]) + 1
        rule = rrule(MONTHLY, dtstart=dtstart, byweekday=weekday(first.weekday(), nth))
    else:
        interval = {"weekly": 1, "biweekly": 2, "quadweekly": 4}[freq.split("-")[0]]
        rule = rrule(WEEKLY, dtstart=dtstart, interval=interval)
    naive = rule.between(ws.replace(tzinfo=None), we.replace(tzinfo=None), inc=True)
    return [d.replace(tzinfo=UTC) for d in naive if ws <= d.replace(tzinfo=UTC) < we]


def raw_schedules() -> list[tuple[str, int, dict]]:
    out = []
    for path in FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, raw in enumerate(doc["schedule"]):
            out.append((path.name, i, raw))
    return out


# ---------------------------------------------------------------- the real files


@needs_data
def test_all_85_files_parse_with_the_readme_counts() -> None:
    assert len(FILES) == 85
    defs = [parse_meeting_file(p.read_text(encoding="utf-8"), p.name) for p in FILES]
    schedules = [s for d in defs for s in d.schedules]
    assert len(schedules) == 103
    assert Counter(s.frequency for s in schedules) == {
        "weekly": 56,
        "biweekly-odd": 22,
        "biweekly-even": 17,
        "quadweekly": 3,
        "quadweekly-alternate": 1,
        "first-friday": 1,
        "first-thursday": 1,
        "adhoc": 2,
    }
    for d in defs:
        assert d.project and d.description and d.chairs
        assert [s.slot.key for s in d.schedules if s.slot] == [
            f"schedule-{s.index}" for s in d.schedules if s.slot
        ]
        for s in d.schedules:
            assert s.location.startswith("#") and s.location_kind == "irc"
            assert (s.slot is None) == s.adhoc
            if s.slot:
                assert s.slot.timezone == "UTC"


@needs_data
def test_occurrences_equal_the_yaml2ical_oracle() -> None:
    by_file = {p.name: parse_meeting_file(p.read_text(encoding="utf-8"), p.name) for p in FILES}
    ws, we = utc(2016, 1, 1), utc(2028, 1, 1)  # spans the 53-week years 2020 and 2026
    compared = 0
    for name, i, raw in raw_schedules():
        schedule = by_file[name].schedules[i]
        got = [o.start_utc for o in expand_schedule(schedule, ws, we)]
        anchor = (
            datetime.strptime(str(raw["start_date"]), "%Y%m%d").date()
            if "start_date" in raw
            else DEFAULT_START_DATE
        )
        assert got == oracle_instants(raw, ws, we, anchor), f"{name} schedule {i}"
        duration = timedelta(minutes=int(raw.get("duration", 60)))
        assert all(o.end_utc - o.start_utc == duration for o in expand_schedule(schedule, ws, we))
        compared += len(got)
    assert compared > 20000


@needs_data
def test_iso_week_names_hold_until_the_first_week_53() -> None:
    """Independent check of the names: within an era without ISO week 53."""
    eras = [(date(2016, 1, 4), date(2020, 12, 28)), (date(2021, 1, 4), date(2026, 12, 28))]
    for path in FILES:
        meeting = parse_meeting_file(path.read_text(encoding="utf-8"), path.name)
        for s in meeting.schedules:
            if s.slot is None or not s.frequency.startswith(("biweekly", "quadweekly")):
                continue
            modulus = 2 if s.frequency.startswith("biweekly") else 4
            residue = {
                "biweekly-odd": 1,
                "biweekly-even": 0,
                "quadweekly": 0,
                "quadweekly-alternate": 2,
            }[s.frequency]
            first = s.slot.start.date()
            era = next(e for e in eras if e[0] <= first < e[1])
            occ = expand(s.slot, utc(2000, 1, 1), datetime(*era[1].timetuple()[:3], tzinfo=UTC))
            assert occ, path.name
            weeks = {o.original_start.isocalendar()[1] % modulus for o in occ}
            assert weeks == {residue}, f"{path.name}: {s.frequency}"


@needs_data
def test_week_53_drift_is_kept_and_warned_about() -> None:
    warned = 0
    for path in FILES:
        meeting = parse_meeting_file(path.read_text(encoding="utf-8"), path.name)
        for s in meeting.schedules:
            if s.slot is None or s.slot.rule.interval == 1:
                assert not any("has a week 53" in w for w in s.warnings)
                continue
            modulus = s.slot.rule.interval
            residue = s.slot.start.isocalendar()[1] % modulus
            # first occurrence that no longer satisfies the ISO-week name
            occ = expand(s.slot, utc(2000, 1, 1), utc(2040, 1, 1))
            drifted = next(
                o.original_start.date()
                for o in occ
                if o.original_start.isocalendar()[1] % modulus != residue
            )
            (warning,) = [w for w in s.warnings if "has a week 53" in w]
            assert f"from {drifted.isoformat()}" in warning, (path.name, warning)
            assert "RRULE" in warning
            warned += 1
    assert warned == 22 + 17 + 3 + 1


def test_femdc_drift_hand_checked() -> None:
    text = minimal(
        "  - time: '1500'\n    day: Wednesday\n    irc: openstack-meeting\n"
        "    frequency: biweekly-odd\n    start_date: 20161109\n"
    )
    (s,) = parse(text).schedules
    # 2016-11-09 is in ISO week 45 (odd). 2020-12-30 is week 53; the next
    # meeting, 2021-01-13, is in week 2: an even week, but the RRULE keeps it.
    assert s.slot.start == datetime(2016, 11, 9, 15)
    got = [o.start_utc for o in expand(s.slot, utc(2020, 12, 20), utc(2021, 1, 20))]
    assert got == [utc(2020, 12, 30, 15), utc(2021, 1, 13, 15)]
    assert any("from 2021-01-13" in w for w in s.warnings)


def test_monthly_first_date_is_in_the_next_month_like_yaml2ical() -> None:
    text = minimal(
        "  - time: '1400'\n    day: Thursday\n    irc: openstack-tc\n"
        "    frequency: first-thursday\n    start_date: 20181004\n"
    )
    (s,) = parse(text).schedules
    # 2018-10-04 is itself a first Thursday, but yaml2ical starts in November.
    assert s.slot.start == datetime(2018, 11, 1, 14)
    assert s.slot.rule.frequency is Frequency.MONTHLY and s.slot.rule.setpos == 1
    got = [o.original_start.date() for o in expand(s.slot, utc(2018, 1, 1), utc(2019, 2, 1))]
    assert got == [date(2018, 11, 1), date(2018, 12, 6), date(2019, 1, 3)]


def test_missing_start_date_uses_the_documented_anchor() -> None:
    text = minimal("  - time: '1600'\n    day: Monday\n    irc: x\n    frequency: biweekly-even\n")
    (s,) = parse(text).schedules
    # From Monday 2021-01-04 (week 1, odd) the first even-week Monday is 01-11.
    assert s.slot.start == datetime(2021, 1, 11, 16)
    assert any("no start_date" in w for w in s.warnings)
    (other,) = parse_meeting_file(text, "t.yaml", default_start_date=date(2027, 1, 4)).schedules
    assert other.slot.start == datetime(2027, 1, 11, 16)  # 2027 week 2


# ---------------------------------------------------------------- extensions and keys


def test_timezone_extension_file_and_schedule_level() -> None:
    text = minimal(
        "  - time: '1400'\n    day: Wednesday\n    irc: a\n    frequency: weekly\n"
        "    start_date: 20260301\n"
        "  - time: '0900'\n    day: Monday\n    irc: b\n    frequency: weekly\n"
        "    start_date: 20260301\n    timezone: Asia/Kolkata\n",
        extra="timezone: Europe/Berlin\n",
    )
    meeting = parse(text)
    assert meeting.timezone == "Europe/Berlin"
    berlin, kolkata = meeting.schedules
    assert (berlin.timezone, kolkata.timezone) == ("Europe/Berlin", "Asia/Kolkata")
    got = [o.start_utc for o in expand(berlin.slot, utc(2026, 3, 1), utc(2026, 4, 2))]
    assert got[0] == utc(2026, 3, 4, 13) and got[-1] == utc(2026, 4, 1, 12)  # CET -> CEST
    assert expand(kolkata.slot, utc(2026, 3, 1), utc(2026, 3, 3))[0].start_utc == utc(
        2026, 3, 2, 3, 30
    )


def test_extras_hold_only_the_keys_the_parser_does_not_read() -> None:
    text = minimal(
        "  - time: '1400'\n    day: Wednesday\n    irc: a\n    frequency: weekly\n"
        "    start_date: 20260301\n",
        extra="timezone: Europe/Berlin\nmailing_list: edge@example.org\n",
    )
    assert parse(text).extras == {"mailing_list": "edge@example.org"}


def test_matrix_location_duration_skip_dates_and_schedule_chair() -> None:
    text = minimal(
        "  - time: '0730'\n    day: thursday\n    matrix: '#edge:example.org'\n"
        "    frequency: weekly\n    start_date: 20260101\n    duration: 30\n"
        "    chair: Bob Builder (bob), Carol\n"
        "    skip_dates:\n      - skip_date: 20260108\n        reason: holiday\n"
        "      - skip_date: 20260109\n        reason: not a Thursday\n"
    )
    (s,) = parse(text).schedules
    assert (s.location, s.location_kind) == ("#edge:example.org", "matrix")
    assert s.day == "Thursday" and s.time == "0730" and s.duration_minutes == 30
    assert s.chairs == [("Bob Builder", "bob"), ("Carol", None)]
    assert s.skip_dates == [(date(2026, 1, 8), "holiday"), (date(2026, 1, 9), "not a Thursday")]
    days = [o.original_start.date() for o in expand_schedule(s, utc(2026, 1, 1), utc(2026, 1, 23))]
    assert days == [date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 22)]
    assert any("2026-01-09" in w for w in s.warnings)
    assert not any("2026-01-08" in w for w in s.warnings)


def test_quadweekly_week_n_and_adhoc() -> None:
    text = minimal(
        "  - time: '1000'\n    day: Monday\n    irc: a\n    frequency: quadweekly-week-3\n"
        "    start_date: 20260105\n"
        "  - time: '1000'\n    day: Monday\n    irc: a\n    frequency: adhoc\n"
    )
    quad, adhoc = parse(text).schedules
    # 2026-01-05 is ISO week 2; the first week with number % 4 == 3 is week 3.
    assert quad.slot.start == datetime(2026, 1, 12, 10) and quad.slot.rule.interval == 4
    assert adhoc.adhoc and adhoc.slot is None
    assert expand_schedule(adhoc, utc(2026, 1, 1), utc(2027, 1, 1)) == []


def test_slot_key_survives_a_time_edit() -> None:
    before = minimal("  - time: '1400'\n    day: Monday\n    irc: a\n    frequency: weekly\n")
    after = minimal("  - time: '1500'\n    day: Tuesday\n    irc: b\n    frequency: weekly\n")
    assert parse(before).schedules[0].slot.key == parse(after).schedules[0].slot.key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Adrien Lebre (ad_rien_), Paul Andre Raymond (parus)", [
            ("Adrien Lebre", "ad_rien_"), ("Paul Andre Raymond", "parus")]),
        ("yong sheng gong (gongysh) ", [("yong sheng gong", "gongysh")]),
        ("Russell Bryant", [("Russell Bryant", None)]),
        ("A (a, b), B (c)", [("A", "a, b"), ("B", "c")]),
        (" , Solo (s),", [("Solo", "s")]),
    ],
)  # fmt: skip
def test_parse_chairs(text: str, expected: list) -> None:
    assert parse_chairs(text) == expected


def test_unquoted_and_three_digit_times() -> None:
    text = minimal("  - time: 0700\n    day: Monday\n    irc: a\n    frequency: weekly\n")
    assert parse(text).schedules[0].time == "0700"  # not the YAML 1.1 octal 448
    text = minimal("  - time: '900'\n    day: Monday\n    irc: a\n    frequency: weekly\n")
    assert parse(text).schedules[0].slot.start.hour == 9


def test_every_listed_frequency_is_accepted() -> None:
    for freq in sorted(FREQUENCIES):
        day = freq.split("-")[1].capitalize() if freq.split("-")[0] in (
            "first", "second", "third", "fourth") else "Monday"  # fmt: skip
        text = minimal(
            f"  - time: '1200'\n    day: {day}\n    irc: a\n    frequency: {freq}\n"
            "    start_date: 20260105\n"
        )
        (s,) = parse(text).schedules
        assert s.frequency == freq


# ---------------------------------------------------------------- errors

GOOD = "  - time: '1500'\n    day: Wednesday\n    irc: a\n    frequency: weekly\n"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("project: [unclosed\n", 2, "not valid YAML"),
        ("project: x\n\tchair: y\n", 2, "not valid YAML"),
        ("- a\n- b\n", 1, "mapping"),
        ("", None, "empty"),
        ("a: 1\n---\nb: 2\n", 2, "not valid YAML"),
        (minimal(GOOD).replace("project: Test Meeting\n", ""), 1, "'project'"),
        (minimal(GOOD).replace("chair: Ann Example (ann)\n", ""), 1, "'chair'"),
        (minimal(GOOD).replace("description: A test.\n", ""), 1, "'description'"),
        (minimal(GOOD).replace("meeting_id: test\n", "meeting_id: a\nmeeting_id: b\n"), 3, "twice"),
        (minimal(""), 5, "schedule"),
        (minimal(GOOD.replace("'1500'", "'25:00'")), 6, "time '25:00'"),
        (minimal(GOOD.replace("'1500'", "'2500'")), 6, "time '2500'"),
        (minimal(GOOD.replace("'1500'", "'1560'")), 6, "time '1560'"),
        (minimal(GOOD.replace("Wednesday", "Wed")), 7, "day 'Wed'"),
        (minimal(GOOD.replace("weekly", "fortnightly")), 9, "unknown frequency 'fortnightly'"),
        (minimal(GOOD.replace("weekly", "first-friday")), 9, "does not match day"),
        (minimal(GOOD.replace("    irc: a\n", "")), 6, "'irc'"),
        (minimal(GOOD.replace("    day: Wednesday\n", "")), 6, "'day'"),
        (minimal(GOOD + "    start_date: 2016-11-09\n"), 10, "start_date '2016-11-09'"),
        (minimal(GOOD + "    start_date: 20161350\n"), 10, "start_date '20161350'"),
        (minimal(GOOD + "    duration: 0\n"), 10, "duration '0'"),
        (minimal(GOOD + "    duration: 1441\n"), 10, "duration '1441'"),
        (minimal(GOOD + "    duration: half\n"), 10, "duration 'half'"),
        (minimal(GOOD + "    timezone: Mars/Base\n"), 10, "unknown time zone 'Mars/Base'"),
        (minimal(GOOD, extra="timezone: Nowhere\n"), 3, "unknown time zone 'Nowhere'"),
        (minimal(GOOD + "    matrix: '#r:x'\n"), 10, "both 'irc' and 'matrix'"),
        (minimal(GOOD + "    skip_dates:\n      - skip_date: 20260101\n"), 11, "'reason'"),
        (minimal(GOOD + "    skip_dates:\n      - skip_date: 2026\n        reason: r\n"),
         11, "skip_date '2026'"),
    ],
)  # fmt: skip
def test_malformed_files_name_file_line_and_problem(
    text: str, line: int | None, fragment: str
) -> None:
    with pytest.raises(IrcMeetingsError) as err:
        parse_meeting_file(text, "broken.yaml")
    assert err.value.filename == "broken.yaml"
    assert err.value.line == line
    assert fragment in str(err.value)
    assert str(err.value).startswith("broken.yaml")
