"""MeetBot log parsing.

Expected values are derived by hand from MeetBot's rules (meeting.py,
items.py, writers.py, plugin.py of the supybot plugin; see the module
docstring), not from this parser's output.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetbot.domain.meetbot_log import (
    DEFAULT_BOTS,
    LogParseError,
    action_owners,
)
from meetbot.domain.meeting_machine import parse_log

DATA = Path(__file__).parent / "data"


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def kinds_texts(meeting):
    return [(i.kind, i.text) for i in meeting.items]


# ---------------------------------------------------------------- the full log


@pytest.fixture(scope="module")
def edge():
    return parse_log(read("edge_wg_plain.log"), default_date=date(2024, 5, 7))


def test_meeting_bounds_and_owner(edge):
    assert edge.owner == "alice"
    assert edge.name == "Edge Computing Group"
    assert edge.start == datetime(2024, 5, 7, 14, 0, 2)
    assert edge.end == datetime(2024, 5, 7, 14, 5, 0)
    assert edge.start_line == 3
    assert edge.end_line == 28
    assert edge.ended


def test_items_follow_meetbot_rules(edge):
    assert kinds_texts(edge) == [
        ("topic", "Roll call"),
        ("topic", "Gap analysis stream"),
        ("info", "the gap analysis draft is at 60%"),
        # bob's first #agreed (line 12) came before he was made chair: ignored.
        ("agreed", "publish the draft next week"),
        ("action", "bob and Carol review the draft"),
        ("action", "someone should book the room"),
        # a line STARTING with a URL becomes a link; line 20 (URL mid-line) does not
        ("link", "https://etherpad.opendev.org/p/edge-gap is the pad"),
        ("idea", "a joint session with StarlingX"),
        # "oops wrong idea" removed by bob's #undo (bob is a chair by then)
        ("action", "erin to send the summary to the list"),
        ("link", "https://review.opendev.org/123 the review"),
        # dave's #topic is ignored: not a chair
    ]
    links = [i for i in edge.items if i.kind == "link"]
    assert [i.url for i in links] == [
        "https://etherpad.opendev.org/p/edge-gap",
        "https://review.opendev.org/123",
    ]
    agreed = next(i for i in edge.items if i.kind == "agreed")
    assert (agreed.nick, agreed.line, agreed.time) == ("bob", 15, datetime(2024, 5, 7, 14, 2, 30))


def test_lines_said_exclude_bots_and_lines_outside_the_meeting(edge):
    # every line in the meeting counts, commands and /me included
    assert edge.speakers == {"alice": 7, "bob": 5, "carol": 5, "dave": 5}
    assert "openstack" not in edge.speakers


def test_chairs_and_declared_nicks(edge):
    assert edge.chairs == ["alice", "bob"]
    assert edge.nicks_declared == ["bob", "erin"]
    # MeetBot's "People present (lines said)": declared nicks with 0, most lines first
    assert list(edge.people_present().items()) == [
        ("alice", 7),
        ("bob", 5),
        ("carol", 5),
        ("dave", 5),
        ("erin", 0),
    ]


def test_action_owners_by_meetbot_nick_rule(edge):
    owners = [edge.action_owner_nicks(a) for a in edge.actions()]
    assert owners == [["bob", "carol"], [], ["erin"]]


def test_warnings_name_ignored_commands(edge):
    joined = "\n".join(edge.warnings)
    assert "line 12: #agreed by bob ignored" in joined
    assert "line 27: #topic by dave ignored" in joined
    assert not any("#endmeeting" in w for w in edge.warnings)


# ---------------------------------------------------------------- line formats


def test_irssi_modes_noise_and_midnight_rollover():
    m = parse_log(read("irssi_midnight.log"), default_date=date(2024, 5, 7))
    assert m.name == "edge-wg late call"
    assert m.start == datetime(2024, 5, 7, 23, 57)
    assert m.end == datetime(2024, 5, 8, 0, 3)  # "#EndMeeting": commands are case-insensitive
    assert m.speakers == {"alice": 4, "bob": 1, "carol": 3}
    assert kinds_texts(m) == [
        ("topic", "Release status"),
        ("info", "the release is on track"),
        ("action", "carol tags the release"),
    ]
    assert m.items[2].time == datetime(2024, 5, 8, 0, 1)
    assert any("#topic by carol ignored" in w for w in m.warnings)


def test_irssi_without_date_gives_clock_times():
    m = parse_log(read("irssi_midnight.log"))
    assert m.start == time(23, 57)
    assert m.items[2].time == time(0, 1)


def test_openstack_eavesdrop_format_and_aliases():
    m = parse_log(read("eavesdrop.log"))
    assert m.name == "Nova Team Meeting"  # #meetingname overrides the #startmeeting text
    assert m.start == datetime(2024, 5, 7, 14, 0, 1)
    assert m.end == datetime(2024, 5, 7, 14, 2, 0)
    assert kinds_texts(m) == [
        ("topic", "Bugs"),
        ("agreed", "we triage on Tuesdays"),
        ("help", "need reviewers for the bug dashboard"),
        ("help", "anyone?"),
        ("accepted", "spec A"),
        ("rejected", "spec B"),
    ]
    assert m.speakers == {"alice": 7, "bauzas": 3}


def test_weechat_tab_separated():
    m = parse_log(read("weechat.log"))
    assert kinds_texts(m) == [("info", "weechat works")]
    assert m.items[0].nick == "frank"
    assert m.speakers == {"alice": 2, "frank": 2}
    assert m.end == datetime(2024, 5, 7, 14, 0, 5)


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("bracket_seconds.log", time(14, 0, 1)),
        ("iso_space.log", datetime(2024, 5, 7, 14, 0, 1)),
    ],
)
def test_other_timestamp_styles(name, start):
    m = parse_log(read(name))
    assert m.start == start
    assert [i.kind for i in m.items] == ["info"]
    assert m.speakers == {"alice": 2, "bob": 1}
    assert m.ended


def test_no_timestamps_and_no_endmeeting():
    m = parse_log(read("no_timestamps.log"))
    assert m.start is None and m.end is None
    assert not m.ended
    assert any("no #endmeeting" in w for w in m.warnings)
    assert kinds_texts(m) == [("info", "no timestamps at all"), ("action", "alice writes it up")]
    assert m.speakers == {"alice": 1, "bob": 3}
    assert m.action_owner_nicks(m.items[1]) == ["alice"]


def test_iso_timestamp_with_offset_is_aware():
    m = parse_log("2024-05-07T14:00:01+02:00 <a> #startmeeting\n")
    assert m.start.utcoffset().total_seconds() == 7200


# ---------------------------------------------------------------- command rules


def test_no_startmeeting_is_an_error():
    with pytest.raises(LogParseError) as exc:
        parse_log("14:00 <alice> hello\n14:01 <bob> #info not a meeting\n")
    assert "no #startmeeting" in str(exc.value)


def test_bot_cannot_start_a_meeting():
    with pytest.raises(LogParseError):
        parse_log("14:00 <zodbot> #startmeeting\n")
    with pytest.raises(LogParseError):
        parse_log("14:00 <MeetBot> #startmeeting\n", bots=DEFAULT_BOTS)


def test_custom_bots_are_case_insensitive():
    m = parse_log("<a> #startmeeting\n<HelperBot> #info x\n<a> hi\n", bots=frozenset({"helperbot"}))
    assert m.items == [] and m.speakers == {"a": 2}


def test_second_startmeeting_is_refused_and_not_counted():
    m = parse_log("<a> #startmeeting one\n<b> #startmeeting two\n<a> #endmeeting\n")
    assert m.name == "one" and m.owner == "a"
    assert m.speakers == {"a": 2}
    assert any("already running" in w for w in m.warnings)


def test_non_chair_cannot_end_and_later_meeting_is_reported():
    log = "\n".join(
        [
            "<a> #startmeeting",
            "<b> #endmeeting",
            "<b> #info still going",
            "<a> #endmeeting",
            "<a> #info after",
            "<c> #startmeeting second",
        ]
    )
    m = parse_log(log)
    assert kinds_texts(m) == [("info", "still going")]
    assert m.end_line == 4
    assert any("another meeting" in w for w in m.warnings)


def test_unchair_and_owner_stays_chair():
    log = "\n".join(
        [
            "<a> #startmeeting",
            "<a> #chair b, c",
            "<b> #unchair a c",
            "<c> #agreed c is no chair now",
            "<a> #agreed a is still the owner",
        ]
    )
    m = parse_log(log)
    assert m.chairs == ["a", "b"]
    assert kinds_texts(m) == [("agreed", "a is still the owner")]


def test_undo_removes_last_item_of_any_kind_and_needs_chair():
    log = "\n".join(
        [
            "<a> #startmeeting",
            "<a> #topic one",
            "<b> #info kept",
            "<a> #topic two",
            "<b> #undo",  # not a chair: ignored
            "<a> #undo",  # removes topic two
            "<a> #undo",  # removes info kept
            "<a> #undo",  # removes topic one
            "<a> #undo",  # nothing left: no effect
        ]
    )
    assert parse_log(log).items == []


def test_action_lines_never_run_commands_and_bare_urls_only_at_start():
    log = "\n".join(
        [
            "<a> #startmeeting",
            "* a #info this is a /me, not a command",
            "<a> see http://example.org/x for details",
            "<a> HTTP://example.org/upper",  # MeetBot's protocol check is exact
            "<a> ftp://example.org/file",
            "<a> #link the spec is at https://example.org/spec.",
        ]
    )
    m = parse_log(log)
    assert kinds_texts(m) == [
        ("link", "ftp://example.org/file"),
        ("link", "the spec is at https://example.org/spec."),
    ]
    assert m.items[1].url == "https://example.org/spec"


def test_unknown_commands_are_talk_and_empty_items_dropped():
    m = parse_log("<a> #startmeeting\n<a> #startvote foo?\n<a> #info\n<a> #info   \n")
    assert m.items == []
    assert m.speakers == {"a": 4}
    assert sum("empty #info" in w for w in m.warnings) == 2


def test_empty_item_still_counts_for_undo():
    # MeetBot appends the empty item, so #undo removes it and not the one before
    m = parse_log("<a> #startmeeting\n<a> #info real\n<a> #idea\n<a> #undo\n")
    assert kinds_texts(m) == [("info", "real")]


def test_irc_formatting_codes_are_stripped():
    m = parse_log("<a> #startmeeting\n<a> \x02#info\x02 \x0304red\x03 text\n")
    assert kinds_texts(m) == [("info", "red text")]


def test_mode_prefixes_stripped():
    m = parse_log("14:00 <@a> #startmeeting\n14:01 <%b> hi\n14:02 <~c> hey\n14:03 <&d> yo\n")
    assert set(m.speakers) == {"a", "b", "c", "d"}


# ---------------------------------------------------------------- action_owners


def test_action_owners_whole_words_case_insensitive():
    handles = {"bob": 1, "Al": 2, "carol": 3, "alice[m]": 4}
    assert action_owners("Bob's task with AL", handles) == [2, 1]  # sorted by nick: al, bob
    assert action_owners("bobby and alice do it", handles) == []
    assert action_owners("ping alice[m] please", handles) == [4]


def test_action_owners_dedupes_values():
    person = object()
    assert action_owners("bob and robert", {"bob": person, "robert": person}) == [person]


# ---------------------------------------------------------------- fuzzing


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_log_returns_or_raises_its_own_error(text):
    try:
        m = parse_log(text)
    except LogParseError:
        return
    assert m.owner


line_st = st.builds(
    lambda ts, nick, body: f"{ts}<{nick}> {body}",
    st.sampled_from(["", "14:00 ", "[14:00:01] ", "2024-05-07T14:00:01 ", "99:99 "]),
    st.sampled_from(["a", "@b", "c", "openstack"]),
    st.one_of(
        st.sampled_from(
            ["#startmeeting", "#endmeeting", "#undo", "#chair c", "#topic t", "#agreed x"]
        ),
        st.text(max_size=30),
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(line_st, max_size=30))
def test_parse_log_structured_fuzz(lines):
    try:
        m = parse_log("\n".join(lines))
    except LogParseError:
        return
    assert all(i.kind in {"topic", "agreed", "link", "info"} or i.text for i in m.items)
    assert "openstack" not in m.speakers
    assert m.chairs[0] == m.owner
