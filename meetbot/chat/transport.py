"""The small interface between the bot and a chat network.

A transport connects, joins and leaves channels, says things and sets topics; what happens on
the network arrives as events in ``Transport.events`` (a thread-safe queue). The
IRC transport (``meetbot.chat.irc``) is one; a Matrix one would map rooms to
channels and m.room.message events to ``Message`` (docs/chat-bot.md).
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = [
    "Connected",
    "Disconnected",
    "Event",
    "Joined",
    "Message",
    "NickChanged",
    "Parted",
    "Transport",
]


@dataclass(frozen=True)
class Connected:
    nick: str  # the nick the network gave us


@dataclass(frozen=True)
class Disconnected:
    reason: str


@dataclass(frozen=True)
class Message:
    channel: str
    nick: str
    text: str
    is_action: bool
    at: datetime


@dataclass(frozen=True)
class Joined:
    channel: str
    nick: str


@dataclass(frozen=True)
class Parted:
    channel: str | None  # None: quit the network
    nick: str


@dataclass(frozen=True)
class NickChanged:
    old: str
    new: str


Event = Connected | Disconnected | Message | Joined | Parted | NickChanged


class Transport(Protocol):
    """What the bot needs of a chat network."""

    events: queue.Queue[Event]

    @property
    def network(self) -> str:
        """The network's identity without credentials, e.g. ``irc://host:6667``."""
        ...

    def connect(self) -> None:
        """Start connecting; ``Connected`` or ``Disconnected`` follows. Raises OSError
        when the server cannot be reached at all."""
        ...

    def join(self, channel: str) -> None: ...

    def part(self, channel: str) -> None:
        """Leave a channel (its mapping was removed)."""
        ...

    def say(self, channel: str, text: str) -> None:
        """Queue a line (sent within the flood limit)."""
        ...

    def set_topic(self, channel: str, topic: str) -> None: ...

    def close(self) -> None: ...
