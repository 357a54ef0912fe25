"""Fixtures of the chat bot tests: a real IRC server, the bot on it, participants."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest

from loopback.irc_participant import Participant
from loopback.ircd import SKIP_PHRASE, Ngircd, find_ngircd, wait_until
from meetbot.chat.bot import Backoff, ChatBot
from meetbot.chat.irc import IrcTransport
from meetbot.chat.store import ChatStore, map_channel
from meetbot.services import chat_settings

REQUIRE_IRC = os.environ.get("MEETBOT_REQUIRE_IRC") == "1"


@pytest.fixture
def ircd(tmp_path):
    binary = find_ngircd()
    if binary is None:
        if REQUIRE_IRC:
            pytest.fail(f"MEETBOT_REQUIRE_IRC=1 but the {SKIP_PHRASE}")
        pytest.skip(f"{SKIP_PHRASE} (install Debian's ngircd to run these)")
    server = Ngircd(binary, tmp_path)
    server.start()
    yield server
    server.stop()


class RunningBot:
    def __init__(
        self,
        app,
        server: Ngircd,
        channels: dict[str, str],
        holder: str = "test-holder",
        lease_ttl: float = 30,
        **transport,
    ) -> None:
        self.app = app
        self.transport = IrcTransport(server.url, "meetbot", **transport)
        ids = {
            name: map_channel(self.transport.network, name, slug) for name, slug in channels.items()
        }
        self.store = ChatStore("meetbot", app.config["MEETBOT_BASE_URL"])
        self.bot = ChatBot(
            self.transport,
            self.store,
            ids,
            holder,
            lease_ttl=timedelta(seconds=lease_ttl),
            backoff=Backoff(first=0.1, most=0.5),
            reload=lambda: chat_settings.channels_on(self.transport.network),
        )
        self.channel_ids = ids
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def wait_joined(self) -> None:
        wanted = {name.casefold() for name in self.channel_ids}
        wait_until(lambda: wanted <= self.bot.joined, 20, "the bot to join its channels")

    def _run(self) -> None:
        with self.app.app_context():
            self.bot.run(self.stop)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=15)


@pytest.fixture
def start_bot(app, ircd):
    bots: list[RunningBot] = []
    participants: list[Participant] = []

    def start(channels: dict[str, str], *, wait: bool = True, **options) -> RunningBot:
        running = RunningBot(app, ircd, channels, **options)
        bots.append(running)
        if wait:
            running.wait_joined()
        return running

    def person(nick: str, channel: str) -> Participant:
        p = Participant(ircd.url, nick)
        participants.append(p)
        p.join(channel)
        return p

    start.person = person
    yield start
    for p in participants:
        p.close()
    for running in bots:
        running.close()
