"""Which connections ``chat-bot`` (without ``--server``) keeps, and the channels
each serves: the networks organizers configured on the groups' chat pages.

One connection per server URL and nick (nicks compared case-insensitively, as IRC
does): two groups on the same server with the same nick share it, different nicks
are separate connections. The credentials of a shared connection are those of its
first network (by id) that has a password, else its first network: a nick has one
password, so two groups giving different ones cannot both be right.

A channel is served by the connection of its group's network on that server; a
channel mapped with ``chat-bot --server ... --channel`` for a group that configured no
network there goes to the first network (by id) configured on that server (the same
rule as ``chat_settings.network_for``), and is not served without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Row, select

from meetbot.extensions import db
from meetbot.models import ChatAuth, ChatChannel, ChatNetwork
from meetbot.services.db import unit_of_work

__all__ = ["Connection", "channels_of", "plan"]


@dataclass(frozen=True)
class Connection:
    """Where to connect and as whom; the password never appears in its repr."""

    server: str
    nick: str
    auth: ChatAuth = ChatAuth.NONE
    password: str | None = field(default=None, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return self.server, self.nick.casefold()


def _connections(rows: list[Row]) -> dict[tuple[str, str], Connection]:
    """One connection per (server, nick), credentials by the module's rule."""
    found: dict[tuple[str, str], Connection] = {}
    for row in rows:  # by id
        candidate = Connection(row.server, row.nick, ChatAuth(row.auth), row.password)
        had = found.get(candidate.key)
        if had is None or (had.password is None and row.password is not None):
            found[candidate.key] = candidate
    return found


def plan() -> dict[Connection, dict[str, int]]:
    """Every connection to keep -> its channels (name -> mapping id), in one short
    read (the bot re-reads this every 10 s: networks added or removed on the page
    are connected or disconnected, channels joined or left)."""
    with unit_of_work():  # ends the read: the bot's threads hold no transaction open
        # plain rows, not objects: nothing is loaded after the commit (a lazy load
        # would open a transaction the bot's thread never ends)
        networks = db.session.execute(
            select(
                ChatNetwork.group_id,
                ChatNetwork.server,
                ChatNetwork.nick,
                ChatNetwork.auth,
                ChatNetwork.password,
            ).order_by(ChatNetwork.id)
        ).all()
        channels = db.session.execute(
            select(ChatChannel.network, ChatChannel.group_id, ChatChannel.channel, ChatChannel.id)
        ).all()
    connections = _connections(networks)
    by_group = {(n.group_id, n.server): (n.server, n.nick.casefold()) for n in networks}
    first_on: dict[str, tuple[str, str]] = {}
    for n in networks:
        first_on.setdefault(n.server, (n.server, n.nick.casefold()))
    result: dict[Connection, dict[str, int]] = {c: {} for c in connections.values()}
    for server, group_id, name, channel_id in channels:
        key = by_group.get((group_id, server)) or first_on.get(server)
        if key is not None:
            result[connections[key]][name] = channel_id
    return result


def channels_of(connection: Connection) -> dict[str, int]:
    """The channels ``connection`` serves now (empty once its network is gone)."""
    for found, channels in plan().items():
        if found.key == connection.key:
            return channels
    return {}
