"""Action owners for all nicks in one pass (issue 12, finding 1): the same owners as
MeetBot's one-regex-per-nick rule, work that grows linearly with the log, and the
caps on lines, nicks and actions."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetbot.domain import meetbot_log
from meetbot.domain.meetbot_log import LogParseError, OwnerIndex, nick_pattern
from meetbot.domain.meeting_machine import parse_log


def _reference_owners(text: str, handles: Mapping[str, object]) -> list[object]:
    """MeetBot's rule as the code had it: one whole-word IGNORECASE regex per nick."""
    owners: list[object] = []
    for nick in sorted(handles, key=lambda n: (n.casefold(), n)):
        if nick.strip() and nick_pattern(nick).search(text):
            value = handles[nick]
            if not any(value is o or value == o for o in owners):
                owners.append(value)
    return owners


# Characters where case-insensitive matching is subtle (dotted/dotless i, long s,
# Kelvin sign, sharp s, final sigma, ligatures) plus nick punctuation and spaces.
_TRICKY = "aAiIıİsSſkKKßẞσςΣµμΐΐΰΰﬅﬆ_[]|-^`{}\\. ,:'"
_chars = st.sampled_from(_TRICKY) | st.characters(blacklist_categories=("Cs",))
_nicks = st.text(_chars, min_size=1, max_size=6)


@settings(max_examples=400, deadline=None)
@given(
    nicks=st.lists(_nicks, max_size=8, unique=True),
    words=st.lists(st.one_of(_nicks, st.text(_chars, max_size=4)), max_size=12),
    seps=st.lists(st.sampled_from([" ", "", ", ", ":", "x", "_"]), min_size=12, max_size=12),
)
def test_same_owners_as_one_regex_per_nick(nicks, words, seps) -> None:
    text = "".join(w + s for w, s in zip(words, seps, strict=False))
    handles = {n: i % 3 for i, n in enumerate(nicks)}  # shared values: deduplicated
    assert OwnerIndex(handles).owners(text) == _reference_owners(text, handles)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("İ and ı and I do it", ["i"]),
        ("ſam and KAI", ["kai", "sam"]),
        ("alice[m]: please", ["alice", "alice[m]"]),  # both: "]" and ":" are not \w
        ("ping bob|away", ["bob", "bob|away"]),
        ("bobby and malice", []),
        ("_bob and bob_", []),
    ],
)
def test_meetbot_word_rule_on_edge_cases(text, expected) -> None:
    handles = {n: n for n in ["i", "sam", "kai", "alice", "alice[m]", "bob", "bob|away"]}
    assert OwnerIndex(handles).owners(text) == expected == _reference_owners(text, handles)


def _square_log(n: int) -> str:
    """n nicks who each speak once, then n #action lines each naming one of them."""
    lines = ["[10:00] <chair> #startmeeting square"]
    lines += [f"[10:01] <nick{i:04d}> here" for i in range(n)]
    lines += [f"[10:02] <chair> #action nick{i:04d} to do task {i}" for i in range(n)]
    lines.append("[10:03] <chair> #endmeeting")
    return "\n".join(lines)


def count_calls(work: Callable[[], object]) -> int:
    """Python and C function calls made by ``work``: a measure of work that does not
    depend on the machine's speed or load."""
    calls = 0

    def profile(frame, event, arg) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return calls


def _owners_of_every_action(text: str) -> None:
    parsed = parse_log(text)
    for item in parsed.actions():
        parsed.action_owner_nicks(item)


def test_owner_matching_work_grows_linearly() -> None:
    small, big = (_square_log(n) for n in (50, 200))
    _owners_of_every_action(small)  # warm caches (regex compiles, fold table)
    ratio = count_calls(lambda: _owners_of_every_action(big)) / count_calls(
        lambda: _owners_of_every_action(small)
    )
    # 4x the actions and 4x the nicks: linear work is ~4x, one regex per nick per
    # action would be ~16x.
    assert ratio < 6, ratio
    parsed = parse_log(big)
    assert [parsed.action_owner_nicks(a) for a in parsed.actions()[:2]] == [
        ["nick0000"],
        ["nick0001"],
    ]


