"""The IRC transport, on jaraco's ``irc`` library (its Reactor, run in one thread).

One thread owns the connection: it reads the socket and sends queued lines within
the flood limit (a token bucket: ``burst`` lines at once, then ``rate`` per second;
the defaults stay under the usual server limits of ngircd, InspIRCd, Solanum).
"""

from __future__ import annotations

import queue
import ssl
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import irc.client
import irc.connection
from jaraco.stream import buffer

from meetbot.chat.flood import TokenBucket
from meetbot.chat.transport import (
    Connected,
    Disconnected,
    Event,
    Joined,
    Message,
    NickChanged,
    Parted,
)
from meetbot.domain.irc_names import parse_server

__all__ = ["IrcTransport", "parse_server"]

MAX_LINE_BYTES = 400  # what we send per PRIVMSG (the protocol's 512 minus the prefix)


def _chunks(text: str) -> list[str]:
    out, current = [], ""
    for ch in text.replace("\r", " ").replace("\n", " "):
        if len((current + ch).encode("utf-8")) > MAX_LINE_BYTES:
            out.append(current)
            current = ""
        current += ch
    return out + [current] if current or not out else out


class IrcTransport:
    """``Transport`` for one IRC network."""

    def __init__(
        self,
        server: str,
        nick: str,
        *,
        password: str | None = None,
        sasl: bool = False,
        rate: float = 2.0,
        burst: int = 5,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.tls = parse_server(server)
        self.nick, self.password, self.sasl = nick, password, sasl
        self.tls_context = tls_context
        self.events: queue.Queue[Event] = queue.Queue()
        self.bucket = TokenBucket(rate, burst)
        self.sent_at: list[float] = []  # monotonic times of lines sent (tests, bench)
        self._out: queue.Queue[Callable[[], None]] = queue.Queue()
        self._stop = threading.Event()
        self.reactor = irc.client.Reactor()
        self.conn = self.reactor.server()
        self.conn.buffer_class = buffer.LenientDecodingLineBuffer
        for name in ("welcome", "pubmsg", "action", "join", "part", "kick", "quit", "nick"):
            self.reactor.add_global_handler(name, getattr(self, "_on_" + name))
        self.reactor.add_global_handler("disconnect", self._on_disconnect)
        self.reactor.add_global_handler("nicknameinuse", self._on_nicknameinuse)
        self._thread = threading.Thread(target=self._run, name="irc-transport", daemon=True)
        self._thread.start()

    @property
    def network(self) -> str:
        return f"{'ircs' if self.tls else 'irc'}://{self.host}:{self.port}"

    # ------------------------------------------------------------ commands

    def connect(self) -> None:
        factory = irc.connection.Factory()
        if self.tls:
            context = self.tls_context or ssl.create_default_context()
            factory = irc.connection.Factory(
                wrapper=lambda sock: context.wrap_socket(sock, server_hostname=self.host)
            )
        with self.reactor.mutex:
            self._out = queue.Queue()  # lines queued for a dead connection are dropped
            try:
                self.conn.connect(
                    self.host,
                    self.port,
                    self.nick,
                    password=self.password if self.sasl else None,
                    sasl_login=self.nick if self.sasl and self.password else None,
                    connect_factory=factory,
                )
            except irc.client.ServerConnectionError as exc:
                raise OSError(f"cannot connect to {self.network}: {exc}") from None

    def join(self, channel: str) -> None:
        self._out.put(lambda: self.conn.join(channel))

    def part(self, channel: str) -> None:
        self._out.put(lambda: self.conn.part(channel))

    def say(self, channel: str, text: str) -> None:
        for chunk in _chunks(text):
            self._out.put(lambda chunk=chunk: self.conn.privmsg(channel, chunk))

    def set_topic(self, channel: str, topic: str) -> None:
        self._out.put(lambda: self.conn.topic(channel, _chunks(topic)[0]))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self.reactor.mutex:
            if self.conn.is_connected():
                self.conn.disconnect("meetbot stopping")

    # ------------------------------------------------------------ the thread

    def _run(self) -> None:
        while not self._stop.is_set():
            self.reactor.process_once(timeout=0.05)
            self._send_some()

    def _send_some(self) -> None:
        while not self._out.empty() and self.conn.is_connected():
            if self.bucket.take() > 0:
                return
            send = self._out.get_nowait()
            try:
                send()
                self.sent_at.append(time.monotonic())
            except irc.client.ServerNotConnectedError:
                return

    # ------------------------------------------------------------ events

    def _put(self, event: Event) -> None:
        self.events.put(event)

    def _on_welcome(self, conn, event) -> None:
        if self.password and not self.sasl:
            conn.privmsg("NickServ", f"IDENTIFY {self.password}")
        self._put(Connected(conn.get_nickname()))

    def _on_nicknameinuse(self, conn, event) -> None:
        conn.nick(conn.get_nickname() + "_")

    def _message(self, event, is_action: bool) -> None:
        if not irc.client.is_channel(event.target):
            return
        text = event.arguments[0] if event.arguments else ""
        now = datetime.now(UTC)
        self._put(Message(event.target, event.source.nick, text, is_action, now))

    def _on_pubmsg(self, conn, event) -> None:
        self._message(event, False)

    def _on_action(self, conn, event) -> None:
        self._message(event, True)

    def _on_join(self, conn, event) -> None:
        self._put(Joined(event.target, event.source.nick))

    def _on_part(self, conn, event) -> None:
        self._put(Parted(event.target, event.source.nick))

    def _on_kick(self, conn, event) -> None:
        self._put(Parted(event.target, event.arguments[0]))

    def _on_quit(self, conn, event) -> None:
        self._put(Parted(None, event.source.nick))

    def _on_nick(self, conn, event) -> None:
        self._put(NickChanged(event.source.nick, event.target))

    def _on_disconnect(self, conn, event) -> None:
        reason = event.arguments[0] if event.arguments else "disconnected"
        self._put(Disconnected(reason))
