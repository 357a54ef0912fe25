"""'Did you mean' hints, bots and devices, overlapping joins (issue 16, point 1)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meetbot.domain.call_spans import covered_minutes, parse_call_time
from meetbot.domain.names import PeopleIndex, PersonKey
from meetbot.domain.not_people import NotPeople
from meetbot.domain.participant_csv import parse_participant_csv

ADRIEN = PersonKey(1, "Adrien Lebre", "adrien.lebre@example.org", ("alebre",))
WEI = PersonKey(2, "Wei Zhang", "wei.zhang@example.org", ("wzhang",))
ELENA = PersonKey(3, "Elena Petrova", "elena.petrova@example.org", ("epetrova",))
ANNA = PersonKey(4, "Anna Lindqvist", None, ("alindqvist",))
LI_NA = PersonKey(5, "Li Na", None, ("lina",))
ZOE = PersonKey(6, "Zoë Adams", None)
PEOPLE = [ADRIEN, WEI, ELENA, ANNA, LI_NA, ZOE]


@pytest.fixture(scope="module")
def index():
    return PeopleIndex(PEOPLE)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("Adrien", [ADRIEN]),
        ("Wei", [WEI]),
        ("Elena P.", [ELENA]),
        ("Elena P", [ELENA]),
        ("E. Petrova", [ELENA]),
        ("Petrova", [ELENA]),
        ("Zhang Wei", [WEI]),
        ("AL", [ADRIEN, ANNA]),
        ("A.L.", [ADRIEN, ANNA]),
        ("zoe", [ZOE]),
        ("Nobody Here", []),
    ],
)
def test_unsure_lines_are_new_with_suggestions_never_matched(index, token, expected):
    result = index.match(token)
    assert (result.status, list(result.suggestions)) == ("new", expected)


@pytest.mark.parametrize(
    ("token", "person"),
    [
        ("Li Na", LI_NA),
        ("Елена Петрова", ELENA),  # transliterated
        ("ZOE ADAMS", ZOE),
        ("wzhang", WEI),
        ("ADRIEN.LEBRE@example.org", ADRIEN),
    ],
)
def test_sure_matches(index, token, person):
    result = index.match(token)
    assert (result.status, result.person) == ("matched", person)


def test_a_suggestion_with_another_email_is_not_offered(index):
    result = index.match("Elena P. <elena@elsewhere.example>")
    assert (result.status, result.suggestions) == ("new", ())


@pytest.mark.parametrize(
    ("name", "email", "reason"),
    [
        ("iPhone", None, "a phone or device, not a person"),
        ("Beth's iPad", None, "a phone or device, not a person"),
        ("Edge WG Otter.ai", None, "note-taking or recording bot"),
        ("Fireflies.ai Notetaker", None, "note-taking or recording bot"),
        ("Read.ai meeting notes", None, "note-taking or recording bot"),
        ("Fred", "fred@fireflies.ai", "note-taking or recording bot"),
        ("Conference Room B", None, "a meeting room, not a person"),
        ("+1 555 010 0100", None, "a dial-in number, not a person"),
        ("Call-in User_1", None, "a dial-in number, not a person"),
        ("Adrien Lebre", None, None),
        ("Roomba Rooney", None, None),
        ("Victor Hugo", "victor@example.org", None),
    ],
)
def test_not_people(name, email, reason):
    assert NotPeople().reason(name, email) == reason


def test_a_site_extends_the_not_people_list():
    assert NotPeople(["Lab Speaker"]).reason("Edge lab speaker 2") == (
        "on this site's not-a-person list"
    )
    assert NotPeople().reason("Edge lab speaker 2") is None


def test_overlapping_joins_count_once():
    t = datetime(2026, 12, 1, 10, 0)
    spans = [(t, t + timedelta(minutes=60)), (t + timedelta(minutes=19), t + timedelta(minutes=60))]
    assert covered_minutes(spans) == 60


@given(
    st.lists(
        st.tuples(st.integers(0, 600), st.integers(1, 300)).map(
            lambda p: (
                datetime(2026, 1, 1) + timedelta(minutes=p[0]),
                datetime(2026, 1, 1) + timedelta(minutes=p[0] + p[1]),
            )
        ),
        min_size=1,
        max_size=8,
    )
)
def test_covered_minutes_is_between_longest_join_and_whole_span(spans):
    covered = covered_minutes(spans)
    longest = max((e - s).total_seconds() / 60 for s, e in spans)
    whole = (max(e for _, e in spans) - min(s for s, _ in spans)).total_seconds() / 60
    assert longest <= covered <= whole
    assert covered <= sum((e - s).total_seconds() / 60 for s, e in spans)


def test_zoom_export_with_overlapping_joins_counts_the_union():
    data = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Wei Zhang,wei.zhang@example.org,12/01/2026 10:00:00 AM,12/01/2026 11:00:00 AM,60,No\n"
        "Wei Zhang,wei.zhang@example.org,12/01/2026 10:19:00 AM,12/01/2026 11:00:00 AM,41,No\n"
    )
    (wei,) = parse_participant_csv(data)
    assert wei.duration_minutes == 60


def test_call_times():
    assert parse_call_time("05/07/2024 02:00:03 PM") == datetime(2024, 5, 7, 14, 0, 3)
    assert parse_call_time("2024-05-07 14:00:03") == datetime(2024, 5, 7, 14, 0, 3)
    assert parse_call_time("soon") is None
