"""The bot loop: connect (with backoff), join, hold the channel leases, and turn each
line said in a held channel into a stored line and MeetBot's answers.

The channels are re-read from the database on a timer, with each lease renewal (a
third of the lease: 10 s by default): a channel organizers map on the group's chat
page is joined, one they remove is left, without a restart."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from meetbot.chat import lease
from meetbot.chat.store import ChatStore, LineOutcome
from meetbot.chat.transport import Connected, Disconnected, Joined, Message, Transport

__all__ = ["Backoff", "ChatBot"]

log = logging.getLogger(__name__)


@dataclass
class Backoff:
    """Reconnect delays: ``first``, doubling up to ``most`` seconds; reset on success."""

    first: float = 1.0
    most: float = 60.0
    current: float = field(init=False, default=0.0)

    def next(self) -> float:
        self.current = self.first if self.current == 0 else min(self.most, self.current * 2)
        return self.current

    def reset(self) -> None:
        self.current = 0.0


class ChatBot:
    """Runs one transport for the channels mapped on its network (name -> channel id)."""

    def __init__(
        self,
        transport: Transport,
        store: ChatStore,
        channels: dict[str, int],
        holder: str,
        *,
        lease_ttl: timedelta = lease.DEFAULT_TTL,
        backoff: Backoff | None = None,
        reload: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        self.transport, self.store, self.holder = transport, store, holder
        self.channels = {name.casefold(): (name, cid) for name, cid in channels.items()}
        self.reload = reload  # the channels mapped now (name -> channel id)
        self.lease_ttl = lease_ttl
        self.backoff = backoff or Backoff()
        self.held: set[int] = set()
        self.nick: str | None = None
        self.connected = threading.Event()
        self.lines_stored = 0
        self.joined: set[str] = set()  # channels (casefolded) the bot is in
        self.outcomes: queue.Queue[LineOutcome] = queue.Queue()  # for tests and the bench

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: connect, serve, reconnect after a backoff."""
        try:
            while not stop.is_set():
                try:
                    self.transport.connect()
                except OSError as exc:
                    log.warning("%s; retrying", exc)
                    stop.wait(self.backoff.next())
                    continue
                self._serve(stop)
                if not stop.is_set():
                    stop.wait(self.backoff.next())
        finally:
            for channel_id in list(self.held):
                lease.release(channel_id, self.holder)
            self.transport.close()

    def _serve(self, stop: threading.Event) -> None:
        renew_at = 0.0
        while not stop.is_set():
            if time.monotonic() >= renew_at:
                self._reload()
                self._renew()
                renew_at = time.monotonic() + self.lease_ttl.total_seconds() / 3
            try:
                event = self.transport.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(event, Connected):
                self.backoff.reset()
                self._connected(event.nick)
            elif isinstance(event, Joined) and event.nick == self.nick:
                self.joined.add(event.channel.casefold())
            elif isinstance(event, Disconnected):
                log.warning("disconnected from %s: %s", self.transport.network, event.reason)
                self.connected.clear()
                self.joined.clear()
                return
            elif isinstance(event, Message):
                self._message(event)

    def _connected(self, nick: str) -> None:
        self.nick = nick
        self.store.add_bot(nick)
        for name, _cid in self.channels.values():
            self.transport.join(name)
        self.connected.set()

    def _reload(self) -> None:
        """Join the channels mapped since, leave the ones no longer mapped."""
        if self.reload is None:
            return
        try:
            fresh = {name.casefold(): (name, cid) for name, cid in self.reload().items()}
        except Exception:  # noqa: BLE001 - a lost database must not stop the bot
            log.exception("the mapped channels could not be read; keeping the old list")
            return
        online = self.connected.is_set()
        for key, (name, cid) in self.channels.items():
            if fresh.get(key, (None, None))[1] == cid:
                continue
            if cid in self.held:
                lease.release(cid, self.holder)
                self.held.discard(cid)
            self.store.forget(cid)
            if key not in fresh and online:
                self.transport.part(name)
                self.joined.discard(key)
        for key, (name, _cid) in fresh.items():
            if key not in self.channels and online:
                self.transport.join(name)
        self.channels = fresh

    def _renew(self) -> None:
        for _name, channel_id in self.channels.values():
            if lease.hold(channel_id, self.holder, self.lease_ttl):
                if channel_id not in self.held:
                    self.held.add(channel_id)
                    self.store.forget(channel_id)  # the other process may have written
            else:
                self.held.discard(channel_id)

    def _message(self, event: Message) -> None:
        entry = self.channels.get(event.channel.casefold())
        if entry is None or entry[1] not in self.held:
            return
        name, channel_id = entry
        try:
            outcome = self.store.record(
                channel_id, event.nick, event.text, is_action=event.is_action, said=event.at
            )
        except Exception:  # noqa: BLE001 - one bad line must not stop the bot
            log.exception("line from %s in %s not stored", event.nick, name)
            self.store.forget(channel_id)
            return
        self.lines_stored += 1
        if outcome.topic:
            self.transport.set_topic(name, outcome.topic)
        for reply in outcome.replies:
            self.transport.say(name, reply)
            self.store.record(channel_id, self.nick or "meetbot", reply)
        self.outcomes.put(outcome)
