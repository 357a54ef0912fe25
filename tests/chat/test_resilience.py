"""Issue 17: a server restart mid-meeting, a flood of 500 lines, two bot processes."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from loopback.ircd import wait_until
from meetbot.models import ChatLine, MinuteItem
from tests.chat.test_live_meeting import CHANNEL, _items, _lines, _live_meeting_id, _read, say


def test_a_server_restart_mid_meeting(create_group, start_bot, ircd) -> None:
    create_group(slug="edge-computing")
    running = start_bot({CHANNEL: "edge-computing"})
    alice = start_bot.person("alice", CHANNEL)
    say(alice, "#startmeeting Edge")
    say(alice, "#topic before the restart")
    meeting_id = _live_meeting_id()
    alice.close()
    ircd.restart()
    running.wait_joined()  # the bot reconnected (with backoff) and rejoined
    alice = start_bot.person("alice", CHANNEL)
    say(alice, "#info after the restart")
    say(alice, "#endmeeting")
    assert _items(meeting_id) == [
        ("topic", "before the restart", "alice"),
        ("info", "after the restart", "alice"),
    ]
    assert _live_meeting_id() is None


def test_a_flood_of_500_lines_is_stored_and_the_bot_keeps_its_rate(create_group, start_bot) -> None:
    create_group(slug="edge-computing")
    rate, burst = 10.0, 3
    running = start_bot({CHANNEL: "edge-computing"}, rate=rate, burst=burst)
    alice = start_bot.person("alice", CHANNEL)
    say(alice, "#startmeeting Flood")
    started = time.monotonic()
    for n in range(500):
        # every 25th line asks for an answer: 20 answers to send under the limit
        alice.say(CHANNEL, "#chair bob" if n % 25 == 0 else f"#info line {n}")
    wait_until(lambda: _lines(nick="alice") == 501, 120, "all 500 lines stored")
    stored_in = time.monotonic() - started
    meeting_id = _live_meeting_id()
    count = _read(select(func.count(MinuteItem.id)).where(MinuteItem.meeting_id == meeting_id))
    assert count[0][0] == 480
    sent = running.transport.sent_at
    wait_until(lambda: len(sent) >= 22, 30, "the bot's 22 answers")  # start (2) + 20 chairs
    for i in range(len(sent)):
        for j in range(i + 1, len(sent)):
            assert j - i + 1 <= burst + rate * (sent[j] - sent[i]) + 1e-6
    texts = [
        r[0]
        for r in _read(select(ChatLine.text).where(ChatLine.nick == "alice").order_by(ChatLine.id))
    ]
    assert texts[1:] == ["#chair bob" if n % 25 == 0 else f"#info line {n}" for n in range(500)]
    print(f"\nflood: 500 lines stored in {stored_in:.2f}s ({500 / stored_in:.0f} lines/s)")


def test_two_bots_never_both_answer_and_one_takes_over(create_group, start_bot) -> None:
    create_group(slug="edge-computing")
    first = start_bot({CHANNEL: "edge-computing"}, holder="first", lease_ttl=1.5)
    second = start_bot({CHANNEL: "edge-computing"}, holder="second", lease_ttl=1.5)
    alice = start_bot.person("alice", CHANNEL)
    say(alice, "#startmeeting Edge")
    alice.wait_to_hear("Meeting started")
    say(alice, "#commands")
    alice.wait_to_hear("Available commands")
    answered = {n for n, t in alice.heard}
    assert len(answered) == 1  # one bot answered: the one holding the lease
    holder, standby = (first, second) if first.bot.nick in answered else (second, first)
    holder.close()  # releases its lease; the other takes over within a third of the lease
    wait_until(lambda: standby.channel_ids[CHANNEL] in standby.bot.held, 10, "the takeover")
    say(alice, "#info after the takeover")
    say(alice, "#endmeeting")
    alice.wait_to_hear("chat-log.txt")
    assert {n for n, t in alice.heard if "chat-log.txt" in t} == {standby.bot.nick}
    assert ("info", "after the takeover", "alice") in _items(_meeting_of("after the takeover"))


def _meeting_of(text: str) -> int:
    return _read(select(MinuteItem.meeting_id).where(MinuteItem.text == text))[0][0]
