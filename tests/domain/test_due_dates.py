"""``due:`` in a quick minutes entry (domain.due_dates)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meetbot.domain.due_dates import DueDateError, read_due, resolve_due

TUESDAY = date(2027, 1, 12)  # a Tuesday
FRIDAY = date(2027, 1, 15)


@pytest.mark.parametrize(
    ("value", "today", "expected"),
    [
        ("2027-01-15", TUESDAY, date(2027, 1, 15)),
        ("today", TUESDAY, TUESDAY),
        ("tomorrow", TUESDAY, date(2027, 1, 13)),
        ("Tomorrow", date(2026, 12, 31), date(2027, 1, 1)),
        ("friday", TUESDAY, FRIDAY),
        ("fri", TUESDAY, FRIDAY),
        ("FRIDAY", TUESDAY, FRIDAY),
        # The meeting's own weekday is the next one, a week later.
        ("friday", FRIDAY, date(2027, 1, 22)),
        ("tuesday", TUESDAY, date(2027, 1, 19)),
        ("monday", TUESDAY, date(2027, 1, 18)),
        ("3d", TUESDAY, FRIDAY),
        ("2w", TUESDAY, date(2027, 1, 26)),
        ("+1w", TUESDAY, date(2027, 1, 19)),
    ],
)
def test_values_are_read_from_the_meetings_day(value: str, today: date, expected: date) -> None:
    assert resolve_due(value, today) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("fryday", "due:fryday is not a date meetbot reads"),
        ("2027-02-30", "not a day of the calendar"),
        ("15/01/2027", "not a date meetbot reads"),
        ("0d", "not a date meetbot reads"),
        ("2300-01-01", "Use a date in the years 1900 to 2200"),
        ("", "due: needs a date after it"),
    ],
)
def test_unknown_values_say_what_is_understood(value: str, says: str) -> None:
    with pytest.raises(DueDateError) as exc:
        resolve_due(value, TUESDAY)
    assert says in exc.value.message
    if value != "2300-01-01":
        assert "due:2027-01-15, due:friday, due:tomorrow or due:2w" in exc.value.message


def test_the_due_word_leaves_the_text() -> None:
    read = read_due("praman send the draft due:friday", TUESDAY)
    assert (read.text, read.due) == ("praman send the draft", FRIDAY)
    read = read_due("due:2027-01-15 praman send the draft", TUESDAY)
    assert (read.text, read.due) == ("praman send the draft", FRIDAY)
    read = read_due("send it due:friday. Then rest", TUESDAY)
    assert (read.text, read.due) == ("send it Then rest", FRIDAY)


def test_text_without_due_is_unchanged_and_overdue_is_not_a_due() -> None:
    text = "check the overdue:items list, due to the release"
    assert read_due(text, TUESDAY).text == text
    assert read_due(text, TUESDAY).due is None


def test_two_due_words_are_refused() -> None:
    with pytest.raises(DueDateError, match="One due date per item"):
        read_due("a due:friday b due:monday", TUESDAY)


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 1, 1)),
    st.sampled_from(["monday", "tue", "wednesday", "thu", "friday", "sat", "sunday"]),
)
def test_a_weekday_is_within_the_next_seven_days(today: date, word: str) -> None:
    due = resolve_due(word, today)
    assert 1 <= (due - today).days <= 7
    assert due.strftime("%a").casefold() == word[:3]
