"""``chat-bot`` without ``--server``: one bot per connection organizers configured
(``services.chat_connections.plan``), each in a thread of its own with its own
transport, channel leases, reconnect backoff and flood limit.

The plan is re-read on a timer (every 10 s, with the lease renewal): a network added
on a group's chat page is connected, a removed one disconnected (its bot gives its
leases up first), a changed nick or password reconnects. Each bot re-reads its own
channels on its lease timer, as with ``--server``. Stopping the fleet stops every bot.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from meetbot.chat.bot import ChatBot
from meetbot.services.chat_connections import Connection, plan

__all__ = ["Fleet", "MakeBot"]

log = logging.getLogger(__name__)

#: Builds the bot of a connection: (connection, its channels now, lease holder).
MakeBot = Callable[[Connection, dict[str, int], str], ChatBot]


@dataclass
class _Running:
    bot: ChatBot
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


class Fleet:
    """The bots of every configured connection, started and stopped as the plan says."""

    def __init__(
        self,
        app: Flask,
        make_bot: MakeBot,
        holder: str,
        *,
        every: float = 10.0,
        report: Callable[[str], None] = log.info,
    ) -> None:
        self.app, self.make_bot, self.holder, self.every = app, make_bot, holder, every
        self.report = report  # the CLI prints what it connects and leaves
        self.bots: dict[Connection, _Running] = {}
        self._started = 0

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: re-read the plan, start and stop bots; then stop all."""
        try:
            while not stop.is_set():
                self.sync()
                stop.wait(self.every)
        finally:
            self.stop_all()

    def sync(self) -> None:
        """Stop the bots whose connection is gone, start the new ones."""
        try:
            wanted = plan()
        except Exception:  # noqa: BLE001 - a lost database must not stop the bots
            log.exception("the configured networks could not be read; keeping the bots")
            return
        for connection in [c for c in self.bots if c not in wanted]:
            self.report(f"chat-bot: leaving {connection.server} as {connection.nick}")
            self._stop(connection)
        for connection in [c for c, r in self.bots.items() if not r.alive()]:
            log.warning("chat-bot: the bot of %s stopped; starting it again", connection.server)
            self._stop(connection)  # started again below, with a fresh transport
        for connection, channels in wanted.items():
            if connection not in self.bots:
                names = ", ".join(sorted(channels)) or "none yet"
                self.report(f"chat-bot: {connection.server} as {connection.nick}, channels {names}")
                self._start(connection, channels)

    def stop_all(self) -> None:
        for running in self.bots.values():
            running.stop.set()
        for connection in list(self.bots):
            self._stop(connection)

    def _start(self, connection: Connection, channels: dict[str, int]) -> None:
        self._started += 1
        holder = f"{self.holder}:{self._started}"[:100]  # one lease holder per bot
        running = _Running(self.make_bot(connection, channels, holder))
        running.thread = threading.Thread(
            target=self._serve, args=(running,), name=f"chat-bot {connection.server}", daemon=True
        )
        self.bots[connection] = running
        running.thread.start()

    def _serve(self, running: _Running) -> None:
        with self.app.app_context():
            try:
                running.bot.run(running.stop)
            except Exception:  # the next re-read starts it again
                log.exception("chat-bot: the bot of %s failed", running.bot.transport.network)

    def _stop(self, connection: Connection) -> None:
        running = self.bots.pop(connection)
        running.stop.set()
        if running.thread is not None:
            running.thread.join(timeout=15)
