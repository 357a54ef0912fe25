"""The live chat bot under a flood: ngircd on loopback, the bot, one participant.

Two figures: lines per second the bot stores while a participant sends 500 lines as
fast as the server takes them (each line is its own transaction: the line, the
meeting item), and the delay from a line said in the channel to its item in the
meeting page's ``live.json`` (the page polls every 2 s on top of that; median of 20
probes, each said after the previous one arrived). ``python -m bench chat-bot`` runs
only this, on a throwaway SQLite file. Needs Debian's ngircd; without it the row says
so and fails.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

LINES = 500
PROBES = 20
MIN_LINES_PER_S = 20.0
MAX_DELAY_MS = 1_000.0
CHANNEL = "#bench"


def measure(url: str) -> dict[str, float]:
    from bench.dataset import make_app
    from loopback.irc_participant import Participant
    from loopback.ircd import Ngircd, find_ngircd, wait_until
    from meetbot.chat.bot import Backoff, ChatBot
    from meetbot.chat.irc import IrcTransport
    from meetbot.chat.store import ChatStore, map_channel
    from meetbot.extensions import db
    from meetbot.services import groups

    binary = find_ngircd()
    if binary is None:
        return {"missing": 1.0}
    app = make_app(url)
    with tempfile.TemporaryDirectory(prefix="bench-ircd-") as folder, app.app_context():
        server = Ngircd(binary, Path(folder))
        server.start()
        groups.create_group(None, slug="bench-chat", name="Bench chat")
        transport = IrcTransport(server.url, "meetbot", rate=5, burst=5)
        channel_id = map_channel(transport.network, CHANNEL, "bench-chat")
        store = ChatStore("meetbot", "http://127.0.0.1")
        bot = ChatBot(transport, store, {CHANNEL: channel_id}, "bench", backoff=Backoff(0.1, 1))
        stop = threading.Event()

        def run() -> None:
            with app.app_context():
                bot.run(stop)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        alice = Participant(server.url, "alice")
        try:
            wait_until(lambda: CHANNEL in bot.joined, 20, "the bot to join")
            alice.join(CHANNEL)
            out = _flood(alice)
            out.update(_probe_delays(app, alice))
        finally:
            alice.close()
            stop.set()
            thread.join(timeout=15)
            server.stop()
            db.session.remove()
            db.engine.dispose()
    return out


def _count_alice() -> int:
    from sqlalchemy import func, select

    from meetbot.extensions import db
    from meetbot.models import ChatLine

    try:
        return db.session.scalar(select(func.count(ChatLine.id)).where(ChatLine.nick == "alice"))
    finally:
        db.session.rollback()  # an open SQLite read would hold the bot's writes up


def _flood(alice) -> dict[str, float]:
    """Start a meeting, then LINES lines as fast as the server takes them."""
    from loopback.ircd import wait_until

    alice.say(CHANNEL, "#startmeeting bench")
    wait_until(lambda: _count_alice() == 1, 20, "the meeting to start")
    started = time.perf_counter()
    for n in range(LINES):
        alice.say(CHANNEL, f"#info flood line {n}")
    wait_until(lambda: _count_alice() == LINES + 1, 300, "the flood to be stored")
    return {"lines_per_s": LINES / (time.perf_counter() - started)}


def _probe_delays(app, alice) -> dict[str, float]:
    """PROBES lines, each timed from said to its item in live.json."""
    from sqlalchemy import select

    from loopback.ircd import wait_until
    from meetbot.extensions import db
    from meetbot.models import ChatChannel

    meeting_id = db.session.scalar(select(ChatChannel.live_meeting_id))
    db.session.rollback()
    client = app.test_client()

    def items_after(after: int) -> list[dict]:
        # The client reuses this app context: end its read so the bot can write.
        try:
            response = client.get(f"/meetings/{meeting_id}/live.json?after={after}")
            return response.get_json()["items"]
        finally:
            db.session.rollback()

    last = max(i["id"] for i in items_after(0))
    delays = []
    for n in range(PROBES):
        said = time.perf_counter()
        alice.say(CHANNEL, f"#idea probe {n}")
        found: list = []

        def arrived(found: list = found, after: int = last) -> bool:
            found[:] = items_after(after)
            return bool(found)

        wait_until(arrived, 20, "the probe on the page")
        delays.append((time.perf_counter() - said) * 1000)
        last = found[-1]["id"]
    return {"delay_ms": statistics.median(delays), "delay_max_ms": max(delays)}


def passes(figures: dict[str, float]) -> bool:
    return (
        "missing" not in figures
        and figures["lines_per_s"] >= MIN_LINES_PER_S
        and figures["delay_ms"] <= MAX_DELAY_MS
    )


def describe(figures: dict[str, float]) -> str:
    if "missing" in figures:
        return "| chat bot: ngircd not found, not measured | - | - | FAIL |"
    return (
        f"| chat bot: lines stored per second under a flood of {LINES} "
        f"| {figures['lines_per_s']:.0f}/s | ≥ {MIN_LINES_PER_S:.0f}/s "
        f"| {'PASS' if figures['lines_per_s'] >= MIN_LINES_PER_S else 'FAIL'} |\n"
        f"| chat bot: line said → item in live.json, median of {PROBES} "
        f"(max {figures['delay_max_ms']:.0f} ms; the page polls every 2 s on top) "
        f"| {figures['delay_ms']:.0f} ms | ≤ {MAX_DELAY_MS:.0f} ms "
        f"| {'PASS' if figures['delay_ms'] <= MAX_DELAY_MS else 'FAIL'} |"
    )
