"""A meeting participant played by a real IRC client (jaraco's irc library)."""

from __future__ import annotations

import threading

import irc.client
from jaraco.stream import buffer

from loopback.ircd import wait_until


class Participant:
    def __init__(self, url: str, nick: str) -> None:
        host, port = url.removeprefix("irc://").rsplit(":", 1)
        self.nick = nick
        self.heard: list[tuple[str, str]] = []  # (nick, text) said in channels
        self.topics: list[str] = []
        self.joined: set[str] = set()
        self.parted: list[tuple[str, str]] = []  # (nick, channel) of others who left
        self.welcomed = threading.Event()
        self.reactor = irc.client.Reactor()
        self.conn = self.reactor.server()
        self.conn.buffer_class = buffer.LenientDecodingLineBuffer
        self.reactor.add_global_handler("welcome", lambda c, e: self.welcomed.set())
        self.reactor.add_global_handler("pubmsg", self._on_pubmsg)
        self.reactor.add_global_handler("topic", self._on_topic)
        self.reactor.add_global_handler("join", self._on_join)
        self.reactor.add_global_handler("part", self._on_part)
        self._stop = threading.Event()
        self.conn.connect(host, int(port), nick)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.welcomed.wait(10), f"{nick} was not welcomed"

    def _run(self) -> None:
        while not self._stop.is_set():
            self.reactor.process_once(timeout=0.05)

    def _on_pubmsg(self, conn, event) -> None:
        self.heard.append((event.source.nick, event.arguments[0]))

    def _on_topic(self, conn, event) -> None:
        self.topics.append(event.arguments[-1])

    def _on_join(self, conn, event) -> None:
        if event.source.nick == self.nick:
            self.joined.add(event.target.casefold())

    def _on_part(self, conn, event) -> None:
        self.parted.append((event.source.nick, event.target.casefold()))

    def join(self, channel: str) -> None:
        with self.reactor.mutex:
            self.conn.join(channel)
        wait_until(lambda: channel.casefold() in self.joined, 10, f"{self.nick} to join")

    def say(self, channel: str, text: str) -> None:
        with self.reactor.mutex:
            self.conn.privmsg(channel, text)

    def me(self, channel: str, text: str) -> None:
        with self.reactor.mutex:
            self.conn.action(channel, text)

    def wait_to_hear(self, fragment: str, timeout: float = 10) -> str:
        found: list[str] = []

        def heard() -> bool:
            found[:] = [t for _n, t in self.heard if fragment in t]
            return bool(found)

        wait_until(heard, timeout, f"{self.nick} to hear {fragment!r}")
        return found[0]

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)
        with self.reactor.mutex:
            if self.conn.is_connected():
                self.conn.disconnect("bye")