def test_owner_index_probes_do_not_depend_on_the_number_of_nicks() -> None:
    text = "nick0007 and nick0042 to review the draft"
    few = OwnerIndex({f"nick{i:04d}": i for i in range(50)})
    many = OwnerIndex({f"nick{i:04d}": i for i in range(2000)})
    assert few.owners(text) == many.owners(text) == [7, 42]
    # 8 characters walked and one failed step past each of the 2 nicks
    assert few.probes == many.probes == 18


# ---------------------------------------------------------------- caps


def _error(text: str) -> LogParseError:
    with pytest.raises(LogParseError) as exc:
        parse_log(text)
    return exc.value


def test_too_many_lines_is_refused_at_the_first_line_past_the_cap(monkeypatch) -> None:
    monkeypatch.setattr(meetbot_log, "MAX_LOG_LINES", 10)
    err = _error("\n".join(["<a> #startmeeting x"] + ["<a> hi"] * 10))
    assert err.line == 11 and err.message == "the log has more than 10 lines"
    parse_log("\n".join(["<a> #startmeeting x"] + ["<a> hi"] * 9))  # at the cap: fine


def test_too_many_actions_is_refused_where_it_happens(monkeypatch) -> None:
    monkeypatch.setattr(meetbot_log, "MAX_ACTIONS", 3)
    lines = ["<a> #startmeeting x"] + [f"<a> #action task {i}" for i in range(4)]
    err = _error("\n".join(lines))
    assert err.line == 5 and err.message == "more than 3 #action items in one meeting"
    assert len(parse_log("\n".join(lines[:4])).actions()) == 3


def test_too_many_nicks_is_refused_where_it_happens(monkeypatch) -> None:
    monkeypatch.setattr(meetbot_log, "MAX_NICKS", 3)
    err = _error("<a> #startmeeting x\n<b> hi\n<a> #nick c d\n")
    assert err.line == 3 and err.message == "more than 3 different nicks in one meeting"
    assert list(parse_log("<a> #startmeeting x\n<b> hi\n<a> #nick c\n<c> hi").people_present())


def test_too_long_nick_is_refused() -> None:
    nick = "n" * (meetbot_log.MAX_NICK_CHARS + 1)
    err = _error(f"<a> #startmeeting x\n<a> #chair {nick}\n")
    assert err.line == 2 and "longer than 100 characters" in err.message


def test_the_caps_are_far_above_a_real_meeting() -> None:
    assert meetbot_log.MAX_LOG_LINES == 100_000
    assert meetbot_log.MAX_ACTIONS == meetbot_log.MAX_NICKS == 2_000
    text = _square_log(1_000)  # the bench's 1,000 x 1,000 log fits
    assert len(parse_log(text).actions()) == 1_000


def test_costly_owner_matching_stops_at_the_action_with_a_parse_error(monkeypatch) -> None:
    # Nicks of repeated punctuation in actions full of it take one step per nick
    # character at every position; the work is bounded (MAX_PROBES), not the clock.
    from meetbot.domain import nick_match

    assert nick_match.MAX_PROBES == 20_000_000
    monkeypatch.setattr(nick_match, "MAX_PROBES", 10_000)
    nick = "[" * 100
    lines = ["<c> #startmeeting x", f"<c> #nick {nick}"]
    lines += ["<c> #action " + "[" * 200 for _ in range(5)]
    parsed = parse_log("\n".join(lines))
    with pytest.raises(LogParseError) as exc:
        for item in parsed.actions():
            parsed.action_owner_nicks(item)
    # 101 starts in the first action, up to 100 steps each: the limit falls in the first.
    assert exc.value.line == 3
    assert exc.value.message.startswith("finding the owners of the #action items takes more")
